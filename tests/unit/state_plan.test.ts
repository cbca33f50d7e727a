/**
 * The desired-state planner without a kernel: the order of steps for a namespace that has
 * nothing yet, a veth pair made once, changes and deletions of one-request kinds, document
 * checks naming the path, the unmanaged list checked and ignored.
 */

import assert from "node:assert/strict";
import { Store } from "../../ipdb/store.ts";
import type { IPDB } from "../../ipdb/db.ts";
import { plan } from "../../state/plan.ts";
import type { StateDocument } from "../../state/document.ts";
import { ROUTES } from "../../state/routes.ts";
import { RULES } from "../../state/rules.ts";
import type { PlanContext } from "../../state/kind.ts";
import { checkDocument } from "../../state/validate.ts";
import { sortUnmanaged } from "../../state/unmanaged.ts";
import type { UnmanagedState } from "../../state/document.ts";

/** A database with nothing in it (what an empty namespace's IPDB holds, minus lo). */
function emptyDb(): IPDB {
  return { store: new Store(), closed: false, sync() {} } as unknown as IPDB;
}

const doc: StateDocument = {
  version: 1,
  namespaces: {
    a: {
      rules: [{ priority: 10, table: 100, src: "10.0.0.0/8" }],
      routes: [
        { dst: "10.1.0.0/16", gateway: "10.0.0.2", dev: "v0" },
        { dst: "2001:db8:1::/48", dev: "v0" },
      ],
      addresses: [{ dev: "v0", address: "10.0.0.1/24" }],
      links: [
        { ifname: "mv0", kind: "macvlan", parent: "v0" },
        { ifname: "v1", master: "br0", state: "up" },
        { ifname: "v0", kind: "veth", peer: "v1", mtu: 1400, state: "up" },
        { ifname: "br0", kind: "bridge", data: { br_stp_state: 1 } },
      ],
    },
  },
};

Deno.test("state plan: an empty namespace gets links, then their settings, addresses, routes, rules", async () => {
  const p = await plan(new Map([["a", emptyDb()]]), doc);
  assert.deepStrictEqual(p.review(), {
    a: [
      "+ link v0 (veth peer v1)",
      "+ link br0 (bridge)",
      "+ link mv0 (macvlan)",
      "~ link v0: mtu 1400, state up",
      "~ link v1: state up, master br0",
      "+ address 10.0.0.1/24 dev v0",
      "+ route 10.1.0.0/16 via 10.0.0.2 dev v0",
      "+ route 2001:db8:1::/48 dev v0",
      "+ rule 10: from 10.0.0.0/8 lookup 100",
    ],
  });
  // Every creation is undone by a deletion of what it made.
  const v0 = p.steps[0];
  assert.deepStrictEqual(v0.run[0], {
    call: "link",
    cmd: "add",
    spec: { ifname: "v0", kind: "veth", peer: "v1" },
    refs: {},
  });
  assert.deepStrictEqual(v0.undo, [{ call: "link", cmd: "del", spec: {}, refs: { index: "v0" } }]);
  assert.deepStrictEqual(p.steps[2].run[0].refs, { link: "v0" });
  assert.deepStrictEqual(p.steps[6].run[0], {
    call: "route",
    cmd: "add",
    spec: { dst: "10.1.0.0/16", table: 254, gateway: "10.0.0.2" },
    refs: { oif: "v0" },
  });
  assert.ok(p.toString().startsWith("[a] + link v0 (veth peer v1)\n[a] + link br0 (bridge)"));
  assert.equal(
    (await plan(new Map([["a", emptyDb()]]), { version: 1, namespaces: {} })).empty,
    true,
  );
});

Deno.test("state plan: a changed route is replaced (undone by a replace); rules are removed and added", () => {
  const ctx = { name: "a" } as PlanContext;
  const [change] = ROUTES.steps(ctx, { dst: "10.1.0.0/16", gateway: "10.0.0.2" }, {
    dst: "10.1.0.0/16",
    gateway: "10.0.0.3",
  });
  assert.equal(change.action, "change");
  assert.equal(change.run[0].cmd, "replace");
  assert.equal(change.run[0].spec.gateway, "10.0.0.3");
  assert.equal(change.undo[0].cmd, "replace");
  assert.equal(change.undo[0].spec.gateway, "10.0.0.2");
  const [del] = RULES.steps(ctx, { priority: 5, table: 7 }, undefined);
  assert.deepStrictEqual([del.action, del.run[0].cmd, del.undo[0].cmd], ["delete", "del", "add"]);
  assert.ok(del.phase < change.phase);
});

