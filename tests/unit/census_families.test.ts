/**
 * The options-key census of the other families (see census.test.ts for rtnetlink, taskstats,
 * generic netlink and IPDB): every public method of SockDiag, ProcEvents, Uevents, Conntrack,
 * NFTables (and its NftTransaction), IPSet, NfnlConnection, Ethtool, XFRM, WireGuard, MPTCP,
 * StatePlan, Subscription and the rtnetlink Batch is listed, and so are the exported functions
 * taking options (the rule builders, compileFilter, nfnlMonitor, plan, apply). Each options
 * object, spec or filter a method takes is given one unknown key, which must be a TypeError
 * naming it before anything is sent. The sockets are opened in the current namespace and their
 * engines sealed: nothing can be sent (Ethtool reads the kernel's feature names once, before it
 * is sealed).
 */

import { compileFilter, SockDiag } from "../../diag/mod.ts";
import { ProcEvents, Uevents } from "../../events/mod.ts";
import {
  Conntrack,
  IPSet,
  NfnlConnection,
  nfnlMonitor,
  NFTables,
  NftTransaction,
  rules,
} from "../../netfilter/mod.ts";
import { Ethtool } from "../../ethtool/mod.ts";
import { XFRM } from "../../xfrm/mod.ts";
import { WireGuard } from "../../wireguard/mod.ts";
import { MPTCP } from "../../mptcp/mod.ts";
import { apply, plan, StatePlan } from "../../state/mod.ts";
import { Batch, IPRoute } from "../../rtnl/mod.ts";
import { BatchError } from "../../rtnl/batch.ts";
import { CTRL_MESSAGE, Subscription } from "../../netlink/mod.ts";
import { lacks, named } from "../features.ts";
import { BOGUS, bogus, census, refusesBogus, seal } from "./census_util.ts";
import type { Entry } from "./census_util.ts";
import assert from "node:assert/strict";

/** A spec with the unknown key added (typed loosely: the key is the point). */
const and = (spec: object): never => ({ ...spec, ...bogus }) as never;

const TUPLE = { saddr: "10.0.0.1", daddr: "10.0.0.2", proto: "tcp", sport: 1000, dport: 80 };

const SOCKDIAG: Record<string, Entry<SockDiag>> = {
  constructor: () => new SockDiag(and({})),
  inet: (d) => d.inet(and({})),
  "inet (filter)": (d) => d.inet({ filter: and({ dport: 22 }) }),
  "inet (filter port)": (d) => d.inet({ filter: { sport: and({ ge: 1024 }) } }),
  "inet (filter endpoint)": (d) => d.inet({ filter: { src: and({ addr: "10.0.0.0/8" }) } }),
  get: (d) => d.get(and({ src: "10.0.0.1", sport: 1, dst: "10.0.0.2", dport: 2 })),
  "get (options)": (d) => d.get({ src: "10.0.0.1", sport: 1, dst: "10.0.0.2", dport: 2 }, and({})),
  destroy: (d) => d.destroy(and({ src: "10.0.0.1", sport: 1, dst: "10.0.0.2", dport: 2 })),
  "destroy (options)": (d) =>
    d.destroy({ src: "10.0.0.1", sport: 1, dst: "10.0.0.2", dport: 2 }, and({})),
  unix: (d) => d.unix(and({})),
  packet: (d) => d.packet(and({})),
  netlink: (d) => d.netlink(and({})),
  close: { none: "takes nothing" },
};

/** The event streams: only their constructors take options (they subscribe when made). */
const PROCEVENTS: Record<string, Entry<ProcEvents>> = {
  constructor: () => new ProcEvents(and({})),
  decode: { none: "protected: a datagram" },
  unsubscribe: { none: "protected: takes nothing" },
  closed: { none: "a getter" },
  close: { none: "takes nothing" },
};

const UEVENTS: Record<string, Entry<Uevents>> = {
  constructor: () => new Uevents(and({})),
  decode: { none: "protected: a datagram" },
  unsubscribe: { none: "protected: takes nothing" },
  closed: { none: "a getter" },
  close: { none: "takes nothing" },
};

