/**
 * Address verbs: `addr("add" | "del" | "replace", spec)`, `getAddr(filter)`, `flushAddr(filter)`.
 *
 * @module
 */

import { describeValue, parsePrefix } from "../netlink/addr.ts";
import type { TypedMessage } from "../netlink/view.ts";
import { NLM_F } from "../netlink/constants.ts";
import { AF, RTM } from "./constants.ts";
import type { Built, RtnlCore } from "./core.ts";
import { ADDR_MESSAGE, IFA_F } from "./schemas/addr.ts";
import { scopeId } from "./names.ts";

/** An address message view. */
export type Addr = TypedMessage<typeof ADDR_MESSAGE>;

/** Address commands. */
export type AddrCommand = "add" | "del" | "replace";

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
  /** Peer address of a point-to-point link. */
  peer?: string;
  /** Local address (defaults to `address`). */
  local?: string;
  /** Broadcast address, or `true` to compute it from the prefix (IPv4). */
  broadcast?: string | true;
  /** Label (IPv4), e.g. "eth0:1". */
  label?: string;
  /** Scope by name or number. */
  scope?: string | number;
  /** IFA_F_* flags by name or as a number. */
  flags?: number | readonly (keyof typeof IFA_F)[];
  /** Preferred lifetime in seconds (with `valid`). */
  preferred?: number;
  /** Valid lifetime in seconds. */
  valid?: number;
  /** Route metric of the prefix route (IFA_RT_PRIORITY). */
  metric?: number;
}

const KNOWN = new Set([
  "index",
  "address",
  "prefixlen",
  "mask",
  "peer",
  "local",
  "broadcast",
  "label",
  "scope",
  "flags",
  "preferred",
  "valid",
  "metric",
  "family",
]);

function bcast(bytes: Uint8Array, prefixlen: number): string {
  const a = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const host = prefixlen >= 32 ? 0 : (0xffffffff >>> prefixlen);
  const b = (a | host) >>> 0;
  return `${b >>> 24}.${(b >>> 16) & 255}.${(b >>> 8) & 255}.${b & 255}`;
}

/** Builds an address request. */
export async function buildAddr(
  core: RtnlCore,
  cmd: AddrCommand,
  spec: AddrSpec,
): Promise<Built<typeof ADDR_MESSAGE>> {
  const type = cmd === "add" || cmd === "replace"
    ? RTM.NEWADDR
    : cmd === "del"
    ? RTM.DELADDR
    : undefined;
  if (type === undefined) {
    throw new TypeError(
      `command: unknown address command ${describeValue(cmd)} (add, del, replace)`,
    );
  }
  if (typeof spec !== "object" || spec === null) {
    throw new TypeError(`spec: expected an object, got ${describeValue(spec)}`);
  }
  for (const k of Object.keys(spec)) {
    if (!KNOWN.has(k)) throw new TypeError(`${k}: unknown address attribute`);
  }
  if (spec.address === undefined) throw new TypeError("address: required");
  if (spec.index === undefined) throw new TypeError("index: required (interface index or name)");
  const p = parsePrefix(spec.address, "address");
  const max = p.family === AF.INET ? 32 : 128;
  let prefixlen = p.prefixlen;
  const given = spec.prefixlen ?? spec.mask;
  if (given !== undefined) {
    const field = spec.prefixlen !== undefined ? "prefixlen" : "mask";
    if (typeof given !== "number" || !Number.isInteger(given)) {
      throw new TypeError(`${field}: expected an integer, got ${describeValue(given)}`);
    }
    if (given < 0 || given > max) {
      throw new RangeError(`${field}: ${given} is out of range 0..${max}`);
    }
    if (p.hasPrefix && given !== p.prefixlen) {
      throw new TypeError(`${field}: ${given} contradicts the prefix in address ${spec.address}`);
    }
    prefixlen = given;
  }
  const attrs: Record<string, unknown> = {};
  const local = spec.local !== undefined ? parsePrefix(spec.local, "local") : p;
  if (local.family !== p.family) throw new TypeError("local: address family differs from address");
  attrs.local = local.bytes;
  if (spec.peer !== undefined) {
    const peer = parsePrefix(spec.peer, "peer");
    if (peer.family !== p.family) throw new TypeError("peer: address family differs from address");
    attrs.address = peer.bytes;
    if (peer.hasPrefix && given === undefined && !p.hasPrefix) prefixlen = peer.prefixlen;
  } else attrs.address = p.bytes;
  if (spec.broadcast !== undefined) {
    if (p.family !== AF.INET) {
      throw new TypeError("broadcast: only IPv4 addresses have a broadcast address");
    }
    if (spec.broadcast === true) attrs.broadcast = bcast(p.bytes, prefixlen);
    else {
      const b = parsePrefix(spec.broadcast, "broadcast");
      if (b.family !== AF.INET) throw new TypeError("broadcast: expected an IPv4 address");
      attrs.broadcast = b.bytes;
    }
  }
  if (spec.label !== undefined) {
    if (typeof spec.label !== "string") {
      throw new TypeError(`label: expected a string, got ${describeValue(spec.label)}`);
    }
    if (spec.label.length > 15) throw new RangeError("label: longer than 15 bytes");
    attrs.label = spec.label;
  }
  let flags = 0;
  if (Array.isArray(spec.flags)) {
    for (const f of spec.flags) {
      const v = (IFA_F as Record<string, number>)[f];
      if (v === undefined) throw new TypeError(`flags: unknown address flag ${JSON.stringify(f)}`);
      flags |= v;
    }
  } else if (spec.flags !== undefined) {
    if (typeof spec.flags !== "number") {
      throw new TypeError(`flags: expected a number or a list of flag names`);
    }
    flags = spec.flags;
  }
  if (flags > 0xff) attrs.flags = flags;
  if (spec.preferred !== undefined || spec.valid !== undefined) {
    const valid = spec.valid ?? spec.preferred!;
    const preferred = spec.preferred ?? valid;
    if (preferred > valid) throw new RangeError("preferred: longer than the valid lifetime");
    attrs.cacheinfo = { ifa_preferred: preferred, ifa_valid: valid };
  }
  if (spec.metric !== undefined) attrs.rt_priority = spec.metric;
  const scope = spec.scope !== undefined ? scopeId(spec.scope) : 0;
  const index = await core.ifindex(spec.index, "index");
  const nlflags = cmd === "add"
    ? NLM_F.CREATE | NLM_F.EXCL
    : cmd === "replace"
    ? NLM_F.CREATE | NLM_F.REPLACE
    : 0;
  const built = core.build(ADDR_MESSAGE, {
    type,
    flags: nlflags,
    header: { family: p.family, prefixlen, flags: flags & 0xff, scope, index },
    attrs,
  });
  built.describe = `addr ${cmd}`;
  return built;
}

