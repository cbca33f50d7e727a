/**
 * Request specs of the Conntrack class, checked and turned into CTA attributes before anything
 * is sent: entries to create, update, get or delete, dump and flush filters, expectations.
 *
 * @module
 */

import { describeValue } from "../../netlink/addr.ts";
import { checkInt } from "../../netlink/encoder.ts";
import { checkKeys, KeySet, REFUSE_UNDEFINED } from "../../netlink/strict.ts";
import type { AttrView } from "../../netlink/view.ts";
import { familyId } from "../nfnetlink.ts";
import { encodeTuple, labelBytes, statusBits } from "./tuple.ts";
import type { CtTuple } from "./tuple.ts";
import { IPS } from "./schema.ts";
import type { StatusName } from "./schema.ts";

/** A tuple: short form, or the kernel's nested form (a dumped entry's `tuple_orig` view). */
export type TupleInput = CtTuple | AttrView | Record<string, unknown>;

/** What identifies one entry (get, delete). */
export interface EntryKey {
  /** The original direction (this or `tuple_reply`). */
  tuple_orig?: TupleInput;
  /** The reply direction. */
  tuple_reply?: TupleInput;
  /** The zone (`CTA_ZONE`). */
  zone?: number;
  /** Delete only if the entry still has this id (`CTA_ID`). */
  id?: number;
}

/** An entry to create or update (`IPCTNL_MSG_CT_NEW`); keys are CTA short names. */
export interface EntrySpec {
  /** The original direction; every field of one connection (saddr, daddr, proto, ports). */
  tuple_orig?: TupleInput;
  /** The reply direction (default: the original one reversed). */
  tuple_reply?: TupleInput;
  /** Seconds until the entry expires (required to create). */
  timeout?: number;
  /**
   * Status bits to set, by name (`["ASSURED", "SEEN_REPLY"]`) or as a number. CONFIRMED is
   * added (every entry in the table has it); bits the entry has cannot be cleared (EBUSY).
   */
  status?: readonly StatusName[] | number;
  /** The connection mark. */
  mark?: number;
  /** Bits of the mark to change (update). */
  mark_mask?: number;
  /** The zone. */
  zone?: number;
  /** Connection label bits (0..127) or the raw 16 bytes. */
  labels?: readonly number[] | Uint8Array;
  /** Bits of the labels to change. */
  labels_mask?: readonly number[] | Uint8Array;
  /** Protocol state in the kernel's form: `{ tcp: { state: "ESTABLISHED" } }`. */
  protoinfo?: Record<string, unknown>;
  /** A helper by name: `{ name: "ftp" }`. */
  help?: { name: string };
  /** Source NAT setup (`CTA_NAT_SRC`, kernel form: `{ v4_minip, v4_maxip, proto }`). */
  nat_src?: Record<string, unknown>;
  /** Destination NAT setup (`CTA_NAT_DST`). */
  nat_dst?: Record<string, unknown>;
  /** The master connection of an expected one. */
  tuple_master?: TupleInput;
}

/** A dump or flush filter: every key narrows (the kernel filters). */
export interface EntryFilter {
  /** Only this family: `"ipv4"` or `"ipv6"`. */
  family?: "ipv4" | "ipv6";
  /** Only entries whose mark & mark_mask equals mark. */
  mark?: number;
  /** The mask for `mark` (default all bits). */
  mark_mask?: number;
  /** Only this zone. */
  zone?: number;
  /** Only entries with these status bits set (names or a number). */
  status?: readonly StatusName[] | number;
  /** The status bits compared (default: those of `status`). */
  status_mask?: readonly StatusName[] | number;
  /** Only entries whose original direction has these fields (any subset of a tuple). */
  tuple_orig?: CtTuple;
  /** Only entries whose reply direction has these fields. */
  tuple_reply?: CtTuple;
}

/** The keys of {@link EntryFilter}. */
export const FILTER_KEYS: KeySet = new KeySet("key", [
  "family",
  "mark",
  "mark_mask",
  "zone",
  "status",
  "status_mask",
  "tuple_orig",
  "tuple_reply",
]);

