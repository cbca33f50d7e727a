/**
 * Links in the document: name, kind and kind data, MTU, MAC address, administrative state,
 * master, a macvlan's parent and a veth's peer (by name, and namespace when it is in another
 * one). A veth pair is made and removed once, by whichever end comes first (pruning keeps an end
 * whose peer the document names). A link whose kind,
 * parent or peer changes is replaced (removed, then made). Links without a kind (loopback,
 * physical devices) are never pruned. Listed as unmanaged (and never pruned): links of a kind
 * with kind data this layer does not keep (vlan, bond, gre, …), a link of a kind whose data is
 * kept with a value not kept that differs from the kernel's default (LINK_DATA_NOT_KEPT), a veth whose peer is in a
 * namespace the document does not name, a macvlan whose parent is in another namespace.
 *
 * @module
 */

import { IFF } from "../rtnl/constants.ts";
import type { Link } from "../rtnl/link.ts";
import {
  compact,
  entry,
  entryKeys,
  entryKeysOf,
  ifname,
  int,
  mac,
  oneOf,
  sameJson,
  stableJson,
  text,
} from "./check.ts";
import type { LinkState, PeerRef } from "./document.ts";
import type { Kind, NamespaceContext, PlanContext, PlanStep, Request } from "./kind.ts";
import { PHASE } from "./kind.ts";
import { DATA_REFS, dataNotKept, LINK_DATA } from "./link_data.ts";
import { attrNames } from "./unmanaged.ts";

const KEYS = entryKeys([
  "ifname",
  "kind",
  "mtu",
  "address",
  "state",
  "master",
  "parent",
  "peer",
  "data",
]);
const PEER_KEYS = entryKeys(["ifname", "netns"]);
/** The keys of each kind's data. */
const DATA_KEYS = entryKeysOf(
  Object.fromEntries(Object.entries(LINK_DATA).map(([k, t]) => [k, Object.keys(t)])),
);
/** Kinds whose IFLA_LINK is the interface they sit on. */
const PARENT_KINDS = new Set(["macvlan", "macvtap", "vlan", "ipvlan"]);

type Getter = { get(k: string | string[]): unknown };
const attr = (v: Link, k: string | string[]) => (v as unknown as Getter).get(k);

/** The netns target IPRoute takes for a namespace of the document ("": this process's). */
export function netnsTarget(name: string): string | { pid: number } {
  return name === "" ? { pid: Deno.pid } : name;
}

function checkPeer(v: unknown, path: string): string | PeerRef {
  if (typeof v === "string") return ifname(v, path);
  const o = entry(v, path, PEER_KEYS);
  if (typeof o.netns !== "string") {
    throw new TypeError(`${path}.netns: expected a namespace name of the document`);
  }
  return { ifname: ifname(o.ifname, `${path}.ifname`), netns: o.netns };
}

function checkData(kind: string | undefined, v: unknown, path: string): LinkState["data"] {
  const keys = kind === undefined ? undefined : LINK_DATA[kind];
  if (!keys) {
    throw new TypeError(
      `${path}: ${kind === undefined ? "needs the link's kind" : `no kind data for ${kind}`}` +
        ` (kinds with data: ${Object.keys(LINK_DATA).join(", ")})`,
    );
  }
  const o = entry(v, path, DATA_KEYS[kind!]);
  const out: Record<string, string | number> = {};
  for (const k of Object.keys(o).sort()) {
    const x = o[k];
    if (DATA_REFS.has(k)) out[k] = ifname(x, `${path}.${k}`);
    else if (typeof x === "number") out[k] = int(x, `${path}.${k}`);
    else out[k] = text(x, `${path}.${k}`);
  }
  return out;
}

function check(v: unknown, path: string): LinkState {
  const o = entry(v, path, KEYS);
  const kind = o.kind === undefined ? undefined : text(o.kind, `${path}.kind`);
  const out: LinkState = compact({
    ifname: ifname(o.ifname, `${path}.ifname`),
    kind,
    mtu: o.mtu === undefined ? undefined : int(o.mtu, `${path}.mtu`, 0, 0x7fffffff),
    address: o.address === undefined ? undefined : mac(o.address, `${path}.address`),
    state: o.state === undefined
      ? undefined
      : oneOf(o.state, `${path}.state`, ["up", "down"] as const),
    master: o.master === undefined || o.master === null
      ? o.master as null | undefined
      : ifname(o.master, `${path}.master`),
    parent: o.parent === undefined ? undefined : ifname(o.parent, `${path}.parent`),
    peer: o.peer === undefined ? undefined : checkPeer(o.peer, `${path}.peer`),
    data: o.data === undefined ? undefined : checkData(kind, o.data, `${path}.data`),
  });
  if (out.peer !== undefined && kind !== "veth") {
    throw new TypeError(`${path}.peer: only a veth has a peer`);
  }
  if (out.parent !== undefined && (kind === undefined || !PARENT_KINDS.has(kind))) {
    throw new TypeError(`${path}.parent: only ${[...PARENT_KINDS].join(", ")} have a parent`);
  }
  return out;
}

