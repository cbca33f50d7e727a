/**
 * Addresses in the document: `{ dev, address: "10.0.0.1/24", label?, broadcast?, peer?, flags? }`
 * (flags: how it was configured: nodad, noprefixroute, homeaddress, managetempaddr, mcautojoin).
 * Left out of snapshots (the kernel's own): IPv6 addresses the kernel configured from router
 * advertisements (IFA_PROTO kernel_ra, temporary and stable-privacy ones), IPv6 link-local
 * addresses (fe80::/10), and loopback's 127.0.0.1/8 and ::1/128 (the kernel adds them when `lo`
 * goes up). Listed as unmanaged: addresses with lifetimes (valid_lft/preferred_lft not
 * forever: they count down, so no document can hold them; a DHCP client's leases are such), and
 * addresses with a prefix route metric (IFA_RT_PRIORITY) or a scope other than the one the
 * kernel gives by default.
 *
 * @module
 */

import { IFAPROT } from "../rtnl/addr.ts";
import type { Addr } from "../rtnl/addr.ts";
import { RT_SCOPE } from "../rtnl/constants.ts";
import { IFA_F } from "../rtnl/schemas/addr.ts";
import {
  compact,
  entry,
  entryKeys,
  familyOf,
  ifname,
  ip,
  ipWithPrefix,
  list,
  oneOf,
  sameJson,
  text,
} from "./check.ts";
import type { AddressState } from "./document.ts";
import type { Kind, NamespaceContext, Request } from "./kind.ts";
import { PHASE } from "./kind.ts";
import { simpleSteps } from "./simple.ts";
import type { SimpleKind } from "./simple.ts";

const IFA_F_SECONDARY = IFA_F.secondary;
/** IPv6's IFA_F_TEMPORARY (a privacy address): the same bit as IFA_F_SECONDARY. */
const IFA_F_TEMPORARY = IFA_F.secondary;
const RT_SCOPE_HOST = RT_SCOPE.host;
const KEYS = entryKeys(["dev", "address", "label", "broadcast", "peer", "flags"]);
/** The flags an address is configured with (the others are its state: tentative, deprecated…). */
const FLAGS: Record<string, number> = {
  nodad: IFA_F.nodad,
  homeaddress: IFA_F.homeaddress,
  managetempaddr: IFA_F.managetempaddr,
  noprefixroute: IFA_F.noprefixroute,
  mcautojoin: IFA_F.mcautojoin,
};

function check(v: unknown, path: string): AddressState {
  const o = entry(v, path, KEYS);
  const address = ipWithPrefix(o.address, `${path}.address`);
  const out: AddressState = compact({
    dev: ifname(o.dev, `${path}.dev`),
    address,
    label: o.label === undefined ? undefined : text(o.label, `${path}.label`),
    broadcast: o.broadcast === undefined ? undefined : ip(o.broadcast, `${path}.broadcast`),
    peer: o.peer === undefined ? undefined : ip(o.peer, `${path}.peer`),
    flags: o.flags === undefined
      ? undefined
      : [...new Set(list(o.flags, `${path}.flags`, (f, p) => oneOf(f, p, Object.keys(FLAGS))))]
        .sort(),
  });
  if (out.flags?.length === 0) delete out.flags;
  if (out.label === out.dev) delete out.label;
  if (out.broadcast !== undefined && familyOf(address) !== 4) {
    throw new TypeError(`${path}.broadcast: only IPv4 addresses have one`);
  }
  return out;
}

function flagNames(flags: number): string[] | undefined {
  const out = Object.keys(FLAGS).filter((k) => flags & FLAGS[k]).sort();
  return out.length ? out : undefined;
}

/** Whether an address is the kernel's own (see the module documentation). */
function kernelMade(dev: string, a: string): boolean {
  if (/^fe[89ab][0-9a-f]:/i.test(a)) return true;
  return dev === "lo" && (a === "127.0.0.1/8" || a === "::1/128");
}

/** Whether an address without IFA_F.permanent is one the kernel configured itself (SLAAC). */
function autoconfigured(g: Record<string, unknown>): boolean {
  const flags = g.flags as number;
  return g.family === 10 &&
    (g.proto === IFAPROT.kernel_ra || (flags & (IFA_F_TEMPORARY | IFA_F.stable_privacy)) !== 0);
}

/** The scope the kernel gives an address by default (host for loopback addresses). */
function defaultScope(address: string): number {
  return /^127\./.test(address) || address.startsWith("::1/") ? RT_SCOPE_HOST : 0;
}

/**
 * An address message as a document entry (undefined: the kernel's own, or one the document
 * cannot hold, then reported to `unmanaged` when given).
 */
