/**
 * The MPTCP class: the in-kernel path manager's endpoints and limits, and its events, through
 * the `mptcp_pm` generic netlink family. Requests match `ip mptcp`'s byte for byte.
 *
 * @module
 */

import { describeValue, parseIp } from "../netlink/addr.ts";
import { checkInt } from "../netlink/encoder.ts";
import { GenericNetlink } from "../netlink/genl.ts";
import type { GenlEvent, GenlFamily } from "../netlink/genl.ts";
import { NetlinkError } from "../netlink/errors.ts";
import { checkKeys, KeySet, REFUSE_UNDEFINED } from "../netlink/strict.ts";
import { Subscription } from "../netlink/subscription.ts";
import type { TypedMessage } from "../netlink/view.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import { RtnlCore } from "../rtnl/core.ts";
import {
  MPTCP_EVENT,
  MPTCP_EVENT_MESSAGE,
  MPTCP_PM_ADDR_FLAG,
  MPTCP_PM_CMD,
  MPTCP_PM_EV_GRP_NAME,
  MPTCP_PM_MESSAGE,
  MPTCP_PM_NAME,
} from "./schema.ts";

/** An endpoint flag name (`MPTCP_PM_ADDR_FLAG_*`, lower-cased). */
export type MptcpFlagName = keyof typeof MPTCP_PM_ADDR_FLAG;

/** A path manager reply (an endpoint, or the limits), as a typed view. */
export type MptcpMessage = TypedMessage<typeof MPTCP_PM_MESSAGE>;

/** An event message, as a typed view (`cmd` is the event type). */
export type MptcpEventMessage = TypedMessage<typeof MPTCP_EVENT_MESSAGE>;

/** An endpoint as plain data (what {@link MPTCP.getEndpoints} decodes each reply to). */
export interface MptcpEndpoint {
  /** The endpoint id (1-255). */
  id: number;
  /** The address (IPv4 or IPv6 text), when the endpoint has one. */
  addr?: string;
  /** 2 (IPv4) or 10 (IPv6). */
  family?: number;
  /** The port (signal endpoints may have one). */
  port?: number;
  /** The flags by name. */
  flags: MptcpFlagName[];
  /** The interface index, when bound to one. */
  if_idx?: number;
}

/** An endpoint to add, change, get or delete (`MPTCP_PM_ADDR_ATTR_*` names). */
export interface MptcpEndpointSpec {
  /** The address, IPv4 or IPv6 text (sets `family`). */
  addr?: string;
  /** The endpoint id, 1-255 (the kernel picks one when adding without it). */
  id?: number;
  /** The port (only with the `signal` flag). */
  port?: number;
  /** Flags: names (`["signal", "backup"]`) or the `MPTCP_PM_ADDR_FLAG_*` bits. */
  flags?: readonly MptcpFlagName[] | number;
  /** The interface: an index or a name (looked up in the connection's namespace). */
  if_idx?: number | string;
}

/** The path manager's limits (`MPTCP_PM_ATTR_RCV_ADD_ADDRS`, `MPTCP_PM_ATTR_SUBFLOWS`). */
export interface MptcpLimits {
  /** How many ADD_ADDR announcements are accepted per connection (`add_addr_accepted`). */
  rcv_add_addrs?: number;
  /** How many extra subflows per connection. */
  subflows?: number;
}

/** Endpoint commands. */
export type MptcpEndpointCommand = "add" | "del" | "get" | "set" | "show" | "flush";

/** Options of {@link MPTCP}. */
export interface MPTCPOptions {
  /** Work in this network namespace: a name under /run/netns, a path, or `{ pid }`. */
  netns?: NetnsTarget;
}

/** Options of {@link MPTCP.monitor}. */
export interface MptcpMonitorOptions {
  /** Receive buffer of the monitor's socket in bytes (default 1 MiB). */
  rcvbuf?: number;
}

/** An event name of {@link MPTCP_EVENT}. */
export type MptcpEventName = keyof typeof MPTCP_EVENT;

/**
 * What {@link MPTCP.monitor} yields: a path manager event (`type` is its name: "created",
 * "established", "closed", "announced", "removed", "sub_established", "sub_closed",
 * "sub_priority", "listener_created", "listener_closed", or "event_N" for a type this library
 * does not know), or an overrun (the kernel dropped events).
 */
