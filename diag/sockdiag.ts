/**
 * The SockDiag class: what `ss` shows, from the kernel's sock_diag (NETLINK_SOCK_DIAG) in one
 * network namespace. Inet sockets (TCP, UDP, UDP-Lite, raw, MPTCP over IPv4 and IPv6) dumped
 * and filtered in the kernel, one socket got by its address tuple, a connection killed
 * (`SOCK_DESTROY`), unix, packet and netlink sockets.
 *
 * @module
 */

import { NETLINK, NetlinkSocket } from "../ffi/socket.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import { NetlinkEngine } from "../netlink/engine.ts";
import type { Decoder } from "../netlink/engine.ts";
import { NetlinkError } from "../netlink/errors.ts";
import type { MessageSchema } from "../netlink/schema.ts";
import { messageViewClass } from "../netlink/view.ts";
import { SOCK_DESTROY, SOCK_DIAG_BY_FAMILY } from "./constants.ts";
import type { InetProtocolName } from "./constants.ts";
import { SocketListBuilder } from "./list.ts";
import type { SocketList, SocketViewCtor } from "./list.ts";
import { checkOptions } from "./options.ts";
import { checkArgs, KeySet } from "../netlink/strict.ts";
import {
  abortSignal,
  extMask,
  inetDump,
  inetExact,
  netlinkRequest,
  packetRequest,
  protocolName,
  schemaOf,
  unixRequest,
} from "./requests.ts";
import type {
  InetGetOptions,
  InetQuery,
  InetTuple,
  NetlinkQuery,
  PacketQuery,
  UnixQuery,
} from "./requests.ts";
import { UNIX_DIAG_MESSAGE } from "./schemas/unix.ts";
import { PACKET_DIAG_MESSAGE } from "./schemas/packet.ts";
import { NETLINK_DIAG_MESSAGE } from "./schemas/netlink.ts";
import type { MptcpInfo, TcpInfo } from "./tcp_info.ts";
// The views decode what is not attributes (addresses, tcp_info, names) once imported.
import "./views.ts";
import type { InetSocket, NetlinkSocketInfo, PacketSocket, UnixSocket } from "./views.ts";

const OPTION_KEYS = new KeySet("SockDiag option", ["netns", "rcvbuf"]);
const GET_KEYS = new KeySet("get option", ["extensions", "signal"]);
const DESTROY_KEYS = new KeySet("destroy option", ["signal"]);

/** Options of {@link SockDiag}. */
export interface SockDiagOptions {
  /** The network namespace whose sockets to see: a name under /run/netns, a path, or `{ pid }`. */
  netns?: NetnsTarget;
  /** Receive buffer in bytes (default 1 MiB). */
  rcvbuf?: number;
}

/** The decoded `info` of sockets of protocol `P`. */
export type InfoOf<P> = P extends "tcp" ? TcpInfo : P extends "mptcp" ? MptcpInfo : Uint8Array;

/** Turns the kernel's "no handler for this protocol" into an error that says so. */
function missingHandler(e: unknown, what: string, config: string): unknown {
  if (e instanceof NetlinkError && e.code === "ENOENT") {
    return new NetlinkError(e.errno, {
      ...e.extack,
      msg: `the kernel has no sock_diag support for ${what} (built without ${config}?)`,
    }, e.request);
  }
  return e;
}

function gone(e: unknown): boolean {
  // No such socket (ENOENT), or the cookie names another one (ESTALE).
  return e instanceof NetlinkError && (e.code === "ENOENT" || e.code === "ESTALE");
}

/**
 * Sockets of one network namespace, as `ss` shows them (pyroute2's `DiagSocket`,
 * vishvananda/netlink's `SocketDiag*`). Results are lazy {@link SocketList}s of typed views
 * over the received datagrams.
 *
 * ```ts
 * import { SockDiag } from "@denonet/netlink/diag";
 * using diag = new SockDiag();
 * for (const s of await diag.inet({ states: ["listen"] })) {
 *   console.log(s.src, s.sport, s.inode);
 * }
 * ```
 */
export class SockDiag implements Disposable {
  /** The NETLINK_SOCK_DIAG socket. */
  readonly socket: NetlinkSocket;
  /** The request engine. */
  readonly engine: NetlinkEngine;

  /** Opens a NETLINK_SOCK_DIAG socket (in `options.netns` when given). */
  constructor(options: SockDiagOptions = {}) {
    checkArgs("SockDiag", 1, arguments.length);
    const o = checkOptions(options, OPTION_KEYS);
    this.socket = new NetlinkSocket(NETLINK.SOCK_DIAG, {
      netns: o.netns,
      rcvbuf: o.rcvbuf ?? 1 << 20,
    });
    this.engine = new NetlinkEngine(this.socket);
  }