const SPEC_KEYS = new KeySet(
  "key",
  [
    "tuple_orig",
    "tuple_reply",
    "timeout",
    "status",
    "mark",
    "mark_mask",
    "zone",
    "labels",
    "labels_mask",
    "protoinfo",
    "help",
    "nat_src",
    "nat_dst",
    "tuple_master",
  ],
  {},
  REFUSE_UNDEFINED,
);

const KEY_KEYS = new KeySet(
  "key",
  ["tuple_orig", "tuple_reply", "zone", "id"],
  {},
  REFUSE_UNDEFINED,
);

/** A request ready to encode: nfgenmsg fields and CTA values. */
export interface CtRequest {
  /** nfgenmsg. */
  header: { family: number; version: number; res_id: number };
  /** CTA values by short name. */
  attrs: Record<string, unknown>;
}

function object(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new TypeError(`${field}: expected an object, got ${describeValue(v)}`);
  }
  return v as Record<string, unknown>;
}

function sameFamily(
  a: number | undefined,
  b: number | undefined,
  field: string,
): number | undefined {
  if (a !== undefined && b !== undefined && a !== b) {
    throw new TypeError(`${field}: the tuples are of different address families`);
  }
  return a ?? b;
}

const REVERSIBLE = new Set<unknown>(["tcp", "udp", "sctp", "dccp", "udplite", 6, 17, 33, 132, 136]);

/** The reply direction of a short-form tuple with ports: addresses and ports swapped. */
function reversed(t: CtTuple, field: string): CtTuple {
  if (!REVERSIBLE.has(t.proto)) {
    throw new TypeError(
      `${field}: give tuple_reply too (only port protocols are reversed for you)`,
    );
  }
  const out: CtTuple = { saddr: t.daddr, daddr: t.saddr, proto: t.proto };
  if (t.dport !== undefined) out.sport = t.dport;
  if (t.sport !== undefined) out.dport = t.sport;
  if (t.zone !== undefined) out.zone = t.zone;
  return out;
}

/** An entry to create (`create`) or change (`update`): checked and encoded. */
export function entryRequest(spec: unknown, create: boolean, field = "spec"): CtRequest {
  const s = checkKeys(spec, SPEC_KEYS, field, `${field}.`);
  if (s.tuple_orig === undefined && s.tuple_reply === undefined) {
    throw new TypeError(`${field}.tuple_orig: required (or tuple_reply)`);
  }
  const attrs: Record<string, unknown> = {};
  let family: number | undefined;
  const orig = s.tuple_orig as TupleInput | undefined;
  let reply = s.tuple_reply as TupleInput | undefined;
  if (create) {
    if (orig === undefined) throw new TypeError(`${field}.tuple_orig: required to create`);
    if (s.timeout === undefined) throw new TypeError(`${field}.timeout: required to create`);
  }
  if (orig !== undefined) {
    const t = encodeTuple(orig, `${field}.tuple_orig`, true);
    attrs.tuple_orig = t.attrs;
    family = t.family;
  }
  if (create && reply === undefined) {
    if (typeof (orig as Record<string, unknown>).ip === "object") {
      throw new TypeError(`${field}.tuple_reply: required with a nested tuple_orig`);
    }
    reply = reversed(orig as CtTuple, `${field}.tuple_orig`);
  }
  if (reply !== undefined) {
    const t = encodeTuple(reply, `${field}.tuple_reply`, true);
    attrs.tuple_reply = t.attrs;
    family = sameFamily(family, t.family, field);
  }
  if (s.timeout !== undefined) attrs.timeout = checkInt(s.timeout, "be32", `${field}.timeout`);
  // Every entry in the table is CONFIRMED, and the kernel refuses a change of that bit.
  if (s.status !== undefined) {
    attrs.status = (statusBits(s.status, `${field}.status`) | IPS.CONFIRMED) >>> 0;
  }
  if (s.mark !== undefined) attrs.mark = checkInt(s.mark, "be32", `${field}.mark`);
  if (s.mark_mask !== undefined) {
    attrs.mark_mask = checkInt(s.mark_mask, "be32", `${field}.mark_mask`);
  }
  if (s.zone !== undefined) attrs.zone = checkInt(s.zone, "be16", `${field}.zone`);
  if (s.labels !== undefined) attrs.labels = labelBytes(s.labels, `${field}.labels`);
  if (s.labels_mask !== undefined) {
    attrs.labels_mask = labelBytes(s.labels_mask, `${field}.labels_mask`);
    if (s.labels === undefined) throw new TypeError(`${field}.labels_mask: needs labels`);
  }
  for (const k of ["protoinfo", "help", "nat_src", "nat_dst"] as const) {
    if (s[k] !== undefined) attrs[k] = object(s[k], `${field}.${k}`);
  }
  if (s.tuple_master !== undefined) {
    attrs.tuple_master = encodeTuple(s.tuple_master, `${field}.tuple_master`, true).attrs;
  }
  if (family === undefined) throw new TypeError(`${field}.tuple_orig: addresses are needed`);
  return { header: { family, version: 0, res_id: 0 }, attrs };
}

