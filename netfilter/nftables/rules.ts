/**
 * Common rules without writing expressions: matches on interfaces, addresses (and prefixes),
 * the layer-4 protocol, ports (and ranges), connection state and marks; counter, log, limit;
 * and a verdict or a NAT statement (accept, drop, reject, jump, masquerade, DNAT, SNAT,
 * redirect). Each gives the expression list nft(8) makes for the same rule, so `nft list
 * ruleset` shows it as if nft had written it.
 *
 * @module
 */

import { describeValue, parseIp } from "../../netlink/addr.ts";
import { checkInt } from "../../netlink/encoder.ts";
import { checkKeys, isPlainObject, KeySet, REFUSE_UNDEFINED } from "../../netlink/strict.ts";
import type { NftExpr } from "./expr.ts";
import type { NftFamily } from "./names.ts";

/** What a rule matches; every key narrows. */
export interface RuleMatch {
  /** The table's family (default `inet`): inet, bridge and netdev rules check the address family first. */
  family?: NftFamily;
  /** Input interface name. */
  iifname?: string;
  /** Output interface name. */
  oifname?: string;
  /** Source address, prefix (`"10.0.0.0/8"`) or set (`"@name"`). */
  saddr?: string;
  /** Destination address, prefix or set. */
  daddr?: string;
  /** Layer-4 protocol (`meta l4proto`): tcp, udp, icmp, icmpv6, sctp, or a number. */
  proto?: string | number;
  /** Source port, range (`"1000-2000"`) or set (`"@name"`); needs `proto`. */
  sport?: number | string;
  /** Destination port, range or set; needs `proto`. */
  dport?: number | string;
  /** Connection states: new, established, related, invalid, untracked. */
  ctState?: readonly string[];
  /** Packet mark. */
  mark?: number;
  /** Connection mark. */
  ctMark?: number;
}

/** Statements before the verdict. */
export interface RuleStatements {
  /** Count packets and bytes. */
  counter?: boolean;
  /** Log: a prefix and/or a level. */
  log?: {
    prefix?: string;
    level?: "emerg" | "alert" | "crit" | "err" | "warn" | "notice" | "info" | "debug";
  };
  /** Rate limit (packets): `{ rate: 10, per: "second", burst: 5 }`. */
  limit?: { rate: number; per: "second" | "minute" | "hour" | "day" | "week"; burst?: number };
}

/** Options of every rule helper: what to match and the statements before the verdict. */
export type RuleOptions = RuleMatch & RuleStatements;

const MATCH_KEYS = new KeySet(
  "key",
  [
    "family",
    "iifname",
    "oifname",
    "saddr",
    "daddr",
    "proto",
    "sport",
    "dport",
    "ctState",
    "mark",
    "ctMark",
    "counter",
    "log",
    "limit",
  ],
  {},
  REFUSE_UNDEFINED,
);

const PROTOS: Readonly<Record<string, number>> = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  icmpv6: 58,
  sctp: 132,
  udplite: 136,
  dccp: 33,
};
const CT_STATES: Readonly<Record<string, number>> = {
  invalid: 1,
  established: 2,
  related: 4,
  new: 8,
  untracked: 64,
};
const UNITS = { second: 1, minute: 60, hour: 3600, day: 86400, week: 604800 } as const;
const LEVELS = { emerg: 0, alert: 1, crit: 2, err: 3, warn: 4, notice: 5, info: 6, debug: 7 };

const value = (bytes: ArrayLike<number>) => ({ value: Uint8Array.from(bytes) });
const u32le = (n: number) => value([n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24]);
const be16 = (n: number) => value([n >> 8, n & 255]);

function ifname(v: unknown, field: string): Uint8Array {
  if (typeof v !== "string" || v === "" || new TextEncoder().encode(v).length >= 16) {
    throw new TypeError(`${field}: expected an interface name, got ${describeValue(v)}`);
  }
  const b = new Uint8Array(16);
  b.set(new TextEncoder().encode(v));
  return b;
}

function family(m: RuleMatch): NftFamily {
  return m.family ?? "inet";
}

/** The meta nfproto check inet, bridge and netdev rules need before matching an address. */
function nfproto(f: NftFamily, v6: boolean, out: NftExpr[]): void {
  if (f === "ip" || f === "ip6") {
    if ((f === "ip6") !== v6) {
      throw new TypeError(`an ${v6 ? "IPv6" : "IPv4"} address in an ${f} table`);
    }
    return;
  }
  out.push({ kind: "meta", key: "nfproto", dreg: 1 });
  out.push({ kind: "cmp", sreg: 1, op: "eq", data: value([v6 ? 10 : 2]) });
}