/** nsid (as `ns` sees it) → namespace name, for the other namespaces of the operation. */
async function peerNamespaces(ns: NamespaceContext): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const name of ns.dbs.keys()) {
    if (name === ns.name) continue;
    try {
      const [r] = await ns.db.ip.nsid("get", { netns: netnsTarget(name) });
      const id = r?.nsid;
      if (typeof id === "number" && id >= 0) out.set(id, name);
    } catch {
      // No id: no link of this namespace points there.
    }
  }
  return out;
}

function readData(kind: string, v: Link, ns: NamespaceContext): LinkState["data"] {
  const keys = LINK_DATA[kind];
  if (!keys) return undefined;
  const data = attr(v, ["linkinfo", "info_data"]) as Record<string, unknown> | undefined;
  if (!data) return undefined;
  const out: Record<string, string | number> = {};
  for (const [k, dflt] of Object.entries(keys).sort(([a], [b]) => a < b ? -1 : 1)) {
    let x = data[k];
    if (x === undefined || x === dflt) continue;
    if (DATA_REFS.has(k)) {
      if (x === 0) continue;
      x = ns.nameOf(x as number);
      if (x === undefined) continue;
    }
    if (typeof x === "number" || typeof x === "string") out[k] = x;
  }
  return Object.keys(out).length ? out : undefined;
}

async function read(ns: NamespaceContext): Promise<LinkState[]> {
  const out: LinkState[] = [];
  let others: Map<number, string> | undefined;
  for (const v of ns.db.store.links.values()) {
    const kind = attr(v, ["linkinfo", "info_kind"]) as string | undefined;
    const flags = (attr(v, "flags") as number) ?? 0;
    const master = attr(v, "master") as number | undefined;
    const link = attr(v, "link") as number | undefined;
    const netnsid = attr(v, "link_netnsid") as number | undefined;
    let peer: string | PeerRef | undefined, parent: string | undefined;
    const name = v.ifname as string;
    // A link the document cannot make again as it is: listed, and never pruned.
    const unmodelled = (reason: string) =>
      ns.unmanaged.add(
        { kind: "links", dev: name, object: `link ${name}${kind ? ` (${kind})` : ""}`, reason },
        name,
      );
    if (kind === "veth" && link) {
      if (netnsid === undefined) peer = ns.nameOf(link);
      else {
        others ??= await peerNamespaces(ns);
        const other = others.get(netnsid);
        const name = other === undefined
          ? undefined
          : ns.dbs.get(other)?.store.links.get(link)?.ifname;
        if (other !== undefined && name !== undefined) peer = { ifname: name, netns: other };
        else unmodelled("its veth peer is in a namespace the document does not name");
      }
    } else if (kind !== undefined && PARENT_KINDS.has(kind) && link) {
      if (netnsid === undefined) parent = ns.nameOf(link);
      else unmodelled("the interface it sits on is in another namespace");
    }
    if (kind !== undefined && !LINK_DATA[kind]) {
      const keys = attrNames(attr(v, ["linkinfo", "info_data"]));
      if (keys.length) unmodelled(`kind data of ${kind} is not modelled (${keys.join(", ")})`);
    } else if (kind !== undefined) {
      const data = attr(v, ["linkinfo", "info_data"]) as Record<string, unknown> | undefined;
      const keys = data ? dataNotKept(kind, data) : [];
      if (keys.length) {
        unmodelled(`kind data not kept differs from the default (${keys.join(", ")})`);
      }
    }
    out.push(compact({
      ifname: v.ifname as string,
      kind,
      mtu: attr(v, "mtu") as number | undefined,
      address: attr(v, "address") as string | undefined,
      state: flags & IFF.UP ? "up" as const : "down" as const,
      master: master ? ns.nameOf(master) : undefined,
      parent,
      peer,
      data: kind === undefined ? undefined : readData(kind, v, ns),
    }));
  }
  return out.sort((a, b) => a.ifname < b.ifname ? -1 : a.ifname > b.ifname ? 1 : 0);
}

