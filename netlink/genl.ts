/**
 * Generic netlink: resolving families by name through `nlctrl`, sending commands with a
 * family's attribute schema, joining a family's multicast groups by name, and reading what the
 * kernel sends on its own (multicast events, and unicast records to a registered listener).
 *
 * ## Adding a family
 *
 * A family is a schema table per attribute space (the kernel's `enum`s, one line per attribute)
 * and a few calls; nothing else is needed. `taskstats/` is the worked example: the TASKSTATS
 * family written only with this API. In short:
 *
 * ```ts
 * import { attrs, GenericNetlink, genlMessage } from "@denonet/netlink/netlink";
 *
 * // 1. Attribute tables: kernel name → [number, codec], names as in the uapi header; a nest
 * //    points at the table of its contents. Requests and replies may use different tables.
 * const CMD_ATTR = attrs("TASKSTATS_CMD_ATTR_", {
 *   TASKSTATS_CMD_ATTR_PID: [1, "u32"],
 *   TASKSTATS_CMD_ATTR_REGISTER_CPUMASK: [3, "string"],
 *   TASKSTATS_CMD_ATTR_DEREGISTER_CPUMASK: [4, "string"],
 * } as const);
 * const AGGR = attrs("TASKSTATS_TYPE_", {
 *   TASKSTATS_TYPE_PID: [1, "u32"],
 *   TASKSTATS_TYPE_STATS: [3, "binary"],
 * } as const);
 * const TYPE = attrs("TASKSTATS_TYPE_", {
 *   TASKSTATS_TYPE_AGGR_PID: [4, { kind: "nest", schema: () => AGGR }],
 * } as const);
 * // 2. Message schemas: genlmsghdr + the attributes.
 * const REQUEST = genlMessage("taskstats request", CMD_ATTR);
 * const REPLY = genlMessage("taskstats", TYPE);
 *
 * // 3. Resolve the family by name (cached) and send commands: typed views come back, and a
 * //    refusal is a NetlinkError with the kernel's errno name (`ESRCH` for an unknown pid).
 * using genl = new GenericNetlink();
 * const fam = await genl.resolve("TASKSTATS"); // { id, version, ops, groups, … }
 * const [reply] = await genl.command(fam, 1, { pid: Deno.pid }, { schema: REQUEST, reply: REPLY });
 * console.log(reply.cmd, reply.aggr_pid?.pid, reply.aggr_pid?.stats?.length);
 *
 * // 4. What the kernel sends on its own: multicast groups joined by name (`groups`), and
 * //    unicast records after registering in `setup` (nothing sent in between is lost).
 * const stop = AbortSignal.timeout(200);
 * for await (
 *   const ev of genl.monitor({
 *     family: fam,
 *     schema: REPLY,
 *     signal: stop,
 *     setup: () => genl.command(fam, 1, { register_cpumask: "0" }, { schema: REQUEST }),
 *   })
 * ) {
 *   if (ev.type === "message") console.log("exit of", ev.message.aggr_pid?.pid);
 * }
 * genl.commandNoAck(fam, 1, { deregister_cpumask: "0" }, { schema: REQUEST });
 * ```
 *
 * @module
 */

import { NETLINK, NetlinkSocket } from "../ffi/socket.ts";
import { NLM_F } from "./constants.ts";
import type { NetlinkSocketOptions } from "../ffi/socket.ts";
import { encodeMessage } from "./encoder.ts";
import { NetlinkEngine } from "./engine.ts";
import type { Decoder } from "./engine.ts";
import { NetlinkError } from "./errors.ts";
import { attrs, message } from "./schema.ts";
import type { AttrSchema, MessageSchema } from "./schema.ts";
import { messageViewClass } from "./view.ts";
import type { TypedMessage } from "./view.ts";
import { checkArgs, checkKeys, KeySet, lookupName, nameOf } from "./strict.ts";
import { Subscription } from "./subscription.ts";

/** `struct genlmsghdr`. */
export const GENLMSGHDR = {
  kind: "struct",
  fields: [["cmd", "u8"], ["version", "u8"], ["_reserved", "u16"]],
} as const;

