/**
 * The rtnetlink connection every verb module builds on: one NETLINK_ROUTE socket, its request
 * engine, and the helpers that turn a built request into acks, replies and dumps.
 *
 * @module
 */

import { NETLINK, NetlinkSocket, SocketClosedError } from "../ffi/socket.ts";
import { closeFd, openFd } from "../ffi/netns.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import { checkKeys, KeySet } from "../netlink/strict.ts";
import { NetlinkEngine } from "../netlink/engine.ts";
import type { DumpOptions } from "../netlink/engine.ts";
import { encodeMessage } from "../netlink/encoder.ts";
import type { MessageSpec } from "../netlink/encoder.ts";
import type { MessageSchema } from "../netlink/schema.ts";
import { messageViewClass } from "../netlink/view.ts";
import type { ViewCtor } from "../netlink/view.ts";
import type { TypedMessage } from "../netlink/view.ts";
import { NLM_F } from "../netlink/constants.ts";
import { describeValue } from "../netlink/addr.ts";
import { RTM, rtmName } from "./constants.ts";
import { LINK_MESSAGE } from "./schemas/link.ts";
import { NetlinkError } from "../netlink/errors.ts";
import { MessageListBuilder } from "../netlink/list.ts";
import type { ListViewCtor, MessageList } from "../netlink/list.ts";

/** Options of {@link RtnlCore} and IPRoute. */
export interface IPRouteOptions {
  /**
   * Work in this network namespace: a name under /run/netns, a path, `{ pid }` or `{ fd }`. The
   * namespace is held open until {@link RtnlCore.close}.
   */
  netns?: NetnsTarget;
  /** Receive buffer in bytes (default 4 MiB: dumps of a million routes need room). */
  rcvbuf?: number;
  /** Kernel-side strict checking of dump filters (default true). */
  strict?: boolean;
}

/** A request ready to send: its bytes, schema and a description for errors. */
export interface Built<M extends MessageSchema = MessageSchema> {
  /** The encoded message. */
  bytes: Uint8Array;
  /** Its schema (decodes replies and names attributes in errors). */
  schema: M;
  /** E.g. "RTM_NEWROUTE". */
  describe: string;
  /** Releases what building took (namespace descriptors), after the request is answered. */
  cleanup?: () => void;
}

/** Thrown when an interface name given in a spec does not exist. */
export class NoSuchInterfaceError extends NetlinkError {
  /** The error for interface `name` given in `field`. */
  constructor(name: string, field: string) {
    super(19, { msg: `${field}: no interface named ${JSON.stringify(name)}` }, "interface lookup");
  }
}

const OPTION_KEYS = new KeySet("IPRoute option", ["netns", "rcvbuf", "strict"]);
const DUMP_OPTIONS = new KeySet("dump option", [
  "decoder",
  "schema",
  "describe",
  "signal",
  "retryInterrupted",
  "endOnError",
]);

/**
 * The options of an rtnetlink dump (`ip.dump`, `dumpIter`, `dumpPages`, `dumpList`): the
 * engine's {@link DumpOptions} that make sense for one, and no others (they are refused).
 */
export type RtnlDumpOptions<T> = Pick<
  DumpOptions<T>,
  "decoder" | "schema" | "describe" | "signal" | "retryInterrupted" | "endOnError"
>;
const SPEC_KEYS = new KeySet("message spec key", ["type", "flags", "header", "attrs", "extra"]);

/** Checks a dump's options and spec, and encodes its request (flags | NLM_F_DUMP). */
function dumpRequest<M extends MessageSchema>(
  schema: M,
  spec: MessageSpec,
  opts: object,
): { C: ViewCtor<M>; bytes: Uint8Array } {
  checkKeys(opts, DUMP_OPTIONS, "opts");
  checkKeys(spec, SPEC_KEYS, "spec");
  const C = messageViewClass(schema);
  return { C, bytes: encodeMessage(schema, { ...spec, flags: spec.flags | NLM_F.DUMP }) };
}

/**
 * A dump decoder making a view of each reply (`type - 2`) or request-type message that `keep`
 * keeps: filtering as messages are decoded, with no second iterator wrapped around the dump's.
 */
function keptViews<M extends MessageSchema>(
  C: ViewCtor<M>,
  type: number,
  keep?: (message: TypedMessage<M>) => boolean,
): (
  dv: DataView,
  u8: Uint8Array,
  off: number,
  len: number,
  type: number,
) => TypedMessage<M> | undefined {
  return (dv, u8, off, len, t) => {
    if (t !== type - 2 && t !== type) return undefined;
    const m = new C(dv, u8, off, len) as TypedMessage<M>;
    return keep === undefined || keep(m) ? m : undefined;
  };
}

