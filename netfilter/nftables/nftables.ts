/**
 * The NFTables class: nf_tables over nfnetlink (NFNL_SUBSYS_NFTABLES): the ruleset read as lazy
 * views and as plain objects, every change sent as one `NFNL_MSG_BATCH_BEGIN` … `END`
 * transaction (all of it or nothing, each refused message reported), the ruleset generation,
 * and events.
 *
 * @module
 */

import { NLM_F } from "../../netlink/constants.ts";
import { NetlinkError } from "../../netlink/errors.ts";
import { AttrView, decorateView, messageViewClass } from "../../netlink/view.ts";
import type { TypedMessage } from "../../netlink/view.ts";
import type { MessageSchema } from "../../netlink/schema.ts";
import { checkOptionalKeys, KeySet } from "../../netlink/strict.ts";
import {
  NFNL_OPTION_KEYS,
  NFNL_SUBSYS,
  NfnlConnection,
  NFNLGRP,
  nfnlMsg,
  nfnlSubsys,
  nfnlType,
} from "../nfnetlink.ts";
import type { NfnlOptions } from "../nfnetlink.ts";
import { MONITOR_OPTION_KEYS, nfnlMonitor } from "../monitor.ts";
import type { NfnlMonitor, NfnlMonitorOptions } from "../monitor.ts";
import { decodeExpr, objectOf } from "./expr.ts";
import type { NftExpr, NftRawExpr } from "./expr.ts";
import { dataTypeName, familyName, familyOf, hookName, NFT_DATA_VERDICT } from "./names.ts";
import type { NftFamily } from "./names.ts";
import { elementInfo } from "./elements.ts";
import type { NftElementInfo, SetShape } from "./elements.ts";
import {
  CHAIN_MESSAGE,
  GEN_MESSAGE,
  NFT_MSG,
  NFT_SET_F,
  OBJ_MESSAGE,
  RULE_MESSAGE,
  SET_MESSAGE,
  SETELEM_MESSAGE,
  TABLE_MESSAGE,
} from "./schema.ts";
import { NftTransaction } from "./transaction.ts";

// The keys of the readers' filters and specs (an unknown key is `method.key: unknown key`).
const FAMILY_FILTER = new KeySet("key", ["family"]);
const TABLE_FILTER = new KeySet("key", ["family", "table"]);
const CHAIN_FILTER = new KeySet("key", ["family", "table", "chain"]);
const SET_SPEC_KEYS = new KeySet("key", ["family", "table", "set"]);
const TRANSACTION_KEYS = new KeySet("key", ["genid"]);

/** Options of {@link NFTables}. */
export type NFTablesOptions = NfnlOptions;

/** A table as the kernel lists it (a lazy view). */
export type NftTable = TypedMessage<typeof TABLE_MESSAGE>;
/** A chain (a lazy view) with its hook by name and its priority as a signed number. */
export type NftChain = TypedMessage<typeof CHAIN_MESSAGE> & {
  /** The hook's name (`input`, …) of a base chain. */
  readonly hookName?: string | number;
  /** The priority of a base chain (signed). */
  readonly priority?: number;
};
/** A rule (a lazy view) with its expressions as typed objects. */
export type NftRule = TypedMessage<typeof RULE_MESSAGE> & {
  /** The rule's expressions, decoded into the objects a rule spec takes. */
  readonly expr: (NftExpr | NftRawExpr)[];
};
/** A set (a lazy view). */
export type NftSet = TypedMessage<typeof SET_MESSAGE>;
/** A stateful object (a lazy view). */
export type NftObject = TypedMessage<typeof OBJ_MESSAGE>;

decorateView(RULE_MESSAGE, {
  expr: (v) => ((v.get("expressions") as AttrView[] | undefined) ?? []).map(decodeExpr),
}, { cache: true });
decorateView(CHAIN_MESSAGE, {
  hookName: (v) => {
    const h = v.get("hook") as AttrView | undefined;
    const n = h?.get("hooknum") as number | undefined;
    return n === undefined ? undefined : hookName(v.get("family") as number, n);
  },
  priority: (v) => {
    const p = (v.get("hook") as AttrView | undefined)?.get("priority") as number | undefined;
    return p === undefined ? undefined : p | 0;
  },
});

