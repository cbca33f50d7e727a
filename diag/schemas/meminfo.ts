/**
 * `SK_MEMINFO_*` (linux/sock_diag.h): a socket's memory, an array of `u32` that inet, unix,
 * packet and netlink sockets all report.
 *
 * @module
 */

/** The `SK_MEMINFO_*` words as a struct (names without the prefix). */
export const SK_MEMINFO = {
  kind: "struct",
  fields: [
    ["rmem_alloc", "u32"],
    ["rcvbuf", "u32"],
    ["wmem_alloc", "u32"],
    ["sndbuf", "u32"],
    ["fwd_alloc", "u32"],
    ["wmem_queued", "u32"],
    ["optmem", "u32"],
    ["backlog", "u32"],
    ["drops", "u32"],
  ],
} as const;
