/**
 * The filter compiler against `ss`: for each filter of tests/golden/diag/filters.json the whole
 * request (`ss -tn state established FILTER`'s first, AF_INET, one) must be byte for byte what
 * ours encodes for the same filter written as an expression. Then the programs' meaning: run
 * as the kernel runs them, they accept exactly the sockets the expression describes.
 *
 * @module
 */

import assert from "node:assert/strict";
import { compileFilter, runFilter } from "../../diag/filter.ts";
import type { SockFilter } from "../../diag/filter.ts";
import { inetDump } from "../../diag/requests.ts";
import { toHex } from "../helpers.ts";

const GOLDEN = JSON.parse(
  Deno.readTextFileSync(new URL("../golden/diag/filters.json", import.meta.url)),
) as { captures: { ss: string; request: string }[] };

/** Each captured ss filter, written as our expression. */
const AS_EXPRESSION: Record<string, SockFilter> = {
  "sport = :80": { sport: 80 },
  "dport >= :1024": { dport: { ge: 1024 } },
  "src 10.0.0.0/8": { src: "10.0.0.0/8" },
  "( sport = :22 or dport = :22 )": { or: [{ sport: 22 }, { dport: 22 }] },
  "not dst 127.0.0.1": { not: { dst: "127.0.0.1" } },
  "sport > :1000": { sport: { gt: 1000 } },
  "dport < :1024": { dport: { lt: 1024 } },
  "dst [::1]:443": { dst: "[::1]:443" },
  "src [fe80::/10]": { src: "fe80::/10" },
  "dst [2001:db8::/32]:80": { dst: { addr: "2001:db8::/32", port: 80 } },
  "src 10.1.2.3:80 and dport != :443": { src: "10.1.2.3:80", dport: { ne: 443 } },
  "sport >= :1000 and sport <= :2000": { sport: { ge: 1000, le: 2000 } },
  "autobound": { autobound: true },
  "fwmark = 0x10/0xff": { mark: 0x10, mask: 0xff },
  "dport < :1024 and not ( src 192.168.0.0/16 or src [fe80::/10] )": {
    and: [
      { dport: { lt: 1024 } },
      { not: { or: [{ src: "192.168.0.0/16" }, { src: "[fe80::/10]" }] } },
    ],
  },
};

Deno.test("filter bytecode: the requests ss sends, byte for byte", async (t) => {
  assert.ok(GOLDEN.captures.length >= 5);
  for (const { ss, request } of GOLDEN.captures) {
    await t.step(ss, () => {
      const filter = AS_EXPRESSION[ss];
      assert.ok(filter, `no expression for ${ss}`);
      const [ours] = inetDump({ family: "inet", states: "established", filter }).requests;
      assert.equal(toHex(ours), request);
    });
  }
});

/** A socket as the property test draws it. */
interface Sock {
  family: 2 | 10;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  dev: number;
  mark: number;
  autobound: boolean;
}

const ADDR4 = ["10.1.2.3", "10.200.0.1", "127.0.0.1", "192.168.1.1", "0.0.0.0"];
const ADDR6 = ["::1", "fe80::1", "2001:db8::5", "::ffff:10.1.2.3", "::ffff:192.168.7.7", "::"];
const PORTS = [0, 22, 80, 443, 999, 1000, 1001, 1023, 1024, 2000, 65535];

function pick<T>(r: () => number, a: readonly T[]): T {
  return a[Math.floor(r() * a.length)];
}

function inPrefix(addr: string, prefix: string): boolean {
  // Reference semantics, written independently of the compiler: compare bit strings.
  const bits = (a: string) => {
    const p = a.includes(":") ? v6(a) : a.split(".").map(Number);
    return p.map((x) => x.toString(2).padStart(8, "0")).join("");
  };
  const [net, len] = prefix.split("/");
  const n = Number(len ?? (net.includes(":") ? 128 : 32));
  let a = addr;
  if (!net.includes(":") && addr.startsWith("::ffff:")) a = addr.slice(7);
  if (net.includes(":") !== a.includes(":")) return false;
  return bits(a).slice(0, n) === bits(net).slice(0, n);
}

function v6(a: string): number[] {
  if (a.includes(".")) {
    const tail = a.slice(a.lastIndexOf(":") + 1).split(".").map(Number);
    const head = v6(a.slice(0, a.lastIndexOf(":") + 1) + "0:0");
    return [...head.slice(0, 12), ...tail];
  }
  const [l, r] = a.split("::");
  const words = (s: string | undefined) => (s ? s.split(":").map((w) => parseInt(w, 16)) : []);
  const lw = words(l), rw = words(r);
  const all = [...lw, ...new Array(8 - lw.length - rw.length).fill(0), ...rw];
  return all.flatMap((w) => [w >> 8, w & 255]);
}

