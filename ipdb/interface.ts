/**
 * Interfaces: each link of the namespace as an object whose properties read the kernel's latest
 * message (or the pending value), whose writes go into the object's pending transaction, and
 * whose `commit()` applies them in an order the kernel accepts and waits for the kernel's
 * events to confirm them.
 *
 * @module
 */

import { describeValue, formatHex, formatIp, parseMac, parsePrefix } from "../netlink/addr.ts";
import type { NestCodec } from "../netlink/schema.ts";
import { checkIfname } from "../rtnl/core.ts";
import type { Addr, AddrSpec } from "../rtnl/addr.ts";
import type { Link, LooseLinkSpec as LinkSpec } from "../rtnl/link.ts";
import type { LinkSpec as ExactLinkSpec } from "../rtnl/link.ts";
import type { RouteSpec } from "../rtnl/route.ts";
import { BatchError } from "../rtnl/batch.ts";
import { IFF } from "../rtnl/constants.ts";
import { IFLA } from "../rtnl/schemas/link.ts";
import { LINKINFO_DATA, LINKINFO_SLAVE_DATA } from "../rtnl/schemas/linkinfo.ts";
import { commitAll, PHASE, runTransaction } from "./commit.ts";
import { routeSpecOf } from "./route.ts";
import { addrKey } from "./store.ts";
import type { CommitOptions, Committable, DbContext, Step, WaitKeys } from "./commit.ts";

/** What interface objects need of the database, beyond {@link DbContext}. */
export interface IfaceContext extends DbContext {
  /** The object of the interface with this index (created on first access). */
  ifaceByIndex(index: number): Interface | undefined;
  /** The object of the interface with this name. */
  ifaceByName(name: string): Interface | undefined;
  /** A created interface now has an index: it becomes the object for that index. */
  adopt(iface: Interface): void;
}

/** `"a/p"` text of an address given as `"a/p"`, a bare address, or `[address, prefixlen]`. */
export type AddressInput = string | readonly [address: string, prefixlen: number];

/** Normalizes an address input to `"a/p"` with the address as the kernel prints it. */
export function normalizeAddress(input: AddressInput, field = "ipaddr"): string {
  let text: string;
  if (Array.isArray(input)) {
    const [a, p] = input as readonly [unknown, unknown];
    if (typeof a !== "string") {
      throw new TypeError(`${field}: expected [address, prefixlen], got ${describeValue(a)}`);
    }
    if (typeof p !== "number" || !Number.isInteger(p)) {
      throw new TypeError(`${field}: prefix length must be an integer, got ${describeValue(p)}`);
    }
    if (a.includes("/")) throw new TypeError(`${field}: give the prefix once, not in both places`);
    text = `${a}/${p}`;
  } else if (typeof input === "string") text = input;
  else {
    throw new TypeError(
      `${field}: expected "address/prefixlen" or [address, prefixlen], got ${describeValue(input)}`,
    );
  }
  const p = parsePrefix(text, field);
  return `${formatIp(p.bytes, 0, p.bytes.length)}/${p.prefixlen}`;
}

const WRITABLE_INT = new Set([
  "mtu",
  "txqlen",
  "group",
  "linkmode",
  "gso_max_size",
  "gso_max_segs",
  "gro_max_size",
  "num_tx_queues",
  "num_rx_queues",
]);
const WRITABLE = new Set([
  ...WRITABLE_INT,
  "ifname",
  "address",
  "broadcast",
  "ifalias",
  "master",
  "promisc",
  "arp",
]);
const MASTER_KINDS = new Set(["bridge", "bond", "team", "vrf", "openvswitch"]);
const SAFE_ADDR_FLAGS = 0x02 | 0x10 | 0x100 | 0x200 | 0x400; // nodad home mngtmp noprefixroute mcautojoin
const FOREVER = 0xffffffff;

function dataSchemaNames(codecs: Readonly<Record<string, unknown>>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [kind, codec] of Object.entries(codecs)) {
    const c = codec as NestCodec;
    if (c && typeof c === "object" && c.kind === "nest") {
      out.set(kind, new Set(c.schema().byName.keys()));
    }
  }
  return out;
}

let dataNames: Map<string, Set<string>> | undefined;
let slaveNames: Map<string, Set<string>> | undefined;
function kindDataNames(kind: string | undefined): Set<string> | undefined {
  dataNames ??= dataSchemaNames(LINKINFO_DATA);
  return kind === undefined ? undefined : dataNames.get(kind);
}
function slaveDataNames(kind: string | undefined): Set<string> | undefined {
  slaveNames ??= dataSchemaNames(LINKINFO_SLAVE_DATA);
  return kind === undefined ? undefined : slaveNames.get(kind);
}

/** The request spec that deletes an address (matched by address and prefix, not label). */
export function addrDelSpecOf(v: Addr): AddrSpec {
  const local = v.local ?? v.address!;
  const spec: AddrSpec = { index: v.index, address: local, prefixlen: v.prefixlen };
  if (v.address !== undefined && v.local !== undefined && v.address !== v.local) {
    spec.peer = v.address;
  }
  return spec;
}

/** The request spec that re-adds an address as the kernel describes it. */
export function addrSpecOf(v: Addr): AddrSpec {
  const local = v.local ?? v.address!;
  const spec: AddrSpec = { index: v.index, address: local, prefixlen: v.prefixlen };
  if (v.address !== undefined && v.local !== undefined && v.address !== v.local) {
    spec.peer = v.address;
  }
  if (v.broadcast !== undefined) spec.broadcast = v.broadcast;
  if (v.label !== undefined) spec.label = v.label;
  if (v.scope) spec.scope = v.scope;
  const flags = (v.flags ?? 0) & SAFE_ADDR_FLAGS;
  if (flags) spec.flags = flags;
  const ci = v.cacheinfo as { ifa_valid?: number; ifa_preferred?: number } | undefined;
  if (ci && ci.ifa_valid !== undefined && ci.ifa_valid !== FOREVER) {
    spec.valid = ci.ifa_valid;
    spec.preferred = Math.min(ci.ifa_preferred ?? ci.ifa_valid, ci.ifa_valid);
  }
  if (v.rt_priority) spec.metric = v.rt_priority;
  return spec;
}