export type MptcpEvent =
  | { type: MptcpEventName | `event_${number}`; message: MptcpEventMessage }
  | { type: "overrun"; message?: undefined };

const EVENT_NAMES = new Map<number, MptcpEventName>(
  Object.entries(MPTCP_EVENT).map(([k, v]) => [v, k as MptcpEventName]),
);

const SPEC_KEYS = new KeySet(
  "endpoint key",
  ["addr", "id", "port", "flags", "if_idx"],
  {},
  REFUSE_UNDEFINED,
);
const LIMIT_KEYS = new KeySet("limits key", ["rcv_add_addrs", "subflows"], {}, REFUSE_UNDEFINED);
const SHOW_KEYS = new KeySet("endpoint show key", [], {}, REFUSE_UNDEFINED);
const FLUSH_KEYS = new KeySet("endpoint flush key", [], {}, REFUSE_UNDEFINED);
const LIMITS_GET_KEYS = new KeySet("limits get key", [], {}, REFUSE_UNDEFINED);
const OPTION_KEYS = new KeySet("MPTCP option", ["netns"], {}, REFUSE_UNDEFINED);
const MONITOR_OPTION_KEYS = new KeySet("monitor option", ["rcvbuf"], {}, REFUSE_UNDEFINED);

/** Endpoint flags as bits; TypeError naming `flags` for unknown names. */
export function mptcpFlags(flags: readonly MptcpFlagName[] | number): number {
  if (typeof flags === "number") return checkInt(flags, "u32", "flags");
  if (!Array.isArray(flags)) {
    throw new TypeError(`flags: expected flag names or a number, got ${describeValue(flags)}`);
  }
  let bits = 0;
  flags.forEach((f, i) => {
    const b = typeof f === "string" && Object.hasOwn(MPTCP_PM_ADDR_FLAG, f)
      ? MPTCP_PM_ADDR_FLAG[f as MptcpFlagName]
      : undefined;
    if (b === undefined) {
      throw new TypeError(
        `flags[${i}]: unknown endpoint flag ${describeValue(f)} (${
          Object.keys(MPTCP_PM_ADDR_FLAG).join(", ")
        })`,
      );
    }
    bits |= b;
  });
  return bits;
}

/** The flag names of bits `n` (unknown bits as `0x…`). */
export function mptcpFlagNames(n: number): MptcpFlagName[] {
  const out: MptcpFlagName[] = [];
  for (const [k, v] of Object.entries(MPTCP_PM_ADDR_FLAG)) if (n & v) out.push(k as MptcpFlagName);
  return out;
}

/** An endpoint reply as plain data. */
export function mptcpEndpoint(m: MptcpMessage): MptcpEndpoint {
  const a = m.addr;
  const out: MptcpEndpoint = { id: a?.id ?? 0, flags: mptcpFlagNames(a?.flags ?? 0) };
  const addr = a?.addr4 ?? a?.addr6;
  if (addr !== undefined) out.addr = addr;
  if (a?.family !== undefined) out.family = a.family;
  if (a?.port !== undefined && a.port !== 0) out.port = a.port;
  if (a?.if_idx !== undefined && a.if_idx !== 0) out.if_idx = a.if_idx;
  return out;
}

/**
 * The MPTCP in-kernel path manager (`ip mptcp`): endpoints, limits and events, per network
 * namespace. See the module documentation for an example.
 */
export class MPTCP implements Disposable {
  /** The generic netlink socket requests go through. */
  readonly genl: GenericNetlink;
  readonly #options: MPTCPOptions;
  #family?: GenlFamily;
  #rtnl?: RtnlCore;
  readonly #subs = new Set<Subscription<MptcpEvent>>();

  /** Opens a generic netlink socket (in `options.netns` when given); the family resolves on first use. */
  constructor(options: MPTCPOptions = {}) {
    checkKeys(options, OPTION_KEYS);
    this.#options = { ...options };
    this.genl = new GenericNetlink(options.netns === undefined ? {} : { netns: options.netns });
  }

