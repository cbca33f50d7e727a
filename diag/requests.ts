/**
 * sock_diag requests: each query (the options of a {@link SockDiag} method) checked and
 * encoded, before anything is sent. Bad input is a TypeError/RangeError naming the field.
 *
 * @module
 */

import { describeValue, parseIp } from "../netlink/addr.ts";
import { encodeMessage } from "../netlink/encoder.ts";
import { NLM_F } from "../netlink/constants.ts";
import type { MessageSchema } from "../netlink/schema.ts";
import {
  AF,
  ALL_STATES,
  INET_DIAG_EXT,
  INET_PROTOCOL,
  NDIAG_SHOW,
  PACKET_SHOW,
  SOCK_DIAG_BY_FAMILY,
  STATE_ALIASES,
  TCP_STATE,
  UDIAG_SHOW,
} from "./constants.ts";
import type {
  InetExtension,
  InetProtocolName,
  NetlinkShow,
  PacketShow,
  TcpStateName,
  UnixShow,
} from "./constants.ts";
import { compileFilter } from "./filter.ts";
import type { SockFilter } from "./filter.ts";
import { checkOptions } from "./options.ts";
import { KeySet } from "../netlink/strict.ts";
import {
  INET_DIAG_MESSAGE,
  INET_DIAG_REQUEST,
  MPTCP_DIAG_MESSAGE,
  TCP_DIAG_MESSAGE,
} from "./schemas/inet.ts";
import { UNIX_DIAG_REQUEST } from "./schemas/unix.ts";
import { PACKET_DIAG_REQUEST } from "./schemas/packet.ts";
import { NETLINK_DIAG_REQUEST } from "./schemas/netlink.ts";

/** An address family of inet sockets. */
export type InetFamily = "inet" | "inet6";

/** A state name, or one of `ss`'s names for states and groups of states. */
export type StateName = TcpStateName | keyof typeof STATE_ALIASES;

/** What {@link SockDiag.inet} dumps. */
export interface InetQuery<P extends InetProtocolName = InetProtocolName> {
  /** `"inet"`, `"inet6"` or both (the default). */
  family?: InetFamily | readonly InetFamily[];
  /** The protocol (default `"tcp"`). */
  protocol?: P;
  /** For raw sockets: the IP protocol they were opened with (0: every raw socket). */
  rawProtocol?: number;
  /**
   * States to dump (default `"all"`): kernel names (`"established"`, `"listen"`…), `ss`'s
   * names (`"listening"`, `"time-wait"`…) and groups (`"connected"`, `"synchronized"`,
   * `"bucket"`, `"big"`, `"all"`).
   */
  states?: StateName | readonly StateName[];
  /** A filter the kernel runs on every socket (see {@link SockFilter}). */
  filter?: SockFilter;
  /**
   * Extensions to ask for: `info` (tcp_info), `cong` (congestion algorithm), `vegasinfo`
   * (the algorithm's own info: BBR, DCTCP, Vegas), `meminfo`, `skmeminfo`, `tos`, `tclass`
   * (also the cgroup class id), `shutdown`; or `"all"`. Marks, the cgroup id, socket options
   * and the ULP come without asking (marks need CAP_NET_ADMIN).
   */
  extensions?: readonly InetExtension[] | "all";
  /** Aborts the dump. */
  signal?: AbortSignal;
}

/** One inet socket by its addresses and ports (as {@link SockDiag.get} and `destroy` take it). */
export interface InetTuple {
  /** The protocol (default `"tcp"`). */
  protocol?: InetProtocolName;
  /** Local address (the family follows from it). */
  src: string;
  /** Local port. */
  sport: number;
  /** Remote address (`"0.0.0.0"`/`"::"` for a listener). */
  dst: string;
  /** Remote port (0 for a listener). */
  dport: number;
  /** Bound interface index (default 0). */
  if?: number;
  /** The socket's cookie: when given, a different socket with the same tuple is not taken. */
  cookie?: number;
}

/** Options of {@link SockDiag.get}. */
export interface InetGetOptions {
  /** Extensions to ask for (see {@link InetQuery.extensions}). */
  extensions?: readonly InetExtension[] | "all";
  /** Aborts waiting. */
  signal?: AbortSignal;
}

/** What {@link SockDiag.unix} dumps. */
export interface UnixQuery {
  /** States (default `"all"`): `"listen"`, `"established"`, `"close"` (unconnected)… */
  states?: StateName | readonly StateName[];
  /** What to report (default all): `name`, `vfs`, `peer`, `icons`, `rqlen`, `meminfo`, `uid`. */
  show?: readonly UnixShow[] | "all";
  /** Only the socket with this inode. */
  inode?: number;
  /** Aborts the dump. */
  signal?: AbortSignal;
}

