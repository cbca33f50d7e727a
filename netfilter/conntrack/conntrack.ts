/**
 * The Conntrack class: the connection tracking table over ctnetlink (NFNL_SUBSYS_CTNETLINK and
 * NFNL_SUBSYS_CTNETLINK_EXP): dumps filtered in the kernel, get, create, update, delete, flush,
 * statistics, expectations and events.
 *
 * @module
 */

import { NLM_F } from "../../netlink/constants.ts";
import { NetlinkError } from "../../netlink/errors.ts";
import type { MessageSchema } from "../../netlink/schema.ts";
import { checkOptionalKeys, KeySet } from "../../netlink/strict.ts";
import { NFNL_OPTION_KEYS, NFNL_SUBSYS, NfnlConnection, nfnlMsg, nfnlType } from "../nfnetlink.ts";
import type { NfnlBuilt, NfnlOptions } from "../nfnetlink.ts";
import { MONITOR_OPTION_KEYS, nfnlMonitor } from "../monitor.ts";
import type { NfnlMonitor, NfnlMonitorOptions, Overrun } from "../monitor.ts";
import {
  CT_MESSAGE,
  EXP_MESSAGE,
  EXP_STATS_MESSAGE,
  IPCTNL_MSG_CT,
  IPCTNL_MSG_EXP,
  STATS_CPU_MESSAGE,
  STATS_MESSAGE,
} from "./schema.ts";
import {
  entryRequest,
  expectationKey,
  expectationRequest,
  FILTER_KEYS,
  filterRequest,
  keyRequest,
} from "./spec.ts";
import type { CtRequest, EntryFilter, EntryKey, EntrySpec, ExpectationSpec } from "./spec.ts";
// The views module decorates the entry views (short tuples, status names): import it for that.
import "./views.ts";
import { decodeConntrackEvent, GROUPS } from "./events.ts";
import type { ConntrackEvent, ConntrackEventName, ConntrackMonitorOptions } from "./events.ts";
import type {
  ConntrackCpuStats,
  ConntrackEntry,
  ConntrackGlobalStats,
  ExpectationCpuStats,
  ExpectationEntry,
} from "./views.ts";

/** Options of {@link Conntrack}. */
export type ConntrackOptions = NfnlOptions;

/** Options of a dump: a filter (see {@link EntryFilter}) and an abort signal. */
export interface DumpFilter extends EntryFilter {
  /** Stops waiting (the dump is drained in the background). */
  signal?: AbortSignal;
}

/** What {@link Conntrack.flush} takes: a filter, or `{ all: true }` for every entry. */
export type FlushFilter = EntryFilter | { all: true };

const CT = (msg: number) => nfnlType(NFNL_SUBSYS.CTNETLINK, msg);
const EXP = (msg: number) => nfnlType(NFNL_SUBSYS.CTNETLINK_EXP, msg);
const CT_NEW = CT(IPCTNL_MSG_CT.NEW);
const EXP_NEW = EXP(IPCTNL_MSG_EXP.NEW);

// The keys of the filters and options (an unknown key is `method.key: unknown key`).
const DUMP_FILTER_KEYS = FILTER_KEYS.with(["signal"]);
const FLUSH_FILTER_KEYS = FILTER_KEYS.with(["all"]);
const EXPECTATION_FILTER_KEYS = new KeySet("key", ["family", "master"]);
const FLUSH_EXPECTATION_KEYS = new KeySet("key", ["all", "help_name"]);
const MONITOR_KEYS = MONITOR_OPTION_KEYS.with(["events"]);

function withoutSignal(filter: unknown, what: string) {
  const f = { ...checkOptionalKeys(filter, DUMP_FILTER_KEYS, what, `${what}.`) };
  const signal = f.signal as AbortSignal | undefined;
  delete f.signal;
  return { filter: f, signal };
}