/** The rtnetlink connection. */
export class RtnlCore implements Disposable {
  /** The NETLINK_ROUTE socket. */
  readonly socket: NetlinkSocket;
  /** The request engine. */
  readonly engine: NetlinkEngine;
  /** The options it was opened with. */
  readonly options: Readonly<IPRouteOptions>;
  // The namespace, held open for as long as the connection: monitors and tun/tap devices are
  // made in it through this descriptor, never by looking its name up again.
  #nsFd = -1;

  /** Opens a NETLINK_ROUTE socket (in `options.netns` when given). */
  constructor(options: IPRouteOptions = {}) {
    checkKeys(options, OPTION_KEYS);
    this.options = { ...options };
    if (options.netns !== undefined) this.#nsFd = openFd(options.netns);
    try {
      this.socket = new NetlinkSocket(NETLINK.ROUTE, {
        netns: this.netns,
        rcvbuf: options.rcvbuf ?? 4 << 20,
        strict: options.strict,
      });
    } catch (e) {
      this.#releaseNetns();
      throw e;
    }
    this.engine = new NetlinkEngine(this.socket);
  }

  /**
   * The connection's namespace as a held descriptor (`{ fd }`), or undefined for the process's
   * own: sockets opened with it are in the same namespace as this connection even after the
   * namespace's name was removed or given to another namespace.
   */
  get netns(): NetnsTarget | undefined {
    if (this.#nsFd >= 0) return { fd: this.#nsFd };
    if (this.options.netns !== undefined) throw new SocketClosedError();
    return undefined;
  }

  #releaseNetns(): void {
    if (this.#nsFd < 0) return;
    closeFd(this.#nsFd);
    this.#nsFd = -1;
  }

  /** Encodes one message of `schema`. */
  build<M extends MessageSchema>(schema: M, spec: MessageSpec): Built<M> {
    checkKeys(spec, SPEC_KEYS, "spec");
    return { bytes: encodeMessage(schema, spec), schema, describe: rtmName(spec.type) };
  }

  /** Sends a built request, waits for the ack, and returns any reply messages as views. */
  async send<M extends MessageSchema>(
    built: Built<M>,
    signal?: AbortSignal,
  ): Promise<TypedMessage<M>[]> {
    const C = messageViewClass(built.schema);
    try {
      return await this.engine.request<TypedMessage<M>>(built.bytes, {
        decoder: (dv, u8, off, len) => new C(dv, u8, off, len) as TypedMessage<M>,
        schema: built.schema,
        describe: built.describe,
        signal,
        // A get only reads: should its answer be lost in an overrun, it is asked again.
        idempotent: isGet(built.bytes),
      });
    } finally {
      built.cleanup?.();
    }
  }

  /** Dumps messages of `schema` with a request spec; returns every message as a view. */
  dump<M extends MessageSchema>(
    schema: M,
    spec: MessageSpec,
    opts: RtnlDumpOptions<TypedMessage<M>> = {},
  ): Promise<TypedMessage<M>[]> {
    const { C, bytes } = dumpRequest(schema, spec, opts);
    return this.engine.dumpAll<TypedMessage<M>>(bytes, {
      decoder: keptViews(C, spec.type),
      schema,
      describe: `${rtmName(spec.type)} dump`,
      ...opts,
    });
  }

  /**
   * Dumps messages of `schema` into a lazy {@link MessageList}: the received datagrams are kept
   * and a view is made only when an element is read (a dump of a million routes holds their
   * bytes and 4 bytes a route, not a million objects). A dump interrupted by a concurrent
   * change (NLM_F_DUMP_INTR) is run again up to `retryInterrupted` times.
   */
  async dumpList<M extends MessageSchema>(
    schema: M,
    spec: MessageSpec,
    opts: Omit<RtnlDumpOptions<never>, "decoder"> = {},
  ): Promise<MessageList<TypedMessage<M>>> {
    const { C, bytes } = dumpRequest(schema, spec, opts);
    const reply = spec.type - 2;
    // The engine makes a fresh builder for each run of the dump (one that starts over after an
    // overrun or a concurrent change forgets what came before).
    let builder = new MessageListBuilder();
    const got = await this.engine.dumpAll<never, MessageListBuilder>(bytes, {
      ...opts,
      decoder: (dv, u8, off, len, type) => {
        if (type === reply || type === spec.type) builder.add(dv, u8, off, len);
        return undefined;
      },
      collect: () => (builder = new MessageListBuilder()),
      schema,
      describe: `${rtmName(spec.type)} dump`,
    });
    return got.list(C as unknown as ListViewCtor<TypedMessage<M>>);
  }

  /** Dumps as an async iterator (for tables too large to hold). */
  dumpIter<M extends MessageSchema>(
    schema: M,
    spec: MessageSpec,
    opts: RtnlDumpOptions<TypedMessage<M>> = {},
    keep?: (message: TypedMessage<M>) => boolean,
  ): AsyncGenerator<TypedMessage<M>> {
    const { C, bytes } = dumpRequest(schema, spec, opts);
    return this.engine.dump<TypedMessage<M>>(bytes, {
      decoder: keptViews(C, spec.type, keep),
      schema,
      describe: `${rtmName(spec.type)} dump`,
      ...opts,
    });
  }

  /**
   * As {@link dumpIter}, yielding the kept messages of each received datagram as one array
   * (one await per datagram, not per message).
   */
  dumpPages<M extends MessageSchema>(
    schema: M,
    spec: MessageSpec,
    opts: RtnlDumpOptions<TypedMessage<M>> = {},
    keep?: (message: TypedMessage<M>) => boolean,
  ): AsyncGenerator<TypedMessage<M>[]> {
    const { C, bytes } = dumpRequest(schema, spec, opts);
    return this.engine.dumpPages<TypedMessage<M>>(bytes, {
      decoder: keptViews(C, spec.type, keep),
      schema,
      describe: `${rtmName(spec.type)} dump`,
      ...opts,
    });
  }

  /**
   * An interface index from a spec value: a positive integer as is, a name looked up with a
   * kernel `get`. Throws TypeError/RangeError naming `field` for bad values, and
   * {@link NoSuchInterfaceError} for a name that does not exist.
   */
  ifindex(value: unknown, field: string): number | Promise<number> {
    if (typeof value === "number") {
      if (!Number.isInteger(value) || value <= 0 || value > 0x7fffffff) {
        throw new RangeError(`${field}: interface index must be a positive integer, got ${value}`);
      }
      return value;
    }
    if (typeof value === "string") {
      checkIfname(value, field);
      return this.#lookup(value, field);
    }
    throw new TypeError(
      `${field}: expected an interface index or name, got ${describeValue(value)}`,
    );
  }

  async #lookup(name: string, field: string): Promise<number> {
    const built = this.build(LINK_MESSAGE, {
      type: RTM.GETLINK,
      flags: 0,
      header: {},
      attrs: { ifname: name, ext_mask: 1 },
    });
    try {
      const [link] = await this.send(built);
      if (link?.index) return link.index;
    } catch (e) {
      if (e instanceof NetlinkError && (e.code === "ENODEV" || e.code === "ENOENT")) {
        throw new NoSuchInterfaceError(name, field);
      }
      throw e;
    }
    throw new NoSuchInterfaceError(name, field);
  }

  /** Closes the socket; pending requests reject with a clear error. Closing twice is harmless. */
  close(): void {
    if (this.socket.closed) return;
    this.engine.failAll(new Error("IPRoute was closed while the request was pending"));
    this.socket.close();
    this.#releaseNetns();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** Whether a request is an RTM_GET* (it reads; sending it twice changes nothing). */
function isGet(bytes: Uint8Array): boolean {
  const type = bytes[4] | (bytes[5] << 8);
  return type >= 16 && (type & 3) === 2;
}

const IFNAMSIZ = 16;

/** Checks an interface name as the kernel would accept it; throws naming `field`. */
export function checkIfname(name: unknown, field: string): string {
  if (typeof name !== "string") {
    throw new TypeError(`${field}: expected an interface name, got ${describeValue(name)}`);
  }
  if (name === "" || name === "." || name === "..") {
    throw new TypeError(`${field}: invalid interface name ${JSON.stringify(name)}`);
  }
  if (/[/:\s\0]/.test(name)) {
    throw new TypeError(
      `${field}: interface name must not contain "/", ":" or whitespace: ${JSON.stringify(name)}`,
    );
  }
  if (new TextEncoder().encode(name).length >= IFNAMSIZ) {
    throw new RangeError(
      `${field}: interface name ${JSON.stringify(name)} is longer than ${IFNAMSIZ - 1} bytes`,
    );
  }
  return name;
}
