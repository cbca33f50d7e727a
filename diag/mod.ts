/**
 * Sockets as `ss` shows them: the kernel's sock_diag (`NETLINK_SOCK_DIAG`) through the
 * {@link SockDiag} class, per network namespace. TCP, UDP, UDP-Lite, raw and MPTCP sockets of
 * IPv4 and IPv6, filtered in the kernel by state and by a typed {@link SockFilter} (compiled to
 * the bytecode `ss` sends), with `tcp_info`, the congestion algorithm and its state, memory,
 * marks, cgroup ids and the ULP decoded; one socket by its tuple; `SOCK_DESTROY`; unix, packet
 * and netlink sockets. Results are lazy {@link SocketList}s of typed views over the received
 * bytes: a dump of 100k sockets builds no object per socket until one is read.
 *
 * @example
 * ```ts
 * import { SockDiag } from "@denonet/netlink/diag";
 * import { netns } from "@denonet/netlink";
 *
 * const ns = `nldoc-diag-${Deno.pid}`; // a name no other process uses
 * netns.create(ns);
 * try {
 *   using diag = new SockDiag({ netns: ns });
 *   const tcp = await diag.inet({ states: ["listen", "established"], extensions: ["info"] });
 *   for (const s of tcp) console.log(s.src, s.sport, s.dst, s.dport, s.info?.rtt);
 *   const ssh = await diag.inet({ filter: { or: [{ sport: 22 }, { dport: 22 }] } });
 *   console.log(ssh.length, (await diag.unix()).length);
 * } finally {
 *   netns.remove(ns);
 * }
 * ```
 *
 * @module
 */

export { SockDiag } from "./sockdiag.ts";
export type { InfoOf, SockDiagOptions } from "./sockdiag.ts";
export { NETLINK_PROTOCOL, stateMask } from "./requests.ts";
export type {
  InetFamily,
  InetGetOptions,
  InetQuery,
  InetTuple,
  NetlinkQuery,
  PacketQuery,
  StateName,
  UnixQuery,
} from "./requests.ts";
export type { SocketList, SocketViewCtor } from "./list.ts";
export { compileFilter } from "./filter.ts";
export type { HostMatch, PortMatch, SockFilter, SockMatch } from "./filter.ts";
export type {
  InetSocket,
  InetSockopt,
  MptcpSocket,
  NetlinkSocketInfo,
  PacketMclist,
  PacketSocket,
  SockFilterInsn,
  TcpSocket,
  UnixSocket,
} from "./views.ts";
export {
  decodeMptcpInfo,
  decodeTcpInfo,
  MPTCP_INFO,
  MPTCP_INFO_SIZE,
  TCP_INFO,
  TCP_INFO_SIZE,
  TCPI_OPT,
} from "./tcp_info.ts";
export type { MptcpInfo, TcpInfo } from "./tcp_info.ts";
export {
  AF,
  ALL_STATES,
  INET_DIAG_EXT,
  INET_PROTOCOL,
  NDIAG_SHOW,
  PACKET_SHOW,
  SOCK_DESTROY,
  SOCK_DIAG_BY_FAMILY,
  SOCK_TYPE,
  STATE_ALIASES,
  stateName,
  TCP_STATE,
  UDIAG_SHOW,
} from "./constants.ts";
export type {
  InetExtension,
  InetProtocolName,
  NetlinkShow,
  PacketShow,
  TcpStateName,
  UnixShow,
} from "./constants.ts";
export * from "./schemas/inet.ts";
export * from "./schemas/unix.ts";
export * from "./schemas/packet.ts";
export * from "./schemas/netlink.ts";
export { SK_MEMINFO } from "./schemas/meminfo.ts";
