/**
 * IPSet against ipset(8) in the same namespace: every set type made here (with elements of
 * each kind and options) reads back in `ipset save` as written, and sets made by
 * `ipset restore` read back here equal to what `ipset save` prints.
 */

import assert from "node:assert/strict";
import { IPSet } from "../../netfilter/mod.ts";
import { withNetns } from "../helpers.ts";
import { nsRun, skipUnless } from "../integration/netfilter_fixture.ts";

const skip = skipUnless("ipset");
const name = (s: string) => skip ? `${s} (skipped: ${skip})` : s;

/** Save text with the timeouts left masked (they tick between two reads): line by line, in order. */
function ticking(text: string): string[] {
  return text.split("\n").map((l) => l.replace(/ timeout \d+/g, " timeout *"));
}

/** `ipset save` with the parts that change by themselves masked (hash seeds, live timeouts). */
function masked(text: string): string[] {
  return text.trim().split("\n")
    .map((l) => l.replace(/initval 0x[0-9a-f]+/, "initval *").replace(/ timeout \d+/, " timeout *"))
    .sort();
}

/** The restore text of `ipset(8)` in the namespace. */
async function toolSave(ns: string): Promise<string> {
  return await nsRun(ns, "ipset", "save");
}

Deno.test({
  name: name("ipset oracle: every set type made here reads back in ipset save as written"),
  ignore: skip !== undefined,
  fn: () =>
    withNetns(async (ns) => {
      using ipset = new IPSet({ netns: ns });
      await ipset.create("ip", {
        type: "hash:ip",
        timeout: 100,
        counters: true,
        comment: true,
        hashsize: 64,
        maxelem: 1000,
      });
      await ipset.add("ip", [
        { ip: "10.0.0.1", timeout: 50, comment: "hello", packets: 5, bytes: 100 },
        "10.0.0.2",
      ]);
      await ipset.create("net6", { type: "hash:net", family: "inet6" });
      await ipset.add("net6", ["2001:db8::/32", "2001:db8:1::1", {
        ip: "2001:db8:2::",
        cidr: 48,
        nomatch: true,
      }]);
      await ipset.create("ipport", { type: "hash:ip,port" });
      await ipset.add("ipport", [
        "10.0.0.1,tcp:80",
        "10.0.0.2,udp:53",
        "10.0.0.3,icmp:echo-request",
        {
          ip: "10.0.0.4",
          proto: "sctp",
          port: 9,
        },
      ]);
      await ipset.create("netif", { type: "hash:net,iface", skbinfo: true });
      await ipset.add("netif", [
        { ip: "10.0.0.0", cidr: 24, iface: "eth0", skbmark: 0x10, skbprio: "1:2", skbqueue: 3 },
        "10.1.0.0/16,physdev:eth1",
      ]);
      await ipset.create("ports", { type: "bitmap:port", range: "1000-2000", timeout: 50 });
      await ipset.add("ports", ["1500", "1001-1003"]);
      await ipset.create("list", { type: "list:set", size: 8 });
      await ipset.add("list", "ip");
      await ipset.add("list", { name: "ipport", before: "ip" });
      const expected = [
        "create ip hash:ip family inet hashsize 64 maxelem 1000 timeout 100 counters comment bucketsize 12 initval *",
        'add ip 10.0.0.1 timeout 50 packets 5 bytes 100 comment "hello"',
        "add ip 10.0.0.2 timeout 100 packets 0 bytes 0",
        "create net6 hash:net family inet6 hashsize 1024 maxelem 65536 bucketsize 12 initval *",
        "add net6 2001:db8::/32",
        "add net6 2001:db8:1::1",
        "add net6 2001:db8:2::/48 nomatch",
        "create ipport hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval *",
        "add ipport 10.0.0.1,tcp:80",
        "add ipport 10.0.0.2,udp:53",
        "add ipport 10.0.0.3,icmp:echo-request",
        "add ipport 10.0.0.4,sctp:9",
        "create netif hash:net,iface family inet hashsize 1024 maxelem 65536 skbinfo bucketsize 12 initval *",
        "add netif 10.0.0.0/24,eth0 skbmark 0x10 skbprio 1:2 skbqueue 3",
        "add netif 10.1.0.0/16,physdev:eth1",
        "create ports bitmap:port range 1000-2000 timeout 50",
        "add ports 1001 timeout 50",
        "add ports 1002 timeout 50",
        "add ports 1003 timeout 50",
        "add ports 1500 timeout 50",
        "create list list:set size 8",
        "add list ipport",
        "add list ip",
      ];
      const tool = await toolSave(ns);
      assert.deepEqual(masked(tool), masked(expected.join("\n")));
      // And the library reads the same sets back exactly as the tool prints them.
      assert.deepEqual(ticking(await ipset.save()), ticking(tool));
      const [ip] = await ipset.list("ip");
      assert.equal(ip.type, "hash:ip");
      assert.equal(ip.family, "inet");
      assert.equal(ip.elements, 2);
      assert.equal(ip.references, 1); // the list:set member
      assert.ok(ip.counters && ip.comment && !ip.skbinfo);
    }, "ipso"),
});

Deno.test({
  name: name("ipset oracle: sets made by ipset restore read back equal"),
  ignore: skip !== undefined,
  fn: () =>
    withNetns(async (ns) => {
      const text = [
        "create a hash:ip family inet hashsize 1024 maxelem 65536 timeout 300 counters comment",
        'add a 192.168.0.1 timeout 200 packets 3 bytes 300 comment "one"',
        "add a 192.168.0.2",
        "create b hash:net family inet6 hashsize 1024 maxelem 65536 counters",
        "add b fd00::/8 packets 1 bytes 2",
        "add b fd01::/16 nomatch",
        "create c hash:ip,port family inet hashsize 1024 maxelem 65536",
        "add c 10.1.1.1,tcp:22",
        "add c 10.1.1.2,udp:1-3",
        "create d hash:net,iface family inet hashsize 1024 maxelem 65536 comment",
        'add d 172.16.0.0/12,veth0 comment "lan"',
        "create e bitmap:port range 0-1023",
        "add e 22",
        "add e 80",
        "create f list:set size 4",
        "add f a",
        "add f c",
        "",
      ].join("\n");
      const restore = new Deno.Command("ip", {
        args: ["netns", "exec", ns, "ipset", "restore"],
        stdin: "piped",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const w = restore.stdin.getWriter();
      await w.write(new TextEncoder().encode(text));
      await w.close();
      const out = await restore.output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      using ipset = new IPSet({ netns: ns });
      assert.deepEqual(ticking(await ipset.save()), ticking(await toolSave(ns)));
      const sets = await ipset.list();
      assert.deepEqual(sets.map((s) => s.name), ["a", "b", "c", "d", "e", "f"]);
      const [c] = sets.filter((s) => s.name === "c");
      assert.deepEqual(
        c.entries.map((e) => `${e.ip} ${e.proto} ${e.port}`).sort(),
        ["10.1.1.1 tcp 22", "10.1.1.2 udp 1", "10.1.1.2 udp 2", "10.1.1.2 udp 3"],
      );
      assert.equal(sets.find((s) => s.name === "e")?.range?.to, 1023);
      assert.ok(await ipset.test("a", "192.168.0.1"));
      assert.ok(await ipset.test("d", "172.16.5.5,veth0"));
      assert.ok(!(await ipset.test("d", "172.16.5.5,veth1")));
    }, "ipsr"),
});