const CONNTRACK: Record<string, Entry<Conntrack>> = {
  constructor: () => new Conntrack(and({})),
  dump: (ct) => ct.dump(and({})),
  "dump (tuple)": (ct) => ct.dump({ tuple_orig: and({ saddr: "10.0.0.1" }) }),
  dumpIter: (ct) => ct.dumpIter(and({})).next(),
  get: (ct) => ct.get(and({ tuple_orig: TUPLE })),
  "get (tuple)": (ct) => ct.get({ tuple_orig: and(TUPLE) }),
  create: (ct) => ct.create(and({ tuple_orig: TUPLE, timeout: 10 })),
  "create (protoinfo)": (ct) =>
    ct.create({
      tuple_orig: TUPLE,
      timeout: 10,
      protoinfo: { tcp: and({ state: "ESTABLISHED" }) },
    }),
  update: (ct) => ct.update(and({ tuple_orig: TUPLE, mark: 1 })),
  delete: (ct) => ct.delete(and({ tuple_orig: TUPLE })),
  entry: (ct) => ct.entry("add", and({ tuple_orig: TUPLE, timeout: 10 })),
  flush: (ct) => ct.flush(and({ mark: 1 })),
  stat: { none: "takes nothing" },
  statGlobal: { none: "takes nothing" },
  count: { none: "takes nothing" },
  conntrackMaxSize: { none: "takes nothing" },
  expectations: (ct) => ct.expectations(and({})),
  "expectations (master)": (ct) => ct.expectations({ master: and(TUPLE) }),
  getExpectation: (ct) => ct.getExpectation(and({ tuple: TUPLE })),
  createExpectation: (ct) =>
    ct.createExpectation(and({ master: TUPLE, tuple: TUPLE, mask: TUPLE, timeout: 10 })),
  deleteExpectation: (ct) => ct.deleteExpectation(and({ tuple: TUPLE })),
  flushExpectations: (ct) => ct.flushExpectations(and({ all: true })),
  statExpectations: { none: "takes nothing" },
  monitor: (ct) => ct.monitor(and({})),
  close: { none: "takes nothing" },
};

const NFT_TABLE = { family: "inet", table: "t" } as const;

const NFTABLES: Record<string, Entry<NFTables>> = {
  constructor: () => new NFTables(and({})),
  getGen: { none: "takes nothing" },
  getTables: (n) => n.getTables(and({})),
  getChains: (n) => n.getChains(and({})),
  getRules: (n) => n.getRules(and({})),
  getSets: (n) => n.getSets(and({})),
  getElements: (n) => n.getElements(and({ ...NFT_TABLE, set: "s" })),
  getObjects: (n) => n.getObjects(and({})),
  ruleset: (n) => n.ruleset(and({})),
  transaction: (n) => n.transaction(() => {}, and({})),
  commit: { none: "takes a built transaction and a generation id" },
  flushRuleset: (n) => n.flushRuleset(and({})),
  monitor: (n) => n.monitor(and({})),
  close: { none: "takes nothing" },
};

/** NftTransaction's specs, through the public path: `NFTables.transaction`'s builder. */
const tx = (build: (t: NftTransaction) => unknown) => (n: NFTables) =>
  n.transaction((t) => void build(t));

