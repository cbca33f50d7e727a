/**
 * XFRM against `ip xfrm` in namespaces the tests make: what the library made prints, with
 * examples/ip/xfrm.ts's printers, exactly as `ip -n NS xfrm policy` / `xfrm state` print it;
 * what ip made reads back the same; counts equal `ip xfrm … count`; events arrive (new and
 * deleted policies, flushes, an ACQUIRE for real traffic). States with keys need ESP in the
 * kernel: probed, and skipped with the reason where the kernel lacks it (this one refuses every
 * state: "Requested type not found"); then the library and ip are refused alike.
 *
 * @module
 */

import assert from "node:assert/strict";
import { XFRM } from "../../xfrm/mod.ts";
import type { XfrmEvent, XfrmStateSpec } from "../../xfrm/mod.ts";
import { NetlinkError } from "../../netlink/errors.ts";
import { formatXfrmPolicy, formatXfrmState } from "../../examples/ip/xfrm.ts";
import { ipCmd, isRoot, nsName, run, withNetns } from "../helpers.ts";
import * as netns from "../../ffi/netns.ts";

const K16 = "0x000102030405060708090a0b0c0d0e0f";
const K32 = "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const nameOf = (i: number) => `if${i}`;

/** Why ESP states cannot be made here (ip's refusal), or undefined when they can. */
async function espMissing(): Promise<string | undefined> {
  if (!isRoot) return "needs root";
  const ns = nsName("xfrmprobe");
  netns.create(ns);
  try {
    await ipCmd(
      ns,
      ...`xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 mode tunnel enc cbc(aes) ${K16} auth-trunc hmac(sha256) ${K32} 128`
        .split(" "),
    );
    return undefined;
  } catch (e) {
    const m = /Error: (.*)\.\s*$/.exec(String((e as Error).message));
    return `kernel lacks ESP: ${m ? m[1] : String(e)}`;
  } finally {
    netns.remove(ns);
  }
}

const lacksEsp = await espMissing();
const root = isRoot ? "" : " (skipped: needs root)";

const POLICY = {
  sel: { src: "10.0.0.0/24", dst: "10.1.0.0/24" },
  dir: "out",
  priority: 100,
  tmpl: [{ src: "192.0.2.1", dst: "192.0.2.2", proto: "esp", reqid: 1, mode: "tunnel" }],
} as const;

async function ipText(ns: string, ...args: string[]): Promise<string> {
  return await ipCmd(ns, "xfrm", ...args);
}

Deno.test({
  name: `oracle: xfrm policies print as ip xfrm policy prints them${root}`,
  ignore: !isRoot,
  fn: () =>
    withNetns(async (ns) => {
      using x = new XFRM({ netns: ns });
      await x.policy("add", POLICY);
      await x.policy("add", {
        sel: { src: "10.0.0.0/24", dst: "10.1.0.0/24", proto: "tcp", sport: 1000, dport: 443 },
        dir: "in",
        action: "block",
        priority: 5,
        flags: ["localok"],
        mark: { value: 3, mask: 0xf },
        if_id: 2,
      });
      await x.policy("add", {
        sel: { src: "2001:db8:1::/64", dst: "2001:db8:2::/64" },
        dir: "fwd",
        tmpl: [
          { src: "2001:db8::1", dst: "2001:db8::2", proto: "esp", reqid: 1, mode: "tunnel" },
          { src: "2001:db8::1", dst: "2001:db8::2", proto: "comp", mode: "tunnel", optional: true },
        ],
      });
      await x.policy("add", {
        sel: { src: "10.0.0.1", dst: "10.0.0.2", proto: "icmp", type: 8, code: 0 },
        dir: "out",
        lifetime: { hard_add_expires_seconds: 3600 },
      });
      // ip adds one; the library reads it back.
      await ipText(
        ns,
        ..."policy add src 172.16.0.0/16 dst 0.0.0.0/0 dir out action block priority 7".split(" "),
      );
      const text = (await x.getPolicies()).map((p) => formatXfrmPolicy(p, nameOf)).join("");
      assert.equal(text, await ipText(ns, "policy"));
      assert.equal((await x.getPolicies()).length, 5);

      // get, update, delete, by selector and by index.
      const got = await x.policy("get", { sel: POLICY.sel, dir: "out" });
      assert.equal(
        formatXfrmPolicy(got!, nameOf),
        await ipText(ns, ..."policy get src 10.0.0.0/24 dst 10.1.0.0/24 dir out".split(" ")),
      );
      await x.policy("update", { ...POLICY, priority: 200 });
      assert.equal((await x.policy("get", { sel: POLICY.sel, dir: "out" }))?.priority, 200);
      assert.equal((await x.policy("get", { index: got!.index, dir: "out" }))?.index, got!.index);
      await x.policy("delete", { sel: POLICY.sel, dir: "out" });
      await assert.rejects(
        x.policy("get", { sel: POLICY.sel, dir: "out" }),
        (e: NetlinkError) => e.code === "ENOENT",
      );
      // Adding twice: the kernel's EEXIST.
      await x.policy("add", { dir: "in", sel: { src: "10.9.0.0/16" } });
      await assert.rejects(
        x.policy("add", { dir: "in", sel: { src: "10.9.0.0/16" } }),
        (e: NetlinkError) => e.code === "EEXIST",
      );

      // SPD count against ip xfrm policy count.
      const spd = await x.getSpdInfo();
      assert.equal(
        `\t SPD IN  ${spd.incnt} OUT ${spd.outcnt} FWD ${spd.fwdcnt}\n`,
        await ipText(ns, "policy", "count"),
      );
      assert.equal(spd.incnt + spd.outcnt + spd.fwdcnt, 5);
      await x.flushPolicies();
      assert.equal(await ipText(ns, "policy"), "");
      assert.deepEqual(await x.getPolicies(), []);
    }, "xfrmpol"),
});

