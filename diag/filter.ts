/**
 * Socket filters compiled to `INET_DIAG_REQ_BYTECODE`, which the kernel runs on every socket
 * of a dump: only matching sockets are sent. The expression is a small typed tree:
 *
 * ```ts
 * { dport: 22 }                                  // dport = :22
 * { sport: { ge: 1024 } }                        // sport >= :1024
 * { src: "10.0.0.0/8" }                          // src 10.0.0.0/8
 * { dst: "[::1]:443" }                           // dst [::1]:443 (address and port at once)
 * { or: [{ sport: 22 }, { dport: 22 }] }         // ( sport = :22 or dport = :22 )
 * { not: { dst: "127.0.0.1" } }                  // not dst 127.0.0.1
 * { src: "10.1.2.3:80", dport: { ne: 443 } }     // several keys: all must match (and)
 * { dev: 2 } { mark: 0x10, mask: 0xff } { cgroup: 1234 } { autobound: true }
 * ```
 *
 * The program is what `ss` compiles for the same filter (iproute2's misc/ss.c): a sequence of
 * conditional forward jumps; falling off the end accepts a socket, jumping 4 bytes past it
 * rejects. `a and b` runs `b` where `a` would accept and sends `a`'s rejections to the end;
 * `a or b` puts a jump to the end after `a`, where `a` would accept; `not a` puts a jump to
 * the reject point where `a` would accept, so `a`'s rejection falls off the end (accepts).
 *
 * @module
 */

import { describeValue, parseIp, parsePrefix } from "../netlink/addr.ts";
import { checkKeys, KeySet, REFUSE_UNDEFINED } from "../netlink/strict.ts";
import { INET_DIAG_BC } from "./constants.ts";

/** A port condition: a port (equal), or bounds and exclusions (several keys: all must hold). */
export type PortMatch = number | {
  /** Equal to. */
  eq?: number;
  /** Not equal to. */
  ne?: number;
  /** At least. */
  ge?: number;
  /** At most. */
  le?: number;
  /** Greater than. */
  gt?: number;
  /** Less than. */
  lt?: number;
};

/**
 * An endpoint: `"10.0.0.0/8"`, `"2001:db8::/32"`, `"10.1.2.3:80"`, `"[::1]:443"`,
 * `"[2001:db8::]/32:80"`, or `{ addr?, port? }` (`addr` may carry a prefix).
 */
export type HostMatch = string | {
  /** Address, optionally with "/prefix". */
  addr?: string;
  /** Port (0..65535). */
  port?: number;
};

/** One condition, or several in one object (all must hold). */
export interface SockMatch {
  /** Local port. */
  sport?: PortMatch;
  /** Remote port. */
  dport?: PortMatch;
  /** Local address (and port). */
  src?: HostMatch;
  /** Remote address (and port). */
  dst?: HostMatch;
  /** Bound device (interface index). */
  dev?: number;
  /** Socket mark (`(mark & mask) == mark`; needs CAP_NET_ADMIN). */
  mark?: number;
  /** Mask of `mark` (default 0xffffffff). */
  mask?: number;
  /** cgroup v2 id. */
  cgroup?: number;
  /** The local port was chosen by the kernel (not bound explicitly). */
  autobound?: true;
}

/** A filter expression: a condition, or `and`/`or` of several, or `not` of one. */
export type SockFilter =
  | SockMatch
  | { and: readonly SockFilter[] }
  | { or: readonly SockFilter[] }
  | { not: SockFilter };

const OP = INET_DIAG_BC;
const AF_UNSPEC = 0;
const MAX_PROGRAM = 0xfff0;

/** A compiled program: bytes whose jumps are relative to each operation. */
type Program = Uint8Array;

/** The keys of an endpoint given as an object. */
const ENDPOINT_KEYS = new KeySet("endpoint key", ["addr", "port"], {}, REFUSE_UNDEFINED);

function op(code: number, yes: number, no: number, payload = 0): Program {
  const b = new Uint8Array(4 + payload);
  b[0] = code;
  b[1] = yes;
  new DataView(b.buffer).setUint16(2, no, true);
  return b;
}

function checkPort(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new TypeError(`${field}: expected a port number, got ${describeValue(v)}`);
  }
  if (v < 0 || v > 0xffff) throw new RangeError(`${field}: port ${v} is out of range 0..65535`);
  return v;
}