/** The nlctrl family id. */
export const GENL_ID_CTRL = 0x10;
/** nlctrl commands. */
export const CTRL_CMD = { NEWFAMILY: 1, DELFAMILY: 2, GETFAMILY: 3 } as const;

/** `CTRL_ATTR_OP_*`. */
export const CTRL_OP_TABLE = {
  CTRL_ATTR_OP_ID: [1, "u32"],
  CTRL_ATTR_OP_FLAGS: [2, "u32"],
} as const;

/** The compiled CTRL_OP table. */
export const CTRL_OP: AttrSchema<"CTRL_ATTR_OP_", typeof CTRL_OP_TABLE> = attrs(
  "CTRL_ATTR_OP_",
  CTRL_OP_TABLE,
);

/** `CTRL_ATTR_MCAST_GRP_*`. */
export const CTRL_MCAST_GRP_TABLE = {
  CTRL_ATTR_MCAST_GRP_NAME: [1, "string"],
  CTRL_ATTR_MCAST_GRP_ID: [2, "u32"],
} as const;

/** The compiled CTRL_MCAST_GRP table. */
export const CTRL_MCAST_GRP: AttrSchema<"CTRL_ATTR_MCAST_GRP_", typeof CTRL_MCAST_GRP_TABLE> =
  attrs("CTRL_ATTR_MCAST_GRP_", CTRL_MCAST_GRP_TABLE);

/** `CTRL_ATTR_*` of nlctrl. */
export const CTRL_ATTR_TABLE = {
  CTRL_ATTR_FAMILY_ID: [1, "u16"],
  CTRL_ATTR_FAMILY_NAME: [2, "string"],
  CTRL_ATTR_VERSION: [3, "u32"],
  CTRL_ATTR_HDRSIZE: [4, "u32"],
  CTRL_ATTR_MAXATTR: [5, "u32"],
  CTRL_ATTR_OPS: [6, {
    kind: "array",
    of: { kind: "nest", schema: (): typeof CTRL_OP => CTRL_OP },
  }],
  CTRL_ATTR_MCAST_GROUPS: [7, {
    kind: "array",
    of: { kind: "nest", schema: (): typeof CTRL_MCAST_GRP => CTRL_MCAST_GRP },
  }],
  CTRL_ATTR_POLICY: [8, "binary"],
  CTRL_ATTR_OP_POLICY: [9, "binary"],
  CTRL_ATTR_OP: [10, "u32"],
} as const;

/** The compiled CTRL_ATTR table. */
export const CTRL_ATTR: AttrSchema<"CTRL_ATTR_", typeof CTRL_ATTR_TABLE> = attrs(
  "CTRL_ATTR_",
  CTRL_ATTR_TABLE,
);

/** Builds the message schema of a generic netlink family: genlmsghdr plus the family's attributes. */
export function genlMessage<A extends AttrSchema>(
  name: string,
  attrSchema: A,
): MessageSchema<typeof GENLMSGHDR, A> {
  return message(name, GENLMSGHDR, attrSchema);
}

/** The nlctrl message schema. */
export const CTRL_MESSAGE: MessageSchema<typeof GENLMSGHDR, typeof CTRL_ATTR> = genlMessage(
  "nlctrl",
  CTRL_ATTR,
);

/** A resolved generic netlink family. */
export interface GenlFamily {
  /** Family name, e.g. "TASKSTATS". */
  name: string;
  /** Family id: the nlmsg_type of its messages. */
  id: number;
  /** Family version. */
  version: number;
  /** User header size after genlmsghdr. */
  hdrsize: number;
  /** Highest attribute number. */
  maxattr: number;
  /** Operations: command id and flags. */
  ops: { id: number; flags: number }[];
  /** Multicast groups: name → group id. */
  groups: Record<string, number>;
}

/** Options of {@link GenericNetlink}. */
export type GenericNetlinkOptions = Omit<NetlinkSocketOptions, "groups">;