/** One refused message of a transaction. */
export interface NftRefusal {
  /** Its index in the transaction. */
  index: number;
  /** What it did ("add rule inet filter input"). */
  operation: string;
  /** The kernel's refusal. */
  error: Error;
}

/** A transaction the kernel refused: nothing of it was applied. */
export class NftTransactionError extends Error {
  /** The error name. */
  override name = "NftTransactionError";
  /** Every refused message. */
  readonly refusals: NftRefusal[];

  /** The error for `refusals`. */
  constructor(refusals: NftRefusal[]) {
    const first = refusals[0];
    super(
      `nftables transaction refused, nothing applied: ${first.operation} (message ${first.index}): ${first.error.message}` +
        (refusals.length > 1 ? ` (and ${refusals.length - 1} more)` : ""),
      { cause: first.error },
    );
    this.refusals = refusals;
  }
}

/** What a transaction leaves: the ruleset generation it produced. */
export interface NftTransactionResult {
  /** The number of messages applied. */
  messages: number;
  /** The ruleset's generation id after the transaction. */
  genid: number;
}

/** A rule in plain form. */
export interface NftRuleInfo {
  /** Its handle. */
  handle: number;
  /** Its expressions. */
  expr: (NftExpr | NftRawExpr)[];
  /** Its comment. */
  comment?: string;
}

/** A chain in plain form, with its rules. */
export interface NftChainInfo {
  /** Its name. */
  name: string;
  /** Its handle. */
  handle: number;
  /** Base chains: type, hook, priority, policy. */
  type?: string;
  /** Base chains: the hook. */
  hook?: string | number;
  /** Base chains: the priority. */
  priority?: number;
  /** Base chains: the policy. */
  policy?: "accept" | "drop";
  /** Its rules, in order. */
  rules: NftRuleInfo[];
}

/** A set in plain form, with its elements. */
export interface NftSetInfo {
  /** Its name. */
  name: string;
  /** Its handle. */
  handle: number;
  /** nft's key type name (or id). */
  type: string | number;
  /** A map's value type. */
  map?: string | number;
  /** Flag names. */
  flags: string[];
  /** Default timeout (ms). */
  timeout?: number;
  /** Its elements. */
  elements: NftElementInfo[];
}

/** A stateful object in plain form. */
export interface NftObjectInfo {
  /** Its name. */
  name: string;
  /** counter, quota, limit, … */
  type: string | number;
  /** Its data (packets, bytes, rate, …). */
  data: Record<string, unknown>;
}

/** A table in plain form, with everything in it. */
export interface NftTableInfo {
  /** nft's family name. */
  family: NftFamily | number;
  /** Its name. */
  name: string;
  /** Its handle. */
  handle: number;
  /** Its chains. */
  chains: NftChainInfo[];
  /** Its sets and maps. */
  sets: NftSetInfo[];
  /** Its stateful objects. */
  objects: NftObjectInfo[];
}

/** One nf_tables event: the kernel's message type name and the object as a view. */
export interface NftEvent {
  /** `NFT_MSG_NEWRULE`, `NFT_MSG_DELTABLE`, `NFT_MSG_NEWGEN`, … */
  type: string;
  /** The object. */
  object: TypedMessage<MessageSchema>;
}

