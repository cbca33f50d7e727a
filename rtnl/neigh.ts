/**
 * Neighbours (ARP/NDP): `neigh("add" | "del" | "replace" | "change", spec)`,
 * `getNeighbours(filter)`, and `getNeighbour(spec)`: the kernel's RTM_GETNEIGH get of one entry
 * (`ip neigh get`), an ENOENT `NetlinkError` when there is none. Requests match iproute2's (`ip neigh add 10.0.0.5 lladdr … dev v0
 * nud permanent` sends the same bytes); the default state is `permanent`, as in iproute2.
 *
 * @module
 */

import { checkKeys, KeySet } from "../netlink/strict.ts";
import type { MessageList } from "../netlink/list.ts";
import { formatHex, formatIp, parseMac } from "../netlink/addr.ts";
import type { TypedMessage } from "../netlink/view.ts";
import { NLM_F } from "../netlink/constants.ts";
import { AF, NUD, RTM } from "./constants.ts";
import type { Built, RtnlCore } from "./core.ts";
import { NEIGH_MESSAGE, NTF, NTF_EXT } from "./schemas/neigh.ts";
import { nudState, protoId } from "./names.ts";
import {
  bool,
  buildMessage,
  commandOf,
  familyOf,
  flagsOf,
  indexRef,
  prefixOf,
  resolveAll,
  uint,
  withoutSignal,
} from "./spec.ts";
import type { WithSignal } from "./spec.ts";
import { filterKeys, passes, readFilter } from "./filter.ts";
import type { FilterCommon, FilterValue, MessageFilter } from "./filter.ts";
import type { IndexRef } from "./spec.ts";

/** A neighbour message view (`ifindex`, `state`, `flags`, `dst`, `lladdr`, …). */
export type Neigh = TypedMessage<typeof NEIGH_MESSAGE>;

/** Neighbour commands. */
export type NeighCommand = "add" | "del" | "replace" | "change";

/** A neighbour state name (`NUD_*`). */
export type NudName = keyof typeof NUD;

/** A neighbour spec. */
export interface NeighSpec {
  /** Interface index or name. Required. */
  ifindex?: number | string;
  /** Alias of `ifindex`. */
  index?: number | string;
  /** The neighbour's IP address. Required. */
  dst?: string;
  /** Its link-layer address ("00:11:22:33:44:55"). */
  lladdr?: string;
  /** State by name, list of names or number (default "permanent"). */
  state?: NudName | readonly NudName[] | number;
  /** NTF_* flags by name (`["router"]`) or number. */
  flags?: number | keyof typeof NTF | readonly (keyof typeof NTF)[];
  /** A proxy (`ip neigh add proxy`) entry: sets NTF_PROXY. */
  proxy?: boolean;
  /** 2 or 10; must agree with `dst`. */
  family?: number;
  /** VLAN id (NDA_VLAN). */
  vlan?: number;
  /** Master device (NDA_MASTER), index or name. */
  master?: number | string;
  /** Who made the entry (NDA_PROTOCOL), by name or number. */
  protocol?: string | number;
  /** Nexthop object id (NDA_NH_ID). */
  nh_id?: number;
  /** Extended flags (NDA_FLAGS_EXT) by name or number. */
  flags_ext?: number | keyof typeof NTF_EXT | readonly (keyof typeof NTF_EXT)[];
}

const KNOWN = new Set([
  "ifindex",
  "index",
  "dst",
  "lladdr",
  "state",
  "flags",
  "proxy",
  "family",
  "vlan",
  "master",
  "protocol",
  "nh_id",
  "flags_ext",
]);
const NEIGH_KEYS = new KeySet("neighbour attribute", KNOWN);

const COMMANDS: Record<NeighCommand, readonly [number, number]> = {
  add: [RTM.NEWNEIGH, NLM_F.CREATE | NLM_F.EXCL],
  replace: [RTM.NEWNEIGH, NLM_F.CREATE | NLM_F.REPLACE],
  change: [RTM.NEWNEIGH, NLM_F.REPLACE],
  del: [RTM.DELNEIGH, 0],
};

/** The index of a spec given as `ifindex` or its alias `index`. */
export function ifindexRef(
  core: RtnlCore,
  spec: { ifindex?: unknown; index?: unknown },
  required: boolean,
): IndexRef | undefined {
  if (spec.ifindex !== undefined && spec.index !== undefined && spec.ifindex !== spec.index) {
    throw new TypeError("index: contradicts ifindex");
  }
  const [v, k] = spec.ifindex !== undefined ? [spec.ifindex, "ifindex"] : [spec.index, "index"];
  if (v === undefined) {
    if (required) throw new TypeError("ifindex: required (interface index or name)");
    return undefined;
  }
  return indexRef(core, v, k);
}

