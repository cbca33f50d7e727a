/**
 * sock_diag constants: message types (linux/sock_diag.h), socket states (linux/tcp_states.h
 * names, prefix dropped and lower-cased), `idiag_ext` bits, show flags, families and protocols.
 *
 * @module
 */

/** `SOCK_DIAG_BY_FAMILY`: dump or get sockets of one family. */
export const SOCK_DIAG_BY_FAMILY = 20;
/** `SOCK_DESTROY`: close a socket (TCP: a reset is sent to the peer). */
export const SOCK_DESTROY = 21;

/** Address families of the diag handlers. */
export const AF = { unix: 1, inet: 2, inet6: 10, netlink: 16, packet: 17 } as const;

/** Protocols of inet sockets (`IPPROTO_*`). */
export const INET_PROTOCOL = {
  tcp: 6,
  udp: 17,
  udplite: 136,
  raw: 255,
  mptcp: 262,
} as const;

/** A protocol name of {@link INET_PROTOCOL}. */
export type InetProtocolName = keyof typeof INET_PROTOCOL;

/**
 * Socket states (`TCP_*` of linux/tcp_states.h, prefix dropped, lower-cased). UDP and raw
 * sockets use `close` (unconnected) and `established` (connected); unix sockets `close`,
 * `listen` and `established`.
 */
export const TCP_STATE = {
  established: 1,
  syn_sent: 2,
  syn_recv: 3,
  fin_wait1: 4,
  fin_wait2: 5,
  time_wait: 6,
  close: 7,
  close_wait: 8,
  last_ack: 9,
  listen: 10,
  closing: 11,
  new_syn_recv: 12,
  bound_inactive: 13,
} as const;

/** A state name of {@link TCP_STATE}. */
export type TcpStateName = keyof typeof TCP_STATE;

/** The state name of a state number (the number itself when unknown). */
export function stateName(state: number): TcpStateName | number {
  return STATE_NAMES[state] ?? state;
}

const STATE_NAMES: (TcpStateName | undefined)[] = [];
for (const [name, n] of Object.entries(TCP_STATE)) STATE_NAMES[n] = name as TcpStateName;

/**
 * The states of `"all"` (bits 1..12, what `ss -a` asks for): `bound_inactive` (bound, neither
 * listening nor connected; kernel 6.5+) is dumped only when named.
 */
export const ALL_STATES = 0x1ffe;

const bit = (...names: TcpStateName[]) => names.reduce((m, n) => m | (1 << TCP_STATE[n]), 0);

/**
 * Names `ss` accepts for states and groups of states (its `state` filter words), as explicit
 * aliases of the kernel's names: `"listening"` is `listen`, `"connected"` every state but
 * `listen` and `close`, and so on.
 */
export const STATE_ALIASES: Readonly<Record<string, number>> = {
  all: ALL_STATES,
  "syn-sent": bit("syn_sent"),
  "syn-recv": bit("syn_recv"),
  "syn-rcv": bit("syn_recv"),
  "fin-wait-1": bit("fin_wait1"),
  "fin-wait-2": bit("fin_wait2"),
  "time-wait": bit("time_wait"),
  closed: bit("close"),
  unconnected: bit("close"),
  "close-wait": bit("close_wait"),
  "last-ack": bit("last_ack"),
  listening: bit("listen"),
  connected: ALL_STATES & ~bit("close", "listen"),
  synchronized: ALL_STATES & ~bit("close", "listen", "syn_sent"),
  bucket: bit("syn_recv", "time_wait"),
  big: ALL_STATES & ~bit("syn_recv", "time_wait"),
};

/**
 * Extensions an inet dump can ask for (`INET_DIAG_*` numbers 1..8, the bits of `idiag_ext`).
 * `vegasinfo` also brings the congestion algorithm's own info (DCTCP, BBR); `tclass` also the
 * cgroup class id.
 */
export const INET_DIAG_EXT = {
  meminfo: 1,
  info: 2,
  vegasinfo: 3,
  cong: 4,
  tos: 5,
  tclass: 6,
  skmeminfo: 7,
  shutdown: 8,
} as const;

/** An extension name of {@link INET_DIAG_EXT}. */
export type InetExtension = keyof typeof INET_DIAG_EXT;

/** Bytecode operations of `INET_DIAG_REQ_BYTECODE` (`INET_DIAG_BC_*`). */
export const INET_DIAG_BC = {
  nop: 0,
  jmp: 1,
  s_ge: 2,
  s_le: 3,
  d_ge: 4,
  d_le: 5,
  auto: 6,
  s_cond: 7,
  d_cond: 8,
  dev_cond: 9,
  mark_cond: 10,
  s_eq: 11,
  d_eq: 12,
  cgroup_cond: 13,
} as const;

/** What a unix dump reports (`UDIAG_SHOW_*`). */
export const UDIAG_SHOW = {
  name: 0x1,
  vfs: 0x2,
  peer: 0x4,
  icons: 0x8,
  rqlen: 0x10,
  meminfo: 0x20,
  uid: 0x40,
} as const;

/** A name of {@link UDIAG_SHOW}. */
export type UnixShow = keyof typeof UDIAG_SHOW;

/** What a packet socket dump reports (`PACKET_SHOW_*`). */
export const PACKET_SHOW = {
  info: 0x1,
  mclist: 0x2,
  ring_cfg: 0x4,
  fanout: 0x8,
  meminfo: 0x10,
  filter: 0x20,
} as const;

/** A name of {@link PACKET_SHOW}. */
export type PacketShow = keyof typeof PACKET_SHOW;

/** What a netlink socket dump reports (`NDIAG_SHOW_*`). */
export const NDIAG_SHOW = {
  meminfo: 0x1,
  groups: 0x2,
  ring_cfg: 0x4,
  flags: 0x8,
} as const;

/** A name of {@link NDIAG_SHOW}. */
export type NetlinkShow = keyof typeof NDIAG_SHOW;

/** Socket types (`SOCK_*`) as unix and packet sockets report them. */
export const SOCK_TYPE = { stream: 1, dgram: 2, raw: 3, seqpacket: 5 } as const;
