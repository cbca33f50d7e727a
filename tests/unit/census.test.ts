/**
 * The options-key census: every public method of the user classes is listed here, and each one
 * that takes an options object, spec or filter is called with one unknown key, which must be a
 * TypeError naming that key. A method missing from the list fails the test, so a new method
 * cannot skip the check. Nothing can be sent: the connections' engines refuse to.
 */

import assert from "node:assert/strict";
import {
  GenericNetlink,
  Interface,
  IPDB,
  IPDBRoute,
  IPDBRule,
  IPRoute,
  MultiIPDB,
  netns,
  Routes,
  RouteTable,
  Rules,
  TaskStats,
  Tracked,
  Transaction,
} from "../../mod.ts";
import { isRoot, nsName } from "../helpers.ts";
import { RtnlCore } from "../../rtnl/core.ts";
import { LINK_MESSAGE, RTM } from "../../rtnl/schemas/mod.ts";
import { CTRL_MESSAGE } from "../../netlink/mod.ts";
import { bogus, census, refusesBogus, seal } from "./census_util.ts";
import type { Entry } from "./census_util.ts";

const IPROUTE: Record<string, Entry<IPRoute>> = {
  constructor: () => new IPRoute(bogus as never),
  link: (ip) => ip.link("set", { index: 1, ...bogus } as never),
  getLinks: (ip) => ip.getLinks(bogus as never),
  linkLookup: (ip) => ip.linkLookup(bogus as never),
  addr: (ip) => ip.addr("add", { index: 1, address: "10.0.0.1/24", ...bogus } as never),
  getAddr: (ip) => ip.getAddr(bogus as never),
  flushAddr: (ip) => ip.flushAddr(bogus as never),
  route: (ip) => ip.route("add", { dst: "10.0.0.0/8", oif: 1, ...bogus } as never),
  getRoutes: (ip) => ip.getRoutes(bogus as never),
  iterRoutes: (ip) => ip.iterRoutes(bogus as never),
  iterRoutePages: (ip) => ip.iterRoutePages(bogus as never),
  flushRoutes: (ip) => ip.flushRoutes(bogus as never),
  getDefaultRoutes: (ip) => ip.getDefaultRoutes(bogus as never),
  flushRules: (ip) => ip.flushRules(bogus as never),
  brport: (ip) => ip.brport("set", { index: 1, ...bogus } as never),
  rule: (ip) => ip.rule("add", { priority: 5, ...bogus } as never),
  getRules: (ip) => ip.getRules(bogus as never),
  neigh: (ip) => ip.neigh("add", { ifindex: 1, dst: "10.0.0.1", ...bogus } as never),
  getNeighbours: (ip) => ip.getNeighbours(bogus as never),
  nexthop: (ip) => ip.nexthop("add", { id: 1, blackhole: true, ...bogus } as never),
  getNexthops: (ip) => ip.getNexthops(bogus as never),
  fdb: (ip) => ip.fdb("add", { lladdr: "02:00:00:00:00:01", ifindex: 1, ...bogus } as never),
  getFdb: (ip) => ip.getFdb(bogus as never),
  vlanFilter: (ip) => ip.vlanFilter("add", { ifindex: 1, vid: 10, ...bogus } as never),
  getVlans: (ip) => ip.getVlans(bogus as never),
  tc: (ip) => ip.tc("add", "htb", { index: 1, handle: "1:", ...bogus } as never),
  getQdiscs: (ip) => ip.getQdiscs(bogus as never),
  getClasses: (ip) => ip.getClasses(bogus as never),
  getFilters: (ip) => ip.getFilters(bogus as never),
  monitor: (ip) => ip.monitor(bogus as never),
  batch: (ip) => ip.batch(() => {}, bogus as never),
  nsid: (ip) => ip.nsid("get", { nsid: 1, ...bogus } as never),
  getNsids: (ip) => ip.getNsids(bogus as never),
  build: (ip) => ip.build(LINK_MESSAGE, { type: RTM.GETLINK, flags: 0, ...bogus } as never),
  send: { none: "takes a built request and a signal" },
  dump: (ip) => ip.dump(LINK_MESSAGE, { type: RTM.GETLINK, flags: 0 }, bogus as never),
  dumpList: (ip) => ip.dumpList(LINK_MESSAGE, { type: RTM.GETLINK, flags: 0 }, bogus as never),
  dumpIter: (ip) => ip.dumpIter(LINK_MESSAGE, { type: RTM.GETLINK, flags: 0 }, bogus as never),
  dumpPages: (ip) => ip.dumpPages(LINK_MESSAGE, { type: RTM.GETLINK, flags: 0 }, bogus as never),
  ifindex: { none: "takes an index or name and a field name" },
  netns: { none: "a getter" },
  close: { none: "takes nothing" },
};