/** One entry by its tuple (get, delete). */
export function keyRequest(spec: unknown, field = "spec"): CtRequest {
  const s = checkKeys(spec, KEY_KEYS, field, `${field}.`);
  const attrs: Record<string, unknown> = {};
  let family: number | undefined;
  if (s.tuple_orig !== undefined) {
    const t = encodeTuple(s.tuple_orig, `${field}.tuple_orig`, true);
    attrs.tuple_orig = t.attrs;
    family = t.family;
  } else if (s.tuple_reply !== undefined) {
    const t = encodeTuple(s.tuple_reply, `${field}.tuple_reply`, true);
    attrs.tuple_reply = t.attrs;
    family = t.family;
  } else {
    throw new TypeError(`${field}.tuple_orig: required (or tuple_reply)`);
  }
  if (s.zone !== undefined) attrs.zone = checkInt(s.zone, "be16", `${field}.zone`);
  if (s.id !== undefined) attrs.id = checkInt(s.id, "be32", `${field}.id`);
  if (family === undefined) throw new TypeError(`${field}.tuple_orig: addresses are needed`);
  return { header: { family, version: 0, res_id: 0 }, attrs };
}

/**
 * A dump or flush filter, encoded for the kernel's filter (`ctnetlink_alloc_filter`): family in
 * nfgenmsg, CTA_MARK/CTA_MARK_MASK, CTA_STATUS/CTA_STATUS_MASK, CTA_ZONE, and partial tuples
 * with CTA_FILTER flags naming the fields compared. `version` 1 makes a flush honour the family.
 */
export function filterRequest(filter: Record<string, unknown>, field: string): CtRequest {
  for (const k of Object.keys(filter)) {
    if (filter[k] === undefined) {
      throw new TypeError(`${field}.${k}: undefined (leave the key out to not filter by it)`);
    }
  }
  const attrs: Record<string, unknown> = {};
  let family: number | undefined;
  if (filter.family !== undefined) {
    family = familyId(filter.family, `${field}.family`);
    if (family !== 2 && family !== 10) {
      throw new TypeError(`${field}.family: expected "ipv4" or "ipv6"`);
    }
  }
  if (filter.mark !== undefined) attrs.mark = checkInt(filter.mark, "be32", `${field}.mark`);
  if (filter.mark_mask !== undefined) {
    if (filter.mark === undefined) throw new TypeError(`${field}.mark_mask: needs mark`);
    attrs.mark_mask = checkInt(filter.mark_mask, "be32", `${field}.mark_mask`);
  }
  if (filter.zone !== undefined) attrs.zone = checkInt(filter.zone, "be16", `${field}.zone`);
  if (filter.status !== undefined) {
    attrs.status = statusBits(filter.status, `${field}.status`);
    if (attrs.status === 0 && filter.status_mask === undefined) {
      throw new TypeError(`${field}.status: name at least one status bit`);
    }
  }
  if (filter.status_mask !== undefined) {
    if (filter.status === undefined) throw new TypeError(`${field}.status_mask: needs status`);
    attrs.status_mask = statusBits(filter.status_mask, `${field}.status_mask`);
    if (attrs.status_mask === 0) throw new RangeError(`${field}.status_mask: 0 matches nothing`);
  }
  const flags: Record<string, number> = {};
  for (const [key, flag] of [["tuple_orig", "orig_flags"], ["tuple_reply", "reply_flags"]]) {
    if (filter[key] === undefined) continue;
    const t = encodeTuple(filter[key], `${field}.${key}`, false);
    if (t.flags === 0) continue;
    attrs[key] = t.attrs;
    flags[flag] = t.flags;
    family = sameFamily(family, t.family, field);
  }
  if (Object.keys(flags).length > 0) {
    if (family === undefined) {
      throw new TypeError(`${field}.family: required when the tuple filter has no address`);
    }
    attrs.filter = flags;
  }
  return { header: { family: family ?? 0, version: family ? 1 : 0, res_id: 0 }, attrs };
}

