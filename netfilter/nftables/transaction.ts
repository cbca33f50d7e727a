/**
 * An nf_tables transaction being built: tables, chains, rules, sets, elements and objects to
 * add, delete or flush, each checked when it is added (TypeError/RangeError naming the field)
 * and encoded in order. {@link NFTables.transaction} sends them as one batch.
 *
 * @module
 */

import { describeValue } from "../../netlink/addr.ts";
import { checkInt } from "../../netlink/encoder.ts";
import { NLM_F } from "../../netlink/constants.ts";
import type { MessageSchema } from "../../netlink/schema.ts";
import { checkOptionalKeys, isPlainObject, KeySet, suggestion } from "../../netlink/strict.ts";
import { NFNL_SUBSYS, nfnlType } from "../nfnetlink.ts";
import type { NfnlBuilt, NfnlConnection } from "../nfnetlink.ts";
import { encodeExpr } from "./expr.ts";
import type { NftExpr, NftRawExpr } from "./expr.ts";
import {
  dataTypeOf,
  familyOf,
  hookOf,
  msOf,
  NFT_DATA_VERDICT,
  policyOf,
  priorityOf,
} from "./names.ts";
import type { NftFamily } from "./names.ts";
import { checkElementKeys, encodeElements, writeElements } from "./elements.ts";
import type { ElementInput, SetShape } from "./elements.ts";
import {
  CHAIN_MESSAGE,
  NFT_MSG,
  NFT_OBJECT,
  NFT_SET_F,
  NFT_TABLE_F,
  OBJ_MESSAGE,
  RULE_MESSAGE,
  SET_MESSAGE,
  SETELEM_MESSAGE,
  TABLE_MESSAGE,
} from "./schema.ts";
import { EXPR_SCHEMAS } from "./expr_schema.ts";

// The keys each builder's spec accepts (an unknown key is `builder.key: unknown key`).
const ADD_TABLE_KEYS = new KeySet("key", ["family", "name", "flags", "create"]);
const DELETE_TABLE_KEYS = new KeySet("key", ["family", "name"]);
const FLUSH_TABLE_KEYS = new KeySet("key", ["family", "table"]);
const FLUSH_RULESET_KEYS = new KeySet("key", ["family"]);
const ADD_CHAIN_KEYS = new KeySet("key", [
  "family",
  "table",
  "name",
  "hook",
  "priority",
  "type",
  "policy",
  "device",
  "create",
]);
const DELETE_CHAIN_KEYS = new KeySet("key", ["family", "table", "name"]);
const FLUSH_CHAIN_KEYS = new KeySet("key", ["family", "table", "chain"]);
const RULE_KEYS = new KeySet("key", [
  "family",
  "table",
  "chain",
  "expr",
  "position",
  "handle",
  "comment",
]);
const ADD_SET_KEYS = new KeySet("key", [
  "family",
  "table",
  "name",
  "type",
  "map",
  "flags",
  "timeout",
  "gc_interval",
  "size",
  "policy",
  "elements",
]);
const DELETE_SET_KEYS = new KeySet("key", ["family", "table", "name"]);
const FLUSH_SET_KEYS = new KeySet("key", ["family", "table", "set"]);
const ELEMENTS_KEYS = new KeySet("key", ["family", "table", "set", "elements"]);
const OBJECT_KEYS = new KeySet("key", ["family", "table", "name", "type"]);
const COUNTER_KEYS = OBJECT_KEYS.with(["packets", "bytes"]);
const QUOTA_KEYS = OBJECT_KEYS.with(["bytes", "over", "consumed"]);
const LIMIT_KEYS = OBJECT_KEYS.with(["rate", "per", "burst", "bytes", "over"]);
const DELETE_OBJECT_KEYS = OBJECT_KEYS;

/** What names a table. */
export interface NftTableRef {
  /** nft's family name. */
  family: NftFamily;
  /** The table. */
  table: string;
}

/** A table to add. */
export interface NftTableSpec {
  /** nft's family name. */
  family: NftFamily;
  /** Its name. */
  name: string;
  /** `dormant`, `owner`. */
  flags?: readonly ("dormant" | "owner")[];
}

