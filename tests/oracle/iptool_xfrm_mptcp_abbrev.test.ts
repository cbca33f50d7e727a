/**
 * Oracle: every abbreviation iproute2 6.1 accepts for `ip xfrm` and `ip mptcp` objects and verbs
 * (generated from the tool's tables, in ipxfrm.c / xfrm_state.c / xfrm_policy.c / ipmptcp.c
 * order), run by iproute2 in namespace A and by the tool in its twin B: same exit code, stdout
 * and stderr (usage texts: exit code only), and after each change the same `ip` listing of
 * both; also the keywords ipmptcp.c takes by prefix (`id`, `dev`, `port`, `subflows`,
 * `add_addr_accepted`) and xfrm's mode values. xfrm states come from `allocspi` (this kernel has no ESP/AH state to add).
 */

import assert from "node:assert/strict";
import { main } from "../../examples/ip.ts";
import { abbreviations } from "../../examples/ip/match.ts";
import { XFRM_OBJECTS, XFRM_POLICY_VERBS, XFRM_STATE_VERBS } from "../../examples/ip/xfrm.ts";
import {
  MPTCP_ENDPOINT_VERBS,
  MPTCP_LIMITS_VERBS,
  MPTCP_OBJECTS,
} from "../../examples/ip/mptcp.ts";
import { isRoot, withNetns } from "../helpers.ts";
import { lacks } from "../features.ts";

interface Result {
  code: number;
  out: string;
  err: string;
}

