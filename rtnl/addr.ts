/**
 * Address verbs: `addr("add" | "del" | "replace" | "change", spec)`, `getAddr(filter)`,
 * `flushAddr(filter)`. `change` is what `ip address change` sends: NLM_F_REPLACE alone (the
 * kernel still adds an address that is missing, for IPv4 and IPv6 alike).
 *
 * Requests match iproute2's (`ip addr add 10.0.0.1/24 dev v0` sends the same bytes): IFA_LOCAL
 * is the address, IFA_ADDRESS the peer (or the address again), flags above 0xff go in IFA_FLAGS.
 *
 * @module
 */

import { checkKeys, KeySet } from "../netlink/strict.ts";
import type { MessageList } from "../netlink/list.ts";
import { describeValue, formatIp, parsePrefix } from "../netlink/addr.ts";
import type { TypedMessage } from "../netlink/view.ts";
import { NLM_F } from "../netlink/constants.ts";
import { AF, RTM } from "./constants.ts";
import type { Built, RtnlCore } from "./core.ts";
import { ADDR_MESSAGE, IFA_F } from "./schemas/addr.ts";
import { scopeId } from "./names.ts";
import {
  buildMessage,
  commandOf,
  familyOf,
  flagsOf,
  indexRef,
  named,
  prefixOf,
  uint,
  withoutSignal,
} from "./spec.ts";
import type { WithSignal } from "./spec.ts";
import { filterKeys, flushFilter, passes, readFilter } from "./filter.ts";
import type { FilterCommon, FilterValue, FlushAll, MessageFilter } from "./filter.ts";

/** An address message view. */
export type Addr = TypedMessage<typeof ADDR_MESSAGE>;

/** Address commands. */
export type AddrCommand = "add" | "del" | "replace" | "change";

/** `IFAPROT_*`: who made an address (IFA_PROTO). */
export const IFAPROT = { unspec: 0, kernel_lo: 1, kernel_ra: 2, kernel_ll: 3 } as const;

/** An address spec. */
export interface AddrSpec {
  /** Interface index or name. */
  index: number | string;
  /** The address, with or without "/prefix". */
  address: string;
  /** Prefix length (or give it in `address`). */
  prefixlen?: number;
  /** Alias of `prefixlen` (pyroute2's name). */
  mask?: number;
  /** Peer address of a point-to-point link (its "/prefix" sets the prefix length). */
  peer?: string;
  /** Local address (IFA_LOCAL; defaults to `address`, which then is IFA_ADDRESS). */
  local?: string;
  /** Broadcast address, or `true` to compute it from the prefix (IPv4, prefix ≤ 30). */
  broadcast?: string | boolean;
  /** Anycast address (IPv6). */
  anycast?: string;
  /** Label (IPv4), e.g. "eth0:1", at most 15 bytes. */
  label?: string;
  /** Scope by name or number. */
  scope?: string | number;
  /** IFA_F_* flags by name (`["nodad", "noprefixroute"]`) or as a number. */
  flags?: number | keyof typeof IFA_F | readonly (keyof typeof IFA_F)[];
  /** Preferred lifetime in seconds, or "forever" (with `valid`). */
  preferred?: number | "forever";
  /** Valid lifetime in seconds, or "forever". */
  valid?: number | "forever";
  /** Alias of `preferred` (iproute2's name). */
  preferred_lft?: number | "forever";
  /** Alias of `valid` (iproute2's name). */
  valid_lft?: number | "forever";
  /** Route metric of the prefix route (IFA_RT_PRIORITY). */
  metric?: number;
  /** Who made the address (IFA_PROTO), by name or number. */
  proto?: keyof typeof IFAPROT | number;
  /** 2 (IPv4) or 10 (IPv6): must agree with the addresses. */
  family?: number;
}