const TASKSTATS: Record<string, Entry<TaskStats>> = {
  constructor: () => new TaskStats(bogus as never),
  family: { none: "takes nothing" },
  getPidStat: { none: "takes a pid" },
  getTgidStat: { none: "takes a tgid" },
  monitor: (ts) => ts.monitor(bogus as never),
  close: { none: "takes nothing" },
};

const GENL: Record<string, Entry<GenericNetlink>> = {
  constructor: () => new GenericNetlink(bogus as never),
  resolve: { none: "takes a family name" },
  resolveNow: { none: "takes a family name" },
  listFamilies: { none: "takes nothing" },
  command: (g) =>
    g.command(
      { name: "x", id: 99, version: 1, hdrsize: 0, maxattr: 0, ops: [], groups: {} },
      1,
      {},
      {
        schema: CTRL_MESSAGE,
        ...bogus,
      } as never,
    ),
  commandNoAck: { none: "options of command() minus signal, reply and dump" },
  subscribe: { none: "takes a family and a group name" },
  unsubscribe: { none: "takes a family and a group name" },
  monitor: (g) => g.monitor({ family: "nlctrl", schema: CTRL_MESSAGE, ...bogus } as never),
  close: { none: "takes nothing" },
};

Deno.test("census: every options object refuses an unknown key, naming it", async () => {
  let n = 0;
  n += await census("IPRoute", IPRoute.prototype, IPROUTE, () => seal(new IPRoute()));
  n += await census("TaskStats", TaskStats.prototype, TASKSTATS, () => {
    const ts = new TaskStats();
    seal(ts.genl);
    return ts;
  });
  n += await census(
    "GenericNetlink",
    GenericNetlink.prototype,
    GENL,
    () => seal(new GenericNetlink()),
  );
  assert.ok(IPRoute.prototype instanceof RtnlCore);
  console.log(`census: ${n} methods refuse an unknown key`);
  assert.equal(n, 43);
});