Deno.test("state plan: the document is checked whole, errors name the path", () => {
  const bad = (ns: unknown, re: RegExp) =>
    assert.throws(() => checkDocument({ version: 1, namespaces: { a: ns } }), re);
  bad(
    { links: [{ ifname: "v0", kind: "bridge", data: { br_stp_stat: 1 } }] },
    /links\[0\]\.data\.br_stp_stat: unknown key \(did you mean "br_stp_state"\?\)/,
  );
  bad({ links: [{ ifname: "v0", kind: "veth", peer: 3 }] }, /links\[0\]\.peer: expected an object/);
  bad({ links: [{ ifname: "v0", kind: "bridge", peer: "x" }] }, /peer: only a veth has a peer/);
  bad(
    { links: [{ ifname: "a-very-long-name0" }] },
    /links\[0\]\.ifname: expected an interface name/,
  );
  bad(
    { routes: [{ dst: "10.0.0.0/8", type: "blackhol" }] },
    /type: expected one of .*did you mean "blackhole"/,
  );
  bad({ routes: [{ dst: "10.0.0.0/8", table: 255 }] }, /local table/);
  bad(
    { routes: [{ dst: "10.0.0.0/8", multipath: [{ gateway: "10.0.0.1", weight: 0 }] }] },
    /multipath\[0\]\.weight: 0 is out of range 1\.\.256/,
  );
  bad({ routes: [{ dst: "10.0.0.0/8", gateway: undefined }] }, /gateway: undefined/);
  bad(
    { addresses: [{ dev: "v0", address: "2001:db8::1/64", broadcast: "10.0.0.255" }] },
    /broadcast: only IPv4/,
  );
  bad({ rules: [{ priority: 1, table: 5, src: "2001:db8::/32" }] }, /src: .* family/);
  bad(
    { tc: [{ object: "action", dev: "v0", kind: "u32", handle: "1:", parent: "1:" }] },
    /tc\[0\]\.object: expected one of "qdisc", "class", "filter"/,
  );
  const u32 = { object: "filter", dev: "v0", kind: "u32", parent: "1:", priority: 1 };
  bad(
    { tc: [{ ...u32, protocol: "ip", handle: "800::800", options: { keys: ["0a/ff+3"] } }] },
    /tc\[0\]\.options\.keys\[0\]: the offset 3 is not a multiple of 4/,
  );
  bad(
    { tc: [{ ...u32, protocol: "ip", handle: "800:800", options: { keys: [] } }] },
    /tc\[0\]\.handle: expected a u32 handle such as "800::800"/,
  );
  bad(
    {
      tc: [{
        object: "qdisc",
        dev: "v0",
        kind: "tbf",
        handle: "1:",
        parent: "root",
        options: { rate: 8000, limit: 100 },
      }],
    },
    /tc\[0\]\.options\.burst: tbf needs it/,
  );
  bad(
    { tc: [{ object: "class", dev: "v0", kind: "htb", handle: "1:10", parent: "1:" }] },
    /tc\[0\]\.options\.rate: an htb class needs its rate/,
  );
  bad([], /namespaces\."a": expected an object/);
  assert.throws(() => checkDocument({ version: 1 }), /desired\.namespaces: expected an object/);
  assert.throws(() => checkDocument(null), /desired: expected an object/);
  // Canonical forms: defaults dropped, addresses normalised.
  const c = checkDocument({
    version: 1,
    namespaces: {
      a: {
        routes: [{ dst: "2001:DB8:0::/48", metric: 1024, table: 254, proto: 3, type: "unicast" }],
        links: [{ ifname: "v0", address: "AA-BB-CC-DD-EE-FF" }],
        rules: [{ priority: 1, table: 5, fwmark: 1, fwmask: 0xffffffff, action: "to_tbl" }],
      },
    },
  });
  assert.deepStrictEqual(c.namespaces.a.routes, [{ dst: "2001:db8::/48" }]);
  assert.deepStrictEqual(c.namespaces.a.links, [{ ifname: "v0", address: "aa:bb:cc:dd:ee:ff" }]);
  assert.deepStrictEqual(c.namespaces.a.rules, [{ priority: 1, table: 5, fwmark: 1 }]);
  const f = checkDocument({
    version: 1,
    namespaces: {
      a: {
        tc: [{
          object: "filter",
          dev: "v0",
          kind: "u32",
          handle: "800::800",
          parent: "1:0",
          priority: 1,
          protocol: "0x800",
          options: { keys: ["0x0A000000/0xFF000000+16"], classid: "1:10" },
        }],
      },
    },
  });
  assert.deepStrictEqual(f.namespaces.a.tc![0], {
    object: "filter",
    dev: "v0",
    kind: "u32",
    handle: "800::800",
    parent: "1:",
    priority: 1,
    protocol: "ip",
    options: { keys: ["0a000000/ff000000+16"], classid: "1:10" },
  });
});

Deno.test("state plan: a namespace's unmanaged list is checked, then left out", () => {
  const listed = {
    kind: "tc",
    dev: "v0",
    object: "qdisc netem 1: parent root",
    reason: "qdisc kind netem is not modelled",
  };
  const c = checkDocument({
    version: 1,
    namespaces: { a: { links: [{ ifname: "v0", mtu: 1400 }], unmanaged: [listed] } },
  });
  assert.deepStrictEqual(c.namespaces.a, { links: [{ ifname: "v0", mtu: 1400 }] });
  const bad = (unmanaged: unknown, re: RegExp) =>
    assert.throws(() => checkDocument({ version: 1, namespaces: { a: { unmanaged } } }), re);
  bad({}, /namespaces\."a"\.unmanaged: expected an array/);
  bad([{ ...listed, kind: "qdisc" }], /unmanaged\[0\]\.kind: expected one of/);
  bad([{ ...listed, object: 1 }], /unmanaged\[0\]\.object: expected a non-empty string/);
  bad([{ kind: "tc", object: "x" }], /unmanaged\[0\]\.reason: expected a non-empty string/);
  bad([{ ...listed, handle: "1:" }], /unmanaged\[0\]\.handle: unknown key/);
  // Sorted by kind (the document's order), device, object; the same entry once.
  const link = { kind: "links", dev: "vl0", object: "link vl0 (vlan)", reason: "r" };
  assert.deepStrictEqual(
    sortUnmanaged([listed, { ...listed, dev: "a0" }, link, listed] as UnmanagedState[]),
    [link, { ...listed, dev: "a0" }, listed],
  );
});