function address(v: unknown, dir: "saddr" | "daddr", m: RuleMatch, out: NftExpr[]): void {
  if (typeof v !== "string") {
    throw new TypeError(`${dir}: expected an address, got ${describeValue(v)}`);
  }
  const f = family(m);
  if (v.startsWith("@")) {
    // A named set: its type says the family; nft checks the table's family for inet.
    const v6 = false;
    nfproto(f, v6, out);
    out.push({
      kind: "payload",
      dreg: 1,
      base: "network_header",
      offset: dir === "saddr" ? 12 : 16,
      len: 4,
    });
    out.push({ kind: "lookup", sreg: 1, set: v.slice(1) });
    return;
  }
  const slash = v.indexOf("/");
  const bytes = parseIp(slash < 0 ? v : v.slice(0, slash), dir);
  const v6 = bytes.length === 16;
  const plen = slash < 0 ? bytes.length * 8 : Number(v.slice(slash + 1));
  if (!Number.isInteger(plen) || plen < 0 || plen > bytes.length * 8) {
    throw new RangeError(`${dir}: bad prefix length in ${JSON.stringify(v)}`);
  }
  nfproto(f, v6, out);
  const offset = v6 ? (dir === "saddr" ? 8 : 24) : (dir === "saddr" ? 12 : 16);
  if (plen % 8 === 0) {
    out.push({ kind: "payload", dreg: 1, base: "network_header", offset, len: plen / 8 });
    out.push({ kind: "cmp", sreg: 1, op: "eq", data: value(bytes.subarray(0, plen / 8)) });
    return;
  }
  const mask = new Uint8Array(bytes.length);
  for (let i = 0; i < plen; i++) mask[i >> 3] |= 0x80 >> (i & 7);
  const masked = bytes.map((b, i) => b & mask[i]);
  out.push({ kind: "payload", dreg: 1, base: "network_header", offset, len: bytes.length });
  out.push({
    kind: "bitwise",
    sreg: 1,
    dreg: 1,
    len: bytes.length,
    mask: { value: mask },
    xor: { value: new Uint8Array(bytes.length) },
  });
  out.push({ kind: "cmp", sreg: 1, op: "eq", data: value(masked) });
}

function port(v: unknown, which: "sport" | "dport", out: NftExpr[]): void {
  out.push({
    kind: "payload",
    dreg: 1,
    base: "transport_header",
    offset: which === "sport" ? 0 : 2,
    len: 2,
  });
  if (typeof v === "string" && v.startsWith("@")) {
    out.push({ kind: "lookup", sreg: 1, set: v.slice(1) });
    return;
  }
  if (typeof v === "string") {
    const m = /^(\d+)-(\d+)$/.exec(v);
    if (!m) {
      throw new TypeError(
        `${which}: expected a port, "FROM-TO" or "@set", got ${JSON.stringify(v)}`,
      );
    }
    const a = checkInt(Number(m[1]), "be16", which), b = checkInt(Number(m[2]), "be16", which);
    if (a > b) throw new RangeError(`${which}: a range that ends before it starts`);
    out.push({ kind: "cmp", sreg: 1, op: "gte", data: be16(a) });
    out.push({ kind: "cmp", sreg: 1, op: "lte", data: be16(b) });
    return;
  }
  out.push({ kind: "cmp", sreg: 1, op: "eq", data: be16(checkInt(v, "be16", which)) });
}