  /** The resolved `mptcp_pm` family; a kernel without MPTCP is a NetlinkError saying so. */
  async family(): Promise<GenlFamily> {
    if (this.#family) return this.#family;
    try {
      this.#family = await this.genl.resolve(MPTCP_PM_NAME);
    } catch (e) {
      throw missing(e);
    }
    return this.#family;
  }

  async #command(
    cmd: number,
    attrValues: Record<string, unknown>,
    dump = false,
  ): Promise<MptcpMessage[]> {
    const fam = await this.family();
    return await this.genl.command(fam, cmd, attrValues, { schema: MPTCP_PM_MESSAGE, dump });
  }

  /** The `MPTCP_PM_ATTR_ADDR` nest of a spec, in the order `ip mptcp` writes it. */
  async #addr(spec: MptcpEndpointSpec, need: "id" | "addr" | "either"): Promise<
    Record<string, unknown>
  > {
    checkKeys(spec, SPEC_KEYS, "endpoint");
    const out: Record<string, unknown> = {};
    if (spec.id !== undefined) {
      const id = checkInt(spec.id, "u8", "id");
      if (id === 0 && spec.addr === undefined) {
        throw new RangeError("id: 0 names the initial subflow's address; give addr with it");
      }
      out.id = id;
    } else if (need === "id") throw new TypeError("id: the endpoint id is required");
    if (spec.flags !== undefined) {
      const f = mptcpFlags(spec.flags);
      if (f) out.flags = f;
    }
    if (spec.port !== undefined) out.port = checkInt(spec.port, "u16", "port");
    let bytes: Uint8Array | undefined;
    if (spec.addr !== undefined) bytes = parseIp(spec.addr, "addr");
    else if (need === "addr") throw new TypeError("addr: the endpoint address is required");
    if (need === "either" && spec.id === undefined && bytes === undefined) {
      throw new TypeError("id: give the endpoint id or its addr");
    }
    if (spec.if_idx !== undefined) out.if_idx = await this.#ifindex(spec.if_idx);
    if (bytes) {
      out.family = bytes.length === 4 ? 2 : 10;
      out[bytes.length === 4 ? "addr4" : "addr6"] = bytes;
    }
    return out;
  }

