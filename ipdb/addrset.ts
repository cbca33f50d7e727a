/**
 * The address and port sets of an interface: the kernel's, plus pending additions, minus
 * pending removals. Writes go into the interface's pending changes.
 *
 * @module
 */

import { checkArgs, checkKeys, KeySet } from "../netlink/strict.ts";
import { describeValue, formatIp, parsePrefix } from "../netlink/addr.ts";
import type { Addr } from "../rtnl/addr.ts";
import { scopeId } from "../rtnl/names.ts";
import type { Interface } from "./interface.ts";

/** Kinds whose links take ports. */
export const MASTER_KINDS: ReadonlySet<string> = new Set([
  "bridge",
  "bond",
  "team",
  "vrf",
  "openvswitch",
]);

/**
 * What pyroute2's `add_ip(…, broadcast=, anycast=, scope=)` gives an address besides its
 * prefix: sent with the address when the commit adds it.
 */
export interface AddressOptions {
  /** IPv4 broadcast address, or `true` to compute it from the prefix. */
  broadcast?: string | boolean;
  /** IPv6 anycast address. */
  anycast?: string;
  /** Scope by name (`"host"`, `"link"`, `"global"`) or number (254, 253, 0). */
  scope?: string | number;
}

const ADDRESS_OPTIONS = new KeySet("address option", ["broadcast", "anycast", "scope"]);

/** Checks address options now (what the commit would refuse later), for the address `key`. */
export function checkAddressOptions(key: string, options: unknown): AddressOptions {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`options: expected an object, got ${describeValue(options)}`);
  }
  checkKeys(options, ADDRESS_OPTIONS);
  const o = options as AddressOptions;
  const v6 = key.includes(":");
  const out: AddressOptions = {};
  if (o.scope !== undefined) {
    scopeId(o.scope);
    out.scope = o.scope;
  }
  if (o.broadcast !== undefined) {
    if (v6) throw new TypeError("broadcast: only IPv4 addresses have a broadcast address");
    if (typeof o.broadcast !== "boolean") {
      const b = parsePrefix(o.broadcast, "broadcast");
      if (b.hasPrefix || b.bytes.length !== 4) {
        throw new TypeError(
          `broadcast: expected an IPv4 address, got ${describeValue(o.broadcast)}`,
        );
      }
    }
    out.broadcast = o.broadcast;
  }
  if (o.anycast !== undefined) {
    if (!v6) throw new TypeError("anycast: only IPv6 has anycast addresses");
    const a = parsePrefix(o.anycast, "anycast");
    if (a.hasPrefix || a.bytes.length !== 16) {
      throw new TypeError(`anycast: expected an IPv6 address, got ${describeValue(o.anycast)}`);
    }
    out.anycast = o.anycast;
  }
  return out;
}

/**
 * One address of an interface as pyroute2's `ipaddr[key]` gives it: the kernel's values, or
 * for an address still pending, what the commit will send.
 */
export interface AddressDetails {
  /** The address (IFA_LOCAL for IPv4, IFA_ADDRESS for IPv6). */
  address: string;
  /** Prefix length. */
  prefixlen: number;
  /** 2 or 10. */
  family: number;
  /** Scope number (0 global, 253 link, 254 host). */
  scope: number;
  /** IFA_LOCAL, when the kernel has the address. */
  local?: string;
  /** The peer of a point-to-point address (IFA_ADDRESS when it differs from IFA_LOCAL). */
  peer?: string;
  /** IPv4 broadcast address. */
  broadcast?: string | boolean;
  /** IPv6 anycast address. */
  anycast?: string;
  /** IPv4 label. */
  label?: string;
  /** IFA_F_* flags (IFA_FLAGS, or the header's when absent). */
  flags?: number;
  /** Lifetimes and timestamps, as the kernel reports them. */
  cacheinfo?: unknown;
  /** True for an address added in the pending transaction (not yet in the kernel). */
  pending: boolean;
}

/** The details of an address the kernel reported. */
function detailsOf(a: Addr): AddressDetails {
  const local = a.local ?? a.address!;
  const out: AddressDetails = {
    address: local,
    prefixlen: a.prefixlen,
    family: a.family,
    scope: a.scope,
    flags: (a.getAttr("IFA_FLAGS") as number | undefined) ?? (a.headerField("flags") as number),
    pending: false,
  };
  if (a.local !== undefined) out.local = a.local;
  if (a.address !== undefined && a.local !== undefined && a.address !== a.local) {
    out.peer = a.address;
  }
  if (a.broadcast !== undefined) out.broadcast = a.broadcast;
  if (a.anycast !== undefined) out.anycast = a.anycast;
  if (a.label !== undefined) out.label = a.label;
  if (a.cacheinfo !== undefined) out.cacheinfo = a.cacheinfo;
  return out;
}