/** The peer as written in the namespace `ns` (a same-namespace peer by its name alone). */
function peerIn(ns: string, p: LinkState["peer"]): LinkState["peer"] {
  return typeof p === "object" && p.netns === ns ? p.ifname : p;
}

const ATTRS = ["mtu", "address", "state", "master"] as const;

function changedFields(now: LinkState, want: LinkState): string[] {
  const out: string[] = ATTRS.filter((k) => want[k] !== undefined && want[k] !== (now[k] ?? null));
  for (const [k, v] of Object.entries(want.data ?? {})) {
    if ((now.data?.[k] ?? LINK_DATA[now.kind ?? ""]?.[k]) !== v) out.push(`data.${k}`);
  }
  return out;
}

function replaced(ns: string, now: LinkState, want: LinkState): boolean {
  if (want.kind !== undefined && want.kind !== now.kind) return true;
  // A tun's type is fixed when it is made.
  const type = want.data?.tun_type;
  if (now.kind === "tun" && type !== undefined && type !== now.data?.tun_type) return true;
  if (want.parent !== undefined && want.parent !== now.parent) return true;
  return want.peer !== undefined && !sameJson(peerIn(ns, want.peer), peerIn(ns, now.peer));
}

function depth(e: LinkState): number {
  return e.parent !== undefined || e.data?.vxlan_link !== undefined ? 1 : 0;
}

function show(v: unknown): string {
  return v === undefined || v === null ? "none" : String(v);
}

/** The add request of a link (its pair with it for a veth), without attributes set later. */
function addRequest(ns: string, e: LinkState): Request {
  if (e.kind === "tun") {
    // Not over rtnetlink: IPRoute's "tuntap" makes it through /dev/net/tun.
    const mode = e.data?.tun_type === 2 ? "tap" : "tun";
    return { call: "link", cmd: "add", spec: { ifname: e.ifname, kind: "tuntap", mode } };
  }
  const spec: Record<string, unknown> = { ifname: e.ifname, kind: e.kind };
  const refs: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.data ?? {})) {
    if (DATA_REFS.has(k)) refs[k] = v as string;
    else spec[k] = v;
  }
  if (e.parent !== undefined) refs.link = e.parent;
  const peer = peerIn(ns, e.peer);
  if (typeof peer === "string") spec.peer = peer;
  else if (peer) spec.peer = { ifname: peer.ifname, netns: netnsTarget(peer.netns) };
  return { call: "link", cmd: "add", spec, refs };
}

/** The set request giving `e`'s attributes (those it names) to the link named `e.ifname`. */
function setRequest(e: Partial<LinkState> & { ifname: string }, kind?: string): Request {
  const spec: Record<string, unknown> = {};
  const refs: Record<string, string | null> = { index: e.ifname };
  if (e.mtu !== undefined) spec.mtu = e.mtu;
  if (e.address !== undefined) spec.address = e.address;
  if (e.state !== undefined) spec.state = e.state;
  if (e.master !== undefined) refs.master = e.master;
  if (e.data && Object.keys(e.data).length) {
    spec.kind = kind;
    for (const [k, v] of Object.entries(e.data)) {
      if (DATA_REFS.has(k)) refs[k] = v as string;
      else spec[k] = v;
    }
  }
  return { call: "link", cmd: "set", spec, refs };
}

function attrsOf(e: LinkState): Partial<LinkState> & { ifname: string } {
  return compact({
    ifname: e.ifname,
    mtu: e.mtu,
    address: e.address,
    state: e.state,
    master: e.master,
  });
}

function createSteps(ctx: PlanContext, want: LinkState, phase: number): PlanStep[] {
  const ns = ctx.name;
  const out: PlanStep[] = [];
  const self = `${ns}/${want.ifname}`;
  if (want.kind === undefined && !ctx.pairs.has(self)) {
    throw new TypeError(
      `namespaces.${
        JSON.stringify(ns)
      }.links: ${want.ifname} does not exist; its kind is needed to create it`,
    );
  }
  if (!ctx.pairs.has(self)) {
    ctx.pairs.add(self);
    const peer = peerIn(ns, want.peer);
    if (peer !== undefined) {
      ctx.pairs.add(typeof peer === "string" ? `${ns}/${peer}` : `${peer.netns}/${peer.ifname}`);
    }
    out.push({
      namespace: ns,
      kind: "links",
      action: "create",
      key: want.ifname,
      describe: `+ link ${want.ifname} (${want.kind}${
        peer === undefined ? "" : ` peer ${typeof peer === "string" ? peer : stableJson(peer)}`
      })`,
      phase: phase + depth(want),
      run: [addRequest(ns, want)],
      undo: [{ call: "link", cmd: "del", spec: {}, refs: { index: want.ifname } }],
    });
  }
  const attrs = attrsOf(want);
  if (Object.keys(attrs).length > 1) {
    out.push({
      namespace: ns,
      kind: "links",
      action: "change",
      key: want.ifname,
      describe: `~ link ${want.ifname}: ${
        ATTRS.filter((k) => want[k] !== undefined).map((k) => `${k} ${show(want[k])}`).join(", ")
      }`,
      phase: PHASE.linkChange,
      run: [setRequest(attrs)],
      undo: [],
    });
  }
  return out;
}