/** IPDB and its objects: the census runs in a namespace of its own (nothing may be sent). */
Deno.test({
  name: "census: IPDB's options objects and specs refuse an unknown key, naming it",
  ignore: !isRoot,
  fn: async () => {
    const ns = nsName("census");
    netns.create(ns);
    try {
      await using db = await IPDB.open({ netns: ns, rules: true });
      await using multi = await MultiIPDB.open({ netns: [ns], watch: false });
      const lo = db.interfaces.lo!;
      const route = db.routes.add({ dst: "10.9.0.0/16", oif: 1 });
      const rule = db.rules.add({ priority: 10, table: 10 });
      const calls: Record<string, () => unknown> = {
        "IPDB.open": () => IPDB.open({ netns: ns, ...bogus } as never),
        "IPDB.changes": () => db.changes(bogus as never),
        "IPDB.transaction": () => db.transaction(() => {}, bogus as never),
        "IPDB.create": () => db.create({ ifname: "x0", kind: "veth", ...bogus } as never),
        "IPDB.plan": () => db.plan({ version: 1, namespaces: {} }, bogus as never),
        "IPDB.apply": () => db.apply({ version: 1, namespaces: {} }, bogus as never),
        "Interfaces.add": () =>
          db.interfaces.add({ ifname: "x0", kind: "veth", ...bogus } as never),
        "Transaction.commit": () => db.begin().commit(bogus as never),
        "Interface.commit": () => lo.commit(bogus as never),
        "Interface.transaction": () => lo.transaction(() => {}, bogus as never),
        "Interface.waitIp": () => lo.waitIp("127.0.0.1", bogus as never),
        "Interface.addIp": () => lo.addIp("10.9.9.9/24", bogus as never),
        "IPDBRoute.commit": () => route.commit(bogus as never),
        "IPDBRule.commit": () => rule.commit(bogus as never),
        "Routes.add": () => db.routes.add({ dst: "10.8.0.0/16", ...bogus } as never),
        "RouteTable.add": () => db.routes.table(100).add({ dst: "10.8.0.0/16", ...bogus } as never),
        "Rules.add": () => db.rules.add({ priority: 11, ...bogus } as never),
        "Rules.find": () => db.rules.find(bogus as never),
        "MultiIPDB.open": () => MultiIPDB.open({ netns: [ns], ...bogus } as never),
        "IPDB.open (namespaces)": () => IPDB.open({ netns: [ns], ...bogus } as never),
        "MultiIPDB.changes": () => multi.changes(bogus as never),
        "MultiIPDB.plan": () => multi.plan({ version: 1, namespaces: {} }, bogus as never),
        "MultiIPDB.apply": () => multi.apply({ version: 1, namespaces: {} }, bogus as never),
      };
      route.rollback();
      rule.rollback();
      for (const [name, call] of Object.entries(calls)) {
        await refusesBogus(name, call);
      }
      // Every other public method of these classes takes no options object.
      const none: Record<string, readonly string[]> = {
        IPDB: [
          "begin",
          "sync",
          "verify",
          "close",
          "closed",
          "store",
          "changes",
          "create",
          "transaction",
          "byName",
          "byIndex",
          "netnsName",
          "refresh",
          "snapshot",
          "plan",
          "apply",
        ],
        Transaction: ["open", "add", "objects", "review", "commit", "rollback"],
        Tracked: [
          "label",
          "hasChanges",
          "review",
          "rollback",
          "drop",
          "remove",
          "commit",
          "transaction",
        ],
        Interface: [],
        IPDBRoute: [],
        IPDBRule: [],
        Routes: ["table", "get", "has", "add", "size", "tableIds", "views"],
        RouteTable: ["get", "has", "add", "size", "views", "keys"],
        Rules: ["add", "find", "size", "views"],
        MultiIPDB: [
          "closed",
          "namespaces",
          "databases",
          "has",
          "ns",
          "attach",
          "detach",
          "namespaceOf",
          "peer",
          "changes",
          "close",
          "snapshot",
          "plan",
          "apply",
        ],
      };
      const classes: [string, object][] = [
        ["IPDB", IPDB.prototype],
        ["Transaction", Transaction.prototype],
        ["Tracked", Tracked.prototype],
        ["Routes", Routes.prototype],
        ["RouteTable", RouteTable.prototype],
        ["Rules", Rules.prototype],
        ["MultiIPDB", MultiIPDB.prototype],
      ];
      for (const [name, proto] of classes) {
        const own = Object.getOwnPropertyNames(proto).filter((k) => k !== "constructor");
        const missing = own.filter((k) => !none[name].includes(k));
        assert.deepEqual(missing, [], `${name}: methods missing from the census`);
      }
      assert.ok(Interface.prototype instanceof Tracked);
      assert.ok(IPDBRoute.prototype instanceof Tracked && IPDBRule.prototype instanceof Tracked);
      console.log(`census: ${Object.keys(calls).length} IPDB methods refuse an unknown key`);
      assert.equal(Object.keys(calls).length, 23);
    } finally {
      netns.remove(ns);
    }
  },
});