/** The pending address and port changes of an interface (part of its pending changes). */
export interface SetChanges {
  /** Addresses to add ("a/p"). */
  addrAdd: Set<string>;
  /** Options of addresses to add (broadcast, anycast, scope), by "a/p". */
  addrOptions: Map<string, AddressOptions>;
  /** Addresses to remove ("a/p"). */
  addrDel: Set<string>;
  /** Ports to add. */
  portAdd: Set<Interface>;
  /** Ports to remove. */
  portDel: Set<Interface>;
}

/**
 * `"a/p"` text of an address given as `"a/p"`, a bare address, or `[address, prefixlen]`; the
 * prefix may also be a netmask, as pyroute2 takes it (`"10.0.0.1/255.255.255.0"`,
 * `["::1", "ffff::"]`).
 */
export type AddressInput = string | readonly [address: string, prefixlen: number | string];

/** The prefix length of a contiguous netmask (`"255.255.255.0"` → 24), or undefined. */
function maskLength(mask: string): number | undefined {
  let p;
  try {
    p = parsePrefix(mask, "mask");
  } catch {
    return undefined;
  }
  if (p.hasPrefix) return undefined;
  let n = 0, ended = false;
  for (const b of p.bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const one = (b >> bit) & 1;
      if (one && ended) return undefined;
      if (one) n++;
      else ended = true;
    }
  }
  return n;
}

/** The `"a/p"` key of an address given alone, or with its prefix length as a second argument. */
function withPrefix(address: AddressInput, prefixlen: number | undefined, args: number): string {
  if (args < 2) return normalizeAddress(address);
  if (typeof address !== "string") {
    throw new TypeError(
      `ipaddr: give the prefix length once: [address, prefixlen] or (address, prefixlen)`,
    );
  }
  return normalizeAddress([address, prefixlen as number]);
}

/** Normalizes an address input to `"a/p"` with the address as the kernel prints it. */
export function normalizeAddress(input: AddressInput, field = "ipaddr"): string {
  let text: string;
  if (Array.isArray(input)) {
    const [a, given] = input as readonly [unknown, unknown];
    const p = typeof given === "string" && given.includes(".") || typeof given === "string" &&
        given.includes(":")
      ? maskLength(given) ?? given
      : given;
    if (typeof a !== "string") {
      throw new TypeError(`${field}: expected [address, prefixlen], got ${describeValue(a)}`);
    }
    if (typeof p !== "number" || !Number.isInteger(p)) {
      throw new TypeError(`${field}: prefix length must be an integer, got ${describeValue(p)}`);
    }
    if (a.includes("/")) throw new TypeError(`${field}: give the prefix once, not in both places`);
    text = `${a}/${p}`;
  } else if (typeof input === "string") {
    // "address/netmask" (pyroute2): the mask as a prefix length.
    const slash = input.indexOf("/");
    const mask = slash >= 0 ? input.slice(slash + 1) : "";
    const len = /[.:]/.test(mask) ? maskLength(mask) : undefined;
    text = len === undefined ? input : `${input.slice(0, slash)}/${len}`;
  } else {
    throw new TypeError(
      `${field}: expected "address/prefixlen" or [address, prefixlen], got ${describeValue(input)}`,
    );
  }
  const p = parsePrefix(text, field);
  return `${formatIp(p.bytes, 0, p.bytes.length)}/${p.prefixlen}`;
}

/**
 * The addresses of an interface as a set of `"a/p"` strings: the kernel's, plus pending
 * additions, minus pending removals.
 */
export class IPAddrSet implements Iterable<string> {
  readonly #iface: Interface;
  readonly #p: () => SetChanges;
  readonly #current: () => Iterable<string>;
  readonly #touch: () => void;
  readonly #message: (key: string) => Addr | undefined;

  /** @internal */
  constructor(
    iface: Interface,
    pending: () => SetChanges,
    current: () => Iterable<string>,
    touch: () => void,
    message: (key: string) => Addr | undefined = () => undefined,
  ) {
    this.#iface = iface;
    this.#p = pending;
    this.#current = current;
    this.#touch = touch;
    this.#message = message;
  }