/** Runs an address command. */
export async function addrCommand(core: RtnlCore, cmd: AddrCommand, spec: AddrSpec): Promise<void> {
  await core.send(await buildAddr(core, cmd, spec));
}

/** Filter of {@link getAddr}. */
export interface AddrFilter {
  /** 2 (IPv4) or 10 (IPv6). */
  family?: number;
  /** Interface index or name. */
  index?: number | string;
  /** Any other attribute or header field, compared for equality. */
  [key: string]: unknown;
}

/** Dumps addresses; family and index filter in the kernel, the rest here. */
export async function getAddr(core: RtnlCore, filter: AddrFilter = {}): Promise<Addr[]> {
  const header: Record<string, unknown> = { family: filter.family ?? 0 };
  if (filter.index !== undefined) header.index = await core.ifindex(filter.index, "index");
  const all = await core.dump(ADDR_MESSAGE, { type: RTM.GETADDR, flags: 0, header }, {
    retryInterrupted: 3,
  });
  const rest = Object.entries(filter).filter(([k, v]) =>
    v !== undefined && k !== "family" && k !== "index"
  );
  return all.filter((a) =>
    (header.index === undefined || a.index === header.index) &&
    (filter.family === undefined || a.family === filter.family) &&
    rest.every(([k, v]) => a.get(k) === v)
  );
}

/** Deletes every address matching the filter; returns how many were deleted. */
export async function flushAddr(core: RtnlCore, filter: AddrFilter = {}): Promise<number> {
  const addrs = await getAddr(core, filter);
  let n = 0;
  for (const a of addrs) {
    const attrs: Record<string, unknown> = {};
    if (a.local !== undefined) attrs.local = a.local;
    if (a.address !== undefined) attrs.address = a.address;
    try {
      await core.send(core.build(ADDR_MESSAGE, {
        type: RTM.DELADDR,
        flags: 0,
        header: { family: a.family, prefixlen: a.prefixlen, scope: a.scope, index: a.index },
        attrs,
      }));
      n++;
    } catch (e) {
      // Deleting a primary address removes its secondaries with it.
      if ((e as { code?: string }).code !== "EADDRNOTAVAIL") throw e;
    }
  }
  return n;
}
