/**
 * Type tests: typos and keys of the wrong kind do not compile. `deno check` (part of
 * `deno task check`, and of running this file) fails if any `@ts-expect-error` line compiles,
 * i.e. if the types stopped catching a mistake. The cases are never run.
 */

import assert from "node:assert/strict";
import type { IPDB, IPRoute, LinkSpec, MonitorEvent } from "../../mod.ts";

/** Link specs: a union discriminated by `kind`, each kind with its IFLA_INFO_DATA keys. */
export async function linkSpecs(ip: IPRoute): Promise<void> {
  await ip.link("add", { ifname: "vx0", kind: "vxlan", vxlan_id: 42, vxlan_port: 4789 });
  await ip.link("add", { ifname: "br0", kind: "bridge", br_stp_state: 1 });
  await ip.link("add", { ifname: "v0", kind: "veth", peer: { ifname: "v1", mtu: 1400 } });
  await ip.link("add", { ifname: "m0", kind: "macvlan", link: "v0", macvlan_mode: "bridge" });
  await ip.link("add", { ifname: "tap0", kind: "tuntap", mode: "tap", owner: 1000 });
  await ip.link("set", { index: "v0", mtu: 1400, state: "up", brport_cost: 5 });
  await ip.link("set", { index: "vx0", vxlan_ttl: 5 }); // without kind: the link's own kind
  // @ts-expect-error a typo of a kind's data key
  await ip.link("add", { ifname: "vx0", kind: "vxlan", vxlan_idd: 42 });
  // @ts-expect-error another kind's data key
  await ip.link("add", { ifname: "br0", kind: "bridge", vxlan_id: 42 });
  // @ts-expect-error a typo of a common key
  await ip.link("set", { index: 1, mtuu: 1400 });
  // @ts-expect-error a kind the kernel does not have
  await ip.link("add", { ifname: "x0", kind: "vxlna" });
  // @ts-expect-error tuntap needs its mode
  await ip.link("add", { ifname: "tap0", kind: "tuntap" });
  const spec: LinkSpec = { ifname: "d0", kind: "veth", peer: "d1" };
  await ip.link("add", spec);
}

/** Filters and options: only the keys each method takes. */
export async function filtersAndOptions(ip: IPRoute): Promise<void> {
  await ip.getRoutes({ table: 254, oif: "v0", signal: AbortSignal.timeout(1000) });
  await ip.getRules({ priority: (p: number) => p > 100 });
  await ip.getAddr({ match: (a) => a.prefixlen === 24 });
  // @ts-expect-error not a route attribute
  await ip.getRoutes({ dev: "v0" });
  // @ts-expect-error a typo
  await ip.getLinks({ ifnmae: "lo" });
  // @ts-expect-error a flush needs a filter: all must be true
  await ip.flushRoutes({ all: false });
  // @ts-expect-error not a monitor option
  ip.monitor({ grups: ["link"] });
  // @ts-expect-error not an IPRoute option
  new (ip.constructor as typeof IPRoute)({ netnss: "x" });
}

/** tc specs: the common keys of the object and the options of the kind. */
export async function tcSpecs(ip: IPRoute): Promise<void> {
  await ip.tc("add", "htb", { index: 1, handle: "1:", default: "1:20" });
  await ip.tc("add-class", "htb", { index: 1, parent: "1:", classid: "1:10", rate: "10mbit" });
  await ip.tc("add-filter", "u32", { index: 1, parent: "1:", match: [{ dst: "10.0.0.0/8" }] });
  await ip.tc("del", "", { index: 1, parent: "root" });
  // @ts-expect-error a typo of an htb option
  await ip.tc("add", "htb", { index: 1, handle: "1:", defualt: "1:20" });
  // @ts-expect-error an option of htb classes, not of the htb qdisc
  await ip.tc("add", "htb", { index: 1, handle: "1:", ceil: "20mbit" });
  // @ts-expect-error a tbf option on an htb class
  await ip.tc("add-class", "htb", { index: 1, classid: "1:10", rate: "1mbit", latency: "50ms" });
  // @ts-expect-error a qdisc kind where a classifier goes
  await ip.tc("add-filter", "htb", { index: 1 });
  // @ts-expect-error classid is not a qdisc key
  await ip.tc("add", "ingress", { index: 1, classid: "1:1" });
  await ip.batch((b) => {
    b.tc("add", "htb", { index: 1, handle: "1:", default: "1:20" });
    // @ts-expect-error batches are typed the same way
    b.tc("add", "htb", { index: 1, handle: "1:", defualt: "1:20" });
    // @ts-expect-error and so are their link specs
    b.link("add", { ifname: "vx0", kind: "vxlan", vxlan_idd: 1 });
  });
}

/** IPDB: an interface may be absent; its properties are the schema's names. */
export function ipdbTypes(db: IPDB): void {
  // @ts-expect-error db.interfaces.tap0 may be undefined
  db.interfaces.tap0.mtu = 1400;
  const i = db.interfaces.tap0!;
  i.mtu = 1400;
  i.vxlan_ttl = 5; // a kind's data is writable (the interface's own kind, at run time)
  const queues: number | undefined = i.num_tx_queues;
  const stp: number | undefined = i.br_stp_state;
  // @ts-expect-error a typo
  i.mtuu = 1400;
  // @ts-expect-error carrier is read only
  i.carrier = 1;
  i.ipaddr.add("10.0.0.1", 24);
  db.routes["10.1.0.0/16"]!.metrics.mtu = 1400;
  void [queues, stp];
}

/** Monitor events: narrowed by `type`. */
export function monitorEvents(e: MonitorEvent): string | number | undefined {
  if (e.type === "RTM_NEWLINK") return e.message.ifname; // a Link
  if (e.type === "RTM_NEWROUTE") return e.message.dst; // a Route
  if (e.type === "overrun") return undefined;
  // @ts-expect-error a neighbour has no ifname
  if (e.type === "RTM_NEWNEIGH") return e.message.ifname;
  return e.type;
}

Deno.test("type tests compile (checked by deno check, never run)", () => {
  assert.equal(typeof linkSpecs, "function");
  assert.equal(typeof filtersAndOptions, "function");
  assert.equal(typeof tcSpecs, "function");
  assert.equal(typeof ipdbTypes, "function");
  assert.equal(typeof monitorEvents, "function");
  const _db: IPDB | undefined = undefined;
  assert.equal(_db, undefined);
});
