/**
 * Nexthop objects (pyroute2 has none): `nexthop("add" | "del" | "replace", spec)` for single
 * next hops, blackholes, fdb next hops and groups (multipath or resilient), and
 * `getNexthops(filter)`. Requests match iproute2's `ip nexthop add …`.
 *
 * A nexthop view's `group` property decodes NHA_GROUP (`struct nexthop_grp` entries) into
 * `{ id, weight }` members; `nh.get("group")` still gives the raw bytes.
 *
 * @module
 */

import { checkKeys, KeySet } from "../netlink/strict.ts";
import { describeValue, formatIp } from "../netlink/addr.ts";
import { decorateView } from "../netlink/view.ts";
import type { TypedMessage } from "../netlink/view.ts";
import { NLM_F } from "../netlink/constants.ts";
import { NetlinkError } from "../netlink/errors.ts";
import { AF, RTM } from "./constants.ts";
import type { Built, RtnlCore } from "./core.ts";
import { NEXTHOP_GRP_TYPE, NEXTHOP_MESSAGE, RTNH_F } from "./schemas/nexthop.ts";
import { protoId, scopeId } from "./names.ts";
import {
  bool,
  buildMessage,
  commandOf,
  familyOf,
  flagsOf,
  indexRef,
  named,
  prefixOf,
  resolveAll,
  uint,
  withoutSignal,
} from "./spec.ts";
import type { WithSignal } from "./spec.ts";
import { filterKeys, passes, readFilter } from "./filter.ts";
import type { FilterCommon, FilterValue, MessageFilter } from "./filter.ts";
import type { IndexRef } from "./spec.ts";
import { encodeSeg6 } from "./route_request.ts";
import type { Seg6Encap } from "./route.ts";

/** One member of a nexthop group. */
export interface NexthopGroupMember {
  /** The member nexthop's id. */
  id: number;
  /** Its weight, 1..256 (the wire carries weight − 1). */
  weight: number;
}

/** A nexthop message view; `group` holds the decoded members of a group. */
export type Nexthop = Omit<TypedMessage<typeof NEXTHOP_MESSAGE>, "group"> & {
  /** The members of a group, decoded (undefined for a single next hop). */
  readonly group?: NexthopGroupMember[];
};

/** Nexthop commands. */
export type NexthopCommand = "add" | "del" | "replace";

/** A nexthop spec. */
export interface NexthopSpec {
  /** The id (the kernel picks one when adding without). Required to delete or replace. */
  id?: number;
  /** Gateway address. */
  gateway?: string;
  /** Outgoing interface (index or name): required unless blackhole, fdb or group. */
  oif?: number | string;
  /** A blackhole next hop (traffic is dropped). */
  blackhole?: boolean;
  /** Group members: ids, or `{ id, weight }` (weight 1..256). */
  group?: readonly (number | NexthopGroupMember)[];
  /** Group type: "mpath" (default) or "resilient". */
  group_type?: keyof typeof NEXTHOP_GRP_TYPE | number;
  /** Resilient group parameters (timers in clock ticks). */
  res_group?: { buckets?: number; idle_timer?: number; unbalanced_timer?: number };
  /** For VXLAN fdb entries (NHA_FDB). */
  fdb?: boolean;
  /** Who made it (nh_protocol), by name or number. */
  protocol?: string | number;
  /** RTNH_F_* flags by name (`["onlink"]`) or number. */
  flags?: number | keyof typeof RTNH_F | readonly (keyof typeof RTNH_F)[];
  /** 2 or 10; taken from the gateway when given, IPv4 otherwise (0 for groups). */
  family?: number;
  /** Scope by name or number. */
  scope?: string | number;
  /** Lightweight tunnel encapsulation (seg6). */
  encap?: Seg6Encap;
}

const KNOWN = new Set([
  "id",
  "gateway",
  "oif",
  "blackhole",
  "group",
  "group_type",
  "res_group",
  "fdb",
  "protocol",
  "flags",
  "family",
  "scope",
  "encap",
]);
const NEXTHOP_KEYS = new KeySet("nexthop attribute", KNOWN);