const KNOWN = new Set([
  "index",
  "address",
  "prefixlen",
  "mask",
  "peer",
  "local",
  "broadcast",
  "anycast",
  "label",
  "scope",
  "flags",
  "preferred",
  "valid",
  "preferred_lft",
  "valid_lft",
  "metric",
  "proto",
  "family",
]);
const ADDRESS_KEYS = new KeySet("address attribute", KNOWN);

const COMMANDS: Record<AddrCommand, readonly [number, number]> = {
  add: [RTM.NEWADDR, NLM_F.CREATE | NLM_F.EXCL],
  replace: [RTM.NEWADDR, NLM_F.CREATE | NLM_F.REPLACE],
  change: [RTM.NEWADDR, NLM_F.REPLACE],
  del: [RTM.DELADDR, 0],
};

const FOREVER = 0xffffffff;

function lifetime(v: unknown, field: string): number {
  if (v === "forever") return FOREVER;
  return uint(v, "u32", field);
}

function bcast(bytes: Uint8Array, prefixlen: number): Uint8Array {
  const a = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const b = (a | (0xffffffff >>> prefixlen)) >>> 0;
  return Uint8Array.of(b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255);
}

/** Builds an address request. Every check runs before the interface name is looked up. */
export async function buildAddr(
  core: RtnlCore,
  cmd: AddrCommand,
  spec: AddrSpec,
): Promise<Built<typeof ADDR_MESSAGE>> {
  const [type, nlflags] = commandOf(cmd, COMMANDS, "address");
  checkKeys(spec, ADDRESS_KEYS, "spec");
  if (spec.address === undefined && spec.local === undefined) {
    throw new TypeError("address: required");
  }
  if (spec.index === undefined) throw new TypeError("index: required (interface index or name)");
  const index = indexRef(core, spec.index, "index");
  const fam: { f?: number } = {};
  if (spec.family !== undefined) fam.f = familyOf(spec.family);
  const main = prefixOf(
    spec.address ?? spec.local,
    spec.address !== undefined ? "address" : "local",
    fam,
  );
  const max = main.family === AF.INET ? 32 : 128;
  let prefixlen = main.prefixlen;
  let hasPrefix = main.hasPrefix;
  if (spec.prefixlen !== undefined && spec.mask !== undefined && spec.prefixlen !== spec.mask) {
    throw new TypeError("mask: contradicts prefixlen");
  }
  const given = spec.prefixlen ?? spec.mask;
  if (given !== undefined) {
    const field = spec.prefixlen !== undefined ? "prefixlen" : "mask";
    if (typeof given !== "number" || !Number.isInteger(given)) {
      throw new TypeError(`${field}: expected an integer, got ${describeValue(given)}`);
    }
    if (given < 0 || given > max) {
      throw new RangeError(`${field}: ${given} is out of range 0..${max}`);
    }
    if (main.hasPrefix && given !== main.prefixlen) {
      throw new TypeError(`${field}: ${given} contradicts the prefix in address ${spec.address}`);
    }
    prefixlen = given;
    hasPrefix = true;
  }
  // IFA_LOCAL is this host's address; IFA_ADDRESS the peer's (or the same address).
  const local = spec.local !== undefined && spec.address !== undefined
    ? prefixOf(spec.local, "local", fam)
    : main;
  let peerBytes = main.bytes;
  if (spec.peer !== undefined) {
    if (spec.local !== undefined && spec.address !== undefined) {
      throw new TypeError("peer: give either peer or both local and address, not all three");
    }
    const peer = prefixOf(spec.peer, "peer", fam);
    peerBytes = peer.bytes;
    if (peer.hasPrefix) {
      if (hasPrefix && prefixlen !== peer.prefixlen) {
        throw new TypeError(`peer: prefix /${peer.prefixlen} contradicts /${prefixlen}`);
      }
      prefixlen = peer.prefixlen;
      hasPrefix = true;
    }
  }
  const attrs: Record<string, unknown> = { local: local.bytes };
  if (spec.label !== undefined) {
    if (typeof spec.label !== "string") {
      throw new TypeError(`label: expected a string, got ${describeValue(spec.label)}`);
    }
    if (main.family !== AF.INET) throw new TypeError("label: only IPv4 addresses have labels");
    if (new TextEncoder().encode(spec.label).length > 15) {
      throw new RangeError(`label: ${JSON.stringify(spec.label)} is longer than 15 bytes`);
    }
    if (spec.label === "") throw new TypeError("label: must not be empty");
    attrs.label = spec.label;
  }
  // A deletion without any prefix is iproute2's wildcard deletion: IFA_LOCAL alone.
  const wildcard = type === RTM.DELADDR && !hasPrefix && spec.peer === undefined &&
    spec.local === undefined;
  if (!wildcard) attrs.address = peerBytes;
  if (spec.broadcast !== undefined && spec.broadcast !== false) {
    if (main.family !== AF.INET) {
      throw new TypeError("broadcast: only IPv4 addresses have a broadcast address");
    }
    if (spec.broadcast === true) {
      if (prefixlen <= 30) attrs.broadcast = bcast(peerBytes, prefixlen);
    } else {
      attrs.broadcast = prefixOf(spec.broadcast, "broadcast", fam).bytes;
    }
  }
  if (spec.anycast !== undefined) {
    if (main.family !== AF.INET6) throw new TypeError("anycast: only IPv6 has anycast addresses");
    attrs.anycast = prefixOf(spec.anycast, "anycast", fam).bytes;
  }
  const flags = spec.flags !== undefined ? flagsOf(spec.flags, IFA_F, "flags") : 0;
  const pref = spec.preferred ?? spec.preferred_lft;
  const valid = spec.valid ?? spec.valid_lft;
  if (pref !== undefined || valid !== undefined) {
    const v = valid !== undefined
      ? lifetime(valid, spec.valid !== undefined ? "valid" : "valid_lft")
      : lifetime(pref, spec.preferred !== undefined ? "preferred" : "preferred_lft");
    const p = pref !== undefined
      ? lifetime(pref, spec.preferred !== undefined ? "preferred" : "preferred_lft")
      : v;
    if (v === 0) throw new RangeError("valid: a valid lifetime of 0 is not allowed");
    if (p > v) throw new RangeError(`preferred: ${p} is longer than the valid lifetime ${v}`);
    attrs.cacheinfo = { ifa_preferred: p, ifa_valid: v };
  }
  if (spec.metric !== undefined) attrs.rt_priority = uint(spec.metric, "u32", "metric");
  if (spec.proto !== undefined) attrs.proto = named(spec.proto, IFAPROT, "proto", 255, "protocol");
  if (flags > 0xff) attrs.flags = flags;
  const scope = spec.scope !== undefined ? scopeId(spec.scope) : 0;
  const ifindex = await index();
  if (wildcard && main.family === AF.INET6) {
    // IPv6 deletes by address and prefix length: find the prefix length the address has.
    const found = (await getAddr(core, { family: AF.INET6, index: ifindex }))
      .find((a) => (a.local ?? a.address) === formatIp(main.bytes, 0, 16));
    if (found) prefixlen = found.prefixlen;
  }
  return buildMessage(ADDR_MESSAGE, {
    type,
    flags: nlflags,
    header: {
      family: main.family,
      prefixlen,
      flags: flags > 0xff ? 0 : flags,
      scope,
      index: ifindex,
    },
    attrs,
  }, `addr ${cmd}`);
}

