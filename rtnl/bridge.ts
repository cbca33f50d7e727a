/**
 * The bridge: forwarding database entries (`fdb`: neighbour messages of family AF_BRIDGE) and
 * port VLANs (`vlanFilter`: AF_BRIDGE link messages carrying IFLA_BRIDGE_VLAN_INFO in
 * IFLA_AF_SPEC). Requests match `bridge fdb add …` and `bridge vlan add …`.
 *
 * @module
 */

import type { MessageList } from "../netlink/list.ts";
import { describeValue, formatHex, parseMac } from "../netlink/addr.ts";
import type { TypedMessage } from "../netlink/view.ts";
import { NLM_F } from "../netlink/constants.ts";
import { AF, NUD, RTM } from "./constants.ts";
import type { Built, RtnlCore } from "./core.ts";
import { NEIGH_MESSAGE, NTF, NTF_EXT } from "./schemas/neigh.ts";
import {
  BRIDGE_FLAGS,
  BRIDGE_LINK_MESSAGE,
  BRIDGE_VLAN_INFO_F,
  IFLA_BRIDGE,
  RTEXT_FILTER,
} from "./schemas/bridge.ts";
import { writeAttr } from "../netlink/encoder.ts";
import { nudState } from "./names.ts";
import {
  bool,
  buildMessage,
  commandOf,
  flagsOf,
  indexRef,
  prefixOf,
  rangeOf,
  resolveAll,
  uint,
  withoutSignal,
} from "./spec.ts";
import type { WithSignal } from "./spec.ts";
import { filterKeys, passes, readFilter } from "./filter.ts";
import type { FilterCommon, FilterValue, MessageFilter } from "./filter.ts";
import { checkKeys, KeySet } from "../netlink/strict.ts";
import type { IndexRef } from "./spec.ts";
import { ifindexRef, vlanId } from "./neigh.ts";

/** An fdb entry: a neighbour view of family AF_BRIDGE (`lladdr`, `ifindex`, `vlan`, `master`…). */
export type FdbEntry = TypedMessage<typeof NEIGH_MESSAGE>;

/** fdb commands. */
export type FdbCommand = "add" | "del" | "replace" | "append";

/** VLAN commands. */
export type VlanCommand = "add" | "del";

/** The kinds of fdb entry iproute2 names (the NUD state each sends). */
export const FDB_STATE = {
  /** A local entry: the bridge's own address (`permanent`, NUD_PERMANENT|NUD_NOARP). */
  permanent: NUD.permanent | NUD.noarp,
  /** A static entry that never ages (`static`, NUD_NOARP|NUD_REACHABLE). */
  static: NUD.noarp | NUD.reachable,
  /** An entry that ages like a learnt one (`dynamic`, NUD_REACHABLE). */
  dynamic: NUD.reachable,
} as const;

/** An fdb spec. */
export interface FdbSpec {
  /** The MAC address. Required. */
  lladdr: string;
  /** The port (or device) the entry points to, index or name. Required. */
  ifindex?: number | string;
  /** Alias of `ifindex`. */
  index?: number | string;
  /** NTF_* flags: "self" (the device's own table, the default), "master" (the bridge's), … */
  flags?: number | keyof typeof NTF | readonly (keyof typeof NTF)[];
  /** "permanent" (default), "static", "dynamic", or NUD_* names / a number. */
  state?: keyof typeof FDB_STATE | string | readonly string[] | number;
  /** VLAN id (needs a bridge with VLAN filtering). */
  vlan?: number;
  /** Remote address (VXLAN fdb entries). */
  dst?: string;
  /** The master device, index or name (NDA_MASTER). */
  master?: number | string;
  /** VXLAN id (NDA_VNI). */
  vni?: number;
  /** VXLAN destination port (NDA_PORT). */
  port?: number;
  /** Source VNI (NDA_SRC_VNI). */
  src_vni?: number;
  /** Nexthop group id (NDA_NH_ID, VXLAN). */
  nh_id?: number;
  /** Extended flags (NDA_FLAGS_EXT). */
  flags_ext?: number | keyof typeof NTF_EXT | readonly (keyof typeof NTF_EXT)[];
}

const KNOWN = new Set([
  "lladdr",
  "ifindex",
  "index",
  "flags",
  "state",
  "vlan",
  "dst",
  "master",
  "vni",
  "port",
  "src_vni",
  "nh_id",
  "flags_ext",
]);
const FDB_KEYS = new KeySet("fdb attribute", KNOWN);

const FDB_COMMANDS: Record<FdbCommand, readonly [number, number]> = {
  add: [RTM.NEWNEIGH, NLM_F.CREATE | NLM_F.EXCL],
  replace: [RTM.NEWNEIGH, NLM_F.CREATE | NLM_F.REPLACE],
  append: [RTM.NEWNEIGH, NLM_F.CREATE | NLM_F.APPEND],
  del: [RTM.DELNEIGH, 0],
};