/** What {@link SockDiag.packet} dumps. */
export interface PacketQuery {
  /** What to report (default all): `info`, `mclist`, `ring_cfg`, `fanout`, `meminfo`, `filter`. */
  show?: readonly PacketShow[] | "all";
  /** Aborts the dump. */
  signal?: AbortSignal;
}

/** Netlink protocol names a netlink socket dump can select (`NETLINK_*`). */
export const NETLINK_PROTOCOL = {
  route: 0,
  usersock: 2,
  firewall: 3,
  sock_diag: 4,
  nflog: 5,
  xfrm: 6,
  selinux: 7,
  iscsi: 8,
  audit: 9,
  fib_lookup: 10,
  connector: 11,
  netfilter: 12,
  ip6_fw: 13,
  dnrtmsg: 14,
  kobject_uevent: 15,
  generic: 16,
  scsitransport: 18,
  ecryptfs: 19,
  rdma: 20,
  crypto: 21,
  smc: 22,
} as const;

/** What {@link SockDiag.netlink} dumps. */
export interface NetlinkQuery {
  /** Only sockets of this netlink protocol (a name or number; default every protocol). */
  protocol?: keyof typeof NETLINK_PROTOCOL | number;
  /** What to report (default all): `meminfo`, `groups`, `ring_cfg`, `flags`. */
  show?: readonly NetlinkShow[] | "all";
  /** Aborts the dump. */
  signal?: AbortSignal;
}

const INET_KEYS = new KeySet("inet query option", [
  "family",
  "protocol",
  "rawProtocol",
  "states",
  "filter",
  "extensions",
  "signal",
]);
const TUPLE_KEYS = new KeySet("socket key", [
  "protocol",
  "src",
  "sport",
  "dst",
  "dport",
  "if",
  "cookie",
]);
const UNIX_KEYS = new KeySet("unix query option", ["states", "show", "inode", "signal"]);
const PACKET_KEYS = new KeySet("packet query option", ["show", "signal"]);
const NETLINK_KEYS = new KeySet("netlink query option", ["protocol", "show", "signal"]);
/** `INET_DIAG_NOCOOKIE` twice: any socket with the tuple. */
const NOCOOKIE = new Uint8Array(8).fill(0xff);
const NDIAG_PROTO_ALL = 255;
/** The flags of a dump request, as the engine sends it. */
const DUMP = NLM_F.REQUEST | NLM_F.DUMP;

/** The message schema (and so the view class) of a protocol's sockets. */
export function schemaOf(protocol: number): MessageSchema {
  if (protocol === INET_PROTOCOL.tcp) return TCP_DIAG_MESSAGE;
  if (protocol === INET_PROTOCOL.mptcp) return MPTCP_DIAG_MESSAGE;
  return INET_DIAG_MESSAGE;
}

/** The protocol name of a number (for messages). */
export function protocolName(protocol: number): string {
  return Object.entries(INET_PROTOCOL).find(([, n]) => n === protocol)?.[0] ?? String(protocol);
}

function protocolNumber(v: unknown, field: string): number {
  if (typeof v === "string" && Object.hasOwn(INET_PROTOCOL, v)) {
    return INET_PROTOCOL[v as InetProtocolName];
  }
  throw new TypeError(
    `${field}: unknown protocol ${describeValue(v)} (${Object.keys(INET_PROTOCOL).join(", ")})`,
  );
}

/** A state bitmask from names; TypeError naming the field for unknown names. */
export function stateMask(states: unknown, field = "states"): number {
  const list = typeof states === "string" ? [states] : states;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(`${field}: expected a state name or a non-empty array of them`);
  }
  let mask = 0;
  list.forEach((s, i) => {
    const f = typeof states === "string" ? field : `${field}[${i}]`;
    if (typeof s === "string" && Object.hasOwn(TCP_STATE, s)) {
      mask |= 1 << TCP_STATE[s as TcpStateName];
    } else if (typeof s === "string" && Object.hasOwn(STATE_ALIASES, s)) {
      mask |= STATE_ALIASES[s];
    } else throw new TypeError(`${f}: unknown socket state ${describeValue(s)}`);
  });
  return mask >>> 0;
}