/** The expressions that match `m` (and the statements of `s`), in nft's order. */
export function match(options: RuleOptions = {}): NftExpr[] {
  if (!isPlainObject(options)) {
    throw new TypeError(`rule: expected an options object, got ${describeValue(options)}`);
  }
  checkKeys(options, MATCH_KEYS, "rule", "rule.");
  const m = options as RuleOptions;
  const out: NftExpr[] = [];
  for (const dir of ["iifname", "oifname"] as const) {
    if (m[dir] === undefined) continue;
    out.push({ kind: "meta", key: dir, dreg: 1 });
    out.push({ kind: "cmp", sreg: 1, op: "eq", data: { value: ifname(m[dir], dir) } });
  }
  if (m.saddr !== undefined) address(m.saddr, "saddr", m, out);
  if (m.daddr !== undefined) address(m.daddr, "daddr", m, out);
  if (m.proto !== undefined) {
    const n = typeof m.proto === "string"
      ? (Object.hasOwn(PROTOS, m.proto) ? PROTOS[m.proto] : (() => {
        throw new TypeError(`proto: unknown protocol ${JSON.stringify(m.proto)}`);
      })())
      : checkInt(m.proto, "u8", "proto");
    out.push({ kind: "meta", key: "l4proto", dreg: 1 });
    out.push({ kind: "cmp", sreg: 1, op: "eq", data: value([n]) });
  }
  for (const which of ["sport", "dport"] as const) {
    if (m[which] === undefined) continue;
    if (m.proto === undefined) throw new TypeError(`${which}: needs proto (tcp, udp, …)`);
    port(m[which], which, out);
  }
  if (m.mark !== undefined) {
    out.push({ kind: "meta", key: "mark", dreg: 1 });
    out.push({ kind: "cmp", sreg: 1, op: "eq", data: u32le(checkInt(m.mark, "u32", "mark")) });
  }
  if (m.ctState !== undefined) {
    if (!Array.isArray(m.ctState) || m.ctState.length === 0) {
      throw new TypeError("ctState: expected an array of states");
    }
    let bits = 0;
    m.ctState.forEach((s, i) => {
      if (typeof s !== "string" || !Object.hasOwn(CT_STATES, s)) {
        throw new TypeError(
          `ctState[${i}]: unknown state ${describeValue(s)} (one of ${
            Object.keys(CT_STATES).join(", ")
          })`,
        );
      }
      bits |= CT_STATES[s];
    });
    out.push({ kind: "ct", key: "state", dreg: 1 });
    out.push({ kind: "bitwise", sreg: 1, dreg: 1, len: 4, mask: u32le(bits), xor: u32le(0) });
    out.push({ kind: "cmp", sreg: 1, op: "neq", data: u32le(0) });
  }
  if (m.ctMark !== undefined) {
    out.push({ kind: "ct", key: "mark", dreg: 1 });
    out.push({ kind: "cmp", sreg: 1, op: "eq", data: u32le(checkInt(m.ctMark, "u32", "ctMark")) });
  }
  if (m.counter !== undefined) {
    if (m.counter !== true && m.counter !== false) {
      throw new TypeError("counter: expected true or false");
    }
    if (m.counter) out.push({ kind: "counter" });
  }
  if (m.limit !== undefined) {
    if (!isPlainObject(m.limit) || !Object.hasOwn(UNITS, m.limit.per as string)) {
      throw new TypeError(`limit: expected { rate, per: ${Object.keys(UNITS).join("|")}, burst? }`);
    }
    out.push({
      kind: "limit",
      rate: checkInt(m.limit.rate, "be64", "limit.rate"),
      unit: UNITS[m.limit.per as keyof typeof UNITS],
      burst: checkInt(m.limit.burst ?? 5, "be32", "limit.burst"),
      type: "pkts",
      flags: 0,
    });
  }
  if (m.log !== undefined) {
    if (!isPlainObject(m.log)) throw new TypeError("log: expected { prefix?, level? }");
    const e: NftExpr = { kind: "log" };
    if (m.log.prefix !== undefined) {
      if (typeof m.log.prefix !== "string" || m.log.prefix.length > 127) {
        throw new TypeError("log.prefix: expected a string of at most 127 bytes");
      }
      e.prefix = m.log.prefix;
    }
    if (m.log.level !== undefined) {
      if (!Object.hasOwn(LEVELS, m.log.level)) {
        throw new TypeError(`log.level: expected one of ${Object.keys(LEVELS).join(", ")}`);
      }
      e.level = LEVELS[m.log.level];
    }
    out.push(e);
  }
  return out;
}

function verdict(code: "accept" | "drop" | "return" | "jump" | "goto", chain?: string): NftExpr {
  return {
    kind: "immediate",
    dreg: 0,
    data: { verdict: chain === undefined ? { code } : { code, chain } },
  };
}

/** Accepts what `options` matches. */
export function accept(options: RuleOptions = {}): NftExpr[] {
  return [...match(options), verdict("accept")];
}

/** Drops what `options` matches. */
export function drop(options: RuleOptions = {}): NftExpr[] {
  return [...match(options), verdict("drop")];
}

