/**
 * The internal state of an interface object: its index, its pending changes, and the planner
 * that turns them into kernel requests (create, down, rename, attributes, MAC, up, address
 * removals then additions, port removals then additions, removal), each with its undo and the
 * checks the commit protocol waits for.
 *
 * @module
 */

import type { Addr, AddrSpec } from "../rtnl/addr.ts";
import type { Link, LooseLinkSpec as LinkSpec } from "../rtnl/link.ts";
import type { LinkSpec as ExactLinkSpec } from "../rtnl/link.ts";
import type { RouteSpec } from "../rtnl/route.ts";
import { BatchError } from "../rtnl/batch.ts";
import { IPRoute } from "../rtnl/iproute.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import { IFF } from "../rtnl/constants.ts";
import { IFLA } from "../rtnl/schemas/link.ts";
import { PHASE } from "./commit.ts";
import type { DbContext, Plan, Step } from "./commit.ts";
import type { SetChanges } from "./addrset.ts";
import type { Interface } from "./interface.ts";
import { addrKey } from "./keys.ts";
import { routeSpecOf } from "./route_spec.ts";
import { TrackedState } from "./tracked.ts";

/** What interface objects need of the database, beyond {@link DbContext}. */
export interface IfaceContext extends DbContext {
  /** The object of the interface with this index (created on first access). */
  ifaceByIndex(index: number): Interface | undefined;
  /** The object of the interface with this name. */
  ifaceByName(name: string): Interface | undefined;
  /** A created interface now has an index: it becomes the object for that index. */
  adopt(iface: Interface): void;
  /** Asks the kernel for the link's message (for changes it makes without an event). */
  refreshLink(index: number): Promise<void>;
}

/**
 * Attributes whose change the kernel always announces. Others (alias, group, link mode, GSO
 * limits, kind options) are announced only while the link is up.
 */
const ANNOUNCED: ReadonlySet<string> = new Set([
  "mtu",
  "txqlen",
  "ifname",
  "address",
  "broadcast",
  "master",
  "promisc",
  "arp",
]);