  #hasCurrent(key: string): boolean {
    for (const k of this.#current()) if (k === key) return true;
    return false;
  }

  /**
   * Adds an address: `"10.0.0.1/24"`, `["10.0.0.1", 24]`, or `("10.0.0.1", 24)` as pyroute2's
   * `add_ip(address, mask)`; a bare address alone is a host prefix.
   */
  add(address: AddressInput, prefixlen?: number): this {
    checkArgs("ipaddr.add", 2, arguments.length);
    return this.addWith(withPrefix(address, prefixlen, arguments.length));
  }

  /**
   * Adds the address `key` (`"a/p"`, normalized) with options (pyroute2's `add_ip(…, scope=254)`).
   * An address the kernel already has keeps its own options: giving others is an error.
   * @internal
   */
  addWith(key: string, options?: AddressOptions): this {
    const p = this.#p();
    const opts = options && Object.keys(options).length ? options : undefined;
    if (this.#hasCurrent(key)) {
      if (opts) {
        throw new TypeError(
          `ipaddr: ${key} is already on ${this.#iface.ifname}; remove it (and commit) before ` +
            `adding it with ${Object.keys(opts).join(", ")}`,
        );
      }
      if (p.addrDel.delete(key)) this.#touch();
      return this;
    }
    p.addrAdd.add(key);
    if (opts) p.addrOptions.set(key, opts);
    else p.addrOptions.delete(key);
    this.#touch();
    return this;
  }

  /** Removes an address (`"10.0.0.1/24"`, `[a, p]` or `(a, p)`); false when it is not in the set. */
  remove(address: AddressInput, prefixlen?: number): boolean {
    checkArgs("ipaddr.remove", 2, arguments.length);
    const key = withPrefix(address, prefixlen, arguments.length);
    const p = this.#p();
    if (p.addrAdd.delete(key)) {
      p.addrOptions.delete(key);
      this.#touch();
      return true;
    }
    if (!this.#hasCurrent(key) || p.addrDel.has(key)) return false;
    p.addrDel.add(key);
    this.#touch();
    return true;
  }

  /** Same as {@link remove}. */
  delete(address: AddressInput, prefixlen?: number): boolean {
    checkArgs("ipaddr.delete", 2, arguments.length);
    return arguments.length === 2 ? this.remove(address, prefixlen) : this.remove(address);
  }

  /** Whether the set has the address (`"10.0.0.1/24"`, `[a, p]` or `(a, p)`). */
  has(address: AddressInput, prefixlen?: number): boolean {
    checkArgs("ipaddr.has", 2, arguments.length);
    const key = withPrefix(address, prefixlen, arguments.length);
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

  /**
   * pyroute2's `ipaddr[key]`: one address's details (scope, broadcast, flags, label, …) by
   * position in this set (`get(0)`), as `"a/p"` or as `[address, prefixlen]`; undefined when
   * the set has no such address.
   */
  get(key: number | AddressInput): AddressDetails | undefined {
    checkArgs("ipaddr.get", 1, arguments.length);
    let k: string | undefined;
    if (typeof key === "number") {
      if (!Number.isInteger(key)) throw new TypeError(`ipaddr.get: ${key} is not a position`);
      k = [...this].at(key);
    } else {
      k = normalizeAddress(key);
      if (!this.has(k)) k = undefined;
    }
    if (k === undefined) return undefined;
    const p = this.#p();
    if (p.addrAdd.has(k)) {
      const slash = k.lastIndexOf("/");
      const o = p.addrOptions.get(k) ?? {};
      const out: AddressDetails = {
        address: k.slice(0, slash),
        prefixlen: Number(k.slice(slash + 1)),
        family: k.includes(":") ? 10 : 2,
        scope: o.scope !== undefined ? scopeId(o.scope) : 0,
        pending: true,
      };
      if (o.broadcast !== undefined) out.broadcast = o.broadcast;
      if (o.anycast !== undefined) out.anycast = o.anycast;
      return out;
    }
    const m = this.#message(k);
    return m ? detailsOf(m) : undefined;
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
  readonly #p: () => SetChanges;
  readonly #current: () => Interface[];
  readonly #resolve: (port: Interface | string | number) => Interface;
  readonly #touch: () => void;

  /** @internal */
  constructor(
    iface: Interface,
    pending: () => SetChanges,
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