/** A bitmask from flag names of `table` (or "all"); TypeError naming the field. */
function flagMask(
  v: unknown,
  table: Readonly<Record<string, number>>,
  field: string,
  bits: (n: number) => number = (n) => n,
): number {
  if (v === "all") return Object.values(table).reduce((m, n) => m | bits(n), 0) >>> 0;
  if (!Array.isArray(v)) {
    throw new TypeError(`${field}: expected "all" or an array of ${Object.keys(table).join(", ")}`);
  }
  let mask = 0;
  v.forEach((name, i) => {
    if (typeof name !== "string" || !Object.hasOwn(table, name)) {
      throw new TypeError(`${field}[${i}]: unknown name ${describeValue(name)}`);
    }
    mask |= bits(table[name]);
  });
  return mask >>> 0;
}

/** The `idiag_ext` bits of extension names. */
export function extMask(v: unknown, field = "extensions"): number {
  return v === undefined ? 0 : flagMask(v, INET_DIAG_EXT, field, (n) => 1 << (n - 1));
}

function familiesOf(v: unknown): number[] {
  if (v === undefined) return [AF.inet, AF.inet6];
  const list = typeof v === "string" ? [v] : v;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(`family: expected "inet", "inet6" or an array of them`);
  }
  return list.map((f, i) => {
    if (f === "inet") return AF.inet;
    if (f === "inet6") return AF.inet6;
    const field = typeof v === "string" ? "family" : `family[${i}]`;
    throw new TypeError(`${field}: unknown family ${describeValue(f)}`);
  });
}

function checkUint(v: unknown, max: number, field: string): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new TypeError(`${field}: expected an integer, got ${describeValue(v)}`);
  }
  if (v < 0 || v > max) throw new RangeError(`${field}: ${v} is out of range 0..${max}`);
  return v;
}

function cookieBytes(v: unknown, field: string): Uint8Array {
  if (v === undefined) return NOCOOKIE;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new TypeError(`${field}: expected a socket cookie (a non-negative integer)`);
  }
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  return b;
}

/** An abort signal option, checked. */
export function abortSignal(v: unknown): AbortSignal | undefined {
  if (v === undefined || v instanceof AbortSignal) return v;
  throw new TypeError(`signal: expected an AbortSignal, got ${describeValue(v)}`);
}

/** Encoded dump requests (one per family) and what reading their answers needs. */
export interface InetDump {
  /** The requests, dumped in turn. */
  requests: Uint8Array[];
  /** The protocol number. */
  protocol: number;
  /** Aborts the dump. */
  signal?: AbortSignal;
}

/** Checks and encodes an inet dump query (one request per family). */
export function inetDump(query: InetQuery = {}): InetDump {
  const q = checkOptions(query, INET_KEYS);
  const families = familiesOf(q.family);
  const protocol = q.protocol === undefined
    ? INET_PROTOCOL.tcp
    : protocolNumber(q.protocol, "protocol");
  const raw = q.rawProtocol === undefined ? 0 : checkUint(q.rawProtocol, 255, "rawProtocol");
  if (raw !== 0 && protocol !== INET_PROTOCOL.raw) {
    throw new TypeError(`rawProtocol: only for protocol "raw"`);
  }
  const states = q.states === undefined ? ALL_STATES : stateMask(q.states);
  const ext = extMask(q.extensions);
  const bytecode = q.filter === undefined ? undefined : compileFilter(q.filter);
  const signal = abortSignal(q.signal);
  const requests = families.map((family) =>
    encodeMessage(INET_DIAG_REQUEST, {
      type: SOCK_DIAG_BY_FAMILY,
      flags: DUMP,
      header: { family, protocol: protocol & 0xff, ext, raw_protocol: raw, states },
      attrs: {
        bytecode,
        // Protocols above 255 (MPTCP) do not fit the header's byte.
        protocol: protocol > 255 ? protocol : undefined,
      },
    })
  );
  return { requests, protocol, signal };
}

/** What a socket view from a dump offers to name itself again. */
interface ViewLike {
  readonly message: MessageSchema;
  readonly src: string;
  readonly sport: number;
  readonly dst: string;
  readonly dport: number;
  readonly if: number;
  readonly cookie: number;
}

/**
 * Checks and encodes a request for one socket (`SOCK_DIAG_BY_FAMILY` without a dump, or
 * `SOCK_DESTROY`) from a tuple or a socket view of a TCP or MPTCP dump.
 */