const COMMANDS: Record<NexthopCommand, readonly [number, number]> = {
  add: [RTM.NEWNEXTHOP, NLM_F.CREATE | NLM_F.EXCL],
  replace: [RTM.NEWNEXTHOP, NLM_F.CREATE | NLM_F.REPLACE],
  del: [RTM.DELNEXTHOP, 0],
};

function encodeGroup(group: unknown): Uint8Array {
  if (!Array.isArray(group) || group.length === 0) {
    throw new TypeError(`group: expected a non-empty array of nexthop ids or { id, weight }`);
  }
  const b = new Uint8Array(8 * group.length);
  const dv = new DataView(b.buffer);
  const seen = new Set<number>();
  group.forEach((m, i) => {
    const field = `group[${i}]`;
    let id: unknown, weight: unknown = 1;
    if (typeof m === "number") id = m;
    else if (typeof m === "object" && m !== null && !Array.isArray(m)) {
      checkKeys(m, MEMBER_KEYS, field, `${field}.`);
      ({ id, weight = 1 } = m as { id?: unknown; weight?: unknown });
    } else {
      throw new TypeError(
        `${field}: expected a nexthop id or { id, weight }, got ${describeValue(m)}`,
      );
    }
    const n = uint(id, "u32", typeof m === "number" ? field : `${field}.id`);
    if (n === 0) throw new RangeError(`${field}.id: 0 is not a nexthop id`);
    if (seen.has(n)) throw new TypeError(`${field}.id: nexthop ${n} is in the group twice`);
    seen.add(n);
    if (typeof weight !== "number" || !Number.isInteger(weight)) {
      throw new TypeError(`${field}.weight: expected an integer, got ${describeValue(weight)}`);
    }
    if (weight < 1 || weight > 256) {
      throw new RangeError(`${field}.weight: ${weight} is out of range 1..256`);
    }
    dv.setUint32(8 * i, n, true);
    dv.setUint8(8 * i + 4, weight - 1);
  });
  return b;
}

const MEMBER_KEYS = new KeySet("field", ["id", "weight"]);
const RES_GROUP_KEYS = new KeySet("resilient group attribute", [
  "buckets",
  "idle_timer",
  "unbalanced_timer",
]);

function resGroup(v: unknown): Record<string, number> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new TypeError(`res_group: expected an object, got ${describeValue(v)}`);
  }
  checkKeys(v, RES_GROUP_KEYS, "res_group", "res_group.");
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined) continue;
    if (k === "buckets") {
      out.buckets = uint(x, "u16", "res_group.buckets");
      if (out.buckets === 0) throw new RangeError("res_group.buckets: at least 1");
    } else if (k === "idle_timer" || k === "unbalanced_timer") {
      out[k] = uint(x, "u32", `res_group.${k}`);
    }
  }
  return out;
}