/** The schema of each nf_tables message type this library decodes. */
export const NFT_SCHEMAS: ReadonlyMap<number, MessageSchema> = new Map<number, MessageSchema>([
  [NFT_MSG.NEWTABLE, TABLE_MESSAGE],
  [NFT_MSG.DELTABLE, TABLE_MESSAGE],
  [NFT_MSG.NEWCHAIN, CHAIN_MESSAGE],
  [NFT_MSG.DELCHAIN, CHAIN_MESSAGE],
  [NFT_MSG.NEWRULE, RULE_MESSAGE],
  [NFT_MSG.DELRULE, RULE_MESSAGE],
  [NFT_MSG.NEWSET, SET_MESSAGE],
  [NFT_MSG.DELSET, SET_MESSAGE],
  [NFT_MSG.NEWSETELEM, SETELEM_MESSAGE],
  [NFT_MSG.DELSETELEM, SETELEM_MESSAGE],
  [NFT_MSG.NEWGEN, GEN_MESSAGE],
  [NFT_MSG.NEWOBJ, OBJ_MESSAGE],
  [NFT_MSG.DELOBJ, OBJ_MESSAGE],
]);

/** Decodes one nf_tables event message. */
export function decodeNftEvent(
  dv: DataView,
  u8: Uint8Array,
  off: number,
  len: number,
  type: number,
): NftEvent | undefined {
  if (nfnlSubsys(type) !== NFNL_SUBSYS.NFTABLES) return undefined;
  const schema = NFT_SCHEMAS.get(nfnlMsg(type));
  if (!schema) return undefined;
  const name = Object.entries(NFT_MSG).find(([, v]) => v === nfnlMsg(type))?.[0];
  return {
    type: `NFT_MSG_${name}`,
    object: new (messageViewClass(schema))(dv, u8, off, len) as TypedMessage<MessageSchema>,
  };
}

/** A filter of reads: a family, and a table (chains, rules, sets, objects), a chain (rules). */
export interface NftFilter {
  /** nft's family name. */
  family?: NftFamily;
  /** The table. */
  table?: string;
  /** The chain (rules only). */
  chain?: string;
}

/**
 * nf_tables of a network namespace: read the ruleset, change it in transactions.
 *
 * ```ts
 * import { NFTables, rules } from "@denonet/netlink/netfilter";
 * import { netns } from "@denonet/netlink";
 *
 * const ns = `nft-doc-${Deno.pid}`; // a name no other process uses
 * netns.create(ns);
 * try {
 *   using nft = new NFTables({ netns: ns });
 *   await nft.transaction((tx) => {
 *     tx.addTable({ family: "inet", name: "fw" });
 *     tx.addChain({ family: "inet", table: "fw", name: "input", hook: "input", policy: "drop" });
 *     tx.addRule({ family: "inet", table: "fw", chain: "input", expr: rules.accept({ ctState: ["established", "related"] }) });
 *     tx.addRule({ family: "inet", table: "fw", chain: "input", expr: rules.accept({ proto: "tcp", dport: 22 }) });
 *   });
 *   for (const r of await nft.getRules({ family: "inet", table: "fw" })) console.log(r.handle, r.expr);
 * } finally {
 *   netns.remove(ns);
 * }
 * ```
 */
export class NFTables implements Disposable {
  /** The NETLINK_NETFILTER connection. */
  readonly nfnl: NfnlConnection;
  readonly #own: boolean;
  readonly #monitors = new Set<NfnlMonitor<NftEvent>>();

  /** Opens a NETLINK_NETFILTER socket (in `options.netns` when given), or shares `connection`. */
  constructor(options: NFTablesOptions = {}) {
    const { connection, ...socket } = checkOptionalKeys(
      options,
      NFNL_OPTION_KEYS,
      "options",
      "options.",
    ) as NFTablesOptions;
    this.#own = connection === undefined;
    // A transaction goes to the kernel in one datagram: room for large ones.
    this.nfnl = connection ?? new NfnlConnection({ ...socket, sndbuf: socket.sndbuf ?? 16 << 20 });
  }