const NFT_TRANSACTION: Record<string, Entry<NFTables>> = {
  constructor: { none: "takes a connection" },
  size: { none: "a getter" },
  operations: { none: "a getter" },
  needed: { none: "takes nothing" },
  encode: { none: "takes a set-shape lookup" },
  addTable: tx((t) => t.addTable(and({ family: "inet", name: "t" }))),
  deleteTable: tx((t) => t.deleteTable(and({ family: "inet", name: "t" }))),
  flushTable: tx((t) => t.flushTable(and(NFT_TABLE))),
  flushRuleset: tx((t) => t.flushRuleset(and({}))),
  addChain: tx((t) => t.addChain(and({ ...NFT_TABLE, name: "c" }))),
  deleteChain: tx((t) => t.deleteChain(and({ ...NFT_TABLE, name: "c" }))),
  flushChain: tx((t) => t.flushChain(and({ ...NFT_TABLE, chain: "c" }))),
  addRule: tx((t) => t.addRule(and({ ...NFT_TABLE, chain: "c", expr: rules.accept({}) }))),
  "addRule (expression)": tx((t) =>
    t.addRule({ ...NFT_TABLE, chain: "c", expr: [and({ kind: "counter" })] })
  ),
  insertRule: tx((t) => t.insertRule(and({ ...NFT_TABLE, chain: "c", expr: rules.accept({}) }))),
  replaceRule: tx((t) =>
    t.replaceRule(and({ ...NFT_TABLE, chain: "c", handle: 1, expr: rules.accept({}) }))
  ),
  deleteRule: tx((t) => t.deleteRule(and({ ...NFT_TABLE, chain: "c", handle: 1 }))),
  addSet: tx((t) => t.addSet(and({ ...NFT_TABLE, name: "s", type: "ipv4_addr" }))),
  "addSet (element)": tx((t) =>
    t.addSet({ ...NFT_TABLE, name: "s", type: "ipv4_addr", elements: [and({ key: "10.0.0.1" })] })
  ),
  addSetWithId: tx((t) => t.addSetWithId(and({ ...NFT_TABLE, name: "s", type: "ipv4_addr" }))),
  deleteSet: tx((t) => t.deleteSet(and({ ...NFT_TABLE, name: "s" }))),
  flushSet: tx((t) => t.flushSet(and({ ...NFT_TABLE, set: "s" }))),
  addElements: tx((t) => t.addElements(and({ ...NFT_TABLE, set: "s", elements: ["10.0.0.1"] }))),
  // A set the transaction does not add: its shape would be read before the elements encode.
  "addElements (element)": tx((t) =>
    t.addElements({ ...NFT_TABLE, set: "s", elements: [and({ key: "10.0.0.1" })] })
  ),
  deleteElements: tx((t) =>
    t.deleteElements(and({ ...NFT_TABLE, set: "s", elements: ["10.0.0.1"] }))
  ),
  addObject: tx((t) => t.addObject(and({ ...NFT_TABLE, name: "o", type: "counter" }))),
  deleteObject: tx((t) => t.deleteObject(and({ ...NFT_TABLE, name: "o", type: "counter" }))),
};

const IPSET: Record<string, Entry<IPSet>> = {
  constructor: () => new IPSet(and({})),
  protocol: { none: "takes nothing" },
  getSupportedRevisions: { none: "takes a type and a family name" },
  create: (s) => s.create("s", and({ type: "hash:ip" })),
  destroy: (s) => s.destroy(and({ all: true })),
  flush: (s) => s.flush(and({ all: true })),
  rename: { none: "takes two set names" },
  swap: { none: "takes two set names" },
  header: { none: "takes a set name" },
  list: { none: "takes a set name" },
  save: { none: "takes a set name" },
  add: (s) => s.add("s", and({ ip: "10.0.0.1" })),
  "add (options)": (s) => s.add("s", "10.0.0.1", and({})),
  delete: (s) => s.delete("s", [and({ ip: "10.0.0.1" })]),
  "delete (options)": (s) => s.delete("s", "10.0.0.1", and({})),
  test: (s) => s.test("s", and({ ip: "10.0.0.1" })),
  replace: (s) => s.replace("s", [and({ ip: "10.0.0.1" })]),
  close: { none: "takes nothing" },
};

const BUILT = { bytes: new Uint8Array(0), schema: CTRL_MESSAGE, describe: "x" };

const NFNL: Record<string, Entry<NfnlConnection>> = {
  constructor: () => new NfnlConnection(and({})),
  build: (c) => c.build(CTRL_MESSAGE, and({ type: 16, flags: 0 }), "x"),
  send: { none: "takes a built request and a signal" },
  dump: (c) => c.dump(BUILT, () => true, and({})),
  dumpIter: (c) => c.dumpIter(BUILT, () => true, and({})).next(),
  batch: (c) => c.batch(10, [], and({})),
  close: { none: "takes nothing" },
};