function evalPort(p: number, m: unknown): boolean {
  if (typeof m === "number") return p === m;
  const o = m as Record<string, number>;
  return (o.eq === undefined || p === o.eq) && (o.ne === undefined || p !== o.ne) &&
    (o.ge === undefined || p >= o.ge) && (o.le === undefined || p <= o.le) &&
    (o.gt === undefined || p > o.gt) && (o.lt === undefined || p < o.lt);
}

function evaluate(f: SockFilter, s: Sock): boolean {
  const o = f as Record<string, unknown>;
  if ("and" in o) return (o.and as SockFilter[]).every((x) => evaluate(x, s));
  if ("or" in o) return (o.or as SockFilter[]).some((x) => evaluate(x, s));
  if ("not" in o) return !evaluate(o.not as SockFilter, s);
  return Object.entries(o).every(([k, v]) => {
    switch (k) {
      case "sport":
        return evalPort(s.sport, v);
      case "dport":
        return evalPort(s.dport, v);
      case "src":
      case "dst": {
        const addr = k === "src" ? s.src : s.dst, port = k === "src" ? s.sport : s.dport;
        const h = v as { addr?: string; port?: number };
        return (h.port === undefined || h.port === port) &&
          (h.addr === undefined || inPrefix(addr, h.addr));
      }
      case "dev":
        return s.dev === v;
      case "mark":
        return (s.mark & (o.mask as number ?? 0xffffffff)) === v;
      case "mask":
        return true;
      case "autobound":
        return s.autobound;
    }
    throw new Error(k);
  });
}

function randomLeaf(r: () => number): SockFilter {
  const port = () => {
    const n = pick(r, PORTS);
    const k = pick(r, ["n", "eq", "ne", "ge", "le", "gt", "lt", "range"] as const);
    if (k === "n") return n;
    if (k === "range") return { ge: Math.min(n, 1000), le: Math.max(n, 1000) };
    return { [k]: n };
  };
  const prefix = () => {
    const v4 = r() < 0.6;
    const a = pick(r, v4 ? ADDR4.slice(0, 4) : ["::1", "fe80::", "2001:db8::"]);
    return `${a}/${Math.floor(r() * (v4 ? 33 : 129))}`;
  };
  switch (Math.floor(r() * 7)) {
    case 0:
      return { sport: port() };
    case 1:
      return { dport: port() };
    case 2:
      return { src: { addr: prefix() } };
    case 3:
      return r() < 0.5 ? { dst: { addr: prefix() } } : { dst: { port: pick(r, PORTS) } };
    case 4:
      return { dev: pick(r, [0, 1, 2]) };
    case 5:
      return { mark: pick(r, [0, 0x10, 0x11]), mask: pick(r, [0xff, 0x10, 0xffffffff]) };
    default:
      return { autobound: true };
  }
}

function randomFilter(r: () => number, depth: number): SockFilter {
  const k = depth > 3 ? 3 : Math.floor(r() * 4);
  if (k === 0) return { and: [randomFilter(r, depth + 1), randomFilter(r, depth + 1)] };
  if (k === 1) {
    return {
      or: [randomFilter(r, depth + 1), randomFilter(r, depth + 1), randomFilter(r, depth + 1)],
    };
  }
  if (k === 2) return { not: randomFilter(r, depth + 1) };
  return randomLeaf(r);
}

Deno.test("filter bytecode: programs accept exactly what the expression describes", () => {
  let seed = 0x1234567;
  const r = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 0x100000000;
  };
  let accepted = 0, runs = 0;
  for (let i = 0; i < 400; i++) {
    const f = randomFilter(r, 0);
    const program = compileFilter(f);
    for (let j = 0; j < 25; j++) {
      const v4 = r() < 0.5;
      const s: Sock = {
        family: v4 ? 2 : 10,
        src: pick(r, v4 ? ADDR4 : ADDR6),
        dst: pick(r, v4 ? ADDR4 : ADDR6),
        sport: pick(r, PORTS),
        dport: pick(r, PORTS),
        dev: pick(r, [0, 1, 2]),
        mark: pick(r, [0, 0x10, 0x11, 0x110]),
        autobound: r() < 0.5,
      };
      const want = evaluate(f, s);
      assert.equal(runFilter(program, s), want, `${JSON.stringify(f)} on ${JSON.stringify(s)}`);
      if (want) accepted++;
      runs++;
    }
  }
  // Both outcomes were exercised.
  assert.ok(accepted > runs / 10 && accepted < runs * 0.9, `${accepted}/${runs}`);
});