function checkU32(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new TypeError(`${field}: expected an integer, got ${describeValue(v)}`);
  }
  if (v < 0 || v > 0xffffffff) throw new RangeError(`${field}: ${v} is out of range 0..2^32-1`);
  return v;
}

/** `code` with a hostcond: family, prefix length, port (-1: any), address words. */
function hostcond(code: number, family: number, prefixlen: number, port: number, addr: Uint8Array) {
  // Like ss, a port-only condition carries one zero address word.
  const alen = family === 10 ? 16 : 4;
  const len = 4 + 8 + alen;
  const b = op(code, len, len + 4, 8 + alen);
  const dv = new DataView(b.buffer);
  b[4] = family;
  b[5] = prefixlen;
  dv.setInt32(8, port, true);
  b.set(addr.subarray(0, alen), 12);
  return b;
}

/** A port compare op (`S_GE`…) with its port in the next op's `no` field. */
function compare(code: number, port: number): Program {
  const b = op(code, 8, 12, 4);
  new DataView(b.buffer).setUint16(6, port, true);
  return b;
}

/** Jumps that go to `len + 4` (reject) are moved by `by`: relocating an operand's reject. */
function patchRejects(a: Program, by: number): void {
  const dv = new DataView(a.buffer, a.byteOffset, a.byteLength);
  for (let p = 0; p < a.length;) {
    const yes = a[p + 1];
    if (dv.getUint16(p + 2, true) === a.length - p + 4) {
      dv.setUint16(p + 2, a.length - p + 4 + by, true);
    }
    if (yes === 0) break;
    p += yes;
  }
}

function cat(...parts: Program[]): Program {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function and(a: Program, b: Program): Program {
  const out = cat(a, b);
  patchRejects(out.subarray(0, a.length), b.length);
  return out;
}

function or(a: Program, b: Program): Program {
  return cat(a, op(OP.jmp, 4, b.length + 4), b);
}

function not(a: Program): Program {
  return cat(a, op(OP.jmp, 4, 8));
}

function portProgram(side: "s" | "d", m: unknown, field: string): Program {
  const cond = side === "s" ? OP.s_cond : OP.d_cond;
  const ge = side === "s" ? OP.s_ge : OP.d_ge;
  const le = side === "s" ? OP.s_le : OP.d_le;
  const eq = (p: number) => hostcond(cond, AF_UNSPEC, 0, p, new Uint8Array(4));
  if (typeof m === "number") return eq(checkPort(m, field));
  if (typeof m !== "object" || m === null || Array.isArray(m)) {
    throw new TypeError(
      `${field}: expected a port or { eq, ne, ge, le, gt, lt }, got ${describeValue(m)}`,
    );
  }
  const parts: Program[] = [];
  for (const [k, v] of Object.entries(m)) {
    const f = `${field}.${k}`;
    if (v === undefined) throw new TypeError(`${f}: undefined`);
    switch (k) {
      case "eq":
        parts.push(eq(checkPort(v, f)));
        break;
      case "ne":
        parts.push(not(eq(checkPort(v, f))));
        break;
      case "ge":
        parts.push(compare(ge, checkPort(v, f)));
        break;
      case "le":
        parts.push(compare(le, checkPort(v, f)));
        break;
      case "gt":
        parts.push(not(compare(le, checkPort(v, f))));
        break;
      case "lt":
        parts.push(not(compare(ge, checkPort(v, f))));
        break;
      default:
        throw new TypeError(`${f}: unknown port condition (eq, ne, ge, le, gt, lt)`);
    }
  }
  if (parts.length === 0) throw new TypeError(`${field}: empty port condition`);
  return parts.reduce(and);
}

/** Parses an endpoint into family, prefix length, port (-1: any) and address bytes. */
function parseHost(m: unknown, field: string) {
  let addr: string | undefined;
  let port = -1;
  if (typeof m === "string") {
    let text = m;
    const v6 = /^\[([^\]]+)\](\/\d+)?(?::(\d+))?$/.exec(text);
    if (v6) {
      addr = v6[1] + (v6[2] ?? "");
      if (v6[3] !== undefined) port = checkPort(Number(v6[3]), field);
    } else {
      const v4port = /^([^:]*):(\d+)$/.exec(text);
      if (v4port) {
        text = v4port[1];
        port = checkPort(Number(v4port[2]), field);
      }
      addr = text === "" || text === "*" ? undefined : text;
    }
  } else if (typeof m === "object" && m !== null && !Array.isArray(m)) {
    checkKeys(m, ENDPOINT_KEYS, field, `${field}.`);
    const o = m as { addr?: unknown; port?: unknown };
    if (o.addr !== undefined) {
      if (typeof o.addr !== "string") {
        throw new TypeError(`${field}.addr: expected an address, got ${describeValue(o.addr)}`);
      }
      addr = o.addr;
    }
    if (o.port !== undefined) port = checkPort(o.port, `${field}.port`);
    if (addr === undefined && port < 0) throw new TypeError(`${field}: empty endpoint`);
  } else {
    throw new TypeError(`${field}: expected an address or { addr, port }, got ${describeValue(m)}`);
  }
  if (addr === undefined) {
    return { family: AF_UNSPEC, prefixlen: 0, port, bytes: new Uint8Array(4) };
  }
  const p = parsePrefix(addr, field);
  return { family: p.family, prefixlen: p.prefixlen, port, bytes: p.bytes };
}