const ETHTOOL: Record<string, Entry<Ethtool>> = {
  constructor: () => new Ethtool(and({})),
  family: { none: "takes nothing" },
  getStringSet: { none: "takes a set and a device" },
  getLinkInfo: { none: "takes a device" },
  getLinkModes: { none: "takes a device" },
  getLinkState: { none: "takes a device" },
  getFeatures: { none: "takes a device" },
  setFeatures: (e) => e.setFeatures("lo", { [BOGUS]: true }),
  setLinkModes: (e) => e.setLinkModes("lo", and({})),
  setLinkInfo: (e) => e.setLinkInfo("lo", and({})),
  getRings: { none: "takes a device" },
  setRings: (e) => e.setRings("lo", and({})),
  getChannels: { none: "takes a device" },
  setChannels: (e) => e.setChannels("lo", and({})),
  getCoalesce: { none: "takes a device" },
  setCoalesce: (e) => e.setCoalesce("lo", and({})),
  getPause: (e) => e.getPause("lo", and({})),
  setPause: (e) => e.setPause("lo", and({})),
  getEee: { none: "takes a device" },
  setEee: (e) => e.setEee("lo", and({})),
  getPrivFlags: { none: "takes a device" },
  setPrivFlags: { none: "the driver's own flag names: the kernel refuses an unknown one" },
  getTsInfo: { none: "takes a device" },
  getStats: (e) => e.getStats("lo", and({})),
  monitor: (e) => e.monitor(and({})),
  close: { none: "takes nothing" },
};

const SEL = { src: "10.0.0.0/8", dst: "10.1.0.0/16" };
const SA = { src: "10.0.0.1", dst: "10.0.0.2", proto: "esp", spi: 0x100 } as const;
const CRYPT = { name: "cbc(aes)", key: `0x${"00".repeat(16)}` };

const XFRM_TABLE: Record<string, Entry<XFRM>> = {
  constructor: () => new XFRM(and({})),
  state: (x) => x.state("add", and({ ...SA, mode: "tunnel" })),
  "state (lifetime)": (x) => x.state("add", { ...SA, lifetime: and({}) }),
  "state (crypt)": (x) => x.state("add", { ...SA, crypt: and(CRYPT) }),
  "state (encap)": (x) =>
    x.state("add", { ...SA, crypt: CRYPT, encap: and({ type: "espinudp", sport: 1, dport: 2 }) }),
  "state (mark)": (x) => x.state("add", { ...SA, crypt: CRYPT, mark: and({ value: 1 }) }),
  "state (id)": (x) => x.state("get", and(SA)),
  getStates: (x) => x.getStates(and({})),
  flushStates: (x) => x.flushStates(and({})),
  allocSpi: (x) => x.allocSpi(and({ src: "10.0.0.1", dst: "10.0.0.2", proto: "esp" })),
  policy: (x) => x.policy("add", and({ sel: SEL, dir: "out" })),
  "policy (selector)": (x) => x.policy("add", { sel: and(SEL), dir: "out" }),
  "policy (template)": (x) => x.policy("add", { sel: SEL, dir: "out", tmpl: [and({})] }),
  "policy (id)": (x) => x.policy("get", and({ sel: SEL, dir: "out" })),
  getPolicies: { none: "takes nothing" },
  flushPolicies: (x) => x.flushPolicies(and({})),
  getSadInfo: { none: "takes nothing" },
  getSpdInfo: { none: "takes nothing" },
  monitor: (x) => x.monitor(and({})),
  close: { none: "takes nothing" },
};

const KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

const WIREGUARD: Record<string, Entry<WireGuard>> = {
  constructor: () => new WireGuard(and({})),
  family: { none: "takes nothing" },
  getDevice: { none: "takes a device" },
  setDevice: (w) => w.setDevice("wg0", and({ listen_port: 1 })),
  "setDevice (peer)": (w) => w.setDevice("wg0", { peers: [and({ public_key: KEY })] }),
  close: { none: "takes nothing" },
};