export function addressEntry(
  v: Addr,
  dev: string,
  unmanaged?: (address: string, reason: string) => void,
): AddressState | undefined {
  const g = v as unknown as Record<string, unknown>;
  const local = (g.local ?? g.address) as string | undefined;
  if (local === undefined) return undefined;
  const address = `${local}/${g.prefixlen}`;
  if (kernelMade(dev, address)) return undefined;
  if (!((g.flags as number) & IFA_F.permanent)) {
    // Its lifetimes count down: a document holding them would differ from every later snapshot.
    if (!autoconfigured(g)) {
      unmanaged?.(address, "not modelled: lifetimes (valid_lft/preferred_lft)");
    }
    return undefined;
  }
  const odd = [
    ...(g.rt_priority !== undefined && g.rt_priority !== 0 ? ["metric"] : []),
    ...(g.scope !== undefined && g.scope !== defaultScope(address) ? ["scope"] : []),
  ];
  if (odd.length) {
    unmanaged?.(address, `not modelled: ${odd.join(", ")}`);
    return undefined;
  }
  const label = g.label as string | undefined;
  return compact({
    dev,
    address,
    label: label !== undefined && label !== dev ? label : undefined,
    broadcast: g.broadcast as string | undefined,
    peer: g.local !== undefined && g.address !== g.local ? g.address as string : undefined,
    flags: flagNames(g.flags as number),
  });
}

function read(ns: NamespaceContext): AddressState[] {
  const out: AddressState[] = [];
  for (const [index, m] of ns.db.store.addrs) {
    const dev = ns.nameOf(index);
    if (dev === undefined) continue;
    const unmanaged = (address: string, reason: string) =>
      ns.unmanaged.add({ kind: "addresses", dev, object: `address ${address}`, reason });
    for (const v of m.values()) {
      const e = addressEntry(v, dev, unmanaged);
      if (e) out.push(e);
    }
  }
  return out.sort((a, b) => cmp(key(a), key(b)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function key(e: AddressState): string {
  return `${e.dev} ${e.address}`;
}

function spec(e: AddressState, full: boolean): Request {
  const slash = e.address.indexOf("/");
  const s: Record<string, unknown> = {
    address: e.address.slice(0, slash),
    prefixlen: Number(e.address.slice(slash + 1)),
  };
  if (e.peer !== undefined) s.peer = e.peer;
  if (full) {
    if (e.label !== undefined) s.label = e.label;
    if (e.broadcast !== undefined) s.broadcast = e.broadcast;
    if (e.flags !== undefined) s.flags = e.flags;
    // `ip` gives loopback addresses the host scope; the kernel itself does not.
    if (defaultScope(e.address) === RT_SCOPE_HOST) s.scope = RT_SCOPE_HOST;
  }
  return { call: "addr", cmd: full ? "add" : "del", spec: s, refs: { index: e.dev } };
}

const SIMPLE: SimpleKind<AddressState> = {
  name: "addresses",
  label: "address",
  key,
  show: (e) =>
    `${e.address} dev ${e.dev}${e.peer ? ` peer ${e.peer}` : ""}${
      e.label ? ` label ${e.label}` : ""
    }${e.broadcast ? ` brd ${e.broadcast}` : ""}${e.flags ? ` ${e.flags.join(" ")}` : ""}`,
  add: (e) => spec(e, true),
  del: (e) => spec(e, false),
  same: sameJson,
  phases: { create: PHASE.addressCreate, delete: PHASE.addressDelete },
};

/** Whether the kernel holds `e` as a secondary address (IFA_F_SECONDARY). */
function secondary(ns: NamespaceContext, e: AddressState): boolean {
  const index = ns.db.store.names.get(e.dev);
  const m = index === undefined ? undefined : ns.db.store.addrs.get(index);
  if (!m) return false;
  for (const v of m.values()) {
    if (addressEntry(v, e.dev)?.address === e.address) {
      return ((v as unknown as { flags: number }).flags & IFA_F_SECONDARY) !== 0;
    }
  }
  return false;
}

/** Removing a primary address removes its secondaries: they are removed first. */
const SECONDARY: SimpleKind<AddressState> = {
  ...SIMPLE,
  phases: { create: PHASE.addressCreate, delete: PHASE.addressDelete - 1 },
};

/** Addresses: see the module documentation. */
export const ADDRESSES: Kind<AddressState> = {
  name: "addresses",
  check,
  key,
  read,
  steps: (ctx, now, want) =>
    simpleSteps(now && secondary(ctx, now) ? SECONDARY : SIMPLE, ctx, now, want),
};