/** Returns from the chain for what `options` matches. */
export function ret(options: RuleOptions = {}): NftExpr[] {
  return [...match(options), verdict("return")];
}

/** Jumps to `chain` (returns after it) for what `options` matches. */
export function jump(chain: string, options: RuleOptions = {}): NftExpr[] {
  if (typeof chain !== "string" || chain === "") throw new TypeError("jump: expected a chain name");
  return [...match(options), verdict("jump", chain)];
}

/** Goes to `chain` (no return) for what `options` matches. */
export function goto(chain: string, options: RuleOptions = {}): NftExpr[] {
  if (typeof chain !== "string" || chain === "") throw new TypeError("goto: expected a chain name");
  return [...match(options), verdict("goto", chain)];
}

/**
 * Rejects what `options` matches: with a TCP reset (`withTcpReset`, needs `proto: "tcp"`), else
 * an ICMP port unreachable of the table's family (ICMPx for inet, bridge, netdev).
 */
export function reject(options: RuleOptions & { withTcpReset?: boolean } = {}): NftExpr[] {
  const { withTcpReset, ...rest } = options;
  const f = family(rest);
  if (withTcpReset) {
    if (rest.proto !== "tcp" && rest.proto !== 6) {
      throw new TypeError('withTcpReset: needs proto: "tcp"');
    }
    return [...match(rest), { kind: "reject", type: "tcp_rst", icmp_code: 0 }];
  }
  const r: NftExpr = f === "ip"
    ? { kind: "reject", type: "icmp_unreach", icmp_code: 3 }
    : f === "ip6"
    ? { kind: "reject", type: "icmp_unreach", icmp_code: 4 }
    : { kind: "reject", type: "icmpx_unreach", icmp_code: 1 };
  return [...match(rest), r];
}

/** Masquerades (source NAT to the outgoing interface's address) what `options` matches. */
export function masquerade(options: RuleOptions & { random?: boolean } = {}): NftExpr[] {
  const { random, ...rest } = options;
  return [...match(rest), random ? { kind: "masq", flags: 4 } : { kind: "masq" }];
}

function natTo(to: unknown, field: string): { addr: Uint8Array; port?: number } {
  if (typeof to !== "string") throw new TypeError(`${field}: expected "ADDRESS[:PORT]"`);
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(to) ?? /^([^:]+)(?::(\d+))?$/.exec(to);
  if (!m) {
    throw new TypeError(
      `${field}: expected "ADDRESS[:PORT]" or "[IPV6]:PORT", got ${JSON.stringify(to)}`,
    );
  }
  const addr = parseIp(m[1], field);
  return m[2] === undefined ? { addr } : { addr, port: checkInt(Number(m[2]), "be16", field) };
}

function nat(type: "snat" | "dnat", to: string, options: RuleOptions, field: string): NftExpr[] {
  const t = natTo(to, field);
  const out = match(options);
  out.push({ kind: "immediate", dreg: 1, data: { value: t.addr } });
  const e: NftExpr = {
    kind: "nat",
    type,
    family: t.addr.length === 4 ? 2 : 10,
    reg_addr_min: 1,
  };
  if (t.port !== undefined) {
    out.push({ kind: "immediate", dreg: 2, data: be16(t.port) });
    e.reg_proto_min = 2;
    e.flags = 2; // NF_NAT_RANGE_PROTO_SPECIFIED
  }
  out.push(e);
  return out;
}

/** Destination NAT of what `options` matches to `to` (`"10.0.0.2"`, `"10.0.0.2:80"`, `"[fd00::2]:80"`). */
export function dnat(to: string, options: RuleOptions = {}): NftExpr[] {
  return nat("dnat", to, options, "dnat");
}

/** Source NAT of what `options` matches to `to`. */
export function snat(to: string, options: RuleOptions = {}): NftExpr[] {
  return nat("snat", to, options, "snat");
}

/** Redirects what `options` matches to local port `port`. */
export function redirect(port: number, options: RuleOptions = {}): NftExpr[] {
  return [
    ...match(options),
    { kind: "immediate", dreg: 1, data: be16(checkInt(port, "be16", "redirect")) },
    { kind: "redir", reg_proto_min: 1, flags: 2 },
  ];
}

/** Counts what `options` matches (no verdict). */
export function count(options: RuleOptions = {}): NftExpr[] {
  return match({ ...options, counter: true });
}