/** A chain to add: a base chain (with `hook`) or a regular one. */
export interface NftChainSpec extends NftTableRef {
  /** Its name. */
  name: string;
  /** Base chains: the hook (`input`, `prerouting`, `ingress`, …). */
  hook?: string;
  /** Base chains: the priority, a number or nft's name (`filter`, `dstnat`, `srcnat`, …). */
  priority?: number | string;
  /** Base chains: `filter` (default), `nat`, `route`. */
  type?: "filter" | "nat" | "route";
  /** Base chains: what packets that reach the end get (`accept` default, or `drop`). */
  policy?: "accept" | "drop";
  /** Netdev/ingress chains: the device. */
  device?: string;
}

/** A rule to add, insert or replace. */
export interface NftRuleSpec extends NftTableRef {
  /** The chain. */
  chain: string;
  /** Its expressions, in order. */
  expr: readonly (NftExpr | NftRawExpr)[];
  /** Insert (or add) relative to the rule with this handle. */
  position?: number;
  /** The rule to replace (replaceRule) or to delete (deleteRule). */
  handle?: number;
  /** nft's comment (rule userdata). */
  comment?: string;
}

/** A set (or map) to add. */
export interface NftSetSpec extends NftTableRef {
  /** Its name. */
  name: string;
  /** Key type: nft's name (`ipv4_addr`, `ipv6_addr`, `inet_service`, `inet_proto`, `mark`, `ifname`, `ether_addr`). */
  type: string;
  /** A map: the value type (an nft type name, or `verdict`). */
  map?: string;
  /** `interval`, `timeout`, `constant`, `anonymous`, `eval`. */
  flags?: readonly ("interval" | "timeout" | "constant" | "anonymous" | "eval" | "dynamic")[];
  /** Default element timeout (ms or `"1h"`). */
  timeout?: number | string;
  /** Garbage collection interval (ms or text). */
  gc_interval?: number | string;
  /** Maximal number of elements. */
  size?: number;
  /** `performance` or `memory`. */
  policy?: "performance" | "memory";
  /** Elements to add with it. */
  elements?: readonly ElementInput[];
}

/** Elements to add to (or delete from) a set. */
export interface NftElementsSpec extends NftTableRef {
  /** The set. */
  set: string;
  /** The elements. */
  elements: readonly ElementInput[];
}

/** A stateful object to add. */
export type NftObjectSpec =
  & NftTableRef
  & { name: string }
  & (
    | { type: "counter"; packets?: number; bytes?: number }
    | { type: "quota"; bytes: number; over?: boolean; consumed?: number }
    | {
      type: "limit";
      rate: number;
      per: "second" | "minute" | "hour" | "day" | "week";
      burst?: number;
      bytes?: boolean;
      over?: boolean;
    }
  );

const UNIT = { second: 1, minute: 60, hour: 3600, day: 86400, week: 604800 } as const;

function name(v: unknown, field: string): string {
  if (typeof v !== "string" || v === "" || new TextEncoder().encode(v).length >= 256) {
    throw new TypeError(`${field}: expected a name of 1..255 bytes, got ${describeValue(v)}`);
  }
  return v;
}

function flagsOf(v: unknown, table: Readonly<Record<string, number>>, field: string): number {
  if (!Array.isArray(v)) throw new TypeError(`${field}: expected an array of flag names`);
  let out = 0;
  v.forEach((f, i) => {
    if (typeof f !== "string" || !Object.hasOwn(table, f)) {
      throw new TypeError(
        `${field}[${i}]: unknown flag ${describeValue(f)}${
          typeof f === "string" ? suggestion(f, Object.keys(table)) : ""
        } (one of ${Object.keys(table).join(", ")})`,
      );
    }
    out |= table[f];
  });
  return out;
}

/** nft's set userdata: key (and data) byte order as TLVs, so nft(8) prints elements right. */
function setUserdata(keyOrder: number, dataOrder?: number): Uint8Array {
  const tlv = (type: number, v: number) => [type, 4, v & 255, 0, 0, 0];
  const bytes = [...tlv(0, keyOrder)];
  if (dataOrder !== undefined) bytes.push(...tlv(1, dataOrder), ...tlv(6, 0));
  return new Uint8Array(bytes);
}

/** One queued change: one message, or (many elements) several; encoded once every set it needs is known. */
interface Op {
  describe: string;
  needs?: { family: number; table: string; set: string };
  encode: (shapes: ShapeLookup) => NfnlBuilt[];
}

