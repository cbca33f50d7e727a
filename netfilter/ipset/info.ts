/**
 * What `IPSet.list()` returns: each set's header (type, revision, family, its create options,
 * size in memory, references) and its elements, merged from the list messages the kernel sends
 * (a large set comes in several), and the `ipset save` text of sets.
 *
 * @module
 */

import { AttrView } from "../../netlink/view.ts";
import type { TypedMessage } from "../../netlink/view.ts";
import type { IPSET_MESSAGE } from "./schema.ts";
import { IPSET_CADT_FLAG } from "./schema.ts";
import { addressOf, decodeEntry, entryOptionsText, entryText } from "./entry.ts";
import type { IpsetEntry } from "./entry.ts";

/** One set as the kernel lists it. */
export interface IpsetInfo {
  /** The set's name. */
  name: string;
  /** Its type, e.g. `"hash:ip"`. */
  type: string;
  /** The type's revision. */
  revision: number;
  /** `"inet"`, `"inet6"`, or `"unspec"` (bitmap:port, list:set). */
  family: "inet" | "inet6" | "unspec";
  /** Hash size (hash types). */
  hashsize?: number;
  /** Maximal number of elements (hash types). */
  maxelem?: number;
  /** Netmask of stored addresses (hash:ip, bitmap:ip). */
  netmask?: number;
  /** Default element timeout, seconds (sets created with timeout support). */
  timeout?: number;
  /** Elements carry packet and byte counters. */
  counters: boolean;
  /** Elements carry comments. */
  comment: boolean;
  /** Elements carry skb mark, priority and queue. */
  skbinfo: boolean;
  /** Hash bucket size. */
  bucketsize?: number;
  /** Hash seed. */
  initval?: number;
  /** The range of a bitmap set: addresses or ports. */
  range?: { from: string | number; to: string | number };
  /** Size of a list:set. */
  size?: number;
  /** Mark mask (hash:ip,mark). */
  markmask?: number;
  /** References by rules and list:set members. */
  references: number;
  /** Memory used, bytes. */
  memsize: number;
  /** Number of elements (as the kernel counts them). */
  elements: number;
  /** The elements, in the kernel's order. */
  entries: IpsetEntry[];
}

/** A list/save reply message. */
export type IpsetMessage = TypedMessage<typeof IPSET_MESSAGE>;

const FAMILY: Record<number, IpsetInfo["family"]> = { 2: "inet", 10: "inet6" };

/** Merges list messages into sets (in the kernel's order). */
export function mergeSets(messages: readonly IpsetMessage[]): IpsetInfo[] {
  const out: IpsetInfo[] = [];
  const byName = new Map<string, IpsetInfo>();
  for (const m of messages) {
    const name = String(m.get("setname") ?? "");
    let set = byName.get(name);
    if (!set) {
      set = {
        name,
        type: String(m.get("typename") ?? ""),
        revision: Number(m.get("revision") ?? 0),
        family: FAMILY[m.get("IPSET_ATTR_FAMILY") as number] ?? "unspec",
        counters: false,
        comment: false,
        skbinfo: false,
        references: 0,
        memsize: 0,
        elements: 0,
        entries: [],
      };
      byName.set(name, set);
      out.push(set);
    }
    const d = m.get("data");
    if (d instanceof AttrView) header(set, d);
    const adt = m.get("adt");
    for (const e of Array.isArray(adt) ? adt : []) {
      if (e instanceof AttrView) set.entries.push(decodeEntry(e));
    }
  }
  return out;
}

function header(set: IpsetInfo, d: AttrView): void {
  const n = (k: string) => d.get(k) as number | undefined;
  const put = <K extends keyof IpsetInfo>(k: K, v: IpsetInfo[K] | undefined) => {
    if (v !== undefined) set[k] = v;
  };
  put("hashsize", n("hashsize"));
  put("maxelem", n("maxelem"));
  put("netmask", n("netmask"));
  put("timeout", n("timeout"));
  put("bucketsize", n("bucketsize"));
  put("initval", n("initval"));
  put("size", n("size"));
  put("markmask", n("markmask"));
  put("references", n("references"));
  put("memsize", n("memsize"));
  put("elements", n("elements"));
  const flags = n("cadt_flags") ?? 0;
  set.counters = (flags & IPSET_CADT_FLAG.WITH_COUNTERS) !== 0;
  set.comment = (flags & IPSET_CADT_FLAG.WITH_COMMENT) !== 0;
  set.skbinfo = (flags & IPSET_CADT_FLAG.WITH_SKBINFO) !== 0;
  const port = n("port"), portTo = n("port_to");
  if (port !== undefined && portTo !== undefined) set.range = { from: port, to: portTo };
  const ip = addressOf(d.get("ip")), ipTo = addressOf(d.get("ip_to"));
  if (ip !== undefined && ipTo !== undefined) set.range = { from: ip, to: ipTo };
}

/** The `create` line of a set, as `ipset save` prints it. */
export function createLine(s: IpsetInfo): string {
  const out = [`create ${s.name} ${s.type}`];
  if (s.type.startsWith("hash:")) {
    out.push(`family ${s.family}`, `hashsize ${s.hashsize}`, `maxelem ${s.maxelem}`);
    if (s.markmask !== undefined) {
      out.push(`markmask 0x${s.markmask.toString(16).padStart(8, "0")}`);
    }
  }
  if (s.range) out.push(`range ${s.range.from}-${s.range.to}`);
  if (s.netmask !== undefined) out.push(`netmask ${s.netmask}`);
  if (s.size !== undefined) out.push(`size ${s.size}`);
  if (s.timeout !== undefined) out.push(`timeout ${s.timeout}`);
  if (s.counters) out.push("counters");
  if (s.comment) out.push("comment");
  if (s.skbinfo) out.push("skbinfo");
  if (s.bucketsize !== undefined) out.push(`bucketsize ${s.bucketsize}`);
  if (s.initval !== undefined) out.push(`initval 0x${s.initval.toString(16).padStart(8, "0")}`);
  return out.join(" ");
}

/** Sets in `ipset save` form: a create line, then one add line per element. */
export function saveText(sets: readonly IpsetInfo[]): string {
  const lines: string[] = [];
  for (const s of sets) {
    lines.push(createLine(s));
    const fam = s.family === "inet6" ? 10 : 2;
    for (const e of s.entries) {
      const opts = entryOptionsText(e);
      lines.push(`add ${s.name} ${entryText(e, s.type, fam)}${opts ? ` ${opts}` : ""}`);
    }
  }
  return lines.length ? lines.join("\n") + "\n" : "";
}