interface Pending {
  attrs: Map<string, unknown>;
  state?: "up" | "down";
  addrAdd: Set<string>;
  addrDel: Set<string>;
  portAdd: Set<Interface>;
  portDel: Set<Interface>;
  remove: boolean;
  create?: LinkSpec;
}

function emptyPending(): Pending {
  return {
    attrs: new Map(),
    addrAdd: new Set(),
    addrDel: new Set(),
    portAdd: new Set(),
    portDel: new Set(),
    remove: false,
  };
}

interface Snapshot {
  view?: Link;
  addrs: Map<string, Addr>;
  ports: Map<Interface, number>;
  /** Routes through the interface, asked of the kernel when the commit may change them. */
  routes?: RouteSpec[];
}

/**
 * The addresses of an interface as a set of `"a/p"` strings: the kernel's, plus pending
 * additions, minus pending removals.
 */
export class IPAddrSet implements Iterable<string> {
  readonly #iface: Interface;
  readonly #p: () => Pending;
  readonly #current: () => Iterable<string>;
  readonly #touch: () => void;

  /** @internal */
  constructor(
    iface: Interface,
    pending: () => Pending,
    current: () => Iterable<string>,
    touch: () => void,
  ) {
    this.#iface = iface;
    this.#p = pending;
    this.#current = current;
    this.#touch = touch;
  }

  #hasCurrent(key: string): boolean {
    for (const k of this.#current()) if (k === key) return true;
    return false;
  }

