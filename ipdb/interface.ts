/**
 * Interfaces: each link of the namespace as an object whose properties read the kernel's latest
 * message (or the pending value), whose writes go into the object's pending changes, and whose
 * `commit()` applies them in an order the kernel accepts and waits for the kernel's events to
 * confirm them (planning: `interface_state.ts`).
 *
 * @module
 */

import { checkArgs } from "../netlink/strict.ts";
import { describeValue, formatHex, parseMac } from "../netlink/addr.ts";
import type { NestCodec } from "../netlink/schema.ts";
import { checkIfname } from "../rtnl/core.ts";
import type { Link, LinkSpec as PublicLinkSpec, LooseLinkSpec as LinkSpec } from "../rtnl/link.ts";
import { IFF } from "../rtnl/constants.ts";
import { IFLA } from "../rtnl/schemas/link.ts";
import { LINKINFO_DATA, LINKINFO_SLAVE_DATA } from "../rtnl/schemas/linkinfo.ts";
import type { BOND_SLAVE, BRPORT, LinkKindSchemas, VRF_PORT } from "../rtnl/schemas/linkinfo.ts";
import type { ViewValues } from "../netlink/view.ts";
import type { Intersect } from "../rtnl/link_spec.ts";
import {
  checkAddressOptions,
  IPAddrSet,
  MASTER_KINDS,
  normalizeAddress,
  PortSet,
} from "./addrset.ts";
import type { AddressOptions } from "./addrset.ts";
import { checkKeys, KeySet } from "../netlink/strict.ts";
import {
  BRPORT_WRITABLE,
  IfaceState,
  isNetnsTarget,
  WRITABLE,
  WRITABLE_INT,
} from "./interface_state.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import type { IfaceContext } from "./interface_state.ts";
import { Tracked } from "./tracked.ts";

const WAIT_IP_OPTIONS = new KeySet("waitIp option", ["timeout"]);

export { normalizeAddress } from "./addrset.ts";
export type { AddressDetails, AddressInput, AddressOptions } from "./addrset.ts";
export type { IfaceContext } from "./interface_state.ts";

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

/**
 * One network interface. Properties read the kernel's latest message, or the pending value once
 * written; writes (`mtu = 1400`, `up()`, `ipaddr.add(…)`) go into the pending changes until
 * {@link commit} or {@link rollback}. Every link attribute is a property (`num_tx_queues`,
 * `carrier`, …), and so is the kind's data (`vxlan_id`, `br_stp_state`, …).
 *
 * When the kernel removes the link, the object stands for no link any more: it reads as absent
 * and a commit of its pending changes fails, even if another link gets the same index.
 */
export class Interface extends Tracked {
  readonly #s: IfaceState;
  /** The addresses (a set of `"a/p"`). */
  readonly ipaddr: IPAddrSet;
  /** The ports of a bridge or bond (names). */
  readonly ports: PortSet;

  /** @internal */
  constructor(ctx: IfaceContext, index: number, create?: LinkSpec) {
    const s = new IfaceState(ctx, index, create);
    super(s);
    this.#s = s;
    const touch = () => s.touch();
    this.ipaddr = new IPAddrSet(
      this,
      () => s.pending,
      () => s.currentAddrs(),
      touch,
      (key) => s.index > 0 && !s.gone ? s.ctx.store.addrs.get(s.index)?.get(key) : undefined,
    );
    this.ports = new PortSet(
      this,
      () => s.pending,
      () => s.currentPorts(),
      (p) => this.#resolvePort(p),
      touch,
    );
    Object.preventExtensions(this);
  }