/** Builds a nexthop request. */
export async function buildNexthop(
  core: RtnlCore,
  cmd: NexthopCommand,
  spec: NexthopSpec,
): Promise<Built<typeof NEXTHOP_MESSAGE>> {
  const [type, nlflags] = commandOf(cmd, COMMANDS, "nexthop");
  checkKeys(spec, NEXTHOP_KEYS, "spec");
  const attrs: Record<string, unknown> = {};
  if (spec.id !== undefined) {
    attrs.id = uint(spec.id, "u32", "id");
    if (attrs.id === 0) {
      throw new RangeError("id: 0 is not a nexthop id (omit it to let the kernel pick)");
    }
  } else if (cmd !== "add") {
    throw new TypeError(`id: required to ${cmd === "del" ? "delete" : cmd}`);
  }
  const fam: { f?: number } = {};
  let family: number | undefined = spec.family !== undefined ? familyOf(spec.family) : undefined;
  if (family !== undefined) fam.f = family;
  if (cmd === "del") {
    for (const k of Object.keys(spec)) {
      if (k !== "id" && (spec as Record<string, unknown>)[k] !== undefined) {
        throw new TypeError(`${k}: a nexthop is deleted by id alone`);
      }
    }
    return buildMessage(
      NEXTHOP_MESSAGE,
      { type, flags: nlflags, header: {}, attrs },
      `nexthop ${cmd}`,
    );
  }
  const blackhole = spec.blackhole !== undefined ? bool(spec.blackhole, "blackhole") : false;
  const fdb = spec.fdb !== undefined ? bool(spec.fdb, "fdb") : false;
  let oif: IndexRef | undefined;
  if (spec.group !== undefined) {
    for (const k of ["gateway", "oif", "encap", "flags"] as const) {
      if (spec[k] !== undefined) throw new TypeError(`${k}: a group has members, not ${k}`);
    }
    if (blackhole) throw new TypeError("blackhole: a group cannot be a blackhole");
    if (spec.family !== undefined) throw new TypeError("family: a group has no family");
    attrs.group = encodeGroup(spec.group);
    family = AF.UNSPEC;
    if (spec.res_group !== undefined) attrs.res_group = resGroup(spec.res_group);
    if (spec.group_type !== undefined) {
      const t = named(spec.group_type, NEXTHOP_GRP_TYPE, "group_type", 0xffff, "group type");
      if (t !== NEXTHOP_GRP_TYPE.mpath) attrs.group_type = t;
      if (t !== NEXTHOP_GRP_TYPE.resilient && attrs.res_group) {
        throw new TypeError("res_group: only for a resilient group");
      }
    } else if (attrs.res_group) throw new TypeError("res_group: only for a resilient group");
  } else {
    for (const k of ["group_type", "res_group"] as const) {
      if (spec[k] !== undefined) throw new TypeError(`${k}: only for a group`);
    }
    if (blackhole) {
      for (const k of ["gateway", "oif", "encap"] as const) {
        if (spec[k] !== undefined) throw new TypeError(`${k}: a blackhole has no ${k}`);
      }
      if (fdb) throw new TypeError("fdb: a blackhole cannot be an fdb nexthop");
      attrs.blackhole = true;
    } else {
      if (spec.gateway !== undefined) {
        const g = prefixOf(spec.gateway, "gateway", fam);
        if (g.hasPrefix) throw new TypeError("gateway: a gateway has no prefix length");
        attrs.gateway = g.bytes;
        family = g.family;
      }
      if (spec.oif !== undefined) {
        if (fdb) throw new TypeError("oif: an fdb nexthop has no device");
        oif = indexRef(core, spec.oif, "oif");
      } else if (!fdb) {
        throw new TypeError("oif: required (unless blackhole, fdb or group)");
      } else if (spec.gateway === undefined) {
        throw new TypeError("gateway: an fdb nexthop needs a gateway");
      }
      if (spec.encap !== undefined) {
        attrs.encap = encodeSeg6(spec.encap, "encap");
        attrs.encap_type = 5;
      }
    }
  }
  if (fdb) attrs.fdb = true;
  const protocol = spec.protocol !== undefined ? protoId(spec.protocol, "protocol") : 0;
  const scope = spec.scope !== undefined ? scopeId(spec.scope) : 0;
  const flags = spec.flags !== undefined ? flagsOf(spec.flags, RTNH_F, "flags") : 0;
  const idx = await resolveAll({ oif });
  if (idx.oif !== undefined) attrs.oif = idx.oif;
  return buildMessage(NEXTHOP_MESSAGE, {
    type,
    flags: nlflags,
    header: { family: family ?? AF.INET, scope, protocol, flags },
    attrs,
  }, `nexthop ${cmd}`);
}

/** Runs a nexthop command (`signal` stops waiting for the kernel's answer). */
export async function nexthopCommand(
  core: RtnlCore,
  cmd: NexthopCommand,
  spec: NexthopSpec & WithSignal,
): Promise<void> {
  const [rest, signal] = withoutSignal(spec);
  await core.send(await buildNexthop(core, cmd, rest), signal);
}

/**
 * Filter of {@link getNexthops}. Any other attribute or header field compares for equality; a
 * function as a value tests the nexthop's value of that name; `match` tests the whole message.
 */
