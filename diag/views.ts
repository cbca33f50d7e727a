/**
 * The socket views: the typed message views of each diag family, with the values whose bytes
 * are not attributes decoded (addresses by family, `tcp_info`, abstract unix names, pending
 * connections, multicast lists, joined netlink groups, socket option bits).
 *
 * @module
 */

import { formatHex, formatIp } from "../netlink/addr.ts";
import { NLMSG_HDRLEN } from "../netlink/constants.ts";
import { decodeString, decorateView } from "../netlink/view.ts";
import type { AttrView, TypedMessage } from "../netlink/view.ts";
import { INET_DIAG_MESSAGE, MPTCP_DIAG_MESSAGE, TCP_DIAG_MESSAGE } from "./schemas/inet.ts";
import { UNIX_DIAG_MESSAGE } from "./schemas/unix.ts";
import { PACKET_DIAG_MESSAGE } from "./schemas/packet.ts";
import { NETLINK_DIAG_MESSAGE } from "./schemas/netlink.ts";
import { decodeMptcpInfo, decodeTcpInfo } from "./tcp_info.ts";
import type { MptcpInfo, TcpInfo } from "./tcp_info.ts";

/** `struct inet_diag_sockopt`: socket options as flags. */
export interface InetSockopt {
  /** IP_RECVERR. */
  recverr: boolean;
  /** A connection-oriented (inet_connection_sock) socket. */
  is_icsk: boolean;
  /** IP_FREEBIND. */
  freebind: boolean;
  /** IP_HDRINCL. */
  hdrincl: boolean;
  /** IP_MULTICAST_LOOP. */
  mc_loop: boolean;
  /** IP_TRANSPARENT. */
  transparent: boolean;
  /** IP_MULTICAST_ALL. */
  mc_all: boolean;
  /** IP_NODEFRAG. */
  nodefrag: boolean;
  /** IP_BIND_ADDRESS_NO_PORT. */
  bind_address_no_port: boolean;
  /** IP_RECVERR_RFC4884. */
  recverr_rfc4884: boolean;
  /** TCP_FASTOPEN_CONNECT (connect deferred to the first write). */
  defer_connect: boolean;
}

const SOCKOPT_BITS = [
  "recverr",
  "is_icsk",
  "freebind",
  "hdrincl",
  "mc_loop",
  "transparent",
  "mc_all",
  "nodefrag",
  "bind_address_no_port",
  "recverr_rfc4884",
  "defer_connect",
] as const;