  #view(): Link | undefined {
    return this.#s.view();
  }

  #resolvePort(p: Interface | string | number): Interface {
    if (p instanceof Interface) return p;
    const ctx = this.#s.ctx;
    const i = typeof p === "number"
      ? ctx.ifaceByIndex(p)
      : typeof p === "string"
      ? ctx.ifaceByName(p)
      : undefined;
    if (!i) throw new TypeError(`ports: no interface ${describeValue(p)}`);
    return i;
  }

  /** The interface index (0 for an interface not created yet). */
  get index(): number {
    return this.#s.index;
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
    checkArgs("get", 1, arguments.length);
    const p = this.#s.pending;
    if (key === "state") {
      if (p.state) return p.state;
      if (p.create) return "down";
      const v = this.#view();
      return v ? ((v.flags & IFF.UP) ? "up" : "down") : undefined;
    }
    if (key === "alias") key = "ifalias";
    else if (key === "net_ns_fd") key = "netns";
    if (p.attrs.has(key)) return p.attrs.get(key);
    if (p.create) return key === "index" ? 0 : (p.create as Record<string, unknown>)[key];
    const v = this.#view();
    if (!v) return key === "index" ? this.#s.index : undefined;
    switch (key) {
      case "index":
        return this.#s.index;
      case "kind":
        return v.get(["linkinfo", "info_kind"]);
      case "operstate": {
        return v.operstate; // the name, as on IPRoute's link views
      }
      case "peer": {
        if (v.get(["linkinfo", "info_kind"]) !== "veth") return undefined;
        if (v.link_netnsid !== undefined) return v.link;
        const peer = v.link ? this.#s.ctx.store.links.get(v.link) : undefined;
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
   * `state` ("up"/"down"), `netns` (or pyroute2's `net_ns_fd`), a key of the kind's data, or, on a bridge port, a port setting by
   * pyroute2's `brport_*` name (`brport_cost`, `brport_unicast_flood`, …).
   */
  set(key: string, value: unknown): this {
    checkArgs("set", 2, arguments.length);
    if (key === "alias") key = "ifalias";
    else if (key === "net_ns_fd") key = "netns"; // pyroute2's name
    const p = this.#s.pending;
    if (key === "state") {
      if (value !== "up" && value !== "down") {
        throw new TypeError(`state: expected "up" or "down", got ${describeValue(value)}`);
      }
      p.state = value;
      this.#s.touch();
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
          ? this.#s.ctx.ifaceByName(value)
          : this.#s.ctx.ifaceByIndex(value);
        if (!m) throw new TypeError(`master: no interface ${describeValue(value)}`);
        v = m;
      } else throw new TypeError(`master: expected an interface, name or index, got ${value}`);
    } else if (key === "promisc" || key === "arp") {
      if (typeof value !== "boolean") throw new TypeError(`${key}: expected a boolean`);
    } else if (key === "netns") {
      // pyroute2's net_ns_fd may be a descriptor number, as IPRoute's is.
      if (typeof value === "number") v = { fd: value };
      if (!isNetnsTarget(v)) {
        throw new TypeError(
          `netns: expected a namespace name, path, { pid } or { fd }, got ${describeValue(value)}`,
        );
      }
    } else if (BRPORT_WRITABLE.has(key)) {
      // pyroute2's brport_* keys: the port's settings in its bridge (see interface_state.ts).
      if (this.#view()?.get(["linkinfo", "info_slave_kind"]) !== "bridge") {
        throw new TypeError(
          `${key}: ${this.ifname} is not a bridge port (commit its master first)`,
        );
      }
      const max = BRPORT_WRITABLE.get(key)!;
      if (typeof value === "boolean" && max === 0xff) v = value ? 1 : 0;
      else if (typeof value !== "number" || !Number.isInteger(value)) {
        throw new TypeError(`${key}: expected an integer, got ${describeValue(value)}`);
      } else if (value < 0 || value > max) {
        throw new RangeError(`${key}: ${value} is out of range 0..${max}`);
      }
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
    this.#s.touch();
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

  /**
   * The namespace to move the interface to on commit (pending; undefined when no move is):
   * `iface.netns = "other"`. Committed, the interface leaves this database; a later step of
   * the commit that fails moves it back.
   */
  get netns(): NetnsTarget | undefined {
    return this.get("netns") as NetnsTarget | undefined;
  }
  set netns(v: NetnsTarget) {
    this.set("netns", v);
  }

  /** pyroute2's name of {@link netns}: `iface.net_ns_fd = "other"`. */
  get net_ns_fd(): NetnsTarget | undefined {
    return this.get("netns") as NetnsTarget | undefined;
  }
  set net_ns_fd(v: NetnsTarget) {
    this.set("netns", v);
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

  /** pyroute2's chained setter: `iface.setMtu(1400).setAddress(…)` (pending). */
  setMtu(mtu: number): this {
    return this.set("mtu", mtu);
  }

  /** pyroute2's chained setter of the MAC address (pending). */
  setAddress(address: string): this {
    return this.set("address", address);
  }

  /** pyroute2's chained setter of the name (pending). */
  setIfname(ifname: string): this {
    return this.set("ifname", ifname);
  }

  /**
   * pyroute2's `add_ip`: adds an address (pending): `addIp("10.0.0.1/24")`,
   * `addIp("10.0.0.1", 24)`, `addIp("10.0.0.1", "255.255.255.0")`, with pyroute2's keywords as
   * options: `addIp("10.0.0.1/24", { scope: 254 })`,
   * `addIp("10.0.0.1", 24, { broadcast: "10.0.0.128" })` (`broadcast`, `anycast`, `scope`).
   */
  addIp(address: string, options?: AddressOptions): this;
  /** The same with the prefix length or netmask apart. */
  addIp(address: string, mask: number | string, options?: AddressOptions): this;
  addIp(
    address: string,
    mask?: number | string | AddressOptions,
    options?: AddressOptions,
  ): this {
    checkArgs("addIp", 3, arguments.length);
    if (typeof mask === "object" && mask !== null) {
      if (arguments.length > 2) throw new TypeError("addIp: options given twice");
      [mask, options] = [undefined, mask];
    }
    const key = normalizeAddress(mask === undefined ? address : [address, mask], "address");
    const opts = options === undefined ? undefined : checkAddressOptions(key, options);
    this.ipaddr.addWith(key, opts);
    return this;
  }

  /** pyroute2's `del_ip`: removes an address (pending), in the forms `addIp` takes. */
  delIp(address: string, mask?: number | string): this {
    this.ipaddr.remove(mask === undefined ? address : [address, mask]);
    return this;
  }

  /**
   * pyroute2's `wait_ip`: resolves true once the kernel shows the address on this interface
   * (`"10.0.0.1"` matches any prefix length, `"10.0.0.1/24"` that one), false when `timeout`
   * milliseconds (default 3000) pass first.
   */
  waitIp(address: string, options: { timeout?: number } = {}): Promise<boolean> {
    checkKeys(options, WAIT_IP_OPTIONS);
    const timeout = options.timeout ?? 3000;
    if (typeof timeout !== "number" || !(timeout >= 0)) {
      throw new RangeError(`timeout: expected milliseconds (>= 0), got ${describeValue(timeout)}`);
    }
    if (typeof address !== "string") {
      throw new TypeError(`address: expected an address, got ${describeValue(address)}`);
    }
    const exact = address.includes("/");
    const want = normalizeAddress(address, "address");
    const bare = want.slice(0, want.indexOf("/"));
    const s = this.#s;
    const check = () => {
      for (const a of s.currentAddrs()) {
        if (exact ? a === want : a.slice(0, a.indexOf("/")) === bare) return true;
      }
      return false;
    };
    return s.ctx.waitFor({ indexes: [this.index] }, check, Date.now() + timeout);
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

  /** Whether it has uncommitted changes. */
  get dirty(): boolean {
    return this.#s.dirty && this.hasChanges();
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

/** Names the {@link Interface} class declares itself (with their own types). */
export type InterfaceDeclaredNames =
  | "netns"
  | "net_ns_fd"
  | "ifname"
  | "address"
  | "broadcast"
  | "mtu"
  | "txqlen"
  | "ifalias"
  | "master"
  | "group"
  | "flags"
  | "operstate"
  | "link"
  | "carrier"
  | "index"
  | "peer"
  | "state"
  | "kind";

/** Link attributes an interface writes besides those it declares. */
export type InterfaceWritableNames =
  | "linkmode"
  | "gso_max_size"
  | "gso_max_segs"
  | "gro_max_size"
  | "num_tx_queues"
  | "num_rx_queues";

/** The typed values of IFLA attributes. */
export type InterfaceLinkValues = ViewValues<typeof IFLA>;

/** Every kind's data keys (an interface writes those of its own kind). */
export type InterfaceKindData = Partial<
  Intersect<{ [K in keyof LinkKindSchemas]: ViewValues<LinkKindSchemas[K]> }[keyof LinkKindSchemas]>
>;

/**
 * The properties of an interface besides those its class declares: every IFLA attribute (read
 * only, but for the writable ones), every kind's data (writable: the interface's own kind's),
 * and port settings (bridge port settings writable on a bridge port, as pyroute2's
 * `brport_*` keys; ids, timers and counters read only). Typed from the schema tables: an unknown name does not compile
 * (and writing one is a TypeError naming it).
 */
export type InterfaceAttributes =
  & Omit<InterfaceLinkValues, InterfaceDeclaredNames | InterfaceWritableNames>
  & { -readonly [K in InterfaceWritableNames]?: InterfaceLinkValues[K] }
  & {
    -readonly [K in Exclude<keyof InterfaceKindData, InterfaceDeclaredNames>]: InterfaceKindData[K];
  }
  & { -readonly [K in keyof ViewValues<typeof BRPORT>]: ViewValues<typeof BRPORT>[K] }
  & ViewValues<typeof BOND_SLAVE>
  & ViewValues<typeof VRF_PORT>;

/** The link attributes and kind data of an interface, as typed properties. */
export interface Interface extends InterfaceAttributes {}

/** The interfaces of the database: by name, by index, iterable. */
export class Interfaces implements Iterable<Interface> {
  readonly #ctx: IfaceContext;
  readonly #create?: (spec: PublicLinkSpec & { ifname: string; reuse?: boolean }) => Interface;

  /** @internal */
  constructor(
    ctx: IfaceContext,
    create?: (spec: PublicLinkSpec & { ifname: string; reuse?: boolean }) => Interface,
  ) {
    this.#ctx = ctx;
    this.#create = create;
  }

  /** pyroute2's `interfaces.add(…)`: the same as `db.create(spec)` (pending until committed). */
  add(spec: PublicLinkSpec & { ifname: string; reuse?: boolean }): Interface {
    if (!this.#create) throw new Error("interfaces.add: not attached to a database");
    return this.#create(spec);
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

/**
 * {@link Interfaces} with property access by name and index: `db.interfaces.v0`, `[3]`
 * (undefined when there is no such interface).
 */
export type InterfaceMap = Interfaces & {
  readonly [name: string]: Interface | undefined;
  readonly [index: number]: Interface | undefined;
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
