/**
 * The WireGuard generic netlink tables (linux/wireguard.h, family `wireguard`): commands,
 * device, peer and allowed-IP attributes, and their flags. Peers and allowed IPs are nests of
 * nests whose type is 0.
 *
 * @module
 */

import { attrs, genlMessage } from "../netlink/mod.ts";
import type { AttrSchema, GENLMSGHDR, MessageSchema } from "../netlink/mod.ts";

/** The family's name (`WG_GENL_NAME`). */
export const WG_GENL_NAME = "wireguard";
/** The family's version (`WG_GENL_VERSION`). */
export const WG_GENL_VERSION = 1;
/** Key length in bytes (`WG_KEY_LEN`). */
export const WG_KEY_LEN = 32;

/** `enum wg_cmd`. */
export const WG_CMD = { GET_DEVICE: 0, SET_DEVICE: 1 } as const;

/** `WGDEVICE_F_*`. */
export const WGDEVICE_F = { REPLACE_PEERS: 1 } as const;
/** `WGPEER_F_*`. */
export const WGPEER_F = { REMOVE_ME: 1, REPLACE_ALLOWEDIPS: 2, UPDATE_ONLY: 4 } as const;
/** `WGALLOWEDIP_F_*` (kernels from 6.17). */
export const WGALLOWEDIP_F = { REMOVE_ME: 1 } as const;

/** `WGALLOWEDIP_A_*`: one allowed IP (prefix). */
export const WGALLOWEDIP_A_TABLE = {
  WGALLOWEDIP_A_FAMILY: [1, "u16"],
  WGALLOWEDIP_A_IPADDR: [2, "ipaddr"],
  WGALLOWEDIP_A_CIDR_MASK: [3, "u8"],
  WGALLOWEDIP_A_FLAGS: [4, "u32"],
} as const;
/** The compiled WGALLOWEDIP_A table. */
export const WGALLOWEDIP_A: AttrSchema<"WGALLOWEDIP_A_", typeof WGALLOWEDIP_A_TABLE> = attrs(
  "WGALLOWEDIP_A_",
  WGALLOWEDIP_A_TABLE,
);

/** `struct __kernel_timespec`. */
export const WG_TIMESPEC = {
  kind: "struct",
  fields: [["tv_sec", "s64", 0], ["tv_nsec", "s64", 8]],
  size: 16,
} as const;

/** `WGPEER_A_*`: one peer. */
export const WGPEER_A_TABLE = {
  WGPEER_A_PUBLIC_KEY: [1, "binary"],
  WGPEER_A_PRESHARED_KEY: [2, "binary"],
  WGPEER_A_FLAGS: [3, "u32"],
  // struct sockaddr_in or sockaddr_in6, decoded by wireguard/wireguard.ts.
  WGPEER_A_ENDPOINT: [4, "binary"],
  WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL: [5, "u16"],
  WGPEER_A_LAST_HANDSHAKE_TIME: [6, WG_TIMESPEC],
  WGPEER_A_RX_BYTES: [7, "u64"],
  WGPEER_A_TX_BYTES: [8, "u64"],
  WGPEER_A_ALLOWEDIPS: [9, {
    kind: "array",
    type: 0,
    of: { kind: "nest", schema: (): typeof WGALLOWEDIP_A => WGALLOWEDIP_A },
  }],
  WGPEER_A_PROTOCOL_VERSION: [10, "u32"],
} as const;
/** The compiled WGPEER_A table. */
export const WGPEER_A: AttrSchema<"WGPEER_A_", typeof WGPEER_A_TABLE> = attrs(
  "WGPEER_A_",
  WGPEER_A_TABLE,
);

/** `WGDEVICE_A_*`: the device. */
export const WGDEVICE_A_TABLE = {
  WGDEVICE_A_IFINDEX: [1, "u32"],
  WGDEVICE_A_IFNAME: [2, "string"],
  WGDEVICE_A_PRIVATE_KEY: [3, "binary"],
  WGDEVICE_A_PUBLIC_KEY: [4, "binary"],
  WGDEVICE_A_FLAGS: [5, "u32"],
  WGDEVICE_A_LISTEN_PORT: [6, "u16"],
  WGDEVICE_A_FWMARK: [7, "u32"],
  WGDEVICE_A_PEERS: [8, {
    kind: "array",
    type: 0,
    of: { kind: "nest", schema: (): typeof WGPEER_A => WGPEER_A },
  }],
} as const;
/** The compiled WGDEVICE_A table. */
export const WGDEVICE_A: AttrSchema<"WGDEVICE_A_", typeof WGDEVICE_A_TABLE> = attrs(
  "WGDEVICE_A_",
  WGDEVICE_A_TABLE,
);

/** Requests and replies: genlmsghdr + `WGDEVICE_A_*`. */
export const WG_MESSAGE: MessageSchema<typeof GENLMSGHDR, typeof WGDEVICE_A> = genlMessage(
  "wireguard",
  WGDEVICE_A,
);