/** Options of {@link GenericNetlink.command}. */
export interface CommandOptions<M extends MessageSchema, R extends MessageSchema = M> {
  /** The family's message schema (genlmsghdr + attributes), for encoding (and decoding). */
  schema: M;
  /**
   * The schema of the replies when they use another attribute space than the request (TASKSTATS
   * requests carry `TASKSTATS_CMD_ATTR_*`, its replies `TASKSTATS_TYPE_*`). Default: `schema`.
   */
  reply?: R;
  /** Send as a dump and collect every reply. */
  dump?: boolean;
  /** The command version (default: the family's). */
  version?: number;
  /** Extra nlmsg_flags. */
  flags?: number;
  /** Stops waiting for the answer (the command may still take effect in the kernel). */
  signal?: AbortSignal;
  /**
   * The family's command names (`{ GET: 1, NEW: 2 }`): `cmd` may then be a name, and errors
   * name the command ("TASKSTATS GET: No such process").
   */
  commands?: Readonly<Record<string, number>>;
}

const SOCKET_OPTIONS = new KeySet("GenericNetlink option", ["rcvbuf", "sndbuf", "netns", "strict"]);
const COMMAND_OPTIONS = new KeySet("command option", [
  "schema",
  "reply",
  "dump",
  "version",
  "flags",
  "signal",
  "commands",
]);
const MONITOR_OPTIONS = new KeySet("monitor option", [
  "family",
  "schema",
  "groups",
  "setup",
  "signal",
]);

/** A command number from a number or a name of `commands`. */
function commandNumber(cmd: number | string, commands?: Readonly<Record<string, number>>): number {
  if (typeof cmd === "string") {
    if (!commands) throw new TypeError(`cmd: a command name needs opts.commands, got "${cmd}"`);
    return lookupName(commands, cmd, "cmd", "command", { max: 0xff, numbers: false });
  }
  return cmd;
}

/** "GET (command 1)" with names, "command 1" without. */
function commandLabel(cmd: number, commands?: Readonly<Record<string, number>>): string {
  const name = commands ? nameOf(commands, cmd) : cmd;
  return typeof name === "string" ? name : `command ${cmd}`;
}

/** Options of {@link GenericNetlink.monitor}. */
export interface GenlMonitorOptions<M extends MessageSchema> {
  /** The family whose messages are yielded (messages of other types are dropped and counted). */
  family: string | GenlFamily;
  /** The schema the messages are decoded with. */
  schema: M;
  /** Multicast groups of the family to join first, by name. */
  groups?: readonly string[];
  /**
   * Runs in the monitor call, once the monitor listens: the place to register with the family
   * (taskstats sends its CPU mask here). Requests it sends at once (a `command` of a resolved
   * family) are in force when the monitor call returns; its promise is awaited before the first
   * item, and a refusal is thrown by the first `next()`.
   */
  setup?: () => Promise<unknown> | unknown;
  /** Ends the subscription. */
  signal?: AbortSignal;
}

/**
 * One thing a {@link GenericNetlink.monitor} saw: a message of the family (`multicast` tells a
 * group event from a unicast record sent to this socket), or an overrun: the kernel dropped
 * messages because the receive buffer was full.
 */
export type GenlEvent<M extends MessageSchema> =
  | { type: "message"; multicast: boolean; message: TypedMessage<M> }
  | { type: "overrun"; multicast?: undefined; message?: undefined };

function familyOf(v: TypedMessage<typeof CTRL_MESSAGE>): GenlFamily {
  const groups: Record<string, number> = {};
  for (const g of v.mcast_groups ?? []) {
    if (g.name !== undefined && g.id !== undefined) groups[g.name] = g.id;
  }
  return {
    name: v.family_name ?? "",
    id: v.family_id ?? 0,
    version: v.version ?? 0,
    hdrsize: v.hdrsize ?? 0,
    maxattr: v.maxattr ?? 0,
    ops: (v.ops ?? []).map((o) => ({ id: o.id ?? 0, flags: o.flags ?? 0 })),
    groups,
  };
}

/** A generic netlink socket with family resolution. */
export class GenericNetlink implements Disposable {
  /** The socket. */
  readonly socket: NetlinkSocket;
  /** The request engine over it. */
  readonly engine: NetlinkEngine;
  readonly #families = new Map<string, GenlFamily>();
  #monitoring = false;