function hostProgram(side: "s" | "d", m: unknown, field: string): Program {
  const h = parseHost(m, field);
  return hostcond(side === "s" ? OP.s_cond : OP.d_cond, h.family, h.prefixlen, h.port, h.bytes);
}

function matchProgram(m: Record<string, unknown>, field: string): Program {
  const parts: Program[] = [];
  if ("mask" in m && !("mark" in m)) throw new TypeError(`${field}.mask: needs mark`);
  for (const [k, v] of Object.entries(m)) {
    const f = `${field}.${k}`;
    if (v === undefined) throw new TypeError(`${f}: undefined`);
    switch (k) {
      case "sport":
      case "dport":
        parts.push(portProgram(k[0] as "s" | "d", v, f));
        break;
      case "src":
      case "dst":
        parts.push(hostProgram(k[0] as "s" | "d", v, f));
        break;
      case "dev": {
        const b = op(OP.dev_cond, 8, 12, 4);
        new DataView(b.buffer).setUint32(4, checkU32(v, f), true);
        parts.push(b);
        break;
      }
      case "mark": {
        const b = op(OP.mark_cond, 12, 16, 8);
        const dv = new DataView(b.buffer);
        dv.setUint32(4, checkU32(v, f), true);
        dv.setUint32(
          8,
          m.mask === undefined ? 0xffffffff : checkU32(m.mask, `${field}.mask`),
          true,
        );
        parts.push(b);
        break;
      }
      case "mask":
        break;
      case "cgroup": {
        if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
          throw new TypeError(`${f}: expected a cgroup id, got ${describeValue(v)}`);
        }
        const b = op(OP.cgroup_cond, 12, 16, 8);
        new DataView(b.buffer).setBigUint64(4, BigInt(v), true);
        parts.push(b);
        break;
      }
      case "autobound":
        if (v !== true) throw new TypeError(`${f}: expected true, got ${describeValue(v)}`);
        parts.push(op(OP.auto, 4, 8));
        break;
      default:
        throw new TypeError(
          `${f}: unknown filter key (sport, dport, src, dst, dev, mark, mask, cgroup, autobound, and, or, not)`,
        );
    }
  }
  if (parts.length === 0) throw new TypeError(`${field}: empty filter`);
  return parts.reduce(and);
}

function compile(f: unknown, field: string, depth: number): Program {
  if (depth > 64) throw new RangeError(`${field}: filter nested deeper than 64 levels`);
  if (typeof f !== "object" || f === null || Array.isArray(f)) {
    throw new TypeError(`${field}: expected a filter object, got ${describeValue(f)}`);
  }
  const o = f as Record<string, unknown>;
  for (const key of ["and", "or", "not"] as const) {
    if (!(key in o)) continue;
    if (Object.keys(o).length !== 1) {
      throw new TypeError(`${field}: "${key}" must be the only key of its object`);
    }
    const v = o[key];
    if (key === "not") return not(compile(v, `${field}.not`, depth + 1));
    if (!Array.isArray(v) || v.length === 0) {
      throw new TypeError(`${field}.${key}: expected a non-empty array of filters`);
    }
    const parts = v.map((x, i) => compile(x, `${field}.${key}[${i}]`, depth + 1));
    return parts.reduce(key === "and" ? and : or);
  }
  return matchProgram(o, field);
}