/** An expectation to create; keys are CTA_EXPECT short names. */
export interface ExpectationSpec {
  /** The master connection (an existing entry with a helper). */
  master: TupleInput;
  /** The expected connection. */
  tuple: TupleInput;
  /** Which bits of `tuple` must match (in tuple form: `{ saddr: "255.255.255.255", … }`). */
  mask: TupleInput;
  /** Seconds until it expires. */
  timeout: number;
  /** The helper's name (default: the master's helper). */
  help_name?: string;
  /** The zone. */
  zone?: number;
  /** `NF_CT_EXPECT_*` flags (PERMANENT 1, INACTIVE 2). */
  flags?: number;
  /** The helper's expectation class. */
  class?: number;
}

const EXP_KEYS = new KeySet(
  "key",
  [
    "master",
    "tuple",
    "mask",
    "timeout",
    "help_name",
    "zone",
    "flags",
    "class",
  ],
  {},
  REFUSE_UNDEFINED,
);

const EXP_KEY_KEYS = new KeySet("key", ["tuple", "zone", "id"], {}, REFUSE_UNDEFINED);

/** An expectation to create, checked and encoded. */
export function expectationRequest(spec: unknown, field = "spec"): CtRequest {
  const s = checkKeys(spec, EXP_KEYS, field, `${field}.`);
  for (const k of ["master", "tuple", "mask", "timeout"]) {
    if (s[k] === undefined) throw new TypeError(`${field}.${k}: required`);
  }
  const master = encodeTuple(s.master, `${field}.master`, true);
  const tuple = encodeTuple(s.tuple, `${field}.tuple`, true);
  const mask = encodeTuple(s.mask, `${field}.mask`, false);
  const family = sameFamily(sameFamily(master.family, tuple.family, field), mask.family, field);
  const attrs: Record<string, unknown> = {
    master: master.attrs,
    tuple: tuple.attrs,
    mask: mask.attrs,
    timeout: checkInt(s.timeout, "be32", `${field}.timeout`),
  };
  if (s.help_name !== undefined) {
    if (typeof s.help_name !== "string" || s.help_name === "") {
      throw new TypeError(`${field}.help_name: expected a helper name`);
    }
    attrs.help_name = s.help_name;
  }
  if (s.zone !== undefined) attrs.zone = checkInt(s.zone, "be16", `${field}.zone`);
  if (s.flags !== undefined) attrs.flags = checkInt(s.flags, "be32", `${field}.flags`);
  if (s.class !== undefined) attrs.class = checkInt(s.class, "be32", `${field}.class`);
  return { header: { family: family ?? 0, version: 0, res_id: 0 }, attrs };
}

/** One expectation by its expected tuple (get, delete). */
export function expectationKey(spec: unknown, field = "spec"): CtRequest {
  const s = checkKeys(spec, EXP_KEY_KEYS, field, `${field}.`);
  if (s.tuple === undefined) throw new TypeError(`${field}.tuple: required`);
  const t = encodeTuple(s.tuple, `${field}.tuple`, true);
  const attrs: Record<string, unknown> = { tuple: t.attrs };
  if (s.zone !== undefined) attrs.zone = checkInt(s.zone, "be16", `${field}.zone`);
  if (s.id !== undefined) attrs.id = checkInt(s.id, "be32", `${field}.id`);
  return { header: { family: t.family ?? 0, version: 0, res_id: 0 }, attrs };
}