export type NexthopFilter =
  & Omit<
    MessageFilter<typeof NEXTHOP_MESSAGE>,
    "id" | "oif" | "master" | "groups" | "fdb" | "family" | "gateway" | "protocol" | "group"
  >
  & FilterCommon<Nexthop>
  & {
    /** One nexthop by id (a kernel get). */
    id?: FilterValue<number>;
    /** Next hops using this device. In the kernel. */
    oif?: FilterValue<number | string, number>;
    /** Next hops whose device has this master. In the kernel. */
    master?: FilterValue<number | string, number>;
    /** Only groups. In the kernel. */
    groups?: boolean;
    /** Only fdb next hops (or none, with false). Here: the kernel ignores NHA_FDB in dumps. */
    fdb?: boolean;
    /** 2 or 10 (groups, of no family, are left out). In the kernel. */
    family?: FilterValue<number>;
    /** Gateway. Here. */
    gateway?: FilterValue<string>;
    /** Protocol by name or number. Here. */
    protocol?: FilterValue<string | number, number>;
  };

const FILTER_KEYS = filterKeys("nexthop filter key", NEXTHOP_MESSAGE, ["groups"]);

/**
 * Dumps nexthop objects. Family, oif, master and groups filter in the kernel; an id is a
 * kernel get; the rest filter here.
 */
export async function getNexthops(core: RtnlCore, filter?: NexthopFilter): Promise<Nexthop[]> {
  const f = readFilter(filter, FILTER_KEYS);
  const attrs: Record<string, unknown> = {};
  const checks: ((n: Nexthop) => boolean)[] = [];
  const refs: Record<string, IndexRef | undefined> = {};
  let id: number | undefined;
  let family = 0;
  for (const [k, v] of Object.entries(f.values)) {
    switch (k) {
      case "id":
        id = uint(v, "u32", "id");
        break;
      case "oif":
      case "master":
        refs[k] = indexRef(core, v, k);
        break;
      case "groups":
        if (bool(v, k)) attrs.groups = true;
        checks.push((n) => (n.get("group") !== undefined) === v);
        break;
      case "fdb":
        // The kernel parses NHA_FDB in a dump request but does not filter by it (6.18).
        bool(v, k);
        checks.push((n) => (n.get("fdb") !== undefined) === v);
        break;
      case "family": {
        const fam = familyOf(v, "family", true);
        family = fam;
        checks.push((n) => n.family === fam);
        break;
      }
      case "gateway": {
        const p = prefixOf(v, "gateway", {});
        const text = formatIp(p.bytes, 0, p.bytes.length);
        checks.push((n) => n.gateway === text);
        break;
      }
      case "protocol": {
        const p = protoId(v, "protocol");
        checks.push((n) => n.protocol === p);
        break;
      }
      default:
        checks.push((n) => n.get(k) === v);
    }
  }
  const idx = await resolveAll(refs);
  Object.assign(attrs, idx);
  for (const [k, i] of Object.entries(idx)) checks.push((n) => n.get(k) === i);
  let all: Nexthop[];
  if (id !== undefined) {
    const built = buildMessage(NEXTHOP_MESSAGE, {
      type: RTM.GETNEXTHOP,
      flags: 0,
      header: {},
      attrs: { id },
    }, "nexthop get");
    try {
      all = await core.send(built, f.signal) as unknown as Nexthop[];
    } catch (e) {
      if (e instanceof NetlinkError && e.code === "ENOENT") return [];
      throw e;
    }
  } else {
    all = await core.dumpList(NEXTHOP_MESSAGE, {
      type: RTM.GETNEXTHOP,
      flags: 0,
      header: { family },
      attrs,
    }, { retryInterrupted: 3, signal: f.signal }) as unknown as Nexthop[];
  }
  return all.filter((n) => checks.every((c) => c(n)) && passes(f.tests, n as never));
}

/** The members of a nexthop group from NHA_GROUP bytes. */
export function decodeGroup(raw: Uint8Array): NexthopGroupMember[] {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: NexthopGroupMember[] = [];
  for (let p = 0; p + 8 <= raw.length; p += 8) {
    out.push({ id: dv.getUint32(p, true), weight: raw[p + 4] + 1 });
  }
  return out;
}

// Nexthop views decode NHA_GROUP on access (and in toJSON) into members.
decorateView(NEXTHOP_MESSAGE, {
  group: (v) => {
    const raw = v.get("group");
    return raw instanceof Uint8Array ? decodeGroup(raw) : undefined;
  },
}, { cache: true, json: true });