/** Builds an fdb request. */
export async function buildFdb(
  core: RtnlCore,
  cmd: FdbCommand,
  spec: FdbSpec,
): Promise<Built<typeof NEIGH_MESSAGE>> {
  const [type, nlflags] = commandOf(cmd, FDB_COMMANDS, "fdb");
  checkKeys(spec, FDB_KEYS, "spec");
  if (spec.lladdr === undefined) throw new TypeError("lladdr: required (the MAC address)");
  const mac = parseMac(spec.lladdr, "lladdr");
  if (mac.length !== 6) throw new TypeError(`lladdr: expected 6 bytes, got ${mac.length}`);
  const refs: Record<string, IndexRef | undefined> = {
    ifindex: ifindexRef(core, spec, true),
    master: spec.master !== undefined ? indexRef(core, spec.master, "master") : undefined,
  };
  let flags = spec.flags !== undefined ? flagsOf(spec.flags, NTF, "flags", 0xff) : 0;
  if (!(flags & (NTF.self | NTF.master))) flags |= NTF.self;
  let state: number = FDB_STATE.permanent;
  if (spec.state !== undefined) {
    state = typeof spec.state === "string" && Object.hasOwn(FDB_STATE, spec.state)
      ? FDB_STATE[spec.state as keyof typeof FDB_STATE]
      : nudState(spec.state);
  }
  const attrs: Record<string, unknown> = { lladdr: mac };
  if (spec.vlan !== undefined) attrs.vlan = vlanId(spec.vlan);
  if (spec.dst !== undefined) {
    const d = prefixOf(spec.dst, "dst", {});
    if (d.hasPrefix) throw new TypeError("dst: a remote address has no prefix length");
    attrs.dst = d.bytes;
  }
  if (spec.port !== undefined) attrs.port = uint(spec.port, "u16", "port");
  if (spec.vni !== undefined) attrs.vni = vni(spec.vni, "vni");
  if (spec.src_vni !== undefined) attrs.src_vni = vni(spec.src_vni, "src_vni");
  if (spec.nh_id !== undefined) attrs.nh_id = uint(spec.nh_id, "u32", "nh_id");
  if (spec.flags_ext !== undefined) {
    attrs.flags_ext = flagsOf(spec.flags_ext, NTF_EXT, "flags_ext");
  }
  const idx = await resolveAll(refs);
  if (idx.master !== undefined) attrs.master = idx.master;
  return buildMessage(NEIGH_MESSAGE, {
    type,
    flags: nlflags,
    header: { family: AF.BRIDGE, ifindex: idx.ifindex, state, flags, ndm_type: 0 },
    attrs,
  }, `fdb ${cmd}`);
}

function vni(v: unknown, field: string): number {
  const n = uint(v, "u32", field);
  if (n > 0xffffff) throw new RangeError(`${field}: ${n} is out of range 0..16777215`);
  return n;
}

/**
 * Adds, replaces, appends or deletes a bridge forwarding database entry (`signal` stops waiting
 * for the kernel's answer).
 */
export async function fdbCommand(
  core: RtnlCore,
  cmd: FdbCommand,
  spec: FdbSpec & WithSignal,
): Promise<void> {
  const [rest, signal] = withoutSignal(spec);
  await core.send(await buildFdb(core, cmd, rest), signal);
}

/**
 * Filter of {@link getFdb}. Any other attribute or header field compares for equality; a
 * function as a value tests the entry's value of that name; `match` tests the whole message.
 */
export type FdbFilter =
  & Omit<MessageFilter<typeof NEIGH_MESSAGE>, "ifindex" | "master" | "lladdr" | "vlan">
  & FilterCommon<FdbEntry>
  & {
    /** Entries of this port (brport), index or name. In the kernel. */
    ifindex?: FilterValue<number | string, number>;
    /** Alias of `ifindex`. */
    index?: FilterValue<number | string, number>;
    /** Entries of this bridge's ports, index or name. In the kernel. */
    master?: FilterValue<number | string, number>;
    /** The MAC address. Here. */
    lladdr?: FilterValue<string>;
    /** VLAN id. Here. */
    vlan?: FilterValue<number>;
  };

const FDB_FILTER_KEYS = filterKeys("fdb filter key", NEIGH_MESSAGE, ["index"]);