/** Integer link attributes an interface object can write. */
export const WRITABLE_INT: ReadonlySet<string> = new Set([
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

/** Link attributes an interface object can write (besides the kind's data). */
export const WRITABLE: ReadonlySet<string> = new Set([
  ...WRITABLE_INT,
  "ifname",
  "address",
  "broadcast",
  "ifalias",
  "master",
  "promisc",
  "arp",
]);

/**
 * Bridge port settings an interface object writes (pyroute2's `brport_*` keys), sent as
 * IFLA_INFO_SLAVE_DATA (`ip link set … type bridge_slave …`): the IFLA_BRPORT_* values the
 * kernel takes, not those it only reports (ids, timers, counters).
 */
export const BRPORT_WRITABLE: ReadonlyMap<string, number> = new Map([
  ...[
    "state",
    "mode",
    "guard",
    "protect",
    "fast_leave",
    "learning",
    "unicast_flood",
    "proxyarp",
    "learning_sync",
    "proxyarp_wifi",
    "multicast_router",
    "mcast_flood",
    "mcast_to_ucast",
    "vlan_tunnel",
    "bcast_flood",
    "neigh_suppress",
    "isolated",
    "locked",
    "mab",
    "neigh_vlan_suppress",
  ].map((k) => [`brport_${k}`, 0xff] as const),
  ...["priority", "group_fwd_mask"].map((k) => [`brport_${k}`, 0xffff] as const),
  ...["cost", "backup_port", "mcast_eht_hosts_limit", "mcast_max_groups", "backup_nhid"].map(
    (k) => [`brport_${k}`, 0xffffffff] as const,
  ),
]);

/**
 * Moving to another namespace comes after the ports (a port leaves its bridge when it moves)
 * and before route additions: a route of the same commit that the kernel refuses then undoes
 * the move, as any later step does.
 */
const PHASE_NETNS = PHASE.portAdd + 0.5;

/** Whether `v` names a namespace as `IPRoute({ netns })` takes it. */
export function isNetnsTarget(v: unknown): v is NetnsTarget {
  if (typeof v === "string") return v !== "";
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  return keys.length === 1 && (keys[0] === "pid" || keys[0] === "fd") &&
    Number.isInteger(o[keys[0]]) && (o[keys[0]] as number) >= 0;
}

const SAFE_ADDR_FLAGS = 0x02 | 0x10 | 0x100 | 0x200 | 0x400; // nodad home mngtmp noprefixroute mcautojoin
const IFA_F_SECONDARY = 0x01;
const FOREVER = 0xffffffff;

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
  const spec = addrDelSpecOf(v);
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

/** A master given as an interface object (its index known once it exists). */
interface MasterRef {
  readonly index: number;
  readonly label: string;
}

function isRef(v: unknown): v is MasterRef {
  return typeof v === "object" && v !== null && "index" in v && "label" in v;
}

/** The pending changes of an interface. */
export interface IfacePending extends SetChanges {
  /** Link attribute → new value (an interface object for `master`). */
  attrs: Map<string, unknown>;
  /** Administrative state. */
  state?: "up" | "down";
  /** Delete on commit. */
  remove: boolean;
  /** Create from this spec on commit. */
  create?: LinkSpec;
}

function emptyPending(): IfacePending {
  return {
    attrs: new Map(),
    addrAdd: new Set(),
    addrOptions: new Map(),
    addrDel: new Set(),
    portAdd: new Set(),
    portDel: new Set(),
    remove: false,
  };
}

/** The value of a writable attribute in a link message, as `set` takes it. */
export function currentValue(key: string, v: Link | undefined): unknown {
  if (!v) return undefined;
  if (key === "master") return v.master ?? 0;
  if (IFLA.byName.has(key)) return v.get(key);
  if (key === "promisc") return (v.flags & IFF.PROMISC) !== 0;
  if (key === "arp") return (v.flags & IFF.NOARP) === 0;
  if (BRPORT_WRITABLE.has(key)) return v.get(["linkinfo", "info_slave_data", key]);
  return v.get(["linkinfo", "info_data", key]);
}

/** Whether an attribute's current value is the target. */
export function sameValue(key: string, now: unknown, target: unknown): boolean {
  if (isRef(target)) return target.index > 0 && now === target.index;
  if (key === "ifalias") return (now ?? "") === target;
  return now === target;
}

interface Snapshot {
  view?: Link;
  addrs: Map<string, Addr>;
  ports: Map<Interface, number>;
  /** Routes through the interface, asked of the kernel when the commit may change them. */
  routes?: RouteSpec[];
}

function isUp(v: Link | undefined): boolean {
  return v !== undefined && (v.flags & IFF.UP) !== 0;
}

/** The state of one interface object (see the module documentation). */
export class IfaceState extends TrackedState<IfacePending> {
  declare readonly ctx: IfaceContext;
  /** The interface index (0 before creation). */
  index: number;
  /** The kernel removed the link: the object no longer stands for any link. */
  gone = false;
  /** The link's name when it was removed. */
  lastName?: string;

  constructor(ctx: IfaceContext, index: number, create?: LinkSpec) {
    super(ctx);
    this.index = index;
    if (create) this.pending.create = create;
  }

  /** The kernel's latest message of the link (none before creation, after removal). */
  view(): Link | undefined {
    return this.index > 0 && !this.gone ? this.ctx.store.links.get(this.index) : undefined;
  }

  /** The kernel's addresses of the link ("a/p"). */
  *currentAddrs(): IterableIterator<string> {
    const m = this.index > 0 && !this.gone ? this.ctx.store.addrs.get(this.index) : undefined;
    if (m) yield* m.keys();
  }

  /** The kernel's ports of the link. */
  currentPorts(): Interface[] {
    if (this.index <= 0 || this.gone) return [];
    const out: Interface[] = [];
    for (const [index, v] of this.ctx.store.links) {
      if (v.master === this.index) {
        const i = this.ctx.ifaceByIndex(index);
        if (i) out.push(i);
      }
    }
    return out;
  }

  /** The name, pending first. */
  get ifname(): string | undefined {
    const p = this.pending;
    return (p.attrs.get("ifname") ?? p.create?.ifname ?? this.view()?.ifname) as
      | string
      | undefined;
  }

  get label(): string {
    return this.ifname ?? this.lastName ?? `#${this.index}`;
  }

  /** The kernel removed the link (last named `name`): the object stands for no link now. */
  detach(name?: string): void {
    this.lastName ??= name ?? this.view()?.ifname;
    this.gone = true;
  }

  empty(): IfacePending {
    return emptyPending();
  }

  isEmpty(p: IfacePending): boolean {
    return !p.create && !p.remove && p.state === undefined && p.attrs.size === 0 &&
      p.addrAdd.size === 0 && p.addrDel.size === 0 && p.portAdd.size === 0 &&
      p.portDel.size === 0;
  }

  merge(cur: IfacePending, done: IfacePending): void {
    for (const [k, v] of done.attrs) if (!cur.attrs.has(k)) cur.attrs.set(k, v);
    cur.state ??= done.state;
    for (const a of done.addrAdd) {
      if (cur.addrDel.has(a) || cur.addrAdd.has(a)) continue;
      cur.addrAdd.add(a);
      const o = done.addrOptions.get(a);
      if (o) cur.addrOptions.set(a, o);
    }
    for (const a of done.addrDel) if (!cur.addrAdd.has(a)) cur.addrDel.add(a);
    for (const i of done.portAdd) if (!cur.portDel.has(i)) cur.portAdd.add(i);
    for (const i of done.portDel) if (!cur.portAdd.has(i)) cur.portDel.add(i);
    cur.remove ||= done.remove;
    cur.create ??= done.create;
  }

  review(p: IfacePending): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (p.create) out.create = { ...p.create };
    if (p.remove) out.remove = true;
    const attrs: Record<string, string> = {};
    const v = this.view();
    for (const [k, val] of p.attrs) {
      const now = p.create ? undefined : currentValue(k, v);
      const next = isRef(val) ? val.label : typeof val === "object" ? JSON.stringify(val) : val;
      const nowText = k === "master" && typeof now === "number"
        ? (this.ctx.store.links.get(now)?.ifname ?? now)
        : now;
      if (!p.create && sameValue(k, now, val)) continue;
      attrs[k] = p.create ? `${next}` : `${nowText ?? "none"} -> ${next}`;
    }
    if (p.state) {
      const now = p.create ? "down" : (isUp(v) ? "up" : "down");
      if (now !== p.state) attrs.state = `${now} -> ${p.state}`;
    }
    out.attrs = attrs;
    const withOptions = (a: string) => {
      const o = p.addrOptions.get(a);
      return o ? `${a} ${Object.entries(o).map(([k, x]) => `${k} ${x}`).join(" ")}` : a;
    };
    const ipaddr = [
      ...[...p.addrAdd].map((a) => `+${withOptions(a)}`),
      ...[...p.addrDel].map((a) => `-${a}`),
    ];
    if (ipaddr.length) out.ipaddr = ipaddr;
    const ports = [
      ...[...p.portAdd].map((i) => `+${i.ifname}`),
      ...[...p.portDel].map((i) => `-${i.ifname}`),
    ];
    if (ports.length) out.ports = ports;
    return out;
  }

  plan(): Plan {
    const p = this.pending;
    const ctx = this.ctx;
    if (this.gone) {
      throw new Error(
        `${
          this.lastName ?? this.label
        }: the interface was removed (it had index ${this.index}); its pending ` +
          `changes cannot be applied to whatever link has that index now (rollback() drops them)`,
      );
    }
    const view = this.view();
    if (!p.create && !view) throw new Error(`interface #${this.index} does not exist`);
    const snap: Snapshot = {
      view,
      addrs: new Map(this.index > 0 ? ctx.store.addrs.get(this.index) ?? [] : []),
      ports: new Map(),
    };
    for (const port of [...p.portAdd, ...p.portDel]) {
      snap.ports.set(port, port.message?.master ?? 0);
    }
    const steps: Step[] = [];
    const name = () => this.ifname ?? String(this.index);
    const set = (spec: LinkSpec) =>
      ctx.ip.link("set", { ...spec, index: this.index } as ExactLinkSpec);
    const now = () => this.view();
    const addrs = () => ctx.store.addrs.get(this.index);

    if (p.remove) {
      steps.push({
        phase: PHASE.remove,
        describe: `${name()}: link del`,
        run: async () => void await ctx.ip.link("del", { index: this.index }),
      });
      return this.#confirmation(p, snap, steps, false);
    }

    let up = isUp(view);
    // Taking a link down, removing an address or an MTU below 1280 (no IPv6) makes the kernel
    // drop routes through the link (IPv4 ones without a word) and add others when undone:
    // those commits keep the kernel's routes through the link, to restore them on failure.
    const mtu = p.attrs.get("mtu") as number | undefined;
    const needRoutes = !p.create && this.index > 0 &&
      ((p.state === "down" && up) || p.addrDel.size > 0 ||
        (mtu !== undefined && mtu < 1280 && (view?.mtu ?? 0) >= 1280));
    if (p.create) {
      steps.push(this.#createStep(p));
      const master = p.attrs.get("master");
      if (master !== undefined) {
        // The master may be created in the same transaction, in any order: set it afterwards.
        const m = () => (isRef(master) ? master.index : master as number);
        steps.push({
          phase: PHASE.attrs,
          describe: `${name()}: link set master ${isRef(master) ? master.label : master}`,
          run: async () => void await set({ master: m() }),
          ours: () => (now()?.master ?? 0) === m(),
          undo: async () => void await set({ master: 0 }),
          undone: () => (now()?.master ?? 0) === 0,
        });
      }
      up = false;
    } else {
      if (p.state === "down" && up) {
        steps.push({
          phase: PHASE.down,
          describe: `${name()}: link set down`,
          run: async () => void await set({ state: "down" }),
          ours: () => !isUp(now()),
          undo: async () => void await set({ state: "up" }),
          undone: () => isUp(now()),
        });
      }
      const kind = view!.get(["linkinfo", "info_kind"]) as string | undefined;
      for (const [k, val] of p.attrs) {
        if (k === "netns") continue; // its own step, below
        const old = currentValue(k, view);
        if (sameValue(k, old, val)) continue;
        const phase = k === "ifname" ? PHASE.rename : k === "address" ? PHASE.mac : PHASE.attrs;
        const isData = !WRITABLE.has(k) && !BRPORT_WRITABLE.has(k);
        const spec = (x: unknown): LinkSpec => {
          const s: LinkSpec = {};
          if (k === "promisc" || k === "arp") s[k] = x as boolean;
          else s[k] = isRef(x) ? x.index : x;
          if (isData) s.kind = kind;
          return s;
        };
        const shown = isRef(val) ? val.label : val;
        const undoValue = k === "ifalias" ? (old ?? "") : k === "master" ? (old ?? 0) : old;
        const apply = async (x: unknown) => {
          await set(spec(x));
          if (!ANNOUNCED.has(k)) await ctx.refreshLink(this.index);
        };
        steps.push({
          phase,
          describe: `${name()}: link set ${k} ${shown}`,
          run: () => apply(val),
          ours: () => sameValue(k, currentValue(k, now()), val),
          undo: undoValue === undefined ? undefined : () => apply(undoValue),
          undone: () => sameValue(k, currentValue(k, now()), undoValue),
        });
      }
    }
    if (p.state === "up" && !up) {
      steps.push({
        phase: PHASE.up,
        describe: `${name()}: link set up`,
        run: async () => void await set({ state: "up" }),
        ours: () => isUp(now()),
        undo: async () => void await set({ state: "down" }),
        undone: () => !isUp(now()),
      });
    }
    // Secondaries first: removing a primary takes its secondaries along.
    const removals = [...p.addrDel].map((key) => snap.addrs.get(key)).filter((a) => a !== undefined)
      .sort((a, b) => ((b.flags ?? 0) & IFA_F_SECONDARY) - ((a.flags ?? 0) & IFA_F_SECONDARY));
    for (const a of removals) {
      const key = addrKey(a);
      let gone = false; // removed meanwhile by someone (or with its primary): nothing to undo
      steps.push({
        phase: PHASE.addrRemove,
        describe: `${name()}: addr del ${key}`,
        run: async () => {
          try {
            await ctx.ip.addr("del", { ...addrDelSpecOf(a), index: this.index });
          } catch (e) {
            ctx.sync();
            if ((e as { code?: string }).code !== "EADDRNOTAVAIL" || addrs()?.has(key)) throw e;
            gone = true;
          }
        },
        ours: () => gone || !addrs()?.has(key),
        undo: async () => {
          if (!gone) await ctx.ip.addr("add", { ...addrSpecOf(a), index: this.index });
        },
        undone: () => gone || !!addrs()?.has(key),
      });
    }
    for (const key of p.addrAdd) {
      const slash = key.lastIndexOf("/");
      const spec = {
        address: key.slice(0, slash),
        prefixlen: Number(key.slice(slash + 1)),
        ...p.addrOptions.get(key),
      };
      const del = { address: spec.address, prefixlen: spec.prefixlen };
      steps.push({
        phase: PHASE.addrAdd,
        describe: `${name()}: addr add ${key}`,
        run: async () => await ctx.ip.addr("add", { ...spec, index: this.index }),
        ours: () => !!addrs()?.has(key),
        undo: async () => await ctx.ip.addr("del", { ...del, index: this.index }),
        undone: () => !addrs()?.has(key),
      });
    }
    for (const port of p.portDel) {
      steps.push({
        phase: PHASE.portRemove,
        describe: `${name()}: port del ${port.ifname}`,
        run: async () => void await ctx.ip.link("set", { index: port.index, master: 0 }),
        ours: () => (port.message?.master ?? 0) !== this.index,
        undo: async () => void await ctx.ip.link("set", { index: port.index, master: this.index }),
        undone: () => port.message?.master === this.index,
      });
    }
    for (const port of p.portAdd) {
      const old = snap.ports.get(port) ?? 0;
      steps.push({
        phase: PHASE.portAdd,
        describe: `${name()}: port add ${port.ifname}`,
        run: async () => void await ctx.ip.link("set", { index: port.index, master: this.index }),
        ours: () => port.message?.master === this.index,
        undo: async () => void await ctx.ip.link("set", { index: port.index, master: old }),
        undone: () => (port.message?.master ?? 0) === old,
      });
    }
    const target = p.attrs.get("netns") as NetnsTarget | undefined;
    if (target !== undefined) steps.push(this.#moveStep(target, snap));
    // A move drops the link's routes (restored by the repair when it is undone).
    const moves = target !== undefined && !p.create;
    return this.#confirmation(p, snap, steps, needRoutes || moves);
  }

  /**
   * Moves the link to another namespace; it leaves this database when the kernel says it is
   * gone. The undo moves it back by its name, makes this object stand for it again, and puts
   * back its state and master (the kernel takes a device down, and out of its bridge, when it
   * changes namespace); the repair then restores its addresses and routes.
   */
  #moveStep(target: NetnsTarget, snap: Snapshot): Step {
    const ctx = this.ctx;
    let name = "";
    let left = 0;
    const shown = typeof target === "string" ? target : JSON.stringify(target);
    return {
      phase: PHASE_NETNS,
      describe: `${this.label}: link set netns ${shown}`,
      run: async (deadline) => {
        left = this.index;
        name = this.view()?.ifname ?? this.label;
        await ctx.ip.link("set", { index: left, netns: target });
        ctx.sync();
        await ctx.waitFor({ indexes: [left] }, () => !ctx.store.links.has(left), deadline);
      },
      ours: () => !ctx.store.names.has(name),
      undo: async (deadline) => {
        // Back into the database's namespace: its held descriptor, or this process's own.
        const home: NetnsTarget = ctx.ip.netns ?? { pid: Deno.pid };
        {
          using there = new IPRoute({ netns: target });
          await there.link("set", { index: name, netns: home });
        }
        ctx.sync();
        await ctx.waitFor({ anyLink: true }, () => ctx.store.names.has(name), deadline);
        const index = ctx.store.names.get(name);
        if (index === undefined) throw new Error(`${name}: moved back, but not seen here`);
        this.index = index;
        this.gone = false;
        this.lastName = undefined;
        ctx.adopt(this.owner as Interface);
        const was = snap.view;
        const restore: LinkSpec = {};
        if (was?.master) restore.master = was.master;
        if (isUp(was)) restore.state = "up";
        if (Object.keys(restore).length) {
          await ctx.ip.link("set", { ...restore, index } as ExactLinkSpec);
        }
      },
      undone: () => ctx.store.names.has(name),
    };
  }

  /** The creation step: add the link, then wait for its event (the index comes from it). */
  #createStep(p: IfacePending): Step {
    const ctx = this.ctx;
    const create = p.create!;
    // Built when it runs: a master created in the same transaction has its index by then.
    const specOf = (): LinkSpec => {
      const spec: LinkSpec = { ...create };
      for (const [k, val] of p.attrs) {
        if (k !== "master" && k !== "netns") spec[k] = isRef(val) ? val.index : val;
      }
      return spec;
    };
    const ifname = (p.attrs.get("ifname") ?? create.ifname) as string;
    let made = 0;
    return {
      phase: PHASE.create,
      describe: `${ifname}: link add ${create.kind}`,
      run: async (deadline) => {
        // tun/tap creation answers with the link (its name may be a pattern like "tap%d").
        const [reply] = await ctx.ip.link("add", specOf() as ExactLinkSpec);
        const name = reply?.ifname ?? ifname;
        ctx.sync();
        const seen = await ctx.waitFor(
          { anyLink: true },
          () => ctx.store.names.has(name),
          deadline,
        );
        let index = seen ? ctx.store.names.get(name)! : 0;
        if (!index) {
          // No event (yet): ask the kernel. The link exists here, or it was not made here.
          const [got] = await ctx.ip.link("get", { ifname: name }).catch(() => []);
          index = got?.index ?? 0;
        }
        if (!index) {
          throw new Error(`${name}: the kernel acknowledged but no such link exists here`);
        }
        made = index;
        this.index = index;
        ctx.adopt(this.owner as Interface);
      },
      ours: () => made > 0 && ctx.store.links.has(made),
      undo: async () => {
        await ctx.ip.link("del", { index: made });
        this.index = 0;
      },
      undone: () => !ctx.store.links.has(made),
    };
  }

  #confirmation(p: IfacePending, snap: Snapshot, steps: Step[], needRoutes: boolean): Plan {
    return {
      steps,
      prepare: needRoutes ? async () => void (snap.routes = await this.#routesVia()) : undefined,
      waitKeys: () => {
        const indexes = [this.index];
        for (const port of [...p.portAdd, ...p.portDel]) indexes.push(port.index);
        return { indexes };
      },
      unconfirmed: () => this.#unconfirmed(p),
      repair: p.create || p.remove ? undefined : () => this.#repair(p, snap),
    };
  }

  #unconfirmed(p: IfacePending): string[] {
    const store = this.ctx.store;
    const out: string[] = [];
    const v = this.view();
    if (p.remove) return v ? ["removal"] : [];
    if (p.attrs.has("netns")) return v ? ["netns"] : []; // gone from here: moved
    if (!v) return ["existence"];
    for (const [k, val] of p.attrs) {
      if (p.create && k !== "master") continue; // given at creation: the kernel may adjust
      const now = currentValue(k, v);
      if (typeof now === "object" && now !== null) continue; // not comparable
      if (!sameValue(k, now, val)) out.push(k);
    }
    if (p.state && isUp(v) !== (p.state === "up")) out.push("state");
    const addrs = store.addrs.get(this.index);
    for (const a of p.addrAdd) if (!addrs?.has(a)) out.push(`+${a}`);
    for (const a of p.addrDel) if (addrs?.has(a)) out.push(`-${a}`);
    for (const port of p.portAdd) {
      if (port.message?.master !== this.index) out.push(`+port ${port.ifname}`);
    }
    for (const port of p.portDel) {
      if (port.message?.master === this.index) out.push(`-port ${port.ifname}`);
    }
    return out;
  }

  async #routesVia(): Promise<RouteSpec[]> {
    const index = this.index;
    const v4 = await this.ctx.ip.getRoutes({ family: 2, oif: index });
    const v6 = await this.ctx.ip.getRoutes({ family: 10, oif: index });
    return [...v4, ...v6].map((v) => routeSpecOf(v));
  }

  /**
   * Puts back what the kernel changed by itself during the undone steps (and only that: what
   * the commit itself set is undone step by step, or kept when someone else changed it since).
   * A bridge takes its first port's MAC and MTU; going down drops IPv6 addresses; a rename
   * relabels secondary IPv4 ones ("tap0" becomes "vpn:2" and then "tap0:2"); removing a
   * primary address drops its secondaries; an MTU below 1280 drops IPv6 and resets its settings.
   */
  async #repair(p: IfacePending, snap: Snapshot): Promise<void> {
    if (this.index <= 0 || this.gone) return;
    const ctx = this.ctx, ip = ctx.ip;
    ctx.sync();
    const v = this.view();
    const mtu = p.attrs.get("mtu") as number | undefined;
    const dropsIpv6 = mtu !== undefined && mtu < 1280 && (snap.view?.mtu ?? 0) >= 1280;
    if (v && snap.view && (p.portAdd.size || p.portDel.size)) {
      for (const k of ["address", "mtu", "txqlen", "group"] as const) {
        if (p.attrs.has(k)) continue;
        const want = snap.view.get(k);
        if (want !== undefined && v.get(k) !== want) {
          await ip.link("set", { index: this.index, [k]: want } as ExactLinkSpec);
        }
      }
    }
    const mode = snap.view?.get(["af_spec", "inet6", "addr_gen_mode"]);
    if (dropsIpv6 && mode !== undefined) {
      // Put back the address generation mode, and take away the link-local address made
      // meanwhile (its event comes later, from the kernel's DAD work: ask the kernel itself).
      const [cur] = await ip.link("get", { index: this.index });
      if (cur?.get(["af_spec", "inet6", "addr_gen_mode"]) !== mode) {
        await ip.link("set", { index: this.index, af_spec: { inet6: { addr_gen_mode: mode } } });
      }
      for (const a of await ip.getAddr({ index: this.index, family: 10 })) {
        if (a.scope === 253 && !snap.addrs.has(addrKey(a))) {
          await ip.addr("del", addrDelSpecOf(a)).catch((e) => {
            if ((e as { code?: string }).code !== "EADDRNOTAVAIL") throw e;
          });
        }
      }
      ctx.sync();
    }
    const touchesAddrs = dropsIpv6 || p.state === "down" || p.attrs.has("ifname") ||
      p.addrDel.size > 0 || p.attrs.has("netns");
    if (!touchesAddrs && !snap.routes) return;
    const now = ctx.store.addrs.get(this.index);
    for (const [key, a] of touchesAddrs ? snap.addrs : []) {
      const cur = now?.get(key);
      if (cur && cur.label === a.label) continue;
      const spec = { ...addrSpecOf(a), index: this.index };
      if (cur) await ip.addr("del", { ...addrDelSpecOf(cur), index: this.index });
      try {
        await ip.addr("add", spec);
      } catch (e) {
        if ((e as { code?: string }).code !== "EEXIST") throw e;
      }
    }
    if (snap.routes) {
      // Make the routes through the link what they were: put back the missing ones, take
      // away those the kernel added (a link-local prefix when IPv6 comes back, say).
      const key = (r: RouteSpec) =>
        `${r.table} ${r.dst} ${r.priority ?? 0} ${r.tos ?? 0} ${r.type} ${r.src ?? ""} ${
          r.gateway ?? ""
        } ${r.oif ?? ""} ${r.nh_id ?? ""} ${JSON.stringify(r.multipath ?? "")}`;
      const want = new Map(snap.routes.map((r) => [key(r), r]));
      const have = new Map((await this.#routesVia()).map((r) => [key(r), r]));
      const extra = [...have].filter(([k]) => !want.has(k)).map(([, r]) => r);
      // Routes the kernel makes itself (proto kernel, ra) come back by themselves, some of
      // them later (an IPv6 address's local route, after DAD): never added here.
      const missing = [...want].filter(([k, r]) => !have.has(k) && r.proto !== 2 && r.proto !== 9)
        .map(([, r]) => r);
      // Appended: another route of the same group (through another link) may be there.
      for (const [cmd, list] of [["del", extra], ["append", missing]] as const) {
        if (!list.length) continue;
        try {
          await ip.batch((b) => {
            for (const r of list) b.route(cmd, r);
          });
        } catch (e) {
          if (!(e instanceof BatchError)) throw e;
          const real = e.failures.filter((f) => {
            const code = (f.error as { code?: string }).code;
            return code !== (cmd === "append" ? "EEXIST" : "ESRCH");
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
    ctx.sync();
  }
}