/** Decodes `struct inet_diag_sockopt` (2 bytes of bit fields, low bits first). */
export function decodeSockopt(b: Uint8Array): InetSockopt {
  const out = {} as Record<string, boolean>;
  SOCKOPT_BITS.forEach((name, i) => {
    out[name] = ((b[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
  });
  return out as unknown as InetSockopt;
}

/**
 * An inet socket (`struct inet_diag_msg` and its extensions). `src`/`dst` are address text by
 * family, `sport`/`dport` host-order ports, `state` a {@link TCP_STATE} number, `inode` and
 * `uid` the socket file's, `cookie` the kernel's socket id. `info` is `tcp_info` for TCP,
 * `mptcp_info` for MPTCP (`I`), raw bytes for other protocols.
 */
export type InetSocket<I = TcpInfo | MptcpInfo | Uint8Array> =
  & Omit<TypedMessage<typeof INET_DIAG_MESSAGE>, "src" | "dst" | "info" | "sockopt">
  & {
    /** Local address ("10.0.0.1", "::1"). */
    readonly src: string;
    /** Remote address ("0.0.0.0"/"::" when none). */
    readonly dst: string;
    /** `INET_DIAG_INFO`, decoded for TCP and MPTCP (ask for the `info` extension). */
    readonly info?: I;
    /** `INET_DIAG_SOCKOPT`: socket option bits. */
    readonly sockopt?: InetSockopt;
  };

/** A TCP socket: `info` is `struct tcp_info`. */
export type TcpSocket = InetSocket<TcpInfo>;
/** An MPTCP socket: `info` is `struct mptcp_info`. */
export type MptcpSocket = InetSocket<MptcpInfo>;

/** The 4 (IPv4) or 16 bytes of an address field of `struct inet_diag_msg`. */
function addressAt(v: AttrView, field: number): string {
  const m = v as unknown as { offset: number };
  const base = m.offset + NLMSG_HDRLEN;
  // Bytes the kernel did not send read as nothing (a malformed, short message).
  if (base + field + 16 > v.end) return "";
  return formatIp(v.u8, base + field, v.u8[base] === 10 ? 16 : 4);
}

for (const schema of [INET_DIAG_MESSAGE, TCP_DIAG_MESSAGE, MPTCP_DIAG_MESSAGE]) {
  decorateView(schema, {
    src: (v) => addressAt(v, 8),
    dst: (v) => addressAt(v, 24),
    sockopt: (v) => {
      const b = v.get("sockopt") as Uint8Array | undefined;
      return b && decodeSockopt(b);
    },
  }, { json: true });
}
decorateView(TCP_DIAG_MESSAGE, {
  info: (v) => {
    const b = v.get("info") as Uint8Array | undefined;
    return b && decodeTcpInfo(b);
  },
}, { json: true, cache: true });
decorateView(MPTCP_DIAG_MESSAGE, {
  info: (v) => {
    const b = v.get("info") as Uint8Array | undefined;
    return b && decodeMptcpInfo(b);
  },
}, { json: true, cache: true });

/**
 * A unix socket (`struct unix_diag_msg` and `UNIX_DIAG_*`): `type` 1 stream, 2 dgram,
 * 5 seqpacket; `state` a {@link TCP_STATE} number (`listen`, `established`, `close`); `name`
 * the bound path (`@…` for an abstract name); `peer` the inode of the other end; `icons` the
 * inodes of connections waiting to be accepted; `rqlen` the queues.
 */
export type UnixSocket = Omit<TypedMessage<typeof UNIX_DIAG_MESSAGE>, "name" | "icons"> & {
  /** The bound name: a path, or `@name` for an abstract socket; undefined when unbound. */
  readonly name?: string;
  /** Inodes of the connections waiting to be accepted (a listener's). */
  readonly icons?: number[];
};

/** A unix socket name: a path, or "@…" for an abstract name (whose first byte is NUL). */
export function unixName(b: Uint8Array): string {
  // Abstract names are length-delimited, NULs included: shown with "@" for NUL, as ss does.
  if (b.length > 0 && b[0] === 0) return "@" + utf8.decode(b.subarray(1)).replaceAll("\0", "@");
  return decodeString(b, 0, b.length);
}

const utf8 = new TextDecoder();

/** Little-endian u32 words of a payload (a trailing partial word is ignored). */
function words(b: Uint8Array): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= b.length; i += 4) out.push(dv.getUint32(i, true));
  return out;
}

decorateView(UNIX_DIAG_MESSAGE, {
  name: (v) => {
    const b = v.get("name") as Uint8Array | undefined;
    return b && unixName(b);
  },
  icons: (v) => {
    const b = v.get("icons") as Uint8Array | undefined;
    return b && words(b);
  },
}, { json: true });

/** One multicast membership of a packet socket (`struct packet_diag_mclist`). */
export interface PacketMclist {
  /** Interface index. */
  index: number;
  /** How many times it was added. */
  count: number;
  /** `PACKET_MR_*` type. */
  type: number;
  /** The address, as colon-separated hex. */
  addr: string;
}

/** One instruction of a classic BPF program (`struct sock_filter`). */
export interface SockFilterInsn {
  /** Opcode. */
  code: number;
  /** Jump if true. */
  jt: number;
  /** Jump if false. */
  jf: number;
  /** Constant. */
  k: number;
}

/**
 * A packet socket (`struct packet_diag_msg` and `PACKET_DIAG_*`): `type` 3 raw, 2 dgram;
 * `num` the protocol it is bound to (an ethertype: 3 is ETH_P_ALL); `info.index` the
 * interface.
 */
export type PacketSocket = Omit<TypedMessage<typeof PACKET_DIAG_MESSAGE>, "mclist" | "filter"> & {
  /** Multicast memberships. */
  readonly mclist?: PacketMclist[];
  /** The attached classic BPF program. */
  readonly filter?: SockFilterInsn[];
};

/** Decodes `struct packet_diag_mclist` entries (44 bytes each). */
export function decodeMclist(b: Uint8Array): PacketMclist[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: PacketMclist[] = [];
  for (let p = 0; p + 44 <= b.length; p += 44) {
    const alen = Math.min(dv.getUint16(p + 10, true), 32);
    const addr = formatHex(b, p + 12, alen);
    out.push({
      index: dv.getUint32(p, true),
      count: dv.getUint32(p + 4, true),
      type: dv.getUint16(p + 8, true),
      addr,
    });
  }
  return out;
}

/** Decodes a classic BPF program (`struct sock_filter`, 8 bytes each). */
export function decodeBpf(b: Uint8Array): SockFilterInsn[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: SockFilterInsn[] = [];
  for (let p = 0; p + 8 <= b.length; p += 8) {
    out.push({
      code: dv.getUint16(p, true),
      jt: b[p + 2],
      jf: b[p + 3],
      k: dv.getUint32(p + 4, true),
    });
  }
  return out;
}

decorateView(PACKET_DIAG_MESSAGE, {
  mclist: (v) => {
    const b = v.get("mclist") as Uint8Array | undefined;
    return b && decodeMclist(b);
  },
  filter: (v) => {
    const b = v.get("filter") as Uint8Array | undefined;
    return b && decodeBpf(b);
  },
}, { json: true });

/**
 * A netlink socket (`struct netlink_diag_msg` and `NETLINK_DIAG_*`): `protocol` the netlink
 * protocol, `portid` its address, `dst_portid`/`dst_group` where it sends, `groups` the
 * multicast groups it joined.
 */
export type NetlinkSocketInfo = Omit<TypedMessage<typeof NETLINK_DIAG_MESSAGE>, "groups"> & {
  /** The multicast groups joined, by number (1-based). */
  readonly groups?: number[];
};

/** Group numbers from a bitmap of u32 words (bit 0 of word 0 is group 1). */
export function groupsOf(b: Uint8Array): number[] {
  const out: number[] = [];
  words(b).forEach((w, i) => {
    for (let bit = 0; bit < 32; bit++) if (w & (1 << bit)) out.push(32 * i + bit + 1);
  });
  return out;
}

decorateView(NETLINK_DIAG_MESSAGE, {
  groups: (v) => {
    const b = v.get("groups") as Uint8Array | undefined;
    return b && groupsOf(b);
  },
}, { json: true });