  /** Opens a NETLINK_GENERIC socket (in `options.netns` when given). */
  constructor(options: GenericNetlinkOptions = {}) {
    checkArgs("GenericNetlink", 1, arguments.length);
    checkKeys(options, SOCKET_OPTIONS);
    this.socket = new NetlinkSocket(NETLINK.GENERIC, options);
    this.engine = new NetlinkEngine(this.socket);
  }

  /** Resolves a family by name (cached). A missing family is a NetlinkError naming it. */
  async resolve(name: string): Promise<GenlFamily> {
    if (typeof name !== "string" || name === "" || name.length > 15) {
      throw new TypeError(
        `family: expected a generic netlink family name, got ${JSON.stringify(name)}`,
      );
    }
    const hit = this.#families.get(name);
    if (hit) return hit;
    const req = encodeMessage(CTRL_MESSAGE, {
      type: GENL_ID_CTRL,
      flags: 0,
      header: { cmd: CTRL_CMD.GETFAMILY, version: 2 },
      attrs: { family_name: name },
    });
    let replies;
    try {
      replies = await this.engine.request(req, {
        decoder: ctrlDecoder,
        schema: CTRL_MESSAGE,
        describe: `resolve family ${name}`,
      });
    } catch (e) {
      if (e instanceof NetlinkError && e.code === "ENOENT") {
        throw new NetlinkError(e.errno, {
          ...e.extack,
          msg: `generic netlink family "${name}" is not available in this kernel`,
        }, `resolve family ${name}`);
      }
      throw e;
    }
    if (replies.length === 0) throw new Error(`nlctrl sent no reply for family ${name}`);
    const fam = familyOf(replies[0]);
    this.#families.set(name, fam);
    return fam;
  }

  /**
   * The family at once, without awaiting: the kernel answers a family request while it is being
   * sent, so its answer is already queued when the send returns. Undefined when it is not (then
   * use {@link resolve}, which also reports why).
   */
  resolveNow(name: string): GenlFamily | undefined {
    const hit = this.#families.get(name);
    if (hit) return hit;
    if (typeof name !== "string" || name === "" || name.length > 15) return undefined;
    let found: GenlFamily | undefined;
    const req = encodeMessage(CTRL_MESSAGE, {
      type: GENL_ID_CTRL,
      flags: 0,
      header: { cmd: CTRL_CMD.GETFAMILY, version: 2 },
      attrs: { family_name: name },
    });
    this.engine.request(req, {
      decoder: (dv, u8, off, len) => {
        found ??= familyOf(ctrlDecoder(dv, u8, off, len, GENL_ID_CTRL)!);
        return undefined;
      },
      describe: `resolve family ${name}`,
      immediate: true,
    }).catch(() => {}); // a refusal leaves `found` undefined
    const t = this.engine.transport;
    for (let i = 0; i < 16 && !t.closed; i++) {
      let buf: ArrayBuffer | null;
      try {
        buf = t.receive();
      } catch {
        break;
      }
      if (!buf) break;
      this.engine.dispatch(buf);
    }
    if (found) this.#families.set(name, found);
    return found;
  }

  /** Every family the kernel has. */
  async listFamilies(): Promise<GenlFamily[]> {
    const req = encodeMessage(CTRL_MESSAGE, {
      type: GENL_ID_CTRL,
      flags: 0,
      header: { cmd: CTRL_CMD.GETFAMILY, version: 2 },
    });
    const all = await this.engine.dumpAll(req, { decoder: ctrlDecoder, describe: "list families" });
    return all.map(familyOf);
  }

