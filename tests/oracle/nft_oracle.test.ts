/**
 * NFTables against nft(8): a ruleset applied here equals, in `nft -j list ruleset`, the same
 * ruleset loaded by `nft -f` in another namespace; a ruleset loaded by `nft -f` decodes into
 * expressions that encode back to the kernel's bytes; a transaction with one bad rule changes
 * nothing.
 */

import assert from "node:assert/strict";
import { NFTables, NftTransactionError, rules } from "../../netfilter/mod.ts";
import type { NftRule, NftTransaction } from "../../netfilter/mod.ts";
import { encodeExpr } from "../../netfilter/nftables/expr.ts";
import { RULE_MESSAGE } from "../../netfilter/nftables/schema.ts";
import { encodeMessage } from "../../netlink/encoder.ts";
import { toHex, withNetns } from "../helpers.ts";
import { nsRun, skipUnless } from "../integration/netfilter_fixture.ts";

const skip = skipUnless("nft");
const name = (s: string) => skip ? `${s} (skipped: ${skip})` : s;

const RULESET = `
table inet fw {
  counter ssh { packets 0 bytes 0 }
  quota big { over 100 mbytes }
  limit slow { rate 10/second }
  set blocked {
    type ipv4_addr
    flags interval
    elements = { 10.0.0.0/8, 192.168.1.1 }
  }
  set ports {
    type inet_service
    elements = { 80, 443 }
  }
  map dispatch {
    type ipv4_addr : verdict
    elements = { 10.9.0.1 : accept, 10.9.0.2 : drop }
  }
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iifname "lo" accept
    ip saddr @blocked drop
    ip saddr 10.16.0.0/12 tcp dport 22 counter accept
    ip6 saddr fd00::/16 udp dport 53 accept
    tcp dport @ports accept
    tcp dport 1000-2000 limit rate 5/minute burst 10 packets accept
    meta mark 0x00000007 log prefix "marked " drop
    tcp dport 23 reject with tcp reset
    jump extra
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    oifname "eth0" ct state new counter accept
  }
  chain extra {
    reject
  }
}
table ip nat {
  chain pre {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "eth0" tcp dport 8080 dnat to 10.0.0.2:80
    tcp dport 2222 redirect to :22
  }
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "eth0" masquerade
    ip saddr 10.1.0.0/16 snat to 192.0.2.1
  }
}
`;