/**
 * Compiles a filter into `INET_DIAG_REQ_BYTECODE`: the program `ss` sends for the same filter.
 * Bad input (unknown keys, ports out of range, addresses that do not parse, empty `and`/`or`)
 * is a TypeError/RangeError naming the field (`field` prefixes the names).
 */
export function compileFilter(filter: SockFilter, field = "filter"): Uint8Array {
  const program = compile(filter, field, 0);
  if (program.length > MAX_PROGRAM) {
    throw new RangeError(
      `${field}: the compiled filter is ${program.length} bytes (max ${MAX_PROGRAM})`,
    );
  }
  return program;
}

/**
 * Runs a compiled program on one socket, as the kernel does (for tests and for checking a
 * program): ports, addresses (`family` 2 or 10, IPv4-mapped IPv6 addresses match IPv4
 * conditions), interface, mark, cgroup and whether the port was chosen by the kernel.
 */
export function runFilter(
  program: Uint8Array,
  s: {
    family: number;
    src: string;
    dst: string;
    sport: number;
    dport: number;
    dev?: number;
    mark?: number;
    cgroup?: number;
    autobound?: boolean;
  },
): boolean {
  const dv = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const src = parseIp(s.src, "src"), dst = parseIp(s.dst, "dst");
  let p = 0;
  let len = program.length;
  while (len > 0) {
    const code = program[p], yes = program[p + 1], no = dv.getUint16(p + 2, true);
    let ok = true;
    switch (code) {
      case OP.nop:
        break;
      case OP.jmp:
        ok = false;
        break;
      case OP.s_ge:
        ok = s.sport >= dv.getUint16(p + 6, true);
        break;
      case OP.s_le:
        ok = s.sport <= dv.getUint16(p + 6, true);
        break;
      case OP.d_ge:
        ok = s.dport >= dv.getUint16(p + 6, true);
        break;
      case OP.d_le:
        ok = s.dport <= dv.getUint16(p + 6, true);
        break;
      case OP.s_eq:
        ok = s.sport === dv.getUint16(p + 6, true);
        break;
      case OP.d_eq:
        ok = s.dport === dv.getUint16(p + 6, true);
        break;
      case OP.auto:
        ok = s.autobound === true;
        break;
      case OP.s_cond:
      case OP.d_cond: {
        const local = code === OP.s_cond;
        const port = dv.getInt32(p + 8, true);
        const family = program[p + 4], plen = program[p + 5];
        const addr = local ? src : dst;
        const want = program.subarray(p + 12, p + 12 + (family === 10 ? 16 : 4));
        if (port !== -1 && port !== (local ? s.sport : s.dport)) ok = false;
        else if (family !== AF_UNSPEC && family !== s.family) {
          // Only an IPv4 condition can match an IPv6 socket: through an IPv4-mapped address.
          ok = family === 2 && s.family === 10 && isMapped(addr) &&
            prefixMatch(addr.subarray(12), want, plen);
        } else if (plen > 0) ok = prefixMatch(addr, want, plen);
        break;
      }
      case OP.dev_cond:
        ok = (s.dev ?? 0) === dv.getUint32(p + 4, true);
        break;
      case OP.mark_cond:
        ok = (((s.mark ?? 0) & dv.getUint32(p + 8, true)) >>> 0) === dv.getUint32(p + 4, true);
        break;
      case OP.cgroup_cond:
        ok = BigInt(s.cgroup ?? 0) === dv.getBigUint64(p + 4, true);
        break;
      default:
        throw new TypeError(`runFilter: unknown operation ${code} at ${p}`);
    }
    const step = ok ? yes : no;
    if (step === 0) throw new TypeError(`runFilter: a zero jump at ${p}`);
    p += step;
    len -= step;
  }
  return len === 0;
}

function isMapped(a: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (a[i] !== 0) return false;
  return a[10] === 0xff && a[11] === 0xff;
}

function prefixMatch(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[whole] & mask) === (b[whole] & mask);
}