  /**
   * Sends command `cmd` of `family` with attribute values `attrValues` (by short name, as in the
   * schema) and resolves with the typed replies (decoded with `opts.reply`, else `opts.schema`).
   * A refusal is a {@link NetlinkError} with the kernel's errno name in `code`.
   */
  command<M extends MessageSchema, R extends MessageSchema = M>(
    family: string | GenlFamily,
    cmd: number | string,
    attrValues: Record<string, unknown>,
    opts: CommandOptions<M, R>,
  ): Promise<TypedMessage<R>[]> {
    checkKeys(opts, COMMAND_OPTIONS, "opts");
    // A resolved family is sent at once (before this returns): a registration made in a
    // monitor's setup is in force when the monitor call returns.
    if (typeof family === "string") {
      return this.resolve(family).then((f) => this.#command(f, cmd, attrValues, opts));
    }
    try {
      return this.#command(family, cmd, attrValues, opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #command<M extends MessageSchema, R extends MessageSchema>(
    fam: GenlFamily,
    cmd: number | string,
    attrValues: Record<string, unknown>,
    opts: CommandOptions<M, R>,
  ): Promise<TypedMessage<R>[]> {
    const n = commandNumber(cmd, opts.commands);
    const req = this.#encode(fam, n, attrValues, opts);
    const decoder = viewDecoder((opts.reply ?? opts.schema) as R);
    const describe = `${fam.name} ${commandLabel(n, opts.commands)}`;
    const o = { decoder, schema: opts.schema, describe, signal: opts.signal };
    if (opts.dump) return this.engine.dumpAll(req, o);
    return this.engine.request(req, o);
  }

  /**
   * Sends command `cmd` without waiting for an answer (no `NLM_F_ACK`; an error the kernel
   * returns is dropped). For cleanup paths that cannot wait, such as `close()` deregistering a
   * listener. `family` must already be resolved.
   */
  commandNoAck<M extends MessageSchema>(
    family: GenlFamily,
    cmd: number | string,
    attrValues: Record<string, unknown>,
    opts: Pick<CommandOptions<M>, "schema" | "version" | "flags" | "commands">,
  ): void {
    const req = this.#encode(family, commandNumber(cmd, opts.commands), attrValues, opts);
    const dv = new DataView(req.buffer);
    dv.setUint16(6, dv.getUint16(6, true) | NLM_F.REQUEST, true);
    dv.setUint32(12, 0, true);
    this.socket.send(req);
  }

  #encode(
    fam: GenlFamily,
    cmd: number,
    attrValues: Record<string, unknown>,
    opts: Pick<CommandOptions<MessageSchema>, "schema" | "version" | "flags">,
  ): Uint8Array<ArrayBuffer> {
    if (!Number.isInteger(cmd) || cmd < 0 || cmd > 0xff) {
      throw new RangeError(`cmd: expected a command number 0-255, got ${cmd}`);
    }
    return encodeMessage(opts.schema, {
      type: fam.id,
      flags: opts.flags ?? 0,
      header: { cmd, version: opts.version ?? fam.version },
      attrs: attrValues,
    });
  }

  /** Joins a family's multicast group by name; returns the group id. */
  async subscribe(family: string | GenlFamily, group: string): Promise<number> {
    const fam = typeof family === "string" ? await this.resolve(family) : family;
    return this.#join(fam, group);
  }

  #join(fam: GenlFamily, group: string): number {
    const id = Object.hasOwn(fam.groups, group) ? fam.groups[group] : undefined;
    if (id === undefined) {
      throw new TypeError(
        `group: family ${fam.name} has no multicast group ${JSON.stringify(group)} (it has: ${
          Object.keys(fam.groups).join(", ") || "none"
        })`,
      );
    }
    this.socket.addMembership(id);
    return id;
  }

  /** Leaves a family's multicast group joined with {@link subscribe}. */
  async unsubscribe(family: string | GenlFamily, group: string): Promise<void> {
    const fam = typeof family === "string" ? await this.resolve(family) : family;
    const id = fam.groups[group];
    if (id !== undefined) this.socket.dropMembership(id);
  }