/** A VLAN id, 1..4094. */
export function vlanId(v: unknown, field = "vlan"): number {
  const n = uint(v, "u16", field);
  if (n < 1 || n > 4094) throw new RangeError(`${field}: ${n} is out of range 1..4094`);
  return n;
}

/** Builds a neighbour request. */
export async function buildNeigh(
  core: RtnlCore,
  cmd: NeighCommand,
  spec: NeighSpec,
): Promise<Built<typeof NEIGH_MESSAGE>> {
  const [type, nlflags] = commandOf(cmd, COMMANDS, "neighbour");
  checkKeys(spec, NEIGH_KEYS, "spec");
  const ifindex = ifindexRef(core, spec, true)!;
  const fam: { f?: number } = {};
  if (spec.family !== undefined) fam.f = familyOf(spec.family);
  if (spec.dst === undefined) throw new TypeError("dst: required (the neighbour's IP address)");
  const dst = prefixOf(spec.dst, "dst", fam);
  if (dst.hasPrefix) throw new TypeError("dst: a neighbour address has no prefix length");
  const attrs: Record<string, unknown> = { dst: dst.bytes };
  if (spec.lladdr !== undefined) attrs.lladdr = parseMac(spec.lladdr, "lladdr");
  let flags = spec.flags !== undefined ? flagsOf(spec.flags, NTF, "flags", 0xff) : 0;
  if (spec.proxy !== undefined && bool(spec.proxy, "proxy")) flags |= NTF.proxy;
  if (flags & NTF.proxy && spec.lladdr !== undefined) {
    throw new TypeError("lladdr: a proxy entry has no link-layer address");
  }
  const state = spec.state !== undefined ? nudState(spec.state) : NUD.permanent;
  if (spec.vlan !== undefined) attrs.vlan = vlanId(spec.vlan);
  const refs: Record<string, IndexRef | undefined> = {
    ifindex,
    master: spec.master !== undefined ? indexRef(core, spec.master, "master") : undefined,
  };
  if (spec.protocol !== undefined) attrs.protocol = protoId(spec.protocol, "protocol");
  if (spec.nh_id !== undefined) attrs.nh_id = uint(spec.nh_id, "u32", "nh_id");
  if (spec.flags_ext !== undefined) {
    attrs.flags_ext = flagsOf(spec.flags_ext, NTF_EXT, "flags_ext");
  }
  const idx = await resolveAll(refs);
  if (idx.master !== undefined) attrs.master = idx.master;
  return buildMessage(NEIGH_MESSAGE, {
    type,
    flags: nlflags,
    header: { family: dst.family, ifindex: idx.ifindex, state, flags, ndm_type: 0 },
    attrs,
  }, `neigh ${cmd}`);
}

/** Runs a neighbour command (`signal` stops waiting for the kernel's answer). */
export async function neighCommand(
  core: RtnlCore,
  cmd: NeighCommand,
  spec: NeighSpec & WithSignal,
): Promise<void> {
  const [rest, signal] = withoutSignal(spec);
  await core.send(await buildNeigh(core, cmd, rest), signal);
}

/** What {@link getNeighbour} asks the kernel for: one entry, by address and interface. */
export interface NeighGetSpec {
  /** The neighbour's IP address. Required. */
  dst: string;
  /** Interface index or name (required, but for a proxy entry). */
  ifindex?: number | string;
  /** Alias of `ifindex`. */
  index?: number | string;
  /** A proxy entry (NTF_PROXY). */
  proxy?: boolean;
  /** 2 or 10; must agree with `dst`. */
  family?: number;
}

const GET_KEYS = new KeySet("neighbour get attribute", [
  "dst",
  "ifindex",
  "index",
  "proxy",
  "family",
]);

/**
 * Builds the get request as `ip neigh get [proxy] ADDR dev DEV` sends it: the header carries
 * the family, interface and NTF_PROXY; NDA_DST is the only attribute (the kernel refuses any
 * other, and a state or type in the header).
 */
export async function buildNeighGet(
  core: RtnlCore,
  spec: NeighGetSpec,
): Promise<Built<typeof NEIGH_MESSAGE>> {
  checkKeys(spec, GET_KEYS, "spec");
  const proxy = spec.proxy !== undefined ? bool(spec.proxy, "proxy") : false;
  const ifindex = ifindexRef(core, spec, !proxy);
  const fam: { f?: number } = {};
  if (spec.family !== undefined) fam.f = familyOf(spec.family);
  if (spec.dst === undefined) throw new TypeError("dst: required (the neighbour's IP address)");
  const dst = prefixOf(spec.dst, "dst", fam);
  if (dst.hasPrefix) throw new TypeError("dst: a neighbour address has no prefix length");
  const idx = await resolveAll({ ifindex });
  return buildMessage(NEIGH_MESSAGE, {
    type: RTM.GETNEIGH,
    flags: 0,
    header: {
      family: dst.family,
      ifindex: idx.ifindex ?? 0,
      state: 0,
      flags: proxy ? NTF.proxy : 0,
      ndm_type: 0,
    },
    attrs: { dst: dst.bytes },
  }, "neigh get");
}