/** The same ruleset through the library. */
function build(tx: NftTransaction): void {
  const fw = { family: "inet", table: "fw" } as const;
  tx.addTable({ family: "inet", name: "fw" });
  tx.addObject({ ...fw, name: "ssh", type: "counter" });
  tx.addObject({ ...fw, name: "big", type: "quota", bytes: 100 * 1024 * 1024, over: true });
  tx.addObject({ ...fw, name: "slow", type: "limit", rate: 10, per: "second" });
  tx.addSet({
    ...fw,
    name: "blocked",
    type: "ipv4_addr",
    flags: ["interval"],
    elements: ["10.0.0.0/8", "192.168.1.1"],
  });
  tx.addSet({ ...fw, name: "ports", type: "inet_service", elements: [80, 443] });
  tx.addSet({
    ...fw,
    name: "dispatch",
    type: "ipv4_addr",
    map: "verdict",
    elements: [{ key: "10.9.0.1", data: "accept" }, { key: "10.9.0.2", data: "drop" }],
  });
  tx.addChain({ ...fw, name: "input", hook: "input", priority: "filter", policy: "drop" });
  tx.addChain({ ...fw, name: "forward", hook: "forward", priority: "filter", policy: "accept" });
  tx.addChain({ ...fw, name: "extra" });
  const input = (expr: ReturnType<typeof rules.accept>) =>
    tx.addRule({ ...fw, chain: "input", expr });
  input(rules.accept({ ctState: ["established", "related"] }));
  input(rules.accept({ iifname: "lo" }));
  input(rules.drop({ saddr: "@blocked" }));
  input(rules.accept({ saddr: "10.16.0.0/12", proto: "tcp", dport: 22, counter: true }));
  input(rules.accept({ saddr: "fd00::/16", proto: "udp", dport: 53 }));
  input(rules.accept({ proto: "tcp", dport: "@ports" }));
  input(
    rules.accept({
      proto: "tcp",
      dport: "1000-2000",
      limit: { rate: 5, per: "minute", burst: 10 },
    }),
  );
  input(rules.drop({ mark: 7, log: { prefix: "marked " } }));
  input(rules.reject({ proto: "tcp", dport: 23, withTcpReset: true }));
  input(rules.jump("extra"));
  tx.addRule({
    ...fw,
    chain: "forward",
    expr: rules.accept({ oifname: "eth0", ctState: ["new"], counter: true }),
  });
  tx.addRule({ ...fw, chain: "extra", expr: rules.reject() });
  const nat = { family: "ip", table: "nat" } as const;
  tx.addTable({ family: "ip", name: "nat" });
  tx.addChain({
    ...nat,
    name: "pre",
    type: "nat",
    hook: "prerouting",
    priority: "dstnat",
    policy: "accept",
  });
  tx.addChain({
    ...nat,
    name: "post",
    type: "nat",
    hook: "postrouting",
    priority: "srcnat",
    policy: "accept",
  });
  tx.addRule({
    ...nat,
    chain: "pre",
    expr: rules.dnat("10.0.0.2:80", { family: "ip", iifname: "eth0", proto: "tcp", dport: 8080 }),
  });
  tx.addRule({
    ...nat,
    chain: "pre",
    expr: rules.redirect(22, { family: "ip", proto: "tcp", dport: 2222 }),
  });
  tx.addRule({ ...nat, chain: "post", expr: rules.masquerade({ family: "ip", oifname: "eth0" }) });
  tx.addRule({
    ...nat,
    chain: "post",
    expr: rules.snat("192.0.2.1", { family: "ip", saddr: "10.1.0.0/16" }),
  });
}

/**
 * Attributes with NLA_F_NESTED cleared (recursively): nf_tables dumps its nests without the
 * flag, while requests (nft's and ours) carry it.
 */
function unflagged(b: Uint8Array): Uint8Array {
  const out = b.slice();
  const dv = new DataView(out.buffer);
  const walk = (start: number, end: number) => {
    for (let p = start; p + 4 <= end;) {
      const len = dv.getUint16(p, true), type = dv.getUint16(p + 2, true);
      if (len < 4) return;
      if (type & 0x8000) {
        dv.setUint16(p + 2, type & ~0x8000, true);
        walk(p + 4, p + len);
      }
      p += (len + 3) & ~3;
    }
  };
  walk(0, out.length);
  return out;
}

/** `nft -j list ruleset` without handles (they count creations, not content). */
async function listJson(ns: string): Promise<unknown> {
  const j = JSON.parse(await nsRun(ns, "nft", "-j", "list", "ruleset"));
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === "object") {
      return Object.fromEntries(
        Object.entries(v).filter(([k]) => k !== "handle").map(([k, x]) => [k, strip(x)]),
      );
    }
    return v;
  };
  return strip(j);
}