  /**
   * Subscribes to what the kernel sends this socket on its own for `family`: events of the
   * multicast groups joined (`opts.groups`, or earlier with {@link subscribe}) and unicast
   * records sent to this socket's port (taskstats exit records after a CPU-mask registration),
   * as typed views, plus `{ type: "overrun" }` when the kernel dropped some. The groups are
   * joined and `setup` has sent its requests when this returns, so nothing the kernel sends
   * from then on is lost; a refusal of a setup request is thrown by the first `next()`.
   * `family` is a resolved family or a name (resolved at once: see {@link resolveNow}).
   * Commands may be sent on the same socket meanwhile; their replies still go to them. One
   * monitor per socket at a time; it ends with `close()`, `opts.signal` or the socket.
   */
  monitor<M extends MessageSchema>(opts: GenlMonitorOptions<M>): Subscription<GenlEvent<M>> {
    checkKeys(opts, MONITOR_OPTIONS, "opts");
    if (this.#monitoring) {
      throw new Error("this GenericNetlink socket already has a monitor; open another socket");
    }
    const fam = typeof opts.family === "string" ? this.resolveNow(opts.family) : opts.family;
    if (fam === undefined) {
      throw new TypeError(
        `family: ${
          JSON.stringify(opts.family)
        } could not be resolved (await genl.resolve(name) says why)`,
      );
    }
    const engine = this.engine;
    const t = engine.transport;
    if (opts.signal?.aborted) {
      // Nothing to listen for: no group joined, no setup run.
      return new Subscription<GenlEvent<M>>(
        { poll: () => null, wait: () => Promise.resolve(), close: () => {} },
        { signal: opts.signal },
      );
    }
    let queue: GenlEvent<M>[] = [];
    let wake: (() => void) | undefined;
    const View = messageViewClass(opts.schema);
    const take =
      (multicast: boolean) =>
      (dv: DataView, u8: Uint8Array, off: number, len: number, type: number) => {
        if (type !== fam.id) {
          engine.stats.unhandled++;
          return;
        }
        queue.push({
          type: "message",
          multicast,
          message: new View(dv, u8, off, len) as TypedMessage<M>,
        });
        // A command waiting on this socket may have received it: wake the reader.
        wake?.();
      };
    const saved = [engine.onEvent, engine.onUnicast] as const;
    engine.onEvent = take(true);
    engine.onUnicast = take(false);
    this.#monitoring = true;
    const release = () => {
      engine.onEvent = saved[0];
      engine.onUnicast = saved[1];
      this.#monitoring = false;
    };
    let ready: Promise<unknown> | undefined;
    try {
      for (const g of opts.groups ?? []) this.#join(fam, g);
      const r = opts.setup?.();
      if (r instanceof Promise) ready = r;
    } catch (e) {
      release();
      throw e;
    }
    return new Subscription<GenlEvent<M>>({
      poll() {
        if (t.closed) return null;
        if (queue.length === 0) {
          // Receive and dispatch with nothing in between: dispatch reads the sender's groups of
          // the datagram just received.
          let buf: ArrayBuffer | null;
          try {
            buf = t.receive();
          } catch (e) {
            if ((e as { code?: string }).code !== "ENOBUFS") {
              if (t.closed) return null;
              throw e;
            }
            // Replies of pending commands may be lost too: they fail rather than wait forever.
            if (engine.inFlight > 0) engine.overrun();
            return [{ type: "overrun" }];
          }
          if (buf) engine.dispatch(buf);
        }
        const out = queue;
        queue = [];
        return out;
      },
      wait(signal) {
        if (queue.length > 0) return Promise.resolve();
        return new Promise<void>((resolve, reject) => {
          const stop = new AbortController();
          const done = () => {
            wake = undefined;
            signal.removeEventListener("abort", onAbort);
            stop.abort();
          };
          const onAbort = () => {
            done();
            reject(signal.reason);
          };
          signal.addEventListener("abort", onAbort, { once: true });
          wake = () => {
            done();
            resolve();
          };
          t.readable(stop.signal).then(() => {
            done();
            resolve();
          }, (e) => {
            if (stop.signal.aborted) return;
            done();
            // The socket closed: poll() ends the subscription.
            if (t.closed) resolve();
            else reject(e);
          });
        });
      },
      close: release,
    }, { signal: opts.signal, ready });
  }

  /** Closes the socket; pending requests reject. */
  close(): void {
    if (this.socket.closed) return;
    this.engine.failAll(new Error("the generic netlink socket was closed"));
    this.socket.close();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** A decoder that makes typed views of `schema` for every message. */
export function viewDecoder<M extends MessageSchema>(schema: M): Decoder<TypedMessage<M>> {
  const C = messageViewClass(schema);
  return (dv, u8, off, len) => new C(dv, u8, off, len) as TypedMessage<M>;
}

const ctrlDecoder = viewDecoder(CTRL_MESSAGE);
