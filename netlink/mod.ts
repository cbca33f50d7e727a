/**
 * The netlink protocol layer: the schema language, lazy message views, the encoder, the request
 * engine and generic netlink. Kernel-family neutral: rtnetlink and taskstats are built on it.
 *
 * @example
 * ```ts
 * import { GenericNetlink } from "@denonet/netlink/netlink";
 * using genl = new GenericNetlink();
 * console.log((await genl.listFamilies()).map((f) => f.name));
 * ```
 *
 * @module
 */

export * from "./constants.ts";
export * from "./errors.ts";
export * from "./schema.ts";
export * from "./addr.ts";
export * from "./view.ts";
export * from "./list.ts";
export * from "./walk.ts";
export * from "./encoder.ts";
export * from "./engine.ts";
export * from "./genl.ts";
export * from "./strict.ts";
export * from "./subscription.ts";
export { NETLINK, NetlinkSocket, SocketClosedError } from "../ffi/socket.ts";
export type { NetlinkSocketOptions } from "../ffi/socket.ts";
export { SyscallError } from "../ffi/errors.ts";
export { PermissionError } from "../ffi/libc.ts";