/** Dumps the forwarding database. Port (ifindex) and bridge (master) filter in the kernel. */
export async function getFdb(
  core: RtnlCore,
  filter?: FdbFilter,
): Promise<MessageList<FdbEntry>> {
  const f = readFilter(filter, FDB_FILTER_KEYS);
  const values = f.values;
  const refs: Record<string, IndexRef | undefined> = {
    ifindex: ifindexRef(core, values, false),
    master: values.master !== undefined ? indexRef(core, values.master, "master") : undefined,
  };
  const checks: ((n: FdbEntry) => boolean)[] = [];
  for (const [k, v] of Object.entries(values)) {
    if (["ifindex", "index", "master"].includes(k)) continue;
    if (k === "lladdr") {
      const mac = parseMac(v, "lladdr");
      const text = formatHex(mac, 0, mac.length);
      checks.push((n) => n.lladdr === text);
    } else if (k === "vlan") {
      const id = vlanId(v);
      checks.push((n) => n.vlan === id);
    } else checks.push((n) => n.get(k) === v);
  }
  const idx = await resolveAll(refs);
  const attrs: Record<string, unknown> = {};
  if (idx.master !== undefined) attrs.master = idx.master;
  const all = await core.dumpList(NEIGH_MESSAGE, {
    type: RTM.GETNEIGH,
    flags: 0,
    header: { family: AF.BRIDGE, ifindex: idx.ifindex ?? 0 },
    attrs,
  }, { retryInterrupted: 3, signal: f.signal });
  return all.filter((n) =>
    n.family === AF.BRIDGE &&
    (idx.ifindex === undefined || n.headerField("ifindex") === idx.ifindex) &&
    checks.every((c) => c(n)) && passes(f.tests, n)
  ) as MessageList<FdbEntry>;
}

/** A VLAN spec of a bridge port (or of the bridge itself, with `self`). */
export interface VlanSpec {
  /** The port (or bridge) index or name. Required. */
  ifindex?: number | string;
  /** Alias of `ifindex`. */
  index?: number | string;
  /** VLAN id 1..4094, or a range: "20-30", [20, 30], { start, end }. Required. */
  vid: number | string | readonly [number, number] | { start: number; end: number };
  /** Untagged egress. */
  untagged?: boolean;
  /** The port's PVID (not for a range). */
  pvid?: boolean;
  /** Apply to the bridge master (BRIDGE_FLAGS_MASTER). */
  master?: boolean;
  /** Apply to the device itself (BRIDGE_FLAGS_SELF). */
  self?: boolean;
}

const VLAN_KEYS = new KeySet("vlan attribute", [
  "ifindex",
  "index",
  "vid",
  "untagged",
  "pvid",
  "master",
  "self",
]);

const VLAN_COMMANDS: Record<VlanCommand, readonly [number, number]> = {
  add: [RTM.SETLINK, 0],
  del: [RTM.DELLINK, 0],
};

/** Builds a bridge VLAN request (RTM_SETLINK / RTM_DELLINK of family AF_BRIDGE). */
export async function buildVlan(
  core: RtnlCore,
  cmd: VlanCommand,
  spec: VlanSpec,
): Promise<Built<typeof BRIDGE_LINK_MESSAGE>> {
  const [type, nlflags] = commandOf(cmd, VLAN_COMMANDS, "vlan");
  checkKeys(spec, VLAN_KEYS, "spec");
  const ifindex = ifindexRef(core, spec, true)!;
  if (spec.vid === undefined) throw new TypeError("vid: required (a VLAN id or range)");
  const r = typeof spec.vid === "number"
    ? { start: vlanId(spec.vid, "vid"), end: spec.vid }
    : rangeOf(spec.vid, "u16", "vid");
  vlanId(r.start, "vid");
  vlanId(r.end, "vid");
  let vflags = 0;
  if (spec.untagged !== undefined && bool(spec.untagged, "untagged")) {
    vflags |= BRIDGE_VLAN_INFO_F.untagged;
  }
  if (spec.pvid !== undefined && bool(spec.pvid, "pvid")) {
    if (r.start !== r.end) throw new TypeError("pvid: cannot be set for a VLAN range");
    vflags |= BRIDGE_VLAN_INFO_F.pvid;
  }
  let bflags = 0;
  if (spec.master !== undefined && bool(spec.master, "master")) bflags |= BRIDGE_FLAGS.master;
  if (spec.self !== undefined && bool(spec.self, "self")) bflags |= BRIDGE_FLAGS.self;
  const af: Record<string, unknown>[] = [];
  if (bflags) af.push({ flags: bflags });
  if (r.start === r.end) af.push({ vlan_info: { flags: vflags, vid: r.start } });
  else {
    af.push({ vlan_info: { flags: vflags | BRIDGE_VLAN_INFO_F.range_begin, vid: r.start } });
    af.push({ vlan_info: { flags: vflags | BRIDGE_VLAN_INFO_F.range_end, vid: r.end } });
  }
  const index = await ifindex();
  return buildMessage(BRIDGE_LINK_MESSAGE, {
    type,
    flags: nlflags,
    header: { family: AF.BRIDGE, index },
    // IFLA_AF_SPEC holds repeated IFLA_BRIDGE_VLAN_INFO: written here, not as one object.
    extra: (w) => {
      const at = w.beginNest(26);
      for (const a of af) {
        const [key, value] = a.flags !== undefined
          ? ["flags", a.flags] as const
          : ["vlan_info", a.vlan_info] as const;
        const def = IFLA_BRIDGE.byName.get(key)!;
        writeAttr(w, def.type, def.codec, value, key);
      }
      w.endNest(at);
    },
  }, `vlan ${cmd}`);
}