/** Runs an address command (`signal` stops waiting for the kernel's answer). */
export async function addrCommand(
  core: RtnlCore,
  cmd: AddrCommand,
  spec: AddrSpec & WithSignal,
): Promise<void> {
  const [rest, signal] = withoutSignal(spec);
  await core.send(await buildAddr(core, cmd, rest), signal);
}

/**
 * Filter of {@link getAddr}: family and index filter in the kernel, the rest here. Any other
 * attribute or header field of an address compares for equality; a function as a value tests
 * the address's value of that name; `match` tests the whole message.
 */
export type AddrFilter =
  & Omit<MessageFilter<typeof ADDR_MESSAGE>, "family" | "index" | "address" | "local" | "scope">
  & FilterCommon<Addr>
  & {
    /** 2 (IPv4) or 10 (IPv6). */
    family?: FilterValue<number>;
    /** Interface index or name. */
    index?: FilterValue<number | string, number>;
    /** The address (IFA_LOCAL, else IFA_ADDRESS), with or without "/prefix". */
    address?: FilterValue<string>;
    /** The local address (IFA_LOCAL), with or without "/prefix". */
    local?: FilterValue<string>;
    /** Scope by name or number. */
    scope?: FilterValue<string | number, number>;
  };

const FILTER_KEYS = filterKeys("address filter key", ADDR_MESSAGE);