const MPTCP_TABLE: Record<string, Entry<MPTCP>> = {
  constructor: () => new MPTCP(and({})),
  family: { none: "takes nothing" },
  endpoint: (m) => m.endpoint("add", and({ addr: "10.0.0.1" })),
  "endpoint (show)": (m) => m.endpoint("show", and({})),
  getEndpoints: { none: "takes nothing" },
  flushEndpoints: { none: "takes nothing" },
  limits: (m) => m.limits("set", and({ subflows: 1 })),
  "limits (get)": (m) => m.limits("get", and({})),
  getLimits: { none: "takes nothing" },
  monitor: (m) => m.monitor(and({})),
  close: { none: "takes nothing" },
};

/** A request refused while a batch was built is a BatchError's failure: its error, thrown. */
const queued = (queue: (b: Batch) => void) => async (ip: IPRoute) => {
  try {
    await ip.batch(queue);
  } catch (e) {
    if (e instanceof BatchError && e.failures.length === 1) throw e.failures[0].error;
    throw e;
  }
};

const BATCH: Record<string, Entry<IPRoute>> = {
  constructor: { none: "@internal: made by IPRoute.batch" },
  size: { none: "@internal: a getter" },
  describe: { none: "@internal: takes an index" },
  sizeOf: { none: "@internal: takes an index" },
  typeOf: { none: "@internal: takes an index" },
  span: { none: "@internal: takes indexes" },
  bytes: { none: "@internal: takes an index" },
  link: queued((b) => b.link("set", and({ index: 1 }))),
  addr: queued((b) => b.addr("add", and({ index: 1, address: "10.0.0.1/24" }))),
  route: queued((b) => b.route("add", and({ dst: "10.0.0.0/8", oif: 1 }))),
  rule: queued((b) => b.rule("add", and({ priority: 5 }))),
  neigh: queued((b) => b.neigh("add", and({ ifindex: 1, dst: "10.0.0.1" }))),
  nexthop: queued((b) => b.nexthop("add", and({ id: 1, blackhole: true }))),
  fdb: queued((b) => b.fdb("add", and({ lladdr: "02:00:00:00:00:01", ifindex: 1 }))),
  tc: queued((b) => b.tc("add", "htb", and({ index: 1, handle: "1:" }))),
};

/** What monitors return (the source here is never read: the constructor refuses first). */
const SUBSCRIPTION: Record<string, Entry<Subscription<unknown>>> = {
  constructor: () =>
    new Subscription({ poll: () => null, wait: () => Promise.resolve(), close() {} }, and({})),
  closed: { none: "a getter" },
  next: { none: "takes nothing" },
  return: { none: "takes nothing" },
  throw: { none: "takes nothing (closes the subscription)" },
  close: { none: "takes nothing" },
};

const STATEPLAN: Record<string, Entry<StatePlan>> = {
  constructor: { none: "@internal: made by plan()" },
  empty: { none: "a getter" },
  review: { none: "takes nothing" },
  toString: { none: "takes nothing" },
};

/** The rule builders of `rules`: every one takes rule options (`RuleOptions`). */
const RULES: Record<string, () => unknown> = {
  match: () => rules.match(and({})),
  accept: () => rules.accept(and({})),
  drop: () => rules.drop(and({})),
  ret: () => rules.ret(and({})),
  jump: () => rules.jump("c", and({})),
  goto: () => rules.goto("c", and({})),
  reject: () => rules.reject(and({})),
  masquerade: () => rules.masquerade(and({})),
  dnat: () => rules.dnat("10.0.0.1", and({})),
  snat: () => rules.snat("10.0.0.1", and({})),
  redirect: () => rules.redirect(8080, and({})),
  count: () => rules.count(and({})),
};

/** Other exported functions taking an options object, spec or filter. */
const FUNCTIONS: Record<string, () => unknown> = {
  "compileFilter": () => compileFilter(and({ dport: 22 })),
  "nfnlMonitor": () => nfnlMonitor([], () => undefined, and({})),
  "plan (options)": () => plan(new Map(), { version: 1, namespaces: {} }, and({})),
  "plan (document)": () => plan(new Map(), and({ version: 1, namespaces: {} })),
  "apply (options)": () => apply(new Map(), { version: 1, namespaces: {} }, and({})),
  "apply (document)": () => apply(new Map(), and({ version: 1, namespaces: {} })),
};