/** Adds or removes VLANs of a bridge port (`signal` stops waiting for the kernel's answer). */
export async function vlanFilter(
  core: RtnlCore,
  cmd: VlanCommand,
  spec: VlanSpec & WithSignal,
): Promise<void> {
  const [rest, signal] = withoutSignal(spec);
  await core.send(await buildVlan(core, cmd, rest), signal);
}

/** One VLAN of a port. */
export interface BridgeVlan {
  /** VLAN id. */
  vid: number;
  /** BRIDGE_VLAN_INFO_* flags. */
  flags: number;
  /** Whether it is the port's PVID. */
  pvid: boolean;
  /** Whether egress is untagged. */
  untagged: boolean;
}

/** The VLANs of one bridge port (or bridge). */
export interface PortVlans {
  /** Interface index. */
  index: number;
  /** Interface name. */
  ifname?: string;
  /** Its bridge's index, if it is a port. */
  master?: number;
  /** Its VLANs (ranges expanded). */
  vlans: BridgeVlan[];
}

/** Filter of {@link getVlans}. */
export interface VlanFilter {
  /** Only this port, index or name. */
  ifindex?: number | string;
  /** Alias of `ifindex`. */
  index?: number | string;
  /** Only ports whose VLANs pass this test. */
  match?: (port: PortVlans) => boolean;
  /** Stops the dump. */
  signal?: AbortSignal;
}

const VLAN_FILTER_KEYS = new KeySet("vlan filter key", ["ifindex", "match", "signal"], {
  index: "ifindex",
});

/**
 * The VLANs of bridge ports (`bridge vlan show`): an AF_BRIDGE link dump asking for
 * IFLA_BRIDGE_VLAN_INFO (RTEXT_FILTER_BRVLAN). Ports without VLAN information (a kernel
 * without bridge VLAN filtering) come back with an empty list.
 */
export async function getVlans(core: RtnlCore, filter: VlanFilter = {}): Promise<PortVlans[]> {
  checkKeys(filter, VLAN_FILTER_KEYS, "filter");
  for (const [k, v] of Object.entries(filter)) {
    if (v === undefined) {
      throw new TypeError(`${k}: undefined (leave the key out to not filter by it)`);
    }
  }
  if (filter.match !== undefined && typeof filter.match !== "function") {
    throw new TypeError(`match: expected a function of a port, got ${describeValue(filter.match)}`);
  }
  if (filter.signal !== undefined && !(filter.signal instanceof AbortSignal)) {
    throw new TypeError(`signal: expected an AbortSignal, got ${describeValue(filter.signal)}`);
  }
  const ref = ifindexRef(core, filter, false);
  const index = ref ? await ref() : undefined;
  const links = await core.dump(BRIDGE_LINK_MESSAGE, {
    type: RTM.GETLINK,
    flags: 0,
    header: { family: AF.BRIDGE },
    attrs: { ext_mask: RTEXT_FILTER.brvlan },
  }, { retryInterrupted: 3, signal: filter.signal });
  const out: PortVlans[] = [];
  for (const l of links) {
    if (index !== undefined && l.index !== index) continue;
    const vlans: BridgeVlan[] = [];
    const spec = l.af_spec;
    let begin: { flags: number; vid: number } | undefined;
    for (const raw of spec?.getAll("vlan_info") ?? []) {
      const v = raw as { flags: number; vid: number };
      if (v.flags & BRIDGE_VLAN_INFO_F.range_begin) {
        begin = v;
        continue;
      }
      const first = begin && v.flags & BRIDGE_VLAN_INFO_F.range_end ? begin.vid : v.vid;
      begin = undefined;
      const flags = v.flags & ~(BRIDGE_VLAN_INFO_F.range_begin | BRIDGE_VLAN_INFO_F.range_end);
      for (let vid = first; vid <= v.vid; vid++) {
        vlans.push({
          vid,
          flags,
          pvid: (flags & BRIDGE_VLAN_INFO_F.pvid) !== 0,
          untagged: (flags & BRIDGE_VLAN_INFO_F.untagged) !== 0,
        });
      }
    }
    const entry: PortVlans = { index: l.index, vlans };
    if (l.ifname !== undefined) entry.ifname = l.ifname;
    if (l.master !== undefined) entry.master = l.master;
    if (filter.match && !filter.match(entry)) continue;
    out.push(entry);
  }
  return out;
}
