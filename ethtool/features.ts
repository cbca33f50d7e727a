/**
 * Device features (offloads) by the names `ethtool -k` prints and `ethtool -K` takes: the
 * kernel's feature names (the `features` string set: `tx-tcp-segmentation`, `rx-gro-list`, …)
 * and ethtool's legacy names for groups of them (`tso` / `tcp-segmentation-offload` stands for
 * every `tx-tcp*-segmentation` feature).
 *
 * @module
 */

import { describeValue } from "../netlink/addr.ts";

/** The state of one feature. */
export interface EthtoolFeature {
  /** Whether it is on now. */
  active: boolean;
  /** Whether it was asked for (`ethtool -k` prints "[requested on]" when this differs). */
  requested: boolean;
  /** Whether it cannot be changed (not in the device's changeable set, or never changeable). */
  fixed: boolean;
}

/** A device's features by kernel name, in the kernel's order. */
export type EthtoolFeatures = Record<string, EthtoolFeature>;

/**
 * ethtool's legacy feature flags: short name (`-K`), long name (`-k` prints it), and the
 * pattern of kernel feature names the flag stands for (one `*` at most).
 */
export const ETHTOOL_LEGACY_FEATURES: readonly (readonly [string, string, string])[] = [
  ["rx", "rx-checksumming", "rx-checksum"],
  ["tx", "tx-checksumming", "tx-checksum-*"],
  ["sg", "scatter-gather", "tx-scatter-gather*"],
  ["tso", "tcp-segmentation-offload", "tx-tcp*-segmentation"],
  ["ufo", "udp-fragmentation-offload", "tx-udp-fragmentation"],
  ["gso", "generic-segmentation-offload", "tx-generic-segmentation"],
  ["gro", "generic-receive-offload", "rx-gro"],
  ["lro", "large-receive-offload", "rx-lro"],
  ["rxvlan", "rx-vlan-offload", "rx-vlan-hw-parse"],
  ["txvlan", "tx-vlan-offload", "tx-vlan-hw-insert"],
  ["ntuple", "ntuple-filters", "rx-ntuple-filter"],
  ["rxhash", "receive-hashing", "rx-hashing"],
];

/** Whether kernel feature `name` matches legacy pattern `pattern` (one `*` at most). */
export function featurePatternMatch(name: string, pattern: string): boolean {
  const star = pattern.indexOf("*");
  if (star < 0) return name === pattern;
  const head = pattern.slice(0, star), tail = pattern.slice(star + 1);
  return name.length >= head.length + tail.length && name.startsWith(head) &&
    name.endsWith(tail);
}

/** One line of `ethtool -k`: a name and its state (`null` fields: a legacy group of several). */
export interface EthtoolFeatureRow {
  /** The name as printed. */
  name: string;
  /** Indented under a legacy group. */
  indent: boolean;
  /** On or off (a group: any of its features on). */
  active: boolean;
  /** Fixed; null for a group. */
  fixed: boolean | null;
  /** Requested; null for a group. */
  requested: boolean | null;
}

/**
 * The lines `ethtool -k` prints for `features`, in its order: each legacy flag (under its long
 * name when it stands for exactly one feature, else as a group followed by its features
 * indented; udp-fragmentation-offload never, as ethtool does), then the remaining features.
 */
export function ethtoolFeatureRows(features: EthtoolFeatures): EthtoolFeatureRow[] {
  const names = Object.keys(features);
  const flagOf = new Map<string, number>();
  for (const name of names) {
    const i = ETHTOOL_LEGACY_FEATURES.findIndex(([, , p]) => featurePatternMatch(name, p));
    if (i >= 0) flagOf.set(name, i);
  }
  const rows: EthtoolFeatureRow[] = [];
  const row = (name: string, f: EthtoolFeature, indent: boolean): EthtoolFeatureRow => ({
    name,
    indent,
    active: f.active,
    fixed: f.fixed,
    requested: f.requested,
  });
  ETHTOOL_LEGACY_FEATURES.forEach(([short, long], i) => {
    if (short === "ufo") return;
    const members = names.filter((n) => flagOf.get(n) === i);
    if (members.length === 1) {
      rows.push(row(long, features[members[0]], false));
      return;
    }
    rows.push({
      name: long,
      indent: false,
      active: members.some((n) => features[n].active),
      fixed: null,
      requested: null,
    });
    for (const n of members) rows.push(row(n, features[n], true));
  });
  for (const n of names) if (!flagOf.has(n)) rows.push(row(n, features[n], false));
  return rows;
}

/** A row as `ethtool -k` prints it: `name: on [fixed]`, `\tname: off [requested on]`. */
export function ethtoolFeatureLine(r: EthtoolFeatureRow): string {
  let suffix = "";
  if (r.fixed) suffix = " [fixed]";
  else if (r.requested !== null && r.requested !== r.active) {
    suffix = r.requested ? " [requested on]" : " [requested off]";
  }
  return `${r.indent ? "\t" : ""}${r.name}: ${r.active ? "on" : "off"}${suffix}`;
}

/**
 * Kernel feature changes from names as `ethtool -K` takes them (kernel names, legacy short or
 * long names), checked against the device's feature names; a TypeError naming the key for an
 * unknown name or a value that is not a boolean.
 */
export function resolveFeatureChanges(
  changes: Readonly<Record<string, boolean>>,
  known: readonly string[],
): Record<string, boolean> {
  if (typeof changes !== "object" || changes === null || Array.isArray(changes)) {
    throw new TypeError(`features: expected { name: true | false }, got ${describeValue(changes)}`);
  }
  const out: Record<string, boolean> = {};
  const entries = Object.entries(changes);
  if (entries.length === 0) throw new TypeError("features: no feature to change");
  for (const [name, value] of entries) {
    if (typeof value !== "boolean") {
      throw new TypeError(`${name}: expected true or false, got ${describeValue(value)}`);
    }
    const legacy = ETHTOOL_LEGACY_FEATURES.find(([s, l]) => name === s || name === l);
    if (legacy) {
      for (const k of known) if (featurePatternMatch(k, legacy[2])) out[k] = value;
      continue;
    }
    if (!known.includes(name)) {
      throw new TypeError(`${name}: unknown feature (ethtool -k lists the names)`);
    }
    out[name] = value;
  }
  return out;
}