export function inetExact(
  type: number,
  socket: unknown,
  ext: number,
): { bytes: Uint8Array; protocol: number } {
  if (typeof socket !== "object" || socket === null) {
    throw new TypeError(`socket: expected { src, sport, dst, dport } or a socket view`);
  }
  let t: Partial<InetTuple>;
  let protocol: number;
  const view = socket as Partial<ViewLike>;
  if (view.message !== undefined) {
    protocol = view.message === TCP_DIAG_MESSAGE
      ? INET_PROTOCOL.tcp
      : view.message === MPTCP_DIAG_MESSAGE
      ? INET_PROTOCOL.mptcp
      : -1;
    if (protocol < 0) {
      throw new TypeError(
        "socket: a view of a non-TCP dump does not say its protocol: pass { protocol, src, sport, dst, dport }",
      );
    }
    t = {
      src: view.src,
      sport: view.sport,
      dst: view.dst,
      dport: view.dport,
      if: view.if,
      cookie: view.cookie,
    };
  } else {
    t = checkOptions(socket as InetTuple, TUPLE_KEYS);
    protocol = t.protocol === undefined
      ? INET_PROTOCOL.tcp
      : protocolNumber(t.protocol, "protocol");
  }
  const src = parseIp(t.src, "src");
  const dst = parseIp(t.dst, "dst");
  if (src.length !== dst.length) {
    throw new TypeError("dst: src and dst must be addresses of one family");
  }
  const sport = checkUint(t.sport, 0xffff, "sport");
  const dport = checkUint(t.dport, 0xffff, "dport");
  const iface = t.if === undefined ? 0 : checkUint(t.if, 0xffffffff, "if");
  const cookie = cookieBytes(t.cookie, "cookie");
  // UDP finds a socket as it would a packet: one from dst:dport to src:sport.
  const udp = protocol === INET_PROTOCOL.udp || protocol === INET_PROTOCOL.udplite;
  const bytes = encodeMessage(INET_DIAG_REQUEST, {
    type,
    flags: NLM_F.REQUEST,
    header: {
      family: src.length === 4 ? AF.inet : AF.inet6,
      protocol: protocol & 0xff,
      ext,
      states: ALL_STATES,
      sport: udp ? dport : sport,
      dport: udp ? sport : dport,
      src: udp ? dst : src,
      dst: udp ? src : dst,
      if: iface,
      cookie,
    },
    attrs: { protocol: protocol > 255 ? protocol : undefined },
  });
  return { bytes, protocol };
}

/** Checks and encodes a unix dump (or, with `inode`, get) request. */
export function unixRequest(query: UnixQuery = {}): {
  bytes: Uint8Array;
  one: boolean;
  signal?: AbortSignal;
} {
  const q = checkOptions(query, UNIX_KEYS);
  const states = q.states === undefined ? ALL_STATES : stateMask(q.states);
  const show = flagMask(q.show ?? "all", UDIAG_SHOW, "show");
  const ino = q.inode === undefined ? 0 : checkUint(q.inode, 0xffffffff, "inode");
  const bytes = encodeMessage(UNIX_DIAG_REQUEST, {
    type: SOCK_DIAG_BY_FAMILY,
    flags: q.inode === undefined ? DUMP : NLM_F.REQUEST,
    header: { family: AF.unix, states, show, ino, cookie: NOCOOKIE },
  });
  return { bytes, one: q.inode !== undefined, signal: abortSignal(q.signal) };
}

/** Checks and encodes a packet socket dump request. */
export function packetRequest(
  query: PacketQuery = {},
): { bytes: Uint8Array; signal?: AbortSignal } {
  const q = checkOptions(query, PACKET_KEYS);
  const show = flagMask(q.show ?? "all", PACKET_SHOW, "show");
  const bytes = encodeMessage(PACKET_DIAG_REQUEST, {
    type: SOCK_DIAG_BY_FAMILY,
    flags: DUMP,
    header: { family: AF.packet, show, cookie: NOCOOKIE },
  });
  return { bytes, signal: abortSignal(q.signal) };
}

/** Checks and encodes a netlink socket dump request. */
export function netlinkRequest(
  query: NetlinkQuery = {},
): { bytes: Uint8Array; signal?: AbortSignal } {
  const q = checkOptions(query, NETLINK_KEYS);
  let protocol: number = NDIAG_PROTO_ALL;
  if (typeof q.protocol === "string") {
    if (!Object.hasOwn(NETLINK_PROTOCOL, q.protocol)) {
      throw new TypeError(`protocol: unknown netlink protocol ${describeValue(q.protocol)}`);
    }
    protocol = NETLINK_PROTOCOL[q.protocol];
  } else if (q.protocol !== undefined) protocol = checkUint(q.protocol, 254, "protocol");
  const show = flagMask(q.show ?? "all", NDIAG_SHOW, "show");
  const bytes = encodeMessage(NETLINK_DIAG_REQUEST, {
    type: SOCK_DIAG_BY_FAMILY,
    flags: DUMP,
    header: { family: AF.netlink, protocol, show, cookie: NOCOOKIE },
  });
  return { bytes, signal: abortSignal(q.signal) };
}