  async #ifindex(v: unknown): Promise<number> {
    if (typeof v === "number") {
      if (!Number.isInteger(v) || v <= 0 || v > 0x7fffffff) {
        throw new RangeError(`if_idx: interface index must be a positive integer, got ${v}`);
      }
      return v;
    }
    this.#rtnl ??= new RtnlCore(
      this.#options.netns === undefined ? { rcvbuf: 1 << 16 } : {
        netns: this.#options.netns,
        rcvbuf: 1 << 16,
      },
    );
    return await this.#rtnl.ifindex(v, "if_idx");
  }

  /**
   * Endpoints (`ip mptcp endpoint`): `"add"` (an address, optional id, port, flags and
   * interface), `"del"` (by id; id 0 with its addr), `"get"` (by id), `"set"` (new flags of
   * endpoint id: `ip mptcp endpoint change`), `"show"` (every endpoint), `"flush"` (remove
   * all). Resolves with the replies (`get` and `show` give endpoint views).
   */
  async endpoint(
    command: MptcpEndpointCommand,
    spec: MptcpEndpointSpec = {},
  ): Promise<MptcpMessage[]> {
    switch (command) {
      case "add": {
        const addr = await this.#addr(spec, "addr");
        return await this.#command(MPTCP_PM_CMD.ADD_ADDR, { addr });
      }
      case "del": {
        const addr = await this.#addr(spec, "id");
        return await this.#command(MPTCP_PM_CMD.DEL_ADDR, { addr });
      }
      case "get": {
        const addr = await this.#addr(spec, "id");
        return await this.#command(MPTCP_PM_CMD.GET_ADDR, { addr });
      }
      case "set": {
        const addr = await this.#addr(spec, "either");
        return await this.#command(MPTCP_PM_CMD.SET_FLAGS, { addr });
      }
      case "show":
        checkKeys(spec, SHOW_KEYS, "endpoint show");
        return await this.#command(MPTCP_PM_CMD.GET_ADDR, {}, true);
      case "flush":
        checkKeys(spec, FLUSH_KEYS, "endpoint flush");
        return await this.#command(MPTCP_PM_CMD.FLUSH_ADDRS, {});
      default:
        throw new TypeError(
          `command: unknown endpoint command ${
            describeValue(command)
          } (add, del, get, set, show, flush)`,
        );
    }
  }

  /** Every endpoint, as plain data. */
  async getEndpoints(): Promise<MptcpEndpoint[]> {
    return (await this.endpoint("show")).map(mptcpEndpoint);
  }

  /** Removes every endpoint. */
  async flushEndpoints(): Promise<void> {
    await this.endpoint("flush");
  }

  /**
   * The limits: `"get"` (or `"show"`) resolves with them, `"set"` changes those given
   * (`ip mptcp limits set subflows 2 add_addr_accepted 2`).
   */
  async limits(command: "get" | "show" | "set", spec: MptcpLimits = {}): Promise<MptcpLimits> {
    if (command === "get" || command === "show") {
      checkKeys(spec, LIMITS_GET_KEYS, "limits get");
      const [m] = await this.#command(MPTCP_PM_CMD.GET_LIMITS, {});
      return { rcv_add_addrs: m?.rcv_add_addrs ?? 0, subflows: m?.subflows ?? 0 };
    }
    if (command !== "set") {
      throw new TypeError(`command: unknown limits command ${describeValue(command)} (get, set)`);
    }
    checkKeys(spec, LIMIT_KEYS, "limits");
    const values: Record<string, number> = {};
    if (spec.rcv_add_addrs !== undefined) {
      values.rcv_add_addrs = checkInt(spec.rcv_add_addrs, "u32", "rcv_add_addrs");
    }
    if (spec.subflows !== undefined) values.subflows = checkInt(spec.subflows, "u32", "subflows");
    if (Object.keys(values).length === 0) {
      throw new TypeError("limits: give subflows and/or rcv_add_addrs");
    }
    await this.#command(MPTCP_PM_CMD.SET_LIMITS, values);
    return values;
  }

  /** The current limits. */
  getLimits(): Promise<MptcpLimits> {
    return this.limits("get");
  }

  /**
   * Subscribes to the path manager's events (`ip mptcp monitor`) on a socket of its own: the
   * returned subscription is already joined to the events group, so nothing after this call
   * resolves is missed. Iterate it; close it (or `using`) to stop. Needs CAP_NET_ADMIN.
   */
  async monitor(options: MptcpMonitorOptions = {}): Promise<Subscription<MptcpEvent>> {
    checkKeys(options, MONITOR_OPTION_KEYS);
    const fam = await this.family();
    const genl = new GenericNetlink({
      ...(this.#options.netns === undefined ? {} : { netns: this.#options.netns }),
      rcvbuf: options.rcvbuf ?? 1 << 20,
    });
    try {
      await genl.subscribe(fam, MPTCP_PM_EV_GRP_NAME);
    } catch (e) {
      genl.close();
      throw e;
    }
    const source = genl.monitor({ family: fam, schema: MPTCP_EVENT_MESSAGE });
    const events = (async function* (): AsyncGenerator<MptcpEvent> {
      for await (const ev of source) yield mptcpEvent(ev);
    })();
    const sub: Subscription<MptcpEvent> = new Subscription(events, () => {
      this.#subs.delete(sub);
      genl.close();
    });
    this.#subs.add(sub);
    return sub;
  }

  /** Closes the socket and every subscription of this object. Closing twice is harmless. */
  close(): void {
    for (const s of [...this.#subs]) s.close();
    this.#rtnl?.close();
    this.genl.close();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** One monitor item from a generic netlink event. */
export function mptcpEvent(ev: GenlEvent<typeof MPTCP_EVENT_MESSAGE>): MptcpEvent {
  if (ev.type === "overrun") return { type: "overrun" };
  const cmd = ev.message.cmd ?? 0;
  return { type: EVENT_NAMES.get(cmd) ?? `event_${cmd}`, message: ev.message };
}

function missing(e: unknown): unknown {
  if (e instanceof NetlinkError && e.code === "ENOENT") {
    return new NetlinkError(e.errno, {
      ...e.extack,
      msg: `the generic netlink family "${MPTCP_PM_NAME}" is not available in this kernel ` +
        "(built without CONFIG_MPTCP?)",
    }, `resolve family ${MPTCP_PM_NAME}`);
  }
  return e;
}