Deno.test({
  name: `oracle: xfrm SAs (allocated SPIs) print as ip xfrm state prints them${root}`,
  ignore: !isRoot,
  fn: () =>
    withNetns(async (ns) => {
      using x = new XFRM({ netns: ns });
      const a = await x.allocSpi({
        src: "192.0.2.1",
        dst: "192.0.2.2",
        proto: "esp",
        mode: "tunnel",
        reqid: 5,
        min: 0x1000,
        max: 0x1fff,
      });
      assert.ok(a.spi >= 0x1000 && a.spi <= 0x1fff);
      await x.allocSpi({
        src: "2001:db8::1",
        dst: "2001:db8::2",
        proto: "ah",
        min: 0x2000,
        max: 0x2000,
      });
      await ipText(
        ns,
        ..."state allocspi src 198.51.100.1 dst 198.51.100.2 proto comp min 0x300 max 0x300".split(
          " ",
        ),
      );
      const states = await x.getStates();
      assert.equal(states.length, 3);
      assert.equal(
        states.map((s) => formatXfrmState(s, nameOf)).join(""),
        await ipText(ns, "state"),
      );
      // Filtered by the kernel.
      assert.deepEqual((await x.getStates({ proto: "ah" })).map((s) => s.spi), [0x2000]);

      const id = { src: "192.0.2.1", dst: "192.0.2.2", proto: "esp" as const, spi: a.spi };
      const got = await x.state("get", id);
      assert.equal(
        formatXfrmState(got!, nameOf),
        await ipText(
          ns,
          "state",
          "get",
          "src",
          "192.0.2.1",
          "dst",
          "192.0.2.2",
          "proto",
          "esp",
          "spi",
          `0x${a.spi.toString(16)}`,
        ),
      );
      assert.equal(
        `\t SAD count ${(await x.getSadInfo()).count}\n`,
        await ipText(ns, "state", "count"),
      );
      await x.state("delete", id);
      await assert.rejects(x.state("get", id), (e: NetlinkError) => e.code === "ESRCH");
      await x.flushStates({ proto: "ah" });
      assert.deepEqual((await x.getStates()).map((s) => s.proto), [108]);
      await x.flushStates();
      assert.equal(await ipText(ns, "state"), "");
    }, "xfrmsa"),
});

const ESP: XfrmStateSpec = {
  src: "192.0.2.1",
  dst: "192.0.2.2",
  proto: "esp",
  spi: 0x1000,
  reqid: 1,
  mode: "tunnel",
  replay_window: 32,
  crypt: { name: "cbc(aes)", key: K16 },
  auth_trunc: { name: "hmac(sha256)", key: K32, trunc_len: 128 },
  sel: { src: "10.0.0.0/24", dst: "10.1.0.0/24" },
  mark: { value: 7, mask: 0xff },
  if_id: 9,
};