const dec = new TextDecoder();
function ip(ns: string, args: string[]): Result {
  const r = new Deno.Command("ip", { args: ["-n", ns, ...args], stdout: "piped", stderr: "piped" })
    .outputSync();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

async function tool(ns: string, args: string[]): Promise<Result> {
  let out = "", err = "";
  const code = await main(["-n", ns, ...args], { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** One case: commands run by ip in both namespaces first, the arguments, what to compare after. */
interface Case {
  pre?: string[];
  args: string[];
  post?: string[];
  state?: string[];
  codeOnly?: boolean;
}

const SRC = "192.0.2.1";
const dstOf = (n: number) => `192.0.2.${10 + n}`;
const spi = (n: number) => `0x${(0x1000 + n).toString(16)}`;
const allocspi = (n: number) =>
  `xfrm state allocspi src ${SRC} dst ${dstOf(n)} proto esp reqid ${n} min ${spi(n)} max ${spi(n)}`;
const stateId = (n: number) => ["src", SRC, "dst", dstOf(n), "proto", "esp", "spi", spi(n)];
const words = (v: string) => v.split(" ");
const pol = (n: number) => ["src", `10.${n}.0.0/24`, "dst", `10.200.${n}.0/24`, "dir", "out"];

function xfrmCase(object: string, verb: string, n: number): Case | undefined {
  if (object === "state") {
    switch (verb) {
      case "add":
      case "update":
        // The kernel refuses ESP states here: both print its refusal.
        return {
          args: [...stateId(n), "enc", "cbc(aes)", "0x00112233445566778899aabbccddeeff"],
        };
      case "allocspi":
        return {
          args: words(allocspi(n).replace("xfrm state allocspi ", "")),
          post: ["xfrm state flush"],
          state: ["xfrm", "state"],
        };
      case "delete":
        return { pre: [allocspi(n)], args: stateId(n), state: ["xfrm", "state"] };
      case "get":
        return { pre: [allocspi(n)], args: stateId(n), post: ["xfrm state flush"] };
      case "deleteall":
      case "flush":
        return { pre: [allocspi(n)], args: [], state: ["xfrm", "state"] };
      case "list":
      case "count":
        return { pre: [allocspi(n)], args: [], post: ["xfrm state flush"] };
      case "help":
        return { args: [], codeOnly: true };
    }
  } else {
    const add = `xfrm policy add ${pol(n).join(" ")}`;
    switch (verb) {
      case "add":
      case "update":
        return { args: pol(n), post: ["xfrm policy flush"], state: ["xfrm", "policy"] };
      case "delete":
        return { pre: [add], args: pol(n), state: ["xfrm", "policy"] };
      case "get":
        return { pre: [add], args: pol(n), post: ["xfrm policy flush"] };
      case "deleteall":
      case "flush":
        return { pre: [add], args: [], state: ["xfrm", "policy"] };
      case "list":
      case "count":
        return { pre: [add], args: [], post: ["xfrm policy flush"] };
      case "help":
        return { args: [], codeOnly: true };
    }
  }
  return undefined;
}

function mptcpCase(object: string, verb: string, n: number): Case | undefined {
  const add = `mptcp endpoint add 10.0.${n}.1 id ${n} signal`;
  if (object === "endpoint") {
    switch (verb) {
      case "add":
        return {
          args: [`10.0.${n}.1`, "id", String(n), "signal"],
          post: ["mptcp endpoint flush"],
          state: ["mptcp", "endpoint", "show"],
        };
      case "change":
        return {
          pre: [add],
          args: ["id", String(n), "backup"],
          post: ["mptcp endpoint flush"],
          state: ["mptcp", "endpoint", "show"],
        };
      case "delete":
        return { pre: [add], args: ["id", String(n)], state: ["mptcp", "endpoint", "show"] };
      case "show":
        return { pre: [add], args: [], post: ["mptcp endpoint flush"] };
      case "flush":
        return { pre: [add], args: [], state: ["mptcp", "endpoint", "show"] };
    }
  } else if (object === "limits") {
    switch (verb) {
      case "set":
        return {
          args: ["subflows", String(n % 8), "add_addr_accepted", String((n + 1) % 8)],
          state: ["mptcp", "limits", "show"],
        };
      case "show":
        return { args: [] };
    }
  }
  return undefined;
}

/**
 * Every case: each object abbreviation alone, and each verb abbreviation after the whole object
 * word (the two lookups are independent: their product would only repeat them).
 */
function cases(): [string, string[], Case][] {
  const out: [string, string[], Case][] = [];
  let n = 0;
  for (const [o, [obj]] of abbreviations(XFRM_OBJECTS)) {
    if (obj === "monitor") continue; // runs until stopped
    if (obj === "help") {
      out.push([`xfrm ${o}`, ["xfrm", o], { args: [], codeOnly: true }]);
      continue;
    }
    const object = obj === "sa" ? "state" : obj;
    out.push([`xfrm ${o}`, ["xfrm", o], {
      pre: object === "state" ? [allocspi(0)] : [],
      args: [],
      post: object === "state" ? ["xfrm state flush"] : [],
    }]);
    if (o !== obj) continue;
    const table = object === "state" ? XFRM_STATE_VERBS : XFRM_POLICY_VERBS;
    for (const [v, [, verb]] of abbreviations(table)) {
      if (!verb) continue; // SPD settings this tool lacks
      const c = xfrmCase(object, verb, ++n % 200);
      if (!c) throw new Error(`no case for xfrm ${object} ${verb}`);
      out.push([`xfrm ${o} ${v}`, ["xfrm", o, v], c]);
    }
  }
  for (const [o, [obj]] of abbreviations(MPTCP_OBJECTS)) {
    if (obj === "monitor") continue;
    if (obj === "help") {
      out.push([`mptcp ${o}`, ["mptcp", o], { args: [], codeOnly: true }]);
      continue;
    }
    out.push([`mptcp ${o}`, ["mptcp", o], { args: [] }]);
    if (o !== obj) continue;
    const table = obj === "endpoint" ? MPTCP_ENDPOINT_VERBS : MPTCP_LIMITS_VERBS;
    for (const [v, [verb]] of abbreviations(table)) {
      const c = mptcpCase(obj, verb, (++n % 200) + 1);
      if (!c) throw new Error(`no case for mptcp ${obj} ${verb}`);
      out.push([`mptcp ${o} ${v}`, ["mptcp", o, v], c]);
    }
  }
  // xfrm's mode values, taken by prefix (xfrm_mode_parse), in a state and in a template.
  const modes = ["transport", "tunnel", "ro", "in_trigger", "beet"];
  for (const m of modes) {
    for (let i = 1; i <= m.length; i++) {
      const v = m.slice(0, i);
      if (modes.find((x) => x.startsWith(v)) !== m) continue;
      const k = 50 + (++n % 100);
      out.push([`xfrm state allocspi … mode ${v}`, ["xfrm", "state", "allocspi"], {
        args: [...words(allocspi(k)).slice(3, -4), "mode", v, "min", spi(k), "max", spi(k)],
        post: ["xfrm state flush"],
        state: ["xfrm", "state"],
      }]);
    }
  }
  out.push(["xfrm policy add … tmpl … mode tun", ["xfrm", "policy", "add"], {
    args: [...pol(7), "tmpl", "src", SRC, "dst", dstOf(7), "proto", "esp", "mode", "tun"],
    post: ["xfrm policy flush"],
    state: ["xfrm", "policy"],
  }]);
  // Keywords iproute2 takes by prefix inside mptcp commands.
  const kw: [string, string[], Case][] = [];
  for (const [i, id] of ["i", "id"].entries()) {
    for (const [j, port] of ["p", "po", "por", "port"].entries()) {
      const k = 100 + i * 10 + j;
      kw.push([`mptcp endpoint add … ${id} … ${port} … d lo`, ["mptcp", "endpoint", "add"], {
        args: [`10.1.${k}.1`, id, String(k), port, String(1000 + k), "signal", "d", "lo"],
        post: ["mptcp endpoint flush"],
        state: ["mptcp", "endpoint", "show"],
      }]);
    }
  }
  for (const sub of ["s", "su", "subflows"]) {
    for (const acc of ["a", "add", "add_addr_accepted"]) {
      kw.push([`mptcp limits set ${sub} … ${acc} …`, ["mptcp", "limits", "set"], {
        args: [sub, String(sub.length % 8), acc, String(acc.length % 8)],
        state: ["mptcp", "limits", "show"],
      }]);
    }
  }
  kw.push(["mptcp limits set (nothing)", ["mptcp", "limits", "set"], {
    args: [],
    state: ["mptcp", "limits", "show"],
  }]);
  kw.push(["mptcp limits set (unknown)", ["mptcp", "limits", "set"], { args: ["x", "1"] }]);
  kw.push(["mptcp limits set (bad value)", ["mptcp", "limits", "set"], { args: ["su", "z"] }]);
  out.push(...kw);
  return out;
}

const noMptcp = await lacks("genl:mptcp_pm");

Deno.test({
  name: "ip tool: every abbreviation of ip xfrm and ip mptcp objects and verbs does what ip does" +
    (noMptcp ? " (mptcp skipped: kernel lacks MPTCP)" : ""),
  ignore: !isRoot,
  async fn(t) {
    await withNetns(async (a) => {
      await withNetns(async (b) => {
        const setup = (cmds: string[] | undefined) => {
          for (const line of cmds ?? []) {
            for (const ns of [a, b]) {
              const r = ip(ns, line.split(" "));
              assert.equal(r.code, 0, `${line}: ${r.err}`);
            }
          }
        };
        for (const [name, argv, c] of cases()) {
          if (noMptcp && argv[0] === "mptcp") continue;
          await t.step(name, async () => {
            setup(c.pre);
            const x = ip(a, [...argv, ...c.args]);
            const y = await tool(b, [...argv, ...c.args]);
            const what = [...argv, ...c.args].join(" ");
            assert.equal(y.code, x.code, `${what}: ${x.err} / ${y.err}`);
            if (!c.codeOnly) {
              assert.equal(y.out, x.out, what);
              assert.equal(y.err, x.err, what);
            }
            if (c.state) assert.equal(ip(b, c.state).out, ip(a, c.state).out, `${what}: state`);
            setup(c.post);
          });
        }
      }, "ipxa");
    }, "ipxb");
  },
});