  #dump<M extends MessageSchema>(
    schema: M,
    msg: number,
    family: number,
    attrs: Record<string, unknown> = {},
  ): Promise<TypedMessage<M>[]> {
    const built = this.nfnl.build(schema, {
      type: nfnlType(NFNL_SUBSYS.NFTABLES, msg),
      flags: NLM_F.DUMP,
      header: { family, version: 0, res_id: 0 },
      attrs,
    }, `NFT_MSG_${Object.entries(NFT_MSG).find(([, v]) => v === msg)?.[0]}`);
    return this.nfnl.dump(built, (t) => nfnlMsg(t) === msg - 1);
  }

  #filter(filter: unknown, keys: KeySet, what: string) {
    const f = checkOptionalKeys(filter, keys, what, `${what}.`) as NftFilter;
    const family = f.family === undefined ? 0 : familyOf(f.family, `${what}.family`);
    return { f, family };
  }

  /** The ruleset generation: its id, and the process that made it. */
  async getGen(): Promise<{ id: number; proc_pid?: number; proc_name?: string }> {
    const built = this.nfnl.build(GEN_MESSAGE, {
      type: nfnlType(NFNL_SUBSYS.NFTABLES, NFT_MSG.GETGEN),
      flags: 0,
      header: { family: 0, version: 0, res_id: 0 },
    }, "NFT_MSG_GETGEN");
    const [g] = await this.nfnl.send(built);
    const out: { id: number; proc_pid?: number; proc_name?: string } = { id: g?.id ?? 0 };
    if (g?.proc_pid !== undefined) out.proc_pid = g.proc_pid;
    if (g?.proc_name !== undefined) out.proc_name = g.proc_name;
    return out;
  }

  /** Every table (of one family). */
  getTables(filter: Pick<NftFilter, "family"> = {}): Promise<NftTable[]> {
    const { family } = this.#filter(filter, FAMILY_FILTER, "getTables");
    return this.#dump(TABLE_MESSAGE, NFT_MSG.GETTABLE, family);
  }

  /** Every chain (of one family, one table). */
  getChains(filter: Pick<NftFilter, "family" | "table"> = {}): Promise<NftChain[]> {
    const { f, family } = this.#filter(filter, TABLE_FILTER, "getChains");
    return this.#dump(
      CHAIN_MESSAGE,
      NFT_MSG.GETCHAIN,
      family,
      f.table === undefined ? {} : { table: f.table },
    ) as Promise<NftChain[]>;
  }

  /** Every rule (of one family, table, chain), its expressions decoded as `expr`. */
  getRules(filter: NftFilter = {}): Promise<NftRule[]> {
    const { f, family } = this.#filter(filter, CHAIN_FILTER, "getRules");
    if (f.chain !== undefined && f.table === undefined) {
      throw new TypeError("getRules.table: required with chain");
    }
    const attrs: Record<string, unknown> = {};
    if (f.table !== undefined) attrs.table = f.table;
    if (f.chain !== undefined) attrs.chain = f.chain;
    return this.#dump(RULE_MESSAGE, NFT_MSG.GETRULE, family, attrs) as Promise<NftRule[]>;
  }

  /** Every set and map (of one family, one table). */
  getSets(filter: Pick<NftFilter, "family" | "table"> = {}): Promise<NftSet[]> {
    const { f, family } = this.#filter(filter, TABLE_FILTER, "getSets");
    return this.#dump(
      SET_MESSAGE,
      NFT_MSG.GETSET,
      family,
      f.table === undefined ? {} : {
        table: f.table,
      },
    );
  }

  /** The elements of a set, readable (keys as text of the set's type). */
  async getElements(
    spec: { family: NftFamily; table: string; set: string },
  ): Promise<NftElementInfo[]> {
    const s = checkOptionalKeys(spec, SET_SPEC_KEYS, "getElements", "getElements.");
    const family = familyOf(s.family, "getElements.family");
    const [set] = (await this.getSets({ family: s.family as NftFamily, table: s.table as string }))
      .filter((x) => x.name === s.set);
    if (!set) {
      throw new NetlinkError(
        2,
        { msg: `no set ${String(s.set)} in ${String(s.table)}` },
        "getElements",
      );
    }
    const msgs = await this.#dump(SETELEM_MESSAGE, NFT_MSG.GETSETELEM, family, {
      table: s.table,
      set: s.set,
    });
    const keyType = dataTypeName(set.key_type ?? 0);
    const dataType = set.data_type === NFT_DATA_VERDICT
      ? "verdict"
      : dataTypeName(set.data_type ?? 0);
    return msgs.flatMap((m) =>
      (m.elements ?? []).map((e) => elementInfo(objectOf(e), keyType, dataType))
    );
  }

  /** Every stateful object (of one family, one table). */
  getObjects(filter: Pick<NftFilter, "family" | "table"> = {}): Promise<NftObject[]> {
    const { f, family } = this.#filter(filter, TABLE_FILTER, "getObjects");
    return this.#dump(
      OBJ_MESSAGE,
      NFT_MSG.GETOBJ,
      family,
      f.table === undefined ? {} : {
        table: f.table,
      },
    );
  }

  /** The whole ruleset (of one family) as plain objects: tables with their chains, rules, sets, objects. */
  async ruleset(filter: Pick<NftFilter, "family"> = {}): Promise<NftTableInfo[]> {
    const { f } = this.#filter(filter, FAMILY_FILTER, "ruleset");
    const fam = f.family === undefined ? {} : { family: f.family };
    const [tables, chains, rules, sets, objects] = await Promise.all([
      this.getTables(fam),
      this.getChains(fam),
      this.getRules(fam),
      this.getSets(fam),
      this.getObjects(fam),
    ]);
    const out: NftTableInfo[] = [];
    const key = (family: unknown, table: unknown) => `${family}/${table}`;
    const byTable = new Map<string, NftTableInfo>();
    for (const t of tables) {
      const info: NftTableInfo = {
        family: familyName(t.family ?? 0),
        name: t.name ?? "",
        handle: t.handle ?? 0,
        chains: [],
        sets: [],
        objects: [],
      };
      out.push(info);
      byTable.set(key(t.family, t.name), info);
    }
    const byChain = new Map<string, NftChainInfo>();
    for (const c of chains) {
      const info: NftChainInfo = { name: c.name ?? "", handle: c.handle ?? 0, rules: [] };
      if (c.type !== undefined) info.type = c.type;
      if (c.hookName !== undefined) info.hook = c.hookName;
      if (c.priority !== undefined) info.priority = c.priority;
      if (c.policy !== undefined) info.policy = c.policy === 1 ? "accept" : "drop";
      byTable.get(key(c.family, c.table))?.chains.push(info);
      byChain.set(`${key(c.family, c.table)}/${c.name}`, info);
    }
    for (const r of rules) {
      const info: NftRuleInfo = { handle: r.handle ?? 0, expr: r.expr };
      const u = r.userdata;
      if (u instanceof Uint8Array && u[0] === 0 && u.length > 2) {
        info.comment = new TextDecoder().decode(u.subarray(2, 2 + u[1])).replace(/\0+$/, "");
      }
      byChain.get(`${key(r.family, r.table)}/${r.chain}`)?.rules.push(info);
    }
    for (const s of sets) {
      const table = byTable.get(key(s.family, s.table));
      if (!table) continue;
      const flags = Object.entries(NFT_SET_F).filter(([, b]) => ((s.flags ?? 0) & b) !== 0)
        .map(([k]) => k);
      const info: NftSetInfo = {
        name: s.name ?? "",
        handle: s.handle ?? 0,
        type: dataTypeName(s.key_type ?? 0) ?? s.key_type ?? 0,
        flags,
        elements: await this.getElements({
          family: table.family as NftFamily,
          table: table.name,
          set: s.name ?? "",
        }),
      };
      if (s.data_type !== undefined) {
        info.map = s.data_type === NFT_DATA_VERDICT
          ? "verdict"
          : dataTypeName(s.data_type) ?? s.data_type;
      }
      if (s.timeout !== undefined) info.timeout = s.timeout;
      table.sets.push(info);
    }
    for (const o of objects) {
      const data = o.get("data");
      byTable.get(key(o.family, o.table))?.objects.push({
        name: o.name ?? "",
        type: o.type ?? 0,
        data: data instanceof AttrView ? objectOf(data) : {},
      });
    }
    return out;
  }

  /** The shape of a set in the kernel (for elements of a set the transaction does not add). */
  async #shape(family: number, table: string, set: string): Promise<SetShape> {
    const [s] = (await this.#dump(SET_MESSAGE, NFT_MSG.GETSET, family, { table }))
      .filter((x) => x.name === set);
    if (!s) {
      throw new TypeError(`elements: no set ${set} in table ${table} (${familyName(family)})`);
    }
    return {
      keyType: dataTypeName(s.key_type ?? 0),
      keyLen: s.key_len ?? 0,
      interval: ((s.flags ?? 0) & NFT_SET_F.interval) !== 0,
      dataType: s.data_type === undefined
        ? undefined
        : s.data_type === NFT_DATA_VERDICT
        ? "verdict"
        : dataTypeName(s.data_type) ?? "bytes",
      dataLen: s.data_len,
    };
  }

  /**
   * Builds a transaction with `build` and sends it as one batch: the kernel applies all of it
   * or nothing. A refusal is an {@link NftTransactionError} listing every refused message.
   * `genid` makes the kernel refuse (`ERESTART`) if the ruleset changed since that generation.
   */
  async transaction(
    build: (tx: NftTransaction) => void | Promise<void>,
    options: { genid?: number } = {},
  ): Promise<NftTransactionResult> {
    const o = checkOptionalKeys(options, TRANSACTION_KEYS, "transaction", "transaction.");
    const tx = new NftTransaction(this.nfnl);
    await build(tx);
    return await this.commit(tx, o.genid as number | undefined);
  }

  /** Sends a built transaction (see {@link transaction}). */
  async commit(tx: NftTransaction, genid?: number): Promise<NftTransactionResult> {
    const shapes = new Map<string, SetShape>();
    for (const n of tx.needed()) {
      const k = `${n.family}/${n.table}/${n.set}`;
      if (!shapes.has(k)) shapes.set(k, await this.#shape(n.family, n.table, n.set));
    }
    const { messages, operations: ops } = tx.encode((f, t, s) => shapes.get(`${f}/${t}/${s}`)!);
    if (messages.length === 0) return { messages: 0, genid: (await this.getGen()).id };
    const answers = await this.nfnl.batch(NFNL_SUBSYS.NFTABLES, messages, { genid });
    const refusals: NftRefusal[] = [];
    answers.forEach((a, index) => {
      if (a instanceof Error) refusals.push({ index, operation: ops[index], error: a });
    });
    if (refusals.length > 0) throw new NftTransactionError(refusals);
    return { messages: messages.length, genid: (await this.getGen()).id };
  }

  /** Deletes every table (of one family): `nft flush ruleset`. */
  async flushRuleset(filter: Pick<NftFilter, "family"> = {}): Promise<void> {
    await this.transaction((tx) => void tx.flushRuleset(filter));
  }

  /**
   * Subscribes to nf_tables events (NFNLGRP_NFTABLES): every change of every object as a view,
   * and `NFT_MSG_NEWGEN` after each transaction; `{ type: "overrun" }` when the kernel
   * dropped events. Subscribed when this call returns.
   */
  monitor(options: NfnlMonitorOptions = {}): NfnlMonitor<NftEvent> {
    const o = checkOptionalKeys(
      options,
      MONITOR_OPTION_KEYS,
      "monitor",
      "monitor.",
    ) as NfnlMonitorOptions;
    const m = nfnlMonitor<NftEvent>([NFNLGRP.nftables], decodeNftEvent, {
      netns: o.netns ?? this.nfnl.netns,
      rcvbuf: o.rcvbuf,
      signal: o.signal,
    });
    this.#monitors.add(m);
    return m;
  }

  /** Closes the socket (unless shared) and every monitor made here. Closing twice is harmless. */
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