Deno.test("census: the other families' options objects refuse an unknown key, naming it", async (t) => {
  let n = 0;
  await t.step("SockDiag", async () => {
    n += await census("SockDiag", SockDiag.prototype, SOCKDIAG, () => seal(new SockDiag()));
  });
  await t.step("ProcEvents, Uevents", async () => {
    const never = () => {
      throw new Error("only the constructors take options");
    };
    n += await census("ProcEvents", ProcEvents.prototype, PROCEVENTS, never);
    n += await census("Uevents", Uevents.prototype, UEVENTS, never);
  });
  await t.step("Conntrack", async () => {
    n += await census("Conntrack", Conntrack.prototype, CONNTRACK, () => {
      const ct = new Conntrack();
      seal(ct.nfnl);
      return ct;
    });
  });
  const nft = () => {
    const n = new NFTables();
    seal(n.nfnl);
    return n;
  };
  await t.step("NFTables, NftTransaction", async () => {
    n += await census("NFTables", NFTables.prototype, NFTABLES, nft);
    n += await census("NftTransaction", NftTransaction.prototype, NFT_TRANSACTION, nft);
  });
  await t.step("IPSet", async () => {
    n += await census("IPSet", IPSet.prototype, IPSET, () => {
      const s = new IPSet();
      seal(s.nfnl);
      return s;
    });
  });
  await t.step("NfnlConnection", async () => {
    n += await census(
      "NfnlConnection",
      NfnlConnection.prototype,
      NFNL,
      () => seal(new NfnlConnection()),
    );
  });
  await t.step("XFRM", async () => {
    n += await census("XFRM", XFRM.prototype, XFRM_TABLE, () => seal(new XFRM()));
  });
  await t.step("WireGuard", async () => {
    n += await census("WireGuard", WireGuard.prototype, WIREGUARD, () => {
      const w = new WireGuard();
      seal(w.genl);
      return w;
    });
  });
  await t.step("MPTCP", async () => {
    n += await census("MPTCP", MPTCP.prototype, MPTCP_TABLE, () => {
      const m = new MPTCP();
      seal(m.genl);
      return m;
    });
  });
  await t.step("Batch", async () => {
    n += await census("Batch", Batch.prototype, BATCH, () => seal(new IPRoute()));
  });
  await t.step("Subscription", async () => {
    n += await census("Subscription", Subscription.prototype, SUBSCRIPTION, () => {
      throw new Error("only the constructor takes options");
    });
  });
  await t.step("StatePlan", async () => {
    n += await census("StatePlan", StatePlan.prototype, STATEPLAN, () => {
      throw new Error("StatePlan takes no options");
    });
  });
  await t.step("functions: rules.*, compileFilter, nfnlMonitor, plan, apply", async () => {
    const builders = Object.keys(rules).filter((k) => typeof (rules as never)[k] === "function");
    assert.deepEqual(builders.sort(), Object.keys(RULES).sort(), "rules: builders missing");
    for (const [name, call] of Object.entries({ ...RULES, ...FUNCTIONS })) {
      await refusesBogus(name, call);
      n++;
    }
  });
  // Ethtool checks feature names against the kernel's: read once, before the engine is sealed.
  const why = await lacks("genl:ethtool");
  await t.step({
    name: named("Ethtool", why),
    ignore: why !== undefined,
    fn: async () => {
      n += await census("Ethtool", Ethtool.prototype, ETHTOOL, async () => {
        const e = new Ethtool();
        try {
          await e.getStringSet("features");
        } catch (err) {
          e.close();
          throw err;
        }
        seal(e.genl);
        return e;
      });
    },
  });
  console.log(`census: ${n} calls of the other families refuse an unknown key`);
  const skipped = why ? Object.values(ETHTOOL).filter((e) => typeof e === "function").length : 0;
  assert.equal(n, 145 - skipped);
});