/**
 * The connection tracking table of a network namespace.
 *
 * ```ts
 * import { Conntrack } from "@denonet/netlink/netfilter";
 * import * as netns from "@denonet/netlink/netns";
 *
 * const ns = `ct-doc-${Deno.pid}`; // a name no other process uses
 * netns.create(ns);
 * try {
 *   using ct = new Conntrack({ netns: ns });
 *   await ct.create({
 *     tuple_orig: { saddr: "10.0.0.1", daddr: "10.0.0.2", proto: "tcp", sport: 4000, dport: 80 },
 *     timeout: 120,
 *     protoinfo: { tcp: { state: "ESTABLISHED" } },
 *     mark: 7,
 *   });
 *   for (const e of await ct.dump({ mark: 7 })) {
 *     console.log(e.orig, e.protoinfo?.tcp?.state, e.timeout, e.statusNames);
 *   }
 *   await ct.flush({ tuple_orig: { saddr: "10.0.0.1" } });
 * } finally {
 *   netns.remove(ns);
 * }
 * ```
 */
export class Conntrack implements Disposable {
  /** The NETLINK_NETFILTER connection. */
  readonly nfnl: NfnlConnection;
  readonly #own: boolean;
  readonly #monitors = new Set<NfnlMonitor<ConntrackEvent>>();

  /** Opens a NETLINK_NETFILTER socket (in `options.netns` when given), or shares `connection`. */
  constructor(options: ConntrackOptions = {}) {
    const { connection, ...socket } = checkOptionalKeys(
      options,
      NFNL_OPTION_KEYS,
      "options",
      "options.",
    ) as ConntrackOptions;
    this.#own = connection === undefined;
    this.nfnl = connection ?? new NfnlConnection(socket);
  }