  /** Adds an address: `"10.0.0.1/24"`, `["10.0.0.1", 24]` (a bare address is a host prefix). */
  add(address: AddressInput): this {
    const key = normalizeAddress(address);
    const p = this.#p();
    if (p.addrDel.delete(key)) {
      this.#touch();
      return this;
    }
    if (!this.#hasCurrent(key)) p.addrAdd.add(key);
    this.#touch();
    return this;
  }

  /** Removes an address; false when it is not in the set. */
  remove(address: AddressInput): boolean {
    const key = normalizeAddress(address);
    const p = this.#p();
    if (p.addrAdd.delete(key)) {
      this.#touch();
      return true;
    }
    if (!this.#hasCurrent(key) || p.addrDel.has(key)) return false;
    p.addrDel.add(key);
    this.#touch();
    return true;
  }

  /** Same as {@link remove}. */
  delete(address: AddressInput): boolean {
    return this.remove(address);
  }

  /** Whether the set has the address. */
  has(address: AddressInput): boolean {
    const key = normalizeAddress(address);
    const p = this.#p();
    if (p.addrAdd.has(key)) return true;
    return !p.addrDel.has(key) && this.#hasCurrent(key);
  }

  /** Number of addresses. */
  get size(): number {
    let n = 0;
    for (const _ of this) n++;
    return n;
  }

  /** The addresses, kernel's first (in its order), then pending additions. */
  *[Symbol.iterator](): Iterator<string> {
    const p = this.#p();
    for (const k of this.#current()) if (!p.addrDel.has(k)) yield k;
    yield* p.addrAdd;
  }

  /** The IPv4 addresses. */
  get ipv4(): string[] {
    return [...this].filter((a) => !a.includes(":"));
  }

  /** The IPv6 addresses. */
  get ipv6(): string[] {
    return [...this].filter((a) => a.includes(":"));
  }

  /** The addresses as an array. */
  toJSON(): string[] {
    return [...this];
  }

  /** The interface this set belongs to. */
  get interface(): Interface {
    return this.#iface;
  }
}

/** The ports of a bridge or bond, by name: the kernel's, plus pending additions, minus removals. */
export class PortSet implements Iterable<string> {
  readonly #iface: Interface;
  readonly #p: () => Pending;
  readonly #current: () => Interface[];
  readonly #resolve: (port: Interface | string | number) => Interface;
  readonly #touch: () => void;

  /** @internal */
  constructor(
    iface: Interface,
    pending: () => Pending,
    current: () => Interface[],
    resolve: (port: Interface | string | number) => Interface,
    touch: () => void,
  ) {
    this.#iface = iface;
    this.#p = pending;
    this.#current = current;
    this.#resolve = resolve;
    this.#touch = touch;
  }

  #check(): void {
    const kind = this.#iface.kind;
    if (kind === undefined || !MASTER_KINDS.has(kind)) {
      throw new TypeError(
        `ports: ${this.#iface.ifname} is ${
          kind ? `a ${kind}` : "not a bridge or bond"
        }; only bridges and bonds have ports`,
      );
    }
  }

  /** Adds a port (an interface object, name or index). */
  add(port: Interface | string | number): this {
    this.#check();
    const i = this.#resolve(port);
    if (i === this.#iface) throw new TypeError("ports: an interface cannot be its own port");
    const p = this.#p();
    if (!p.portDel.delete(i) && !this.#current().includes(i)) p.portAdd.add(i);
    this.#touch();
    return this;
  }

  /** Removes a port; false when it is not one. */
  remove(port: Interface | string | number): boolean {
    this.#check();
    const i = this.#resolve(port);
    const p = this.#p();
    if (p.portAdd.delete(i)) {
      this.#touch();
      return true;
    }
    if (!this.#current().includes(i) || p.portDel.has(i)) return false;
    p.portDel.add(i);
    this.#touch();
    return true;
  }

  /** Same as {@link remove}. */
  delete(port: Interface | string | number): boolean {
    return this.remove(port);
  }

  /** Whether the interface is (or will be, pending) a port. */
  has(port: Interface | string | number): boolean {
    let i: Interface;
    try {
      i = this.#resolve(port);
    } catch {
      return false;
    }
    return [...this.interfaces()].includes(i);
  }

  /** The ports as interface objects. */
  *interfaces(): IterableIterator<Interface> {
    const p = this.#p();
    for (const i of this.#current()) if (!p.portDel.has(i)) yield i;
    yield* p.portAdd;
  }

  /** Number of ports. */
  get size(): number {
    return [...this.interfaces()].length;
  }

  /** The port names. */
  *[Symbol.iterator](): Iterator<string> {
    for (const i of this.interfaces()) yield i.ifname;
  }

  /** The port names as an array. */
  toJSON(): string[] {
    return [...this];
  }
}

/**
 * One network interface. Properties read the kernel's latest message, or the pending value once
 * written; writes (`mtu = 1400`, `up()`, `ipaddr.add(…)`) go into the pending transaction until
 * {@link commit} or {@link rollback}. Every link attribute is a property (`num_tx_queues`,
 * `carrier`, …), and so is the kind's data (`vxlan_id`, `br_stp_state`, …).
 */
export class Interface implements Committable {
  /** Any other link attribute or kind data, by its short name. */
  [key: string]: unknown;
  /** @internal */
  readonly serial: number;
  /** @internal */
  lock: Promise<void> = Promise.resolve();
  readonly #ctx: IfaceContext;
  #index: number;
  #pending: Pending = emptyPending();
  #committing?: Pending;
  #snapshot?: Snapshot;
  #needRoutes = false;
  #dirty = false;
  /** The addresses (a set of `"a/p"`). */
  readonly ipaddr: IPAddrSet;
  /** The ports of a bridge or bond (names). */
  readonly ports: PortSet;

  /** @internal */
  constructor(ctx: IfaceContext, index: number, create?: LinkSpec) {
    this.#ctx = ctx;
    this.#index = index;
    this.serial = ctx.serial();
    if (create) this.#pending.create = create;
    const touch = () => this.#touch();
    this.ipaddr = new IPAddrSet(this, () => this.#pending, () => this.#currentAddrs(), touch);
    this.ports = new PortSet(
      this,
      () => this.#pending,
      () => this.#currentPorts(),
      (p) => this.#resolvePort(p),
      touch,
    );
    Object.preventExtensions(this);
  }

  #touch(): void {
    this.#dirty = true;
    this.#ctx.touched(this);
  }

  #view(): Link | undefined {
    return this.#index > 0 ? this.#ctx.store.links.get(this.#index) : undefined;
  }

  *#currentAddrs(): IterableIterator<string> {
    const m = this.#index > 0 ? this.#ctx.store.addrs.get(this.#index) : undefined;
    if (m) yield* m.keys();
  }

  #currentPorts(): Interface[] {
    if (this.#index <= 0) return [];
    const out: Interface[] = [];
    for (const [index, v] of this.#ctx.store.links) {
      if (v.master === this.#index) {
        const i = this.#ctx.ifaceByIndex(index);
        if (i) out.push(i);
      }
    }
    return out;
  }

  #resolvePort(p: Interface | string | number): Interface {
    if (p instanceof Interface) return p;
    const i = typeof p === "number"
      ? this.#ctx.ifaceByIndex(p)
      : typeof p === "string"
      ? this.#ctx.ifaceByName(p)
      : undefined;
    if (!i) throw new TypeError(`ports: no interface ${describeValue(p)}`);
    return i;
  }

  /** The interface index (0 for an interface not created yet). */
  get index(): number {
    return this.#index;
  }

  /** Whether the kernel has this interface (false before creation and after removal). */
  get exists(): boolean {
    return this.#view() !== undefined;
  }

  /**
   * A link attribute by short name, pending value first: IFLA attributes (`mtu`), the kind's
   * data (`vxlan_id`), port data (`state` of a bridge port is `brport_state`), and `state`
   * ("up"/"down"), `kind`, `alias`, `peer`.
   */
  get(key: string): unknown {
    const p = this.#pending;
    if (key === "state") {
      if (p.state) return p.state;
      if (p.create) return "down";
      const v = this.#view();
      return v ? ((v.flags & IFF.UP) ? "up" : "down") : undefined;
    }
    if (key === "alias") key = "ifalias";
    if (p.attrs.has(key)) return p.attrs.get(key);
    if (p.create) return key === "index" ? 0 : (p.create as Record<string, unknown>)[key];
    const v = this.#view();
    if (!v) return key === "index" ? this.#index : undefined;
    switch (key) {
      case "index":
        return this.#index;
      case "kind":
        return v.get(["linkinfo", "info_kind"]);
      case "operstate": {
        return v.operstate; // the name, as on IPRoute's link views
      }
      case "peer": {
        if (v.get(["linkinfo", "info_kind"]) !== "veth") return undefined;
        if (v.link_netnsid !== undefined) return v.link;
        const peer = v.link ? this.#ctx.store.links.get(v.link) : undefined;
        return peer?.ifname ?? v.link;
      }
      case "flags":
        return v.flags;
      case "master":
        return v.master ?? 0;
    }
    if (IFLA.byName.has(key)) return v.get(key);
    const kind = v.get(["linkinfo", "info_kind"]) as string | undefined;
    if (kindDataNames(kind)?.has(key)) return v.get(["linkinfo", "info_data", key]);
    const sk = v.get(["linkinfo", "info_slave_kind"]) as string | undefined;
    if (slaveDataNames(sk)?.has(key)) return v.get(["linkinfo", "info_slave_data", key]);
    return undefined;
  }

  /**
   * Sets a link attribute in the pending transaction (validated now, applied on commit):
   * ifname, address, broadcast, mtu, txqlen, ifalias/alias, master, group, promisc, arp,
   * `state` ("up"/"down"), or a key of the kind's data.
   */
  set(key: string, value: unknown): this {
    if (key === "alias") key = "ifalias";
    const p = this.#pending;
    if (key === "state") {
      if (value !== "up" && value !== "down") {
        throw new TypeError(`state: expected "up" or "down", got ${describeValue(value)}`);
      }
      p.state = value;
      this.#touch();
      return this;
    }
    let v: unknown = value;
    if (key === "ifname") v = checkIfname(value, "ifname");
    else if (key === "address" || key === "broadcast") {
      const b = parseMac(value, key);
      v = formatHex(b, 0, b.length);
    } else if (WRITABLE_INT.has(key)) {
      if (typeof value !== "number" || !Number.isInteger(value)) {
        throw new TypeError(`${key}: expected an integer, got ${describeValue(value)}`);
      }
      if (value < 0 || value > 0xffffffff) {
        throw new RangeError(`${key}: ${value} is out of range 0..4294967295`);
      }
    } else if (key === "ifalias") {
      if (typeof value !== "string") {
        throw new TypeError(`ifalias: expected a string, got ${describeValue(value)}`);
      }
    } else if (key === "master") {
      if (value === null || value === 0) v = 0;
      else if (value instanceof Interface) v = value;
      else if (typeof value === "string" || typeof value === "number") {
        const m = typeof value === "string"
          ? this.#ctx.ifaceByName(value)
          : this.#ctx.ifaceByIndex(value);
        if (!m) throw new TypeError(`master: no interface ${describeValue(value)}`);
        v = m;
      } else throw new TypeError(`master: expected an interface, name or index, got ${value}`);
    } else if (key === "promisc" || key === "arp") {
      if (typeof value !== "boolean") throw new TypeError(`${key}: expected a boolean`);
    } else if (!WRITABLE.has(key)) {
      const kind = this.kind;
      if (!kindDataNames(kind)?.has(key)) {
        if (IFLA.byName.has(key) || key in this) {
          throw new TypeError(`${key}: read-only link attribute`);
        }
        throw new TypeError(
          `${key}: unknown link attribute${kind ? ` (nor ${kind} data)` : ""}`,
        );
      }
    }
    p.attrs.set(key, v);
    this.#touch();
    return this;
  }

  /** Interface name. */
  get ifname(): string {
    return this.get("ifname") as string;
  }
  set ifname(v: string) {
    this.set("ifname", v);
  }

  /** MAC address. */
  get address(): string | undefined {
    return this.get("address") as string | undefined;
  }
  set address(v: string | undefined) {
    this.set("address", v);
  }

  /** Broadcast link-layer address. */
  get broadcast(): string | undefined {
    return this.get("broadcast") as string | undefined;
  }
  set broadcast(v: string | undefined) {
    this.set("broadcast", v);
  }

  /** MTU. */
  get mtu(): number | undefined {
    return this.get("mtu") as number | undefined;
  }
  set mtu(v: number | undefined) {
    this.set("mtu", v);
  }

  /** Transmit queue length. */
  get txqlen(): number | undefined {
    return this.get("txqlen") as number | undefined;
  }
  set txqlen(v: number | undefined) {
    this.set("txqlen", v);
  }

  /** Alias (IFLA_IFALIAS). */
  get ifalias(): string | undefined {
    return this.get("ifalias") as string | undefined;
  }
  set ifalias(v: string | undefined) {
    this.set("ifalias", v);
  }

  /** Same as {@link ifalias}. */
  get alias(): string | undefined {
    return this.get("ifalias") as string | undefined;
  }
  set alias(v: string | undefined) {
    this.set("ifalias", v);
  }

  /** Index of the master (bridge, bond), 0 when none; set it to an interface, name or index. */
  get master(): number {
    const v = this.get("master");
    return v instanceof Interface ? v.index : (v as number | undefined) ?? 0;
  }
  set master(v: Interface | string | number | null) {
    this.set("master", v);
  }

  /** Interface group. */
  get group(): number | undefined {
    return this.get("group") as number | undefined;
  }
  set group(v: number | undefined) {
    this.set("group", v);
  }

  /** IFF_* flags as the kernel last reported them. */
  get flags(): number {
    return (this.#view()?.flags ?? 0) as number;
  }

  /** "up" or "down" (pending first). */
  get state(): "up" | "down" {
    return this.get("state") as "up" | "down";
  }
  set state(v: "up" | "down") {
    this.set("state", v);
  }

  /** Operational state: "UP", "DOWN", "LOWERLAYERDOWN", "UNKNOWN", … */
  get operstate(): string | number | undefined {
    return this.get("operstate") as string | number | undefined;
  }

  /** Link kind ("veth", "bridge", …), undefined for physical devices and loopback. */
  get kind(): string | undefined {
    return this.get("kind") as string | undefined;
  }

  /** IFLA_LINK: the parent or peer index. */
  get link(): number | undefined {
    return this.get("link") as number | undefined;
  }

  /** A veth's peer: its name when it is in this namespace, else its index. */
  get peer(): string | number | undefined {
    return this.get("peer") as string | number | undefined;
  }

  /** Carrier (1 when the link is physically up). */
  get carrier(): number | undefined {
    return this.get("carrier") as number | undefined;
  }

  /** The kernel's latest message for this interface (a lazy view). */
  get message(): Link | undefined {
    return this.#view();
  }

  /** Sets the state to up in the pending transaction. */
  up(): this {
    return this.set("state", "up");
  }

  /** Sets the state to down in the pending transaction. */
  down(): this {
    return this.set("state", "down");
  }

  /** Adds a port to this bridge or bond (pending). */
  addPort(port: Interface | string | number): this {
    this.ports.add(port);
    return this;
  }

  /** Removes a port from this bridge or bond (pending). */
  delPort(port: Interface | string | number): this {
    this.ports.remove(port);
    return this;
  }

  /** Marks the interface for removal on commit (an uncreated one is simply dropped). */
  remove(): this {
    if (this.#pending.create) {
      this.rollback();
      return this;
    }
    this.#pending.remove = true;
    this.#touch();
    return this;
  }

  /** Whether there are pending changes. */
  hasChanges(): boolean {
    const p = this.#pending;
    return !!p.create || p.remove || p.state !== undefined || p.attrs.size > 0 ||
      p.addrAdd.size > 0 || p.addrDel.size > 0 || p.portAdd.size > 0 || p.portDel.size > 0;
  }

  #attrDiff(p: Pending): Record<string, string> {
    const out: Record<string, string> = {};
    const v = this.#view();
    for (const [k, val] of p.attrs) {
      const now = p.create ? undefined : this.#currentValue(k, v);
      const next = val instanceof Interface ? val.ifname : val;
      const nowText = k === "master" && typeof now === "number"
        ? (this.#ctx.store.links.get(now)?.ifname ?? now)
        : now;
      if (!p.create && this.#same(k, now, val)) continue;
      out[k] = p.create ? `${next}` : `${nowText ?? "none"} -> ${next}`;
    }
    if (p.state) {
      const now = p.create ? "down" : (v && (v.flags & IFF.UP) ? "up" : "down");
      if (now !== p.state) out.state = `${now} -> ${p.state}`;
    }
    return out;
  }

  #currentValue(key: string, v: Link | undefined): unknown {
    if (!v) return undefined;
    if (key === "master") return v.master ?? 0;
    if (IFLA.byName.has(key)) return v.get(key);
    if (key === "promisc") return (v.flags & IFF.PROMISC) !== 0;
    if (key === "arp") return (v.flags & IFF.NOARP) === 0;
    return v.get(["linkinfo", "info_data", key]);
  }

  #same(key: string, now: unknown, target: unknown): boolean {
    if (target instanceof Interface) return target.index > 0 && now === target.index;
    if (key === "ifalias") return (now ?? "") === target;
    return now === target;
  }

  /**
   * The pending changes in the seed's format: `{ attrs: { mtu: "1500 -> 1400" },
   * ipaddr: ["+10.0.0.1/24", "-10.0.0.9/24"], ports: ["+v1"] }` (`create`/`remove` when
   * the interface is to be created or removed).
   */
  review(): Record<string, unknown> {
    const p = this.#pending;
    const out: Record<string, unknown> = {};
    if (p.create) {
      const { ...spec } = p.create;
      out.create = spec;
    }
    if (p.remove) out.remove = true;
    out.attrs = this.#attrDiff(p);
    const ipaddr = [...[...p.addrAdd].map((a) => `+${a}`), ...[...p.addrDel].map((a) => `-${a}`)];
    if (ipaddr.length) out.ipaddr = ipaddr;
    const ports = [
      ...[...p.portAdd].map((i) => `+${i.ifname}`),
      ...[...p.portDel].map((i) => `-${i.ifname}`),
    ];
    if (ports.length) out.ports = ports;
    return out;
  }

  /** Drops the pending changes without touching the kernel. */
  rollback(): void {
    this.#pending = emptyPending();
    this.#dirty = false;
    this.#ctx.cleaned(this);
  }

  /**
   * Applies the pending changes (down, rename, MTU and other attributes, MAC, up, addresses,
   * ports, in that order) and resolves once the kernel's events show them. On failure, undoes what was
   * applied and throws {@link CommitError} (or {@link CommitTimeoutError}).
   */
  async commit(options?: CommitOptions): Promise<this> {
    await commitAll(this.#ctx, [this], options);
    return this;
  }

  /** Runs `fn` with this interface, then commits; rolls back and rethrows on any failure. */
  transaction(fn: (iface: this) => unknown, options?: CommitOptions): Promise<void> {
    return runTransaction(this, fn, options);
  }

  /** The main attributes, addresses and ports as a plain object. */
  toJSON(): Record<string, unknown> {
    const v = this.#view();
    const out: Record<string, unknown> = {
      index: this.index,
      ifname: this.ifname,
      kind: this.kind,
      state: this.state,
      operstate: this.operstate,
      mtu: this.mtu,
      address: this.address,
      master: this.master || undefined,
      txqlen: this.txqlen,
      ifalias: this.ifalias,
      flags: v?.flags,
      ipaddr: this.ipaddr.toJSON(),
    };
    if (this.kind && MASTER_KINDS.has(this.kind)) out.ports = this.ports.toJSON();
    for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
    return out;
  }

  /** A short label. */
  get label(): string {
    return this.ifname ?? `#${this.#index}`;
  }

  // ---- commit machinery (Committable) ----

  /** @internal */
  plan(): Step[] {
    const p = this.#pending;
    this.#pending = emptyPending();
    this.#committing = p;
    const view = this.#view();
    const snap: Snapshot = {
      view,
      addrs: new Map(this.#index > 0 ? this.#ctx.store.addrs.get(this.#index) ?? [] : []),
      ports: new Map(),
    };
    for (const port of [...p.portAdd, ...p.portDel]) {
      snap.ports.set(port, port.message?.master ?? 0);
    }
    this.#snapshot = snap;
    const ctx = this.#ctx;
    const steps: Step[] = [];
    const name = () => this.ifname ?? String(this.#index);
    const set = (spec: LinkSpec) =>
      ctx.ip.link("set", { ...spec, index: this.#index } as ExactLinkSpec);
    if (!p.create && !view) throw new Error(`interface #${this.#index} does not exist`);

    if (p.remove) {
      steps.push({
        phase: PHASE.remove,
        describe: `${name()}: link del`,
        run: async () => void await ctx.ip.link("del", { index: this.#index }),
      });
      return steps;
    }

    let up = view ? (view.flags & IFF.UP) !== 0 : false;
    // Taking a link down, removing an address or an MTU below 1280 (no IPv6) makes the kernel
    // drop routes through the link (IPv4 ones without a word) and add others when undone:
    // those commits keep the kernel's routes through the link, to restore them on failure.
    const mtu = p.attrs.get("mtu") as number | undefined;
    this.#needRoutes = !p.create && this.#index > 0 &&
      ((p.state === "down" && up) || p.addrDel.size > 0 ||
        (mtu !== undefined && mtu < 1280 && (view?.mtu ?? 0) >= 1280));
    if (p.create) {
      const create = p.create;
      // Built when it runs: a master created in the same transaction has its index by then.
      const specOf = (): LinkSpec => {
        const spec: LinkSpec = { ...create };
        for (const [k, val] of p.attrs) {
          if (k !== "master") spec[k] = val instanceof Interface ? val.index : val;
        }
        return spec;
      };
      const ifname = (p.attrs.get("ifname") ?? create.ifname) as string;
      steps.push({
        phase: PHASE.create,
        describe: `${ifname}: link add ${create.kind}`,
        run: async (deadline) => {
          // tun/tap creation answers with the link (its name may be a pattern like "tap%d").
          const [made] = await ctx.ip.link("add", specOf() as ExactLinkSpec);
          const name = made?.ifname ?? ifname;
          ctx.sync();
          const ok = await ctx.waitFor(
            { anyLink: true },
            () => ctx.store.names.has(name),
            deadline,
          );
          if (!ok) throw new Error(`${name}: no RTM_NEWLINK event after the kernel's ack`);
          this.#index = ctx.store.names.get(name)!;
          ctx.adopt(this);
        },
        undo: async (deadline) => {
          const index = this.#index;
          await ctx.ip.link("del", { index });
          await ctx.waitFor({ indexes: [index] }, () => !ctx.store.links.has(index), deadline);
          this.#index = 0;
        },
      });
      // The master may be created in the same transaction, in any order: set it afterwards.
      const master = p.attrs.get("master");
      if (master !== undefined) {
        const m = () => (master instanceof Interface ? master.index : master as number);
        steps.push({
          phase: PHASE.attrs,
          describe: `${ifname}: link set master ${
            master instanceof Interface ? master.label : master
          }`,
          run: async () => void await set({ master: m() }),
          undo: async () => void await set({ master: 0 }),
        });
      }
      up = false;
    } else {
      if (p.state === "down" && up) {
        steps.push({
          phase: PHASE.down,
          describe: `${name()}: link set down`,
          run: async () => void await set({ state: "down" }),
          undo: async () => void await set({ state: "up" }),
        });
      }
      for (const [k, val] of p.attrs) {
        const old = this.#currentValue(k, view);
        if (this.#same(k, old, val)) continue;
        const phase = k === "ifname" ? PHASE.rename : k === "address" ? PHASE.mac : PHASE.attrs;
        const kind = view!.get(["linkinfo", "info_kind"]) as string | undefined;
        const isData = !WRITABLE.has(k);
        const spec = (x: unknown): LinkSpec => {
          const s: LinkSpec = {};
          if (k === "promisc" || k === "arp") s[k] = x as boolean;
          else s[k] = x instanceof Interface ? x.index : x;
          if (isData) s.kind = kind;
          return s;
        };
        const shown = val instanceof Interface ? val.ifname : val;
        const undoValue = k === "ifalias" ? (old ?? "") : k === "master" ? (old ?? 0) : old;
        steps.push({
          phase,
          describe: `${name()}: link set ${k} ${shown}`,
          run: async () => void await set(spec(val)),
          undo: undoValue === undefined ? undefined : async () => void await set(spec(undoValue)),
        });
      }
    }
    if (p.state === "up" && !up) {
      steps.push({
        phase: PHASE.up,
        describe: `${name()}: link set up`,
        run: async () => void await set({ state: "up" }),
        undo: async () => void await set({ state: "down" }),
      });
    }
    for (const key of p.addrDel) {
      const a = snap.addrs.get(key);
      if (!a) continue;
      const spec = addrSpecOf(a);
      const del = addrDelSpecOf(a);
      steps.push({
        phase: PHASE.addrRemove,
        describe: `${name()}: addr del ${key}`,
        run: async () => await ctx.ip.addr("del", { ...del, index: this.#index }),
        undo: async () => await ctx.ip.addr("add", { ...spec, index: this.#index }),
      });
    }
    for (const key of p.addrAdd) {
      const slash = key.lastIndexOf("/");
      const spec = { address: key.slice(0, slash), prefixlen: Number(key.slice(slash + 1)) };
      steps.push({
        phase: PHASE.addrAdd,
        describe: `${name()}: addr add ${key}`,
        run: async () => await ctx.ip.addr("add", { ...spec, index: this.#index }),
        undo: async () => await ctx.ip.addr("del", { ...spec, index: this.#index }),
      });
    }
    for (const port of p.portDel) {
      steps.push({
        phase: PHASE.portRemove,
        describe: `${name()}: port del ${port.ifname}`,
        run: async () => void await ctx.ip.link("set", { index: port.index, master: 0 }),
        undo: async () => void await ctx.ip.link("set", { index: port.index, master: this.#index }),
      });
    }
    for (const port of p.portAdd) {
      const old = snap.ports.get(port) ?? 0;
      steps.push({
        phase: PHASE.portAdd,
        describe: `${name()}: port add ${port.ifname}`,
        run: async () => void await ctx.ip.link("set", { index: port.index, master: this.#index }),
        undo: async () => void await ctx.ip.link("set", { index: port.index, master: old }),
      });
    }
    return steps;
  }

  async #routesVia(): Promise<RouteSpec[]> {
    const index = this.#index;
    const v4 = await this.#ctx.ip.getRoutes({ family: 2, oif: index });
    const v6 = await this.#ctx.ip.getRoutes({ family: 10, oif: index });
    return [...v4, ...v6].map((v) => routeSpecOf(v));
  }

  /** @internal */
  async prepare(): Promise<void> {
    if (this.#needRoutes && this.#snapshot) this.#snapshot.routes = await this.#routesVia();
  }

  /** @internal */
  waitKeys(): WaitKeys {
    const p = this.#committing;
    const indexes = [this.#index];
    if (p) { for (const port of [...p.portAdd, ...p.portDel]) indexes.push(port.index); }
    return { indexes };
  }

  /** @internal */
  unconfirmed(): string[] {
    const p = this.#committing;
    if (!p) return [];
    const store = this.#ctx.store;
    const out: string[] = [];
    const v = this.#view();
    if (p.remove) return v ? ["removal"] : [];
    if (!v) return ["existence"];
    for (const [k, val] of p.attrs) {
      if (p.create && k !== "master") continue; // given at creation: the kernel may adjust
      const now = this.#currentValue(k, v);
      if (typeof now === "object" && now !== null) continue; // not comparable
      if (!this.#same(k, now, val)) out.push(k);
    }
    if (p.state && ((v.flags & IFF.UP) !== 0) !== (p.state === "up")) out.push("state");
    const addrs = store.addrs.get(this.#index);
    for (const a of p.addrAdd) if (!addrs?.has(a)) out.push(`+${a}`);
    for (const a of p.addrDel) if (addrs?.has(a)) out.push(`-${a}`);
    for (const port of p.portAdd) {
      if (port.message?.master !== this.#index) out.push(`+port ${port.ifname}`);
    }
    for (const port of p.portDel) {
      if (port.message?.master === this.#index) out.push(`-port ${port.ifname}`);
    }
    return out;
  }

  /** @internal */
  restored(): boolean {
    const snap = this.#snapshot;
    const p = this.#committing;
    if (!snap || !p) return true;
    const v = this.#view();
    if (p.create) return v === undefined;
    const old = snap.view;
    if (!old || !v) return false;
    for (const k of p.attrs.keys()) {
      const a = this.#currentValue(k, v), b = this.#currentValue(k, old);
      if (typeof a !== "object" && a !== b) return false;
    }
    if ((v.flags & IFF.UP) !== (old.flags & IFF.UP)) return false;
    const addrs = this.#ctx.store.addrs.get(this.#index);
    for (const a of p.addrAdd) if (addrs?.has(a) && !snap.addrs.has(a)) return false;
    for (const [port, master] of snap.ports) {
      if ((port.message?.master ?? 0) !== master) return false;
    }
    return true;
  }

  /** @internal */
  async repair(): Promise<void> {
    // The kernel changes addresses by itself: it drops IPv6 ones when a link goes down, and a
    // rename relabels secondary IPv4 ones ("tap0" becomes "vpn:2" and then "tap0:2"). Put back
    // every address of the snapshot that is missing or relabelled.
    const snap = this.#snapshot;
    if (!snap || this.#committing?.create || this.#index <= 0) return;
    this.#ctx.sync();
    // A bridge takes its first port's MAC and MTU, and a zero MAC when the last one leaves.
    const v = this.#view();
    if (v && snap.view) {
      for (const k of ["address", "mtu", "txqlen", "group"] as const) {
        const want = snap.view.get(k);
        if (want !== undefined && v.get(k) !== want) {
          await this.#ctx.ip.link("set", { index: this.#index, [k]: want } as ExactLinkSpec);
        }
      }
    }
    // Dropping IPv6 from a link (an MTU below 1280) resets its IPv6 settings: put back the
    // address generation mode, and take away the link-local address made meanwhile (its
    // event comes later, from the kernel's DAD work: ask the kernel itself).
    const ip = this.#ctx.ip;
    const mode = snap.view?.get(["af_spec", "inet6", "addr_gen_mode"]);
    if (mode !== undefined) {
      const [cur] = await ip.link("get", { index: this.#index });
      if (cur?.get(["af_spec", "inet6", "addr_gen_mode"]) !== mode) {
        await ip.link("set", { index: this.#index, af_spec: { inet6: { addr_gen_mode: mode } } });
      }
      for (const a of await ip.getAddr({ index: this.#index, family: 10 })) {
        if (a.scope === 253 && !snap.addrs.has(addrKey(a))) {
          await ip.addr("del", addrDelSpecOf(a)).catch((e) => {
            if ((e as { code?: string }).code !== "EADDRNOTAVAIL") throw e;
          });
        }
      }
      this.#ctx.sync();
    }
    const now = this.#ctx.store.addrs.get(this.#index);
    for (const [key, a] of snap.addrs) {
      const cur = now?.get(key);
      if (cur && cur.label === a.label) continue;
      const spec = { ...addrSpecOf(a), index: this.#index };
      if (cur) await this.#ctx.ip.addr("del", { ...addrDelSpecOf(cur), index: this.#index });
      try {
        await this.#ctx.ip.addr("add", spec);
      } catch (e) {
        if ((e as { code?: string }).code !== "EEXIST") throw e;
      }
    }
    if (snap.routes) {
      // Make the routes through the link what they were: put back the missing ones, take
      // away those the kernel added (a link-local prefix when IPv6 comes back, say).
      const key = (r: RouteSpec) =>
        `${r.table} ${r.dst} ${r.priority ?? 0} ${r.tos ?? 0} ${r.type} ${r.src ?? ""}`;
      const want = new Map(snap.routes.map((r) => [key(r), r]));
      const have = new Map((await this.#routesVia()).map((r) => [key(r), r]));
      const extra = [...have].filter(([k]) => !want.has(k)).map(([, r]) => r);
      // Routes the kernel makes itself (proto kernel, ra) come back by themselves, some of
      // them later (an IPv6 address's local route, after DAD): never added here.
      const missing = [...want].filter(([k, r]) => !have.has(k) && r.proto !== 2 && r.proto !== 9)
        .map(([, r]) => r);
      for (const [cmd, list] of [["del", extra], ["add", missing]] as const) {
        if (!list.length) continue;
        try {
          await this.#ctx.ip.batch((b) => {
            for (const r of list) b.route(cmd, r);
          });
        } catch (e) {
          if (!(e instanceof BatchError)) throw e;
          const real = e.failures.filter((f) => {
            const code = (f.error as { code?: string }).code;
            return code !== (cmd === "add" ? "EEXIST" : "ESRCH");
          });
          if (real.length) {
            throw new Error(
              `${real.length} route(s) through ${this.label} could not be restored; first: ${
                real[0].error.message
              }`,
            );
          }
        }
      }
    }
    this.#ctx.sync();
  }

  /** @internal */
  finish(ok: boolean): void {
    const done = this.#committing;
    this.#committing = undefined;
    this.#snapshot = undefined;
    if (!ok && done) {
      // Put the changes back under anything written since.
      const cur = this.#pending;
      for (const [k, v] of done.attrs) if (!cur.attrs.has(k)) cur.attrs.set(k, v);
      cur.state ??= done.state;
      for (const a of done.addrAdd) if (!cur.addrDel.has(a)) cur.addrAdd.add(a);
      for (const a of done.addrDel) if (!cur.addrAdd.has(a)) cur.addrDel.add(a);
      for (const i of done.portAdd) if (!cur.portDel.has(i)) cur.portAdd.add(i);
      for (const i of done.portDel) if (!cur.portAdd.has(i)) cur.portDel.add(i);
      cur.remove ||= done.remove;
      cur.create ??= done.create;
    }
    if (!this.hasChanges()) {
      this.#dirty = false;
      this.#ctx.cleaned(this);
    }
  }

  /**
   * @internal The kernel removed the interface. Pending changes stay (a commit then fails:
   * the interface does not exist), so nothing is lost silently.
   */
  detach(): void {}

  /** Whether it has uncommitted changes. */
  get dirty(): boolean {
    return this.#dirty && this.hasChanges();
  }
}

// Every other link attribute and kind data key as a property of interfaces.
{
  const proto = Interface.prototype as unknown as Record<string, unknown>;
  const names = new Set<string>(IFLA.byName.keys());
  for (const c of Object.values(LINKINFO_DATA)) {
    const n = c as NestCodec;
    if (typeof n === "object" && n.kind === "nest") {
      for (const k of n.schema().byName.keys()) names.add(k);
    }
  }
  for (const c of Object.values(LINKINFO_SLAVE_DATA)) {
    const n = c as NestCodec;
    if (typeof n === "object" && n.kind === "nest") {
      for (const k of n.schema().byName.keys()) names.add(k);
    }
  }
  for (const name of names) {
    if (name in proto) continue;
    Object.defineProperty(proto, name, {
      get(this: Interface) {
        return this.get(name);
      },
      set(this: Interface, v: unknown) {
        this.set(name, v);
      },
      configurable: true,
    });
  }
}

/** The interfaces of the database: by name, by index, iterable. */
export class Interfaces implements Iterable<Interface> {
  readonly #ctx: IfaceContext;

  /** @internal */
  constructor(ctx: IfaceContext) {
    this.#ctx = ctx;
  }

  /** The interface with this name or index. */
  get(key: string | number): Interface | undefined {
    if (typeof key === "number") return this.#ctx.ifaceByIndex(key);
    if (/^\d+$/.test(key)) return this.#ctx.ifaceByIndex(Number(key));
    return this.#ctx.ifaceByName(key);
  }

  /** Whether an interface with this name or index exists. */
  has(key: string | number): boolean {
    return this.get(key) !== undefined;
  }

  /** Number of interfaces. */
  get size(): number {
    return this.#ctx.store.links.size;
  }

  /** Interface names, by index. */
  keys(): string[] {
    return [...this].map((i) => i.ifname);
  }

  /** Interface indexes. */
  indexes(): number[] {
    return [...this.#ctx.store.links.keys()].sort((a, b) => a - b);
  }

  /** The interfaces, by index. */
  *[Symbol.iterator](): Iterator<Interface> {
    for (const index of this.indexes()) {
      const i = this.#ctx.ifaceByIndex(index);
      if (i) yield i;
    }
  }

  /** The interfaces as plain objects. */
  toJSON(): Record<string, unknown>[] {
    return [...this].map((i) => i.toJSON());
  }
}

/** {@link Interfaces} with property access by name and index: `db.interfaces.v0`, `[3]`. */
export type InterfaceMap = Interfaces & {
  readonly [name: string]: Interface;
  readonly [index: number]: Interface;
};

/** Wraps an {@link Interfaces} so names and indexes work as properties. */
export function interfaceMap(target: Interfaces): InterfaceMap {
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop === "symbol" || prop in t) {
        const v = Reflect.get(t, prop, t);
        if (typeof v !== "function") return v;
        let b = bound.get(prop);
        if (!b) bound.set(prop, b = (v as (...a: unknown[]) => unknown).bind(t));
        return b;
      }
      return t.get(prop);
    },
    has(t, prop) {
      return typeof prop === "symbol" || prop in t ? prop in t : t.has(prop);
    },
    set(_t, prop) {
      throw new TypeError(
        `interfaces.${String(prop)}: use db.create({ kind, ifname }) to add an interface`,
      );
    },
  }) as InterfaceMap;
}