function deleteStep(ctx: PlanContext, now: LinkState, phase: number): PlanStep[] {
  const ns = ctx.name;
  const self = `${ns}/${now.ifname}`;
  if (ctx.pairs.has(self)) return [];
  ctx.pairs.add(self);
  const peer = peerIn(ns, now.peer);
  const undo = [addRequest(ns, now), setRequest(attrsOf(now))];
  if (peer !== undefined) {
    const [pns, pname] = typeof peer === "string" ? [ns, peer] : [peer.netns, peer.ifname];
    ctx.pairs.add(`${pns}/${pname}`);
    if (pns === ns) {
      const p = ctx.links.get(pname);
      if (p) undo.push(setRequest(attrsOf(p)));
    }
  }
  return [{
    namespace: ns,
    kind: "links",
    action: "delete",
    key: now.ifname,
    describe: `- link ${now.ifname}${peer === undefined ? "" : ` (and its peer)`}`,
    phase: phase - depth(now),
    run: [{ call: "link", cmd: "del", spec: {}, refs: { index: now.ifname } }],
    undo,
  }];
}

/** Whether the veth peer of `now` is named by the desired document (then `now` stays). */
function peerWanted(ctx: PlanContext, now: LinkState): boolean {
  const peer = peerIn(ctx.name, now.peer);
  if (peer === undefined) return false;
  const [pns, pname] = typeof peer === "string" ? [ctx.name, peer] : [peer.netns, peer.ifname];
  return ctx.wantAll[pns]?.links?.some((l) => l.ifname === pname) ?? false;
}

function steps(ctx: PlanContext, now?: LinkState, want?: LinkState): PlanStep[] {
  if (!now) return want ? createSteps(ctx, want, PHASE.linkCreate) : [];
  // Pruned, unless its veth peer is wanted: removing one end removes both.
  if (!want) return peerWanted(ctx, now) ? [] : deleteStep(ctx, now, PHASE.linkDelete);
  if (replaced(ctx.name, now, want)) {
    return [
      ...deleteStep(ctx, now, PHASE.linkReplace),
      ...createSteps(ctx, { ...now, ...want, data: want.data }, PHASE.linkCreate),
    ];
  }
  const fields = changedFields(now, want);
  if (fields.length === 0) return [];
  const to: Partial<LinkState> & { ifname: string } = { ifname: want.ifname };
  const from: Partial<LinkState> & { ifname: string } = { ifname: want.ifname };
  const changes: Record<string, string> = {};
  const toData: Record<string, string | number> = {}, fromData: typeof toData = {};
  for (const f of fields) {
    if (f.startsWith("data.")) {
      const k = f.slice(5);
      toData[k] = want.data![k] as string | number;
      const old = now.data?.[k] ?? LINK_DATA[now.kind ?? ""]?.[k];
      if (old !== undefined && old !== null) fromData[k] = old as string | number;
      changes[f] = `${show(old)} -> ${show(toData[k])}`;
    } else {
      const k = f as typeof ATTRS[number];
      (to as Record<string, unknown>)[k] = want[k];
      (from as Record<string, unknown>)[k] = now[k] ?? (k === "master" ? null : undefined);
      changes[k] = `${show(now[k])} -> ${show(want[k])}`;
    }
  }
  if (Object.keys(toData).length) to.data = toData;
  if (Object.keys(fromData).length) from.data = fromData;
  return [{
    namespace: ctx.name,
    kind: "links",
    action: "change",
    key: want.ifname,
    describe: `~ link ${want.ifname}: ${
      Object.entries(changes).map(([k, v]) => `${k} ${v}`).join(", ")
    }`,
    changes,
    phase: PHASE.linkChange,
    run: [setRequest(to, now.kind)],
    undo: [setRequest(from, now.kind)],
  }];
}

/** Links: see the module documentation. */
export const LINKS: Kind<LinkState> = {
  name: "links",
  check,
  key: (e) => e.ifname,
  read,
  steps,
  keep: (e) => e.kind === undefined,
};