  #build<M extends MessageSchema>(
    schema: M,
    type: number,
    flags: number,
    req: CtRequest,
    describe: string,
  ): NfnlBuilt<M> {
    return this.nfnl.build(schema, { type, flags, header: req.header, attrs: req.attrs }, describe);
  }

  /**
   * Every entry matching `filter` (all without one), as lazy views. The kernel filters: by
   * family, mark (and mask), zone, status bits, and any fields of the original or reply
   * tuple (`{ tuple_orig: { saddr: "10.0.0.1", proto: "tcp" } }`).
   */
  dump(filter: DumpFilter = {}): Promise<ConntrackEntry[]> {
    const { filter: f, signal } = withoutSignal(filter, "dump");
    const built = this.#build(
      CT_MESSAGE,
      CT(IPCTNL_MSG_CT.GET),
      NLM_F.DUMP,
      filterRequest(f, "dump"),
      "IPCTNL_MSG_CT_GET",
    );
    return this.nfnl.dump(built, (t) => t === CT_NEW, { signal }) as Promise<ConntrackEntry[]>;
  }

  /** Like {@link dump}, as an async iterator (tables too large to hold). */
  dumpIter(filter: DumpFilter = {}): AsyncGenerator<ConntrackEntry> {
    const { filter: f, signal } = withoutSignal(filter, "dumpIter");
    const built = this.#build(
      CT_MESSAGE,
      CT(IPCTNL_MSG_CT.GET),
      NLM_F.DUMP,
      filterRequest(f, "dumpIter"),
      "IPCTNL_MSG_CT_GET",
    );
    return this.nfnl.dumpIter(built, (t) => t === CT_NEW, { signal }) as AsyncGenerator<
      ConntrackEntry
    >;
  }

  /** One entry by its original (or reply) tuple. A missing one is a NetlinkError `ENOENT`. */
  async get(key: EntryKey): Promise<ConntrackEntry> {
    const built = this.#build(
      CT_MESSAGE,
      CT(IPCTNL_MSG_CT.GET),
      0,
      keyRequest(key, "get"),
      "IPCTNL_MSG_CT_GET",
    );
    const [entry] = await this.nfnl.send(built);
    return entry as ConntrackEntry;
  }

  /**
   * Creates an entry (`conntrack -I`). `tuple_orig` names the connection (saddr, daddr, proto
   * and ports or ICMP fields); `tuple_reply` defaults to it reversed; `timeout` is required. An
   * existing entry is a NetlinkError `EEXIST`.
   */
  async create(spec: EntrySpec): Promise<void> {
    const built = this.#build(
      CT_MESSAGE,
      CT_NEW,
      NLM_F.CREATE | NLM_F.EXCL,
      entryRequest(spec, true, "create"),
      "IPCTNL_MSG_CT_NEW",
    );
    await this.nfnl.send(built);
  }

  /** Changes an entry (`conntrack -U`): timeout, mark (with mark_mask), status, labels, protoinfo. */
  async update(spec: EntrySpec): Promise<void> {
    const built = this.#build(
      CT_MESSAGE,
      CT_NEW,
      0,
      entryRequest(spec, false, "update"),
      "IPCTNL_MSG_CT_NEW",
    );
    await this.nfnl.send(built);
  }

  /** Deletes one entry by its tuple (and `id`, to delete it only if it is still that one). */
  async delete(key: EntryKey): Promise<void> {
    const built = this.#build(
      CT_MESSAGE,
      CT(IPCTNL_MSG_CT.DELETE),
      0,
      keyRequest(key, "delete"),
      "IPCTNL_MSG_CT_DELETE",
    );
    await this.nfnl.send(built);
  }

  /**
   * pyroute2's verb form: `entry("add" | "set" | "get" | "del", spec)` is {@link create},
   * {@link update}, {@link get} or {@link delete}.
   */
  async entry(
    cmd: "add" | "set" | "get" | "del",
    spec: EntrySpec & EntryKey,
  ): Promise<ConntrackEntry | undefined> {
    switch (cmd) {
      case "add":
        return void await this.create(spec);
      case "set":
        return void await this.update(spec);
      case "get":
        return await this.get(spec);
      case "del":
        return void await this.delete(spec);
    }
    throw new TypeError(`cmd: expected "add", "set", "get" or "del", got ${JSON.stringify(cmd)}`);
  }

  /**
   * Deletes every entry matching `filter` in one request (the kernel filters as for
   * {@link dump}); `{ all: true }` deletes them all. Kernels that cannot filter a flush by
   * tuple (before 6.12) get the matching entries dumped and deleted one by one.
   */
  async flush(filter: FlushFilter): Promise<void> {
    if (filter === undefined) {
      throw new TypeError("flush: pass a filter, or { all: true } to delete every entry");
    }
    const f = checkOptionalKeys(filter, FLUSH_FILTER_KEYS, "flush", "flush.");
    if ("all" in f) {
      if (f.all !== true || Object.keys(f).length !== 1) {
        throw new TypeError("flush: all: true deletes every entry and takes no other key");
      }
    } else if (Object.keys(f).length === 0) {
      throw new TypeError("flush: an empty filter; pass { all: true } to delete every entry");
    }
    const req = filterRequest("all" in f ? {} : f, "flush");
    const built = this.#build(
      CT_MESSAGE,
      CT(IPCTNL_MSG_CT.DELETE),
      0,
      req,
      "IPCTNL_MSG_CT_DELETE",
    );
    try {
      await this.nfnl.send(built);
    } catch (e) {
      // Before CTA_FILTER flushes, the kernel reads a tuple as one exact connection.
      const old = e instanceof NetlinkError && (e.code === "EOPNOTSUPP" || e.code === "EINVAL");
      if (!old || req.attrs.filter === undefined) throw e;
      await this.#flushOneByOne(f as EntryFilter);
    }
  }

  async #flushOneByOne(filter: EntryFilter): Promise<void> {
    const entries = await this.dump(filter);
    const requests = entries.map((e) => {
      const attrs: Record<string, unknown> = { tuple_orig: e.tuple_orig?.toJSON() };
      if (e.zone !== undefined) attrs.zone = e.zone;
      if (e.id !== undefined) attrs.id = e.id;
      return this.nfnl.build(CT_MESSAGE, {
        type: CT(IPCTNL_MSG_CT.DELETE),
        flags: 0,
        header: { family: e.family ?? 0, version: 0, res_id: 0 },
        attrs,
      }, "IPCTNL_MSG_CT_DELETE").bytes;
    });
    const results = await this.nfnl.engine.pipeline(requests, { describe: "IPCTNL_MSG_CT_DELETE" });
    for (const r of results) {
      // An entry that expired meanwhile is gone anyway.
      if (r instanceof Error && !(r instanceof NetlinkError && r.code === "ENOENT")) throw r;
    }
  }

  /** Per-CPU statistics (`conntrack -S`): found, invalid, insert, drop, … and `cpu`. */
  stat(): Promise<ConntrackCpuStats[]> {
    const built = this.#build(
      STATS_CPU_MESSAGE,
      CT(IPCTNL_MSG_CT.GET_STATS_CPU),
      NLM_F.DUMP,
      { header: { family: 0, version: 0, res_id: 0 }, attrs: {} },
      "IPCTNL_MSG_CT_GET_STATS_CPU",
    );
    return this.nfnl.dump(built, (t) => nfnlMsg(t) === IPCTNL_MSG_CT.GET_STATS_CPU) as Promise<
      ConntrackCpuStats[]
    >;
  }

  /** The table's global counters: `entries` (`conntrack -C`) and `max_entries`. */
  async statGlobal(): Promise<ConntrackGlobalStats> {
    const built = this.#build(
      STATS_MESSAGE,
      CT(IPCTNL_MSG_CT.GET_STATS),
      0,
      { header: { family: 0, version: 0, res_id: 0 }, attrs: {} },
      "IPCTNL_MSG_CT_GET_STATS",
    );
    const [s] = await this.nfnl.send(built);
    return s;
  }

  /** The number of entries (`conntrack -C`, /proc/sys/net/netfilter/nf_conntrack_count). */
  async count(): Promise<number> {
    return (await this.statGlobal()).entries ?? 0;
  }

  /** The table's maximum size (/proc/sys/net/netfilter/nf_conntrack_max). */
  async conntrackMaxSize(): Promise<number> {
    return (await this.statGlobal()).max_entries ?? 0;
  }

  /**
   * Every expectation (`conntrack -L expect`), or those of one master connection
   * (`{ master: tuple }`), as lazy views.
   */
  expectations(
    filter: { family?: "ipv4" | "ipv6"; master?: EntryKey["tuple_orig"] } = {},
  ): Promise<ExpectationEntry[]> {
    const f = checkOptionalKeys(filter, EXPECTATION_FILTER_KEYS, "expectations", "expectations.");
    const req = filterRequest(f.family === undefined ? {} : { family: f.family }, "expectations");
    req.header.version = 0;
    if (f.master !== undefined) {
      const k = keyRequest({ tuple_orig: f.master }, "expectations");
      req.attrs = { master: k.attrs.tuple_orig };
      req.header.family = k.header.family;
    }
    const built = this.#build(
      EXP_MESSAGE,
      EXP(IPCTNL_MSG_EXP.GET),
      NLM_F.DUMP,
      req,
      "IPCTNL_MSG_EXP_GET",
    );
    return this.nfnl.dump(built, (t) => t === EXP_NEW) as Promise<ExpectationEntry[]>;
  }

  /** One expectation by its expected tuple. */
  async getExpectation(key: { tuple: EntryKey["tuple_orig"]; zone?: number }): Promise<
    ExpectationEntry
  > {
    const built = this.#build(
      EXP_MESSAGE,
      EXP(IPCTNL_MSG_EXP.GET),
      0,
      expectationKey(key, "getExpectation"),
      "IPCTNL_MSG_EXP_GET",
    );
    const [e] = await this.nfnl.send(built);
    return e as ExpectationEntry;
  }

  /**
   * Creates an expectation (`conntrack -I expect`): the master must be an entry with a helper
   * (created with `help: { name: "ftp" }`, say).
   */
  async createExpectation(spec: ExpectationSpec): Promise<void> {
    const built = this.#build(
      EXP_MESSAGE,
      EXP_NEW,
      NLM_F.CREATE | NLM_F.EXCL,
      expectationRequest(spec, "createExpectation"),
      "IPCTNL_MSG_EXP_NEW",
    );
    await this.nfnl.send(built);
  }

  /** Deletes one expectation by its expected tuple. */
  async deleteExpectation(key: { tuple: EntryKey["tuple_orig"]; zone?: number; id?: number }) {
    const built = this.#build(
      EXP_MESSAGE,
      EXP(IPCTNL_MSG_EXP.DELETE),
      0,
      expectationKey(key, "deleteExpectation"),
      "IPCTNL_MSG_EXP_DELETE",
    );
    await this.nfnl.send(built);
  }

  /** Deletes every expectation (`{ all: true }`) or those of one helper (`{ help_name }`). */
  async flushExpectations(filter: { all: true } | { help_name: string }): Promise<void> {
    const f = checkOptionalKeys(
      filter,
      FLUSH_EXPECTATION_KEYS,
      "flushExpectations",
      "flushExpectations.",
    );
    const attrs: Record<string, unknown> = {};
    if (typeof f.help_name === "string" && f.help_name !== "" && f.all === undefined) {
      attrs.help_name = f.help_name;
    } else if (f.all !== true || f.help_name !== undefined) {
      throw new TypeError(
        "flushExpectations: pass { help_name } or { all: true } to delete every expectation",
      );
    }
    const built = this.#build(
      EXP_MESSAGE,
      EXP(IPCTNL_MSG_EXP.DELETE),
      0,
      { header: { family: 0, version: 0, res_id: 0 }, attrs },
      "IPCTNL_MSG_EXP_DELETE",
    );
    await this.nfnl.send(built);
  }

  /** Per-CPU expectation statistics: new, create, delete, and `cpu`. */
  statExpectations(): Promise<ExpectationCpuStats[]> {
    const built = this.#build(
      EXP_STATS_MESSAGE,
      EXP(IPCTNL_MSG_EXP.GET_STATS_CPU),
      NLM_F.DUMP,
      { header: { family: 0, version: 0, res_id: 0 }, attrs: {} },
      "IPCTNL_MSG_EXP_GET_STATS_CPU",
    );
    // The kernel answers in the CTNETLINK subsystem with the EXP operation number.
    return this.nfnl.dump(built, (t) => nfnlMsg(t) === IPCTNL_MSG_EXP.GET_STATS_CPU) as Promise<
      ExpectationCpuStats[]
    >;
  }

  /**
   * Subscribes to conntrack events: the returned monitor is joined to the groups when this call
   * returns. It yields `{ type: "new" | "update" | "destroy", entry }`, expectation events
   * when asked for, and `{ type: "overrun" }` when the kernel dropped events.
   */
  monitor(options: ConntrackMonitorOptions = {}): NfnlMonitor<ConntrackEvent> {
    const o = checkOptionalKeys(options, MONITOR_KEYS, "monitor", "monitor.");
    const events = (o.events ?? ["new", "update", "destroy"]) as readonly ConntrackEventName[];
    if (!Array.isArray(events) || events.length === 0) {
      throw new TypeError("monitor.events: expected a non-empty array of event names");
    }
    const groups = events.map((e, i) => {
      if (typeof e !== "string" || !Object.hasOwn(GROUPS, e)) {
        throw new TypeError(
          `monitor.events[${i}]: unknown event ${JSON.stringify(e)} (one of ${
            Object.keys(GROUPS).join(", ")
          })`,
        );
      }
      return GROUPS[e as ConntrackEventName];
    });
    const m = nfnlMonitor<ConntrackEvent>(groups, decodeConntrackEvent, {
      netns: (o.netns ?? this.nfnl.netns) as NfnlMonitorOptions["netns"],
      rcvbuf: o.rcvbuf as number | undefined,
      signal: o.signal as AbortSignal | undefined,
    });
    this.#monitors.add(m);
    return m;
  }

  /** Closes the socket and every monitor made by this object. Closing twice is harmless. */
  close(): void {
    for (const m of this.#monitors) m.close();
    this.#monitors.clear();
    if (this.#own) this.nfnl.close();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

export { decodeConntrackEvent };
export type { ConntrackEvent, ConntrackEventName, ConntrackMonitorOptions, Overrun };