/** Dumps addresses; family and index filter in the kernel (strict checking), the rest here. */
export async function getAddr(
  core: RtnlCore,
  filter?: AddrFilter,
): Promise<MessageList<Addr>> {
  const f = readFilter(filter, FILTER_KEYS);
  const v = f.values;
  const family = v.family !== undefined ? familyOf(v.family, "family", true) : 0;
  const checks: ((a: Addr) => boolean)[] = [];
  for (const [k, val] of Object.entries(v)) {
    switch (k) {
      case "family":
      case "index":
        break;
      case "address":
      case "local": {
        const p = parsePrefix(val, k);
        const text = formatIp(p.bytes, 0, p.bytes.length);
        checks.push((a) =>
          (k === "local" ? a.local : a.local ?? a.address) === text &&
          (!p.hasPrefix || a.prefixlen === p.prefixlen)
        );
        break;
      }
      case "scope": {
        const s = scopeId(val);
        checks.push((a) => a.scope === s);
        break;
      }
      default:
        checks.push((a) => a.get(k) === val);
    }
  }
  const ref = v.index !== undefined ? indexRef(core, v.index, "index") : undefined;
  const header: Record<string, unknown> = { family };
  if (ref) header.index = await ref();
  const all = await core.dumpList(ADDR_MESSAGE, { type: RTM.GETADDR, flags: 0, header }, {
    retryInterrupted: 3,
    signal: f.signal,
  });
  return all.filter((a) =>
    (header.index === undefined || a.index === header.index) &&
    (family === 0 || a.family === family) && checks.every((c) => c(a)) && passes(f.tests, a)
  ) as MessageList<Addr>;
}

/**
 * Deletes every address matching the filter; resolves with how many deletions the kernel
 * acknowledged (secondaries that went with their primary are not counted). An empty filter is
 * refused: `{ all: true }` deletes every address.
 */
export async function flushAddr(core: RtnlCore, filter: AddrFilter & FlushAll): Promise<number> {
  const { filter: rest } = flushFilter(filter, "flushAddr");
  const addrs = await getAddr(core, rest);
  const reqs = addrs.map((a) => {
    const attrs: Record<string, unknown> = {};
    if (a.local !== undefined) attrs.local = a.local;
    if (a.address !== undefined) attrs.address = a.address;
    return buildMessage(ADDR_MESSAGE, {
      type: RTM.DELADDR,
      flags: 0,
      header: { family: a.family, prefixlen: a.prefixlen, scope: a.scope, index: a.index },
      attrs,
    }, "").bytes;
  });
  const results = await core.engine.pipeline(reqs, {
    schema: ADDR_MESSAGE,
    describe: "addr del",
    signal: (rest as { signal?: AbortSignal }).signal,
  });
  let n = 0;
  for (const r of results) {
    if (!(r instanceof Error)) n++;
    // Deleting a primary address removes its secondaries with it.
    else if ((r as { code?: string }).code !== "EADDRNOTAVAIL") throw r;
  }
  return n;
}
