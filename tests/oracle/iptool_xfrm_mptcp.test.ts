/**
 * `examples/ip.ts xfrm …` and `mptcp …` against iproute2 6.1 in a namespace the test makes:
 * objects made with the tool's own `add` commands (ip's syntax) and with ip itself list the same
 * text (`ip xfrm state|policy`, counts, `ip mptcp endpoint show`, `-j`, limits), and refusals
 * print as ip prints them.
 *
 * @module
 */

import assert from "node:assert/strict";
import { main } from "../../examples/ip.ts";
import { ipCmd, isRoot, withNetns } from "../helpers.ts";
import { gate } from "../features.ts";

async function tool(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const code = await main(argv, { out: (t) => out += t, err: (t) => err += t });
  return { code, out, err };
}

async function same(ns: string, ...args: string[]): Promise<void> {
  const ours = await tool("-n", ns, ...args);
  assert.equal(ours.code, 0, ours.err);
  assert.equal(ours.out, await ipCmd(ns, ...args), args.join(" "));
}

Deno.test({
  name: `ip tool: xfrm state and policy as ip prints them${isRoot ? "" : " (skipped: needs root)"}`,
  ignore: !isRoot,
  fn: () =>
    withNetns(async (ns) => {
      const add = async (line: string) => {
        const r = await tool("-n", ns, ...line.split(" "));
        assert.equal(r.code, 0, `${line}: ${r.err}`);
      };
      await add(
        "xfrm policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out priority 100 tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode tunnel",
      );
      await add(
        "xfrm policy add src 10.0.0.0/24 dst 10.1.0.0/24 proto tcp dport 443 dir in action block priority 5 flag localok mark 3 mask 0xf if_id 2",
      );
      await add("xfrm policy add src 10.0.0.1 dst 10.0.0.2 proto icmp type 8 code 0 dir out");
      await ipCmd(
        ns,
        ..."xfrm policy add src 2001:db8:1::/64 dst 2001:db8:2::/64 dir fwd".split(" "),
      );
      await add(
        "xfrm state allocspi src 192.0.2.1 dst 192.0.2.2 proto esp reqid 5 min 0x1000 max 0x1000",
      );
      await ipCmd(
        ns,
        ..."xfrm state allocspi src 2001:db8::1 dst 2001:db8::2 proto ah min 0x200 max 0x200".split(
          " ",
        ),
      );
      for (
        const args of [
          ["xfrm", "policy"],
          ["xfrm", "policy", "list"],
          ["xfrm", "state"],
          ["xfrm", "state", "count"],
          ["xfrm", "policy", "count"],
          ["xfrm", "policy", "get", "src", "10.0.0.0/24", "dst", "10.1.0.0/24", "dir", "out"],
          [
            "xfrm",
            "state",
            "get",
            "src",
            "192.0.2.1",
            "dst",
            "192.0.2.2",
            "proto",
            "esp",
            "spi",
            "0x1000",
          ],
        ]
      ) await same(ns, ...args);
      // A state this kernel may refuse: the tool fails as ip does (or both succeed).
      const line =
        "xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x2000 mode tunnel enc cbc(aes) 0x000102030405060708090a0b0c0d0e0f";
      const ours = await tool("-n", ns, ...line.split(" "));
      const theirs = await new Deno.Command("ip", {
        args: ["-n", ns, ...line.replace("0x2000", "0x3000").split(" ")],
        stderr: "piped",
      }).output();
      assert.equal(ours.code === 0, theirs.success);
      if (!theirs.success) assert.equal(ours.err, new TextDecoder().decode(theirs.stderr));
      await same(ns, "xfrm", "state");
      assert.equal((await tool("-n", ns, "xfrm", "state", "flush")).code, 0);
      assert.equal((await tool("-n", ns, "xfrm", "policy", "flush")).code, 0);
      assert.equal(await ipCmd(ns, "xfrm", "state"), "");
      assert.equal(await ipCmd(ns, "xfrm", "policy"), "");
    }, "iptoolxfrm"),
});

Deno.test({
  ...await gate("ip tool: mptcp endpoints and limits as ip prints them", "genl:mptcp_pm"),
  fn: () =>
    withNetns(async (ns) => {
      for (const c of ["link add v0 type veth peer name v1", "addr add 10.0.0.1/24 dev v0"]) {
        await ipCmd(ns, ...c.split(" "));
      }
      const add = async (line: string) => {
        const r = await tool("-n", ns, ...line.split(" "));
        assert.equal(r.code, 0, `${line}: ${r.err}`);
      };
      await add("mptcp endpoint add 10.0.0.1 dev v0 id 5 signal backup");
      await add("mptcp endpoint add 10.0.0.2 id 9 subflow fullmesh");
      await ipCmd(ns, ..."mptcp endpoint add 10.0.0.3 id 11 subflow".split(" "));
      await add("mptcp endpoint change id 11 backup");
      await add("mptcp limits set subflows 3 add_addr_accepted 4");
      for (
        const args of [
          ["mptcp", "endpoint", "show"],
          ["-j", "mptcp", "endpoint", "show"],
          ["mptcp", "endpoint", "show", "id", "5"],
          ["mptcp", "limits", "show"],
        ]
      ) await same(ns, ...args);
      await add("mptcp endpoint delete id 9");
      await same(ns, "mptcp", "endpoint", "show");
      await add("mptcp endpoint flush");
      assert.equal(await ipCmd(ns, "mptcp", "endpoint", "show"), "");
    }, "iptoolmptcp"),
});