  /** Runs requests (dumps, or one get with `one`) and lists the sockets they answer with. */
  async #list<T>(
    requests: Uint8Array[],
    schema: MessageSchema,
    describe: string,
    signal: AbortSignal | undefined,
    one = false,
  ): Promise<SocketList<T>> {
    // Each run of a dump records into its own builder, which the engine makes again should the
    // dump start over (after an overrun): what a lost run recorded is dropped with it.
    let run = new SocketListBuilder();
    const decoder: Decoder<never> = (dv, u8, off, len, type) => {
      if (type === SOCK_DIAG_BY_FAMILY) run.add(dv, u8, off, len);
      return undefined;
    };
    const builder = new SocketListBuilder();
    if (one) {
      try {
        await this.engine.request(requests[0], { decoder, describe, signal });
      } catch (e) {
        if (!gone(e)) throw e;
      }
      builder.append(run);
    } else {
      // The kernel runs one dump per socket at a time: the families are dumped in turn.
      for (const bytes of requests) {
        builder.append(
          await this.engine.dumpAll(bytes, {
            decoder,
            describe,
            signal,
            collect: () => (run = new SocketListBuilder()),
          }),
        );
      }
    }
    return builder.list(messageViewClass(schema) as unknown as SocketViewCtor<T>);
  }

  /**
   * Dumps inet sockets: TCP by default, of both families, in every state. The kernel filters
   * by family, protocol, state and `filter` (compiled to bytecode as `ss` compiles its
   * filters), so only matching sockets cross to user space.
   */
  async inet<P extends InetProtocolName = "tcp">(
    query: InetQuery<P> = {},
  ): Promise<SocketList<InetSocket<InfoOf<P>>>> {
    checkArgs("inet", 1, arguments.length);
    const { requests, protocol, signal } = inetDump(query);
    const name = protocolName(protocol);
    try {
      return await this.#list(requests, schemaOf(protocol), `inet_diag ${name} dump`, signal);
    } catch (e) {
      throw missingHandler(e, `${name} sockets`, `CONFIG_INET_${name.toUpperCase()}_DIAG`);
    }
  }

  /**
   * One inet socket by its tuple (or a socket view from a TCP dump: read again), or undefined
   * when there is none. With `cookie`, only that very socket.
   */
  async get(
    socket: InetTuple | InetSocket,
    options: InetGetOptions = {},
  ): Promise<InetSocket | undefined> {
    checkArgs("get", 2, arguments.length);
    const o = checkOptions(options, GET_KEYS);
    const { bytes, protocol } = inetExact(SOCK_DIAG_BY_FAMILY, socket, extMask(o.extensions));
    const list = await this.#list<InetSocket>(
      [bytes],
      schemaOf(protocol),
      "inet_diag get",
      abortSignal(o.signal),
      true,
    );
    return list.at(0);
  }

  /**
   * Closes a socket from outside its process (`SOCK_DESTROY`): a TCP connection is reset (the
   * peer sees ECONNRESET), a UDP socket's pending calls fail. Needs CAP_NET_ADMIN and a
   * kernel built with CONFIG_INET_DIAG_DESTROY (else `NetlinkError` EOPNOTSUPP); a socket
   * that does not exist is `NetlinkError` ENOENT.
   */
  async destroy(
    socket: InetTuple | InetSocket,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    checkArgs("destroy", 2, arguments.length);
    const o = checkOptions(options, DESTROY_KEYS);
    const { bytes } = inetExact(SOCK_DESTROY, socket, 0);
    await this.engine.request(bytes, { describe: "SOCK_DESTROY", signal: abortSignal(o.signal) });
  }

  /** Dumps unix sockets (`ss -x`): names, peers, queues, the bound file's inode. */
  async unix(query: UnixQuery = {}): Promise<SocketList<UnixSocket>> {
    checkArgs("unix", 1, arguments.length);
    const { bytes, one, signal } = unixRequest(query);
    return await this.#list([bytes], UNIX_DIAG_MESSAGE, "unix_diag dump", signal, one);
  }

  /** Dumps packet sockets (`ss -0`): bound protocol and interface, rings, fanout, filter. */
  async packet(query: PacketQuery = {}): Promise<SocketList<PacketSocket>> {
    checkArgs("packet", 1, arguments.length);
    const { bytes, signal } = packetRequest(query);
    try {
      return await this.#list([bytes], PACKET_DIAG_MESSAGE, "packet_diag dump", signal);
    } catch (e) {
      throw missingHandler(e, "packet sockets", "CONFIG_PACKET_DIAG");
    }
  }

  /** Dumps netlink sockets (`ss -A netlink`): protocol, port ids, groups, flags. */
  async netlink(query: NetlinkQuery = {}): Promise<SocketList<NetlinkSocketInfo>> {
    checkArgs("netlink", 1, arguments.length);
    const { bytes, signal } = netlinkRequest(query);
    try {
      return await this.#list([bytes], NETLINK_DIAG_MESSAGE, "netlink_diag dump", signal);
    } catch (e) {
      throw missingHandler(e, "netlink sockets", "CONFIG_NETLINK_DIAG");
    }
  }

  /** Closes the socket; pending requests reject. Closing twice is harmless. */
  close(): void {
    if (this.socket.closed) return;
    this.engine.failAll(new Error("SockDiag was closed while the request was pending"));
    this.socket.close();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