async function nftLoad(ns: string, text: string): Promise<void> {
  const p = new Deno.Command("ip", {
    args: ["netns", "exec", ns, "nft", "-f", "-"],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const w = p.stdin.getWriter();
  await w.write(new TextEncoder().encode(text));
  await w.close();
  const out = await p.output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

Deno.test({
  name: name("nft oracle: a ruleset applied here equals the same ruleset loaded by nft -f"),
  ignore: skip !== undefined,
  fn: () =>
    withNetns((a) =>
      withNetns(async (b) => {
        await nftLoad(a, RULESET);
        using nft = new NFTables({ netns: b });
        await nft.transaction(build);
        assert.deepEqual(await listJson(b), await listJson(a));
      }, "nftb"), "nfta"),
});

Deno.test({
  name: name(
    "nft oracle: a ruleset loaded by nft -f decodes into expressions that re-encode byte for byte",
  ),
  ignore: skip !== undefined,
  fn: () =>
    withNetns(async (ns) => {
      await nftLoad(ns, RULESET);
      using nft = new NFTables({ netns: ns });
      const got = await nft.getRules();
      assert.equal(got.length, 16);
      for (const r of got as NftRule[]) {
        // The kernel's NFTA_RULE_EXPRESSIONS attribute, header and all.
        const [, off, len] = [...r.raw()].find(([t]) => t === 4)!;
        const theirs = r.u8.subarray(off - 4, off + len);
        const ours = encodeMessage(RULE_MESSAGE, {
          type: 0,
          flags: 0,
          header: {},
          attrs: { expressions: r.expr.map((e, i) => encodeExpr(e, `expr[${i}]`)) },
        }).subarray(20);
        assert.equal(
          toHex(unflagged(ours)),
          toHex(theirs),
          JSON.stringify(r.expr, (_, x) => x instanceof Uint8Array ? toHex(x) : x),
        );
      }
      // And the whole ruleset reads back in plain form.
      const rs = await nft.ruleset();
      const fw = rs.find((t) => t.name === "fw")!;
      assert.deepEqual(
        fw.chains.map((c) => [c.name, c.hook, c.priority, c.policy, c.rules.length]),
        [
          ["input", "input", 0, "drop", 10],
          ["forward", "forward", 0, "accept", 1],
          ["extra", undefined, undefined, undefined, 1],
        ],
      );
      const blocked = fw.sets.find((s) => s.name === "blocked")!;
      assert.deepEqual(
        blocked.elements.map((e) => `${e.key}${e.intervalEnd ? " end" : ""}`).sort(),
        ["0.0.0.0 end", "10.0.0.0", "11.0.0.0 end", "192.168.1.1", "192.168.1.2 end"],
      );
      assert.deepEqual(
        fw.sets.find((s) => s.name === "dispatch")!.elements.map((e) => [e.key, e.data]).sort(),
        [["10.9.0.1", { code: "accept" }], ["10.9.0.2", { code: "drop" }]],
      );
      assert.deepEqual(fw.objects.map((o) => o.type).sort(), ["counter", "limit", "quota"]);
    }, "nftr"),
});

Deno.test({
  name: name("nft oracle: a transaction with one bad rule changes nothing"),
  ignore: skip !== undefined,
  fn: () =>
    withNetns(async (ns) => {
      await nftLoad(ns, "table ip keep {\n  chain c {\n  }\n}\n");
      const before = await nsRun(ns, "nft", "list", "ruleset");
      using nft = new NFTables({ netns: ns });
      const gen = await nft.getGen();
      const err = await nft.transaction((tx) => {
        tx.addTable({ family: "ip", name: "new" });
        tx.addChain({ family: "ip", table: "new", name: "c" });
        tx.addRule({
          family: "ip",
          table: "new",
          chain: "c",
          expr: rules.accept({ family: "ip", saddr: "10.0.0.1" }),
        });
        tx.addRule({ family: "ip", table: "new", chain: "missing", expr: rules.drop() });
        tx.flushTable({ family: "ip", table: "keep" });
      }).then(() => undefined, (e) => e);
      assert.ok(err instanceof NftTransactionError, String(err));
      assert.deepEqual(err.refusals.map((r) => [r.index, r.operation]), [[
        3,
        "addRule ip new missing",
      ]]);
      assert.equal((err.refusals[0].error as { code?: string }).code, "ENOENT");
      assert.equal(await nsRun(ns, "nft", "list", "ruleset"), before);
      assert.equal((await nft.getGen()).id, gen.id);
      // A stale generation id is refused too.
      await assert.rejects(
        nft.transaction((tx) => void tx.addTable({ family: "ip", name: "late" }), {
          genid: gen.id - 1,
        }),
      );
      assert.equal(await nsRun(ns, "nft", "list", "ruleset"), before);
    }, "nftx"),
});