Deno.test({
  name: `oracle: ESP states with keys print as ip xfrm state prints them${
    lacksEsp ? ` (skipped: ${lacksEsp})` : ""
  }`,
  ignore: lacksEsp !== undefined,
  fn: () =>
    withNetns(async (ns) => {
      using x = new XFRM({ netns: ns });
      await x.state("add", ESP);
      await x.state("add", {
        src: "192.0.2.1",
        dst: "192.0.2.2",
        proto: "esp",
        spi: 0x2000,
        aead: { name: "rfc4106(gcm(aes))", key: K16 + "01020304", icv_len: 128 },
        replay_window: 128,
        flags: ["esn"],
        encap: { type: "espinudp", sport: 4500, dport: 4500, oa: "0.0.0.0" },
      });
      await ipText(
        ns,
        ...`state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x3000 enc cbc(aes) ${K16} auth hmac(sha1) 0x000102030405060708090a0b0c0d0e0f10111213`
          .split(" "),
      );
      const text = (await x.getStates()).map((s) => formatXfrmState(s, nameOf)).join("");
      assert.equal(text, await ipText(ns, "state"));
      await x.state("update", { ...ESP, if_id: 10 });
      assert.equal(
        (await x.state("get", {
          dst: "192.0.2.2",
          proto: "esp",
          spi: 0x1000,
          mark: { value: 7, mask: 0xff },
        }))?.if_id,
        10,
      );
      await x.state("delete", { src: "192.0.2.1", dst: "192.0.2.2", proto: "esp", spi: 0x2000 });
      assert.equal((await x.getStates()).length, 2);
    }, "xfrmesp"),
});

Deno.test({
  name: `xfrm: without ESP the library is refused as ip is${
    isRoot && lacksEsp ? "" : " (skipped: the kernel has ESP, or not root)"
  }`,
  ignore: !isRoot || lacksEsp === undefined,
  fn: () =>
    withNetns(async (ns) => {
      using x = new XFRM({ netns: ns });
      const err = await x.state("add", ESP).catch((e) => e);
      assert.ok(err instanceof NetlinkError);
      assert.equal(`kernel lacks ESP: ${err.extack.msg}`, lacksEsp);
      assert.equal(await ipText(ns, "state"), "");
    }, "xfrmnoesp"),
});

async function hasPython(): Promise<boolean> {
  try {
    await run("python3", ["-c", "import socket"]);
    return true;
  } catch {
    return false;
  }
}

const python = isRoot && await hasPython();

Deno.test({
  name: `XFRM monitor: policy events, flushes and an ACQUIRE for real traffic${
    python ? "" : " (skipped: needs root and python3)"
  }`,
  ignore: !python,
  fn: () =>
    withNetns(async (ns) => {
      for (
        const c of [
          "link set lo up",
          "link add v0 type veth peer name v1",
          "addr add 10.0.0.1/24 dev v0",
          "link set v0 up",
          "link set v1 up",
        ]
      ) await ipCmd(ns, ...c.split(" "));
      using x = new XFRM({ netns: ns });
      using events = x.monitor(); // subscribed now: everything below is seen
      await x.policy("add", {
        sel: { src: "10.0.0.1", dst: "10.0.0.2" },
        dir: "out",
        tmpl: [{ src: "10.0.0.1", dst: "10.0.0.2", proto: "esp", reqid: 7 }],
      });
      await ipText(
        ns,
        ..."policy add src 10.9.0.0/16 dst 10.8.0.0/16 dir in action block".split(" "),
      );
      await x.policy("delete", { sel: { src: "10.9.0.0/16", dst: "10.8.0.0/16" }, dir: "in" });
      // Traffic that matches the out policy with no SA: the kernel asks for one.
      await run("ip", [
        "netns",
        "exec",
        ns,
        "python3",
        "-c",
        "import socket\ns = socket.socket(2, 2)\ntry: s.sendto(b'x', ('10.0.0.2', 9))\nexcept OSError: pass\n",
      ]);
      const seen: XfrmEvent[] = [];
      for await (const ev of events) {
        seen.push(ev);
        if (ev.type === "acquire") break;
      }
      const types = seen.map((e) => e.type);
      assert.deepEqual(types.filter((t) => t !== "acquire"), [
        "newpolicy",
        "newpolicy",
        "delpolicy",
      ]);
      const acq = seen.find((e) => e.type === "acquire");
      assert.ok(acq?.type === "acquire");
      assert.equal(acq.acquire.proto, 50);
      assert.equal(acq.acquire.dst, "10.0.0.2");
      assert.equal(acq.acquire.sel.proto, 17);
      assert.equal(acq.acquire.policy.tmpl[0].reqid, 7);
      const del = seen[2];
      assert.ok(del.type === "delpolicy");
      assert.equal(del.policy.sel.src, "10.9.0.0/16");
      assert.equal(del.policy.action, 1);

      using flushes = x.monitor({ groups: ["sa", "policy"] });
      await x.flushPolicies();
      await x.flushStates();
      const f: string[] = [];
      for await (const ev of flushes) {
        f.push(ev.type);
        if (f.length === 2) break;
      }
      assert.deepEqual(f.sort(), ["flushpolicy", "flushsa"]);
    }, "xfrmmon"),
});
