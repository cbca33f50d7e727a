/**
 * The netlink library for Deno: configure Linux networking (links, addresses, routes, rules,
 * neighbours, bridges, traffic control, namespaces) and read per-task statistics by talking
 * netlink to the kernel. Needs only `--allow-ffi`.
 *
 * @example
 * ```ts
 * import { IPRoute, netns } from "@denonet/netlink";
 * netns.create("nldoc-mod");
 * try {
 *   using ip = new IPRoute({ netns: "nldoc-mod" });
 *   await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
 *   console.log((await ip.getLinks()).map((l) => l.ifname));
 * } finally {
 *   netns.remove("nldoc-mod");
 * }
 * ```
 *
 * @module
 */

export * from "./rtnl/mod.ts";
export * from "./ipdb/mod.ts";
export * from "./taskstats/mod.ts";
export * as netns from "./ffi/netns.ts";
export {
  DecodeError,
  DumpInterruptedError,
  GenericNetlink,
  NETLINK,
  NetlinkError,
  NetlinkSocket,
  OverrunError,
  PermissionError,
  SocketClosedError,
  SyscallError,
} from "./netlink/mod.ts";
export type { ExtAck, GenlFamily, NetlinkSocketOptions } from "./netlink/mod.ts";