/** The shape of a set named in the transaction or already in the kernel. */
export type ShapeLookup = (family: number, table: string, set: string) => SetShape;

/**
 * A transaction being built. Every method checks its spec at once; nothing is sent until
 * {@link NFTables.transaction} runs the batch.
 */
export class NftTransaction {
  readonly #nfnl: NfnlConnection;
  readonly #ops: Op[] = [];
  readonly #shapes = new Map<string, SetShape>();
  #nextId = 1;

  /** A transaction that encodes with `nfnl`. */
  constructor(nfnl: NfnlConnection) {
    this.#nfnl = nfnl;
  }

  /** The number of messages queued. */
  get size(): number {
    return this.#ops.length;
  }

  /** What each queued message does ("add rule inet filter input"), in order. */
  get operations(): string[] {
    return this.#ops.map((o) => o.describe);
  }

  #push(
    schema: MessageSchema,
    msg: number,
    flags: number,
    family: number,
    attrs:
      | Record<string, unknown>
      | ((shapes: ShapeLookup) => Record<string, unknown> | Record<string, unknown>[]),
    describe: string,
    needs?: Op["needs"],
  ): void {
    this.#ops.push({
      describe,
      needs,
      encode: (shapes) => {
        const a = typeof attrs === "function" ? attrs(shapes) : attrs;
        return (Array.isArray(a) ? a : [a]).map((x) =>
          this.#nfnl.build(schema, {
            type: nfnlType(NFNL_SUBSYS.NFTABLES, msg),
            flags,
            header: { family, version: 0, res_id: 0 },
            attrs: x,
          }, describe)
        );
      },
    });
  }

  /** The sets whose shapes the queued messages need (not defined in this transaction). */
  needed(): { family: number; table: string; set: string }[] {
    return this.#ops.map((o) => o.needs).filter((n): n is NonNullable<Op["needs"]> =>
      n !== undefined && !this.#shapes.has(`${n.family}/${n.table}/${n.set}`)
    );
  }

  /**
   * Encodes every queued change; `lookup` gives shapes of sets defined elsewhere. Each message
   * comes with what it does (many elements take several messages).
   */
  encode(lookup: ShapeLookup): { messages: NfnlBuilt[]; operations: string[] } {
    const shapes: ShapeLookup = (f, t, s) => this.#shapes.get(`${f}/${t}/${s}`) ?? lookup(f, t, s);
    const messages: NfnlBuilt[] = [], operations: string[] = [];
    for (const o of this.#ops) {
      for (const m of o.encode(shapes)) {
        messages.push(m);
        operations.push(o.describe);
      }
    }
    return { messages, operations };
  }

  /** Adds a table (no error when it exists; `create: true` for one). */
  addTable(spec: NftTableSpec & { create?: boolean }): this {
    const s = checkOptionalKeys(spec, ADD_TABLE_KEYS, "addTable", "addTable.");
    const family = familyOf(s.family, "addTable.family");
    const attrs: Record<string, unknown> = { name: name(s.name, "addTable.name") };
    attrs.flags = s.flags === undefined ? 0 : flagsOf(s.flags, NFT_TABLE_F, "addTable.flags");
    this.#push(
      TABLE_MESSAGE,
      NFT_MSG.NEWTABLE,
      // The kernel makes a missing table without NLM_F_CREATE (nft sends none either).
      s.create ? NLM_F.EXCL : 0,
      family,
      attrs,
      `add table ${s.family} ${s.name}`,
    );
    return this;
  }

  /** Deletes a table and everything in it. */
  deleteTable(spec: { family: NftFamily; name: string }): this {
    const s = checkOptionalKeys(spec, DELETE_TABLE_KEYS, "deleteTable", "deleteTable.");
    const family = familyOf(s.family, "deleteTable.family");
    this.#push(TABLE_MESSAGE, NFT_MSG.DELTABLE, 0, family, {
      name: name(s.name, "deleteTable.name"),
    }, `delete table ${s.family} ${s.name}`);
    return this;
  }

  /** Deletes every rule of a table (`nft flush table`). */
  flushTable(spec: NftTableRef): this {
    const s = checkOptionalKeys(spec, FLUSH_TABLE_KEYS, "flushTable", "flushTable.");
    this.#push(RULE_MESSAGE, NFT_MSG.DELRULE, 0, familyOf(s.family, "flushTable.family"), {
      table: name(s.table, "flushTable.table"),
    }, `flush table ${s.family} ${s.table}`);
    return this;
  }

  /** Deletes every table (of one family, or all): `nft flush ruleset`. */
  flushRuleset(spec: { family?: NftFamily } = {}): this {
    const s = checkOptionalKeys(spec, FLUSH_RULESET_KEYS, "flushRuleset", "flushRuleset.");
    const family = s.family === undefined ? 0 : familyOf(s.family, "flushRuleset.family");
    this.#push(TABLE_MESSAGE, NFT_MSG.DELTABLE, 0, family, {}, "flush ruleset");
    return this;
  }

  /** Adds a chain: a base chain when `hook` is given (with type, priority, policy), else a regular one. */
  addChain(spec: NftChainSpec & { create?: boolean }): this {
    const s = checkOptionalKeys(spec, ADD_CHAIN_KEYS, "addChain", "addChain.") as unknown as
      & NftChainSpec
      & { create?: boolean };
    const family = familyOf(s.family, "addChain.family");
    const attrs: Record<string, unknown> = {
      table: name(s.table, "addChain.table"),
      name: name(s.name, "addChain.name"),
    };
    if (s.hook !== undefined) {
      const type = s.type ?? "filter";
      if (type !== "filter" && type !== "nat" && type !== "route") {
        throw new TypeError(
          `addChain.type: expected filter, nat or route, got ${describeValue(type)}`,
        );
      }
      attrs.type = type;
      if (s.policy !== undefined) attrs.policy = policyOf(s.policy, "addChain.policy");
      const hook: Record<string, unknown> = {
        hooknum: hookOf(s.family, s.hook, "addChain.hook"),
        priority: priorityOf(s.family, s.priority ?? 0, "addChain.priority") >>> 0,
      };
      if (s.device !== undefined) hook.dev = name(s.device, "addChain.device");
      else if (s.family === "netdev") {
        throw new TypeError("addChain.device: netdev chains need one");
      }
      attrs.hook = hook;
    } else {
      for (const k of ["type", "priority", "policy", "device"] as const) {
        if (s[k] !== undefined) {
          throw new TypeError(`addChain.${k}: only base chains (with a hook)`);
        }
      }
    }
    this.#push(
      CHAIN_MESSAGE,
      NFT_MSG.NEWCHAIN,
      NLM_F.CREATE | (s.create ? NLM_F.EXCL : 0),
      family,
      attrs,
      `add chain ${s.family} ${s.table} ${s.name}`,
    );
    return this;
  }

  /** Deletes a (empty, unreferenced) chain. */
  deleteChain(spec: NftTableRef & { name: string }): this {
    const s = checkOptionalKeys(spec, DELETE_CHAIN_KEYS, "deleteChain", "deleteChain.");
    this.#push(CHAIN_MESSAGE, NFT_MSG.DELCHAIN, 0, familyOf(s.family, "deleteChain.family"), {
      table: name(s.table, "deleteChain.table"),
      name: name(s.name, "deleteChain.name"),
    }, `delete chain ${s.family} ${s.table} ${s.name}`);
    return this;
  }

  /** Deletes every rule of a chain (`nft flush chain`). */
  flushChain(spec: NftTableRef & { chain: string }): this {
    const s = checkOptionalKeys(spec, FLUSH_CHAIN_KEYS, "flushChain", "flushChain.");
    this.#push(RULE_MESSAGE, NFT_MSG.DELRULE, 0, familyOf(s.family, "flushChain.family"), {
      table: name(s.table, "flushChain.table"),
      chain: name(s.chain, "flushChain.chain"),
    }, `flush chain ${s.family} ${s.table} ${s.chain}`);
    return this;
  }

  #rule(spec: NftRuleSpec, what: string, flags: number, msg: number): this {
    const s = checkOptionalKeys(spec, RULE_KEYS, what, `${what}.`) as unknown as NftRuleSpec;
    const family = familyOf(s.family, `${what}.family`);
    const attrs: Record<string, unknown> = {
      table: name(s.table, `${what}.table`),
      chain: name(s.chain, `${what}.chain`),
    };
    if (msg === NFT_MSG.DELRULE || what === "replaceRule") {
      if (s.handle === undefined) throw new TypeError(`${what}.handle: required`);
      attrs.handle = checkInt(s.handle, "be64", `${what}.handle`);
    } else if (s.handle !== undefined) {
      throw new TypeError(`${what}.handle: only replaceRule and deleteRule take a handle`);
    }
    if (msg === NFT_MSG.NEWRULE) {
      if (!Array.isArray(s.expr)) {
        throw new TypeError(`${what}.expr: expected an array of expressions`);
      }
      attrs.expressions = s.expr.map((e, i) => encodeExpr(e, `${what}.expr[${i}]`));
      if (s.position !== undefined) {
        attrs.position = checkInt(s.position, "be64", `${what}.position`);
      }
      if (s.comment !== undefined) {
        if (typeof s.comment !== "string") {
          throw new TypeError(`${what}.comment: expected a string`);
        }
        const text = new TextEncoder().encode(s.comment);
        if (text.length > 127) throw new RangeError(`${what}.comment: longer than 127 bytes`);
        attrs.userdata = new Uint8Array([0, text.length + 1, ...text, 0]);
      }
    } else if (s.expr !== undefined) throw new TypeError(`${what}.expr: not for deleteRule`);
    this.#push(
      RULE_MESSAGE,
      msg,
      flags,
      family,
      attrs,
      `${what} ${s.family} ${s.table} ${s.chain}`,
    );
    return this;
  }

  /** Appends a rule to a chain (after the rule `position`, when given). */
  addRule(spec: NftRuleSpec): this {
    return this.#rule(spec, "addRule", NLM_F.CREATE | NLM_F.APPEND, NFT_MSG.NEWRULE);
  }

  /** Inserts a rule at the head of a chain (before the rule `position`, when given). */
  insertRule(spec: NftRuleSpec): this {
    return this.#rule(spec, "insertRule", NLM_F.CREATE, NFT_MSG.NEWRULE);
  }

  /** Replaces the rule `handle`. */
  replaceRule(spec: NftRuleSpec & { handle: number }): this {
    return this.#rule(spec, "replaceRule", NLM_F.REPLACE, NFT_MSG.NEWRULE);
  }

  /** Deletes the rule `handle`. */
  deleteRule(spec: NftTableRef & { chain: string; handle: number }): this {
    return this.#rule(spec as NftRuleSpec, "deleteRule", 0, NFT_MSG.DELRULE);
  }

  /** Adds a set or map (with its elements, when given). Returns this transaction. */
  addSet(spec: NftSetSpec): this {
    this.addSetWithId(spec);
    return this;
  }

  /**
   * Adds a set and returns its transaction id (`NFTA_SET_ID`), for lookups of an anonymous
   * set made in the same transaction.
   */
  addSetWithId(spec: NftSetSpec): number {
    const s = checkOptionalKeys(spec, ADD_SET_KEYS, "addSet", "addSet.") as unknown as NftSetSpec;
    const family = familyOf(s.family, "addSet.family");
    const key = dataTypeOf(s.type, "addSet.type");
    let flags = s.flags === undefined
      ? 0
      : flagsOf(s.flags, { ...NFT_SET_F, dynamic: NFT_SET_F.eval }, "addSet.flags");
    const attrs: Record<string, unknown> = {
      table: name(s.table, "addSet.table"),
      name: name(s.name, "addSet.name"),
    };
    let data: { id: number; len: number; byteorder: number; name: string } | undefined;
    if (s.map !== undefined) {
      flags |= NFT_SET_F.map;
      data = s.map === "verdict"
        ? { id: NFT_DATA_VERDICT, len: 0, byteorder: 0, name: "verdict" }
        : dataTypeOf(s.map, "addSet.map");
    }
    if (s.timeout !== undefined) flags |= NFT_SET_F.timeout;
    attrs.flags = flags;
    attrs.key_type = key.id;
    attrs.key_len = key.len;
    if (data) {
      attrs.data_type = data.id;
      attrs.data_len = data.len;
    }
    if (s.policy !== undefined) {
      if (s.policy !== "performance" && s.policy !== "memory") {
        throw new TypeError("addSet.policy: expected performance or memory");
      }
      attrs.policy = s.policy === "memory" ? 1 : 0;
    }
    if (s.size !== undefined) attrs.desc = { size: checkInt(s.size, "be32", "addSet.size") };
    const id = this.#nextId++;
    attrs.id = id;
    if (s.timeout !== undefined) attrs.timeout = msOf(s.timeout, "addSet.timeout");
    if (s.gc_interval !== undefined) {
      attrs.gc_interval = checkInt(
        msOf(s.gc_interval, "addSet.gc_interval"),
        "be32",
        "addSet.gc_interval",
      );
    }
    attrs.userdata = setUserdata(key.byteorder, data?.byteorder);
    const shape: SetShape = {
      keyType: key.name,
      keyLen: key.len,
      interval: (flags & NFT_SET_F.interval) !== 0,
      dataType: data?.name,
      dataLen: data?.len,
    };
    this.#shapes.set(`${family}/${s.table}/${s.name}`, shape);
    this.#push(
      SET_MESSAGE,
      NFT_MSG.NEWSET,
      NLM_F.CREATE,
      family,
      attrs,
      `add set ${s.family} ${s.table} ${s.name}`,
    );
    if (s.elements !== undefined && s.elements.length > 0) {
      this.#elements(
        { family: s.family, table: s.table, set: s.name, elements: s.elements },
        "addSet",
        NFT_MSG.NEWSETELEM,
        id,
      );
    }
    return id;
  }

  /** Deletes a set. */
  deleteSet(spec: NftTableRef & { name: string }): this {
    const s = checkOptionalKeys(spec, DELETE_SET_KEYS, "deleteSet", "deleteSet.");
    this.#push(SET_MESSAGE, NFT_MSG.DELSET, 0, familyOf(s.family, "deleteSet.family"), {
      table: name(s.table, "deleteSet.table"),
      name: name(s.name, "deleteSet.name"),
    }, `delete set ${s.family} ${s.table} ${s.name}`);
    return this;
  }

  /** Deletes every element of a set (`nft flush set`). */
  flushSet(spec: NftTableRef & { set: string }): this {
    const s = checkOptionalKeys(spec, FLUSH_SET_KEYS, "flushSet", "flushSet.");
    this.#push(SETELEM_MESSAGE, NFT_MSG.DELSETELEM, 0, familyOf(s.family, "flushSet.family"), {
      table: name(s.table, "flushSet.table"),
      set: name(s.set, "flushSet.set"),
    }, `flush set ${s.family} ${s.table} ${s.set}`);
    return this;
  }

  #elements(spec: NftElementsSpec, what: string, msg: number, setId?: number): void {
    const s = checkOptionalKeys(
      spec,
      ELEMENTS_KEYS,
      what,
      `${what}.`,
    ) as unknown as NftElementsSpec;
    const family = familyOf(s.family, `${what}.family`);
    const table = name(s.table, `${what}.table`);
    const set = name(s.set, `${what}.set`);
    if (!Array.isArray(s.elements) || s.elements.length === 0) {
      throw new TypeError(`${what}.elements: expected a non-empty array`);
    }
    const known = this.#shapes.get(`${family}/${table}/${set}`);
    // Without the shape the elements are encoded once it is read; their keys are checked now.
    if (!known) s.elements.forEach((e, i) => checkElementKeys(e, `${what}.elements[${i}]`));
    // Checked now when the set is known; else once its shape is read from the kernel.
    // The elements nest's length is 16 bits: many elements go in several messages, as nft
    // sends them (one transaction all the same). A chunk too large to encode is halved.
    const describe = `${
      msg === NFT_MSG.NEWSETELEM ? "add" : "delete"
    } element ${s.family} ${table} ${set}`;
    const build = (shape: SetShape): NfnlBuilt[] => {
      const all = encodeElements(s.elements, shape, `${what}.elements`, msg === NFT_MSG.DELSETELEM);
      const out: NfnlBuilt[] = [];
      for (let i = 0; i < all.length;) {
        for (let n = Math.min(all.length - i, CHUNK);; n = Math.ceil(n / 2)) {
          const attrs: Record<string, unknown> = { table, set };
          if (setId !== undefined) attrs.set_id = setId;
          const chunk = all.slice(i, i + n);
          try {
            out.push(this.#nfnl.build(SETELEM_MESSAGE, {
              type: nfnlType(NFNL_SUBSYS.NFTABLES, msg),
              flags: msg === NFT_MSG.NEWSETELEM ? NLM_F.CREATE : 0,
              header: { family, version: 0, res_id: 0 },
              attrs,
              extra: (w) => writeElements(w, chunk),
            }, describe));
            i += n;
            break;
          } catch (e) {
            if (!(e instanceof RangeError && /65535/.test(e.message)) || n === 1) throw e;
          }
        }
      }
      return out;
    };
    const now = known ? build(known) : undefined;
    this.#ops.push({
      describe,
      needs: known ? undefined : { family, table, set },
      encode: (shapes) => now ?? build(shapes(family, table, set)),
    });
  }

  /** Adds elements to a set or map. */
  addElements(spec: NftElementsSpec): this {
    this.#elements(spec, "addElements", NFT_MSG.NEWSETELEM);
    return this;
  }

  /** Deletes elements of a set or map. */
  deleteElements(spec: NftElementsSpec): this {
    this.#elements(spec, "deleteElements", NFT_MSG.DELSETELEM);
    return this;
  }

  /** Adds a stateful object: a counter, a quota or a limit. */
  addObject(spec: NftObjectSpec): this {
    const s = spec as NftObjectSpec & Record<string, unknown>;
    if (!isPlainObject(s)) throw new TypeError("addObject: expected an object spec");
    const family = familyOf(s.family, "addObject.family");
    let data: Record<string, unknown>;
    switch (s.type) {
      case "counter":
        checkOptionalKeys(s, COUNTER_KEYS, "addObject", "addObject.");
        data = {
          bytes: checkInt(s.bytes ?? 0, "be64", "addObject.bytes"),
          packets: checkInt(s.packets ?? 0, "be64", "addObject.packets"),
        };
        break;
      case "quota":
        checkOptionalKeys(s, QUOTA_KEYS, "addObject", "addObject.");
        data = {
          bytes: checkInt(s.bytes, "be64", "addObject.bytes"),
          consumed: checkInt(s.consumed ?? 0, "be64", "addObject.consumed"),
          flags: s.over ? 1 : 0,
        };
        break;
      case "limit": {
        checkOptionalKeys(s, LIMIT_KEYS, "addObject", "addObject.");
        if (!Object.hasOwn(UNIT, s.per as string)) {
          throw new TypeError(`addObject.per: expected one of ${Object.keys(UNIT).join(", ")}`);
        }
        data = {
          rate: checkInt(s.rate, "be64", "addObject.rate"),
          unit: UNIT[s.per as keyof typeof UNIT],
          burst: checkInt(s.burst ?? (s.bytes ? 0 : 5), "be32", "addObject.burst"),
          type: s.bytes ? "pkt_bytes" : "pkts",
          flags: s.over ? 1 : 0,
        };
        break;
      }
      default:
        throw new TypeError(
          `addObject.type: expected counter, quota or limit, got ${
            describeValue((s as { type?: unknown }).type)
          }`,
        );
    }
    this.#push(OBJ_MESSAGE, NFT_MSG.NEWOBJ, NLM_F.CREATE, family, {
      table: name(s.table, "addObject.table"),
      name: name(s.name, "addObject.name"),
      type: s.type,
      data,
    }, `add ${s.type} ${s.family} ${s.table} ${s.name}`);
    return this;
  }

  /** Deletes a stateful object. */
  deleteObject(spec: NftTableRef & { name: string; type: keyof typeof NFT_OBJECT }): this {
    const s = checkOptionalKeys(spec, DELETE_OBJECT_KEYS, "deleteObject", "deleteObject.");
    if (typeof s.type !== "string" || !Object.hasOwn(NFT_OBJECT, s.type)) {
      throw new TypeError(`deleteObject.type: unknown object type ${describeValue(s.type)}`);
    }
    this.#push(OBJ_MESSAGE, NFT_MSG.DELOBJ, 0, familyOf(s.family, "deleteObject.family"), {
      table: name(s.table, "deleteObject.table"),
      name: name(s.name, "deleteObject.name"),
      type: s.type,
    }, `delete ${s.type} ${s.family} ${s.table} ${s.name}`);
    return this;
  }
}

/** Elements per message to try first (an IPv4 key takes 24 bytes: 1000 take 24 KiB). */
const CHUNK = 1000;

/** Whether an expression name has a table here (for callers that build raw lists). */
export function knownExpression(name: string): boolean {
  return Object.hasOwn(EXPR_SCHEMAS, name);
}