/** Asks the kernel for one neighbour entry (RTM_GETNEIGH, not a dump): a list of one. */
export async function getNeighbour(
  core: RtnlCore,
  spec: NeighGetSpec & WithSignal,
): Promise<Neigh[]> {
  const [rest, signal] = withoutSignal(spec);
  return await core.send(await buildNeighGet(core, rest), signal) as Neigh[];
}

/**
 * Filter of {@link getNeighbours}. Any other attribute or header field compares for equality;
 * a function as a value tests the entry's value of that name; `match` tests the whole message.
 */
export type NeighFilter =
  & Omit<
    MessageFilter<typeof NEIGH_MESSAGE>,
    "family" | "ifindex" | "master" | "dst" | "lladdr" | "state"
  >
  & FilterCommon<Neigh>
  & {
    /** 2 or 10 (default: both). In the kernel. */
    family?: FilterValue<number>;
    /** Interface index or name. In the kernel (NDA_IFINDEX). */
    ifindex?: FilterValue<number | string, number>;
    /** Alias of `ifindex`. */
    index?: FilterValue<number | string, number>;
    /** Master device (bridge, VRF): its ports' entries. In the kernel (NDA_MASTER). */
    master?: FilterValue<number | string, number>;
    /** Proxy entries instead of neighbours. In the kernel (NTF_PROXY). */
    proxy?: boolean;
    /** The neighbour's address. Here. */
    dst?: FilterValue<string>;
    /** Its link-layer address. Here. */
    lladdr?: FilterValue<string>;
    /** Entries in any of these states. Here. */
    state?: FilterValue<NudName | readonly NudName[] | number, number>;
  };

const FILTER_KEYS = filterKeys("neighbour filter key", NEIGH_MESSAGE, ["index", "proxy"]);

/**
 * Dumps neighbours (or, with `proxy: true`, proxy entries). Family, ifindex, master and proxy
 * filter in the kernel; the rest here.
 */
export async function getNeighbours(
  core: RtnlCore,
  filter?: NeighFilter,
): Promise<MessageList<Neigh>> {
  const f = readFilter(filter, FILTER_KEYS);
  const v = f.values;
  const family = v.family !== undefined ? familyOf(v.family, "family", true) : 0;
  const checks: ((n: Neigh) => boolean)[] = [];
  const ifindex = ifindexRef(core, v, false);
  const master = v.master !== undefined ? indexRef(core, v.master, "master") : undefined;
  const proxy = v.proxy !== undefined ? bool(v.proxy, "proxy") : false;
  for (const [k, val] of Object.entries(v)) {
    if (["family", "ifindex", "index", "master", "proxy"].includes(k)) continue;
    if (k === "dst") {
      const p = prefixOf(val, "dst", {});
      const text = formatIp(p.bytes, 0, p.bytes.length);
      checks.push((n) => n.dst === text);
    } else if (k === "lladdr") {
      const mac = parseMac(val, "lladdr");
      const text = formatHex(mac, 0, mac.length);
      checks.push((n) => n.lladdr === text);
    } else if (k === "state") {
      const mask = nudState(val);
      checks.push((n) => mask === 0 ? n.state === 0 : (n.state & mask) !== 0);
    } else checks.push((n) => n.get(k) === val);
  }
  const idx = await resolveAll({ ifindex, master });
  const attrs: Record<string, unknown> = {};
  if (idx.ifindex !== undefined) attrs.ifindex = idx.ifindex;
  if (idx.master !== undefined) attrs.master = idx.master;
  const all = await core.dumpList(NEIGH_MESSAGE, {
    type: RTM.GETNEIGH,
    flags: 0,
    header: { family, flags: proxy ? NTF.proxy : 0 },
    attrs,
  }, { retryInterrupted: 3, signal: f.signal });
  return all.filter((n) =>
    n.family !== AF.BRIDGE && (family === 0 || n.family === family) &&
    (idx.ifindex === undefined || n.headerField("ifindex") === idx.ifindex) &&
    (proxy ? (n.flags & NTF.proxy) !== 0 : (n.flags & NTF.proxy) === 0) &&
    checks.every((c) => c(n)) && passes(f.tests, n)
  ) as MessageList<Neigh>;
}
