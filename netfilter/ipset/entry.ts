/**
 * ipset elements: ipset's text form (`10.0.0.0/24`, `10.0.0.1,tcp:80`, `10.0.0.0/24,eth0`) or
 * an object of named parts, turned into element attributes (`IPSET_ATTR_*` of
 * `IPSET_ATTR_DATA`), and the attributes the kernel lists turned back into both.
 *
 * @module
 */

import { describeValue, formatIp, parseIp, parseMac } from "../../netlink/addr.ts";
import { checkKeys, KeySet, REFUSE_UNDEFINED } from "../../netlink/strict.ts";
import { checkInt } from "../../netlink/encoder.ts";
import type { AttrView } from "../../netlink/view.ts";
import { IPSET_CADT_FLAG, IPSET_MAX_COMMENT_SIZE, IPSET_MAXNAMELEN } from "./schema.ts";
import { ICMP_NAMES, ICMPV6_NAMES, PROTO_NAMES, PROTO_NUMBERS, SET_TYPES } from "./types.ts";
import type { Dimension } from "./types.ts";

/** One element of a set, by its parts (the keys a set type uses) and its options. */
export interface IpsetEntry {
  /** Address (`hash:ip`, `hash:net`, …). */
  ip?: string;
  /** Prefix length of `ip` (networks; a range of addresses for `hash:ip`). */
  cidr?: number;
  /** Last address of a range starting at `ip`. */
  ip_to?: string;
  /** Port (or ICMP `type << 8 | code`). */
  port?: number;
  /** Last port of a range. */
  port_to?: number;
  /** Protocol of `port`: a name (`tcp`, `udp`, `icmp`, `icmpv6`, `sctp`, …) or number. */
  proto?: string | number;
  /** Second address (`hash:ip,port,ip`, `hash:net,net`, …). */
  ip2?: string;
  /** Prefix length of `ip2`. */
  cidr2?: number;
  /** Last address of a range starting at `ip2`. */
  ip2_to?: string;
  /** Interface (`hash:net,iface`). */
  iface?: string;
  /** `iface` is a bridge port (`physdev:`). */
  physdev?: boolean;
  /** MAC address (`hash:mac`, `hash:ip,mac`, `bitmap:ip,mac`). */
  mac?: string;
  /** Packet mark (`hash:ip,mark`). */
  mark?: number;
  /** Member set (`list:set`). */
  name?: string;
  /** Add the member before this one (`list:set`). */
  before?: string;
  /** Add the member after this one (`list:set`). */
  after?: string;
  /** An exception: matching packets do not match the set (`hash:net…`). */
  nomatch?: boolean;
  /** Seconds until the element expires (sets with `timeout`). */
  timeout?: number;
  /** Packet counter (sets with `counters`). */
  packets?: number;
  /** Byte counter. */
  bytes?: number;
  /** Comment (sets with `comment`). */
  comment?: string;
  /** skbinfo mark (sets with `skbinfo`). */
  skbmark?: number;
  /** skbinfo mark mask (default 0xffffffff). */
  skbmask?: number;
  /** skbinfo priority, `major:minor` in hex as tc writes it, or a number. */
  skbprio?: string | number;
  /** skbinfo queue. */
  skbqueue?: number;
}

/** An element: ipset's text form or parts by name. */
export type EntryInput = string | IpsetEntry;

/** The element options (not parts) of {@link IpsetEntry}. */
export const ENTRY_OPTIONS: readonly string[] = [
  "nomatch",
  "timeout",
  "packets",
  "bytes",
  "comment",
  "skbmark",
  "skbmask",
  "skbprio",
  "skbqueue",
];

const ENTRY_KEYS = new KeySet(
  "element key",
  [
    "ip",
    "cidr",
    "ip_to",
    "port",
    "port_to",
    "proto",
    "ip2",
    "cidr2",
    "ip2_to",
    "iface",
    "physdev",
    "mac",
    "mark",
    "name",
    "before",
    "after",
    ...ENTRY_OPTIONS,
  ],
  {},
  REFUSE_UNDEFINED,
);

/** The dimensions of a set type; TypeError naming `field` for an unknown type. */
export function dimensionsOf(type: string, field: string): readonly Dimension[] {
  if (!Object.hasOwn(SET_TYPES, type)) {
    throw new TypeError(
      `${field}: unknown set type ${JSON.stringify(type)} (one of ${
        Object.keys(SET_TYPES).join(", ")
      })`,
    );
  }
  return SET_TYPES[type];
}

function addrPart(text: string, field: string) {
  const dash = text.indexOf("-");
  if (dash > 0 && !text.includes("/")) {
    return { ip: text.slice(0, dash), to: text.slice(dash + 1) };
  }
  const slash = text.indexOf("/");
  if (slash < 0) return { ip: text };
  const cidr = Number(text.slice(slash + 1));
  if (!/^\d+$/.test(text.slice(slash + 1))) {
    throw new TypeError(`${field}: bad prefix in ${JSON.stringify(text)}`);
  }
  return { ip: text.slice(0, slash), cidr };
}

function portPart(text: string, field: string, out: IpsetEntry) {
  let rest = text;
  const colon = text.indexOf(":");
  if (colon >= 0) {
    out.proto = text.slice(0, colon);
    rest = text.slice(colon + 1);
  }
  const icmp = out.proto === "icmp" || out.proto === "icmpv6" || out.proto === "ipv6-icmp";
  if (icmp) {
    const names = out.proto === "icmp" ? ICMP_NAMES : ICMPV6_NAMES;
    const named = Object.entries(names).find(([, n]) => n === rest);
    if (named) out.port = Number(named[0]);
    else {
      const m = /^(\d+)\/(\d+)$/.exec(rest);
      if (!m) throw new TypeError(`${field}: bad ICMP type ${JSON.stringify(rest)}`);
      out.port = (Number(m[1]) << 8) | Number(m[2]);
    }
    return;
  }
  const m = /^(\d+)(?:-(\d+))?$/.exec(rest);
  if (!m) throw new TypeError(`${field}: bad port ${JSON.stringify(text)}`);
  out.port = Number(m[1]);
  if (m[2] !== undefined) out.port_to = Number(m[2]);
}

/** Parses ipset's text form of an element of a set of `type`. */
export function parseEntryText(text: string, type: string, field: string): IpsetEntry {
  const dims = dimensionsOf(type, field);
  const parts = text.split(",");
  if (parts.length !== dims.length || parts.some((p) => p === "")) {
    throw new TypeError(
      `${field}: ${JSON.stringify(text)} is not an element of ${type} (${dims.join(",")})`,
    );
  }
  const out: IpsetEntry = {};
  dims.forEach((d, i) => {
    const p = parts[i];
    switch (d) {
      case "ip":
      case "net": {
        const a = addrPart(p, field);
        out.ip = a.ip;
        if (a.cidr !== undefined) out.cidr = a.cidr;
        if (a.to !== undefined) out.ip_to = a.to;
        return;
      }
      case "ip2":
      case "net2": {
        const a = addrPart(p, field);
        out.ip2 = a.ip;
        if (a.cidr !== undefined) out.cidr2 = a.cidr;
        if (a.to !== undefined) out.ip2_to = a.to;
        return;
      }
      case "port":
        return portPart(p, field, out);
      case "iface":
        if (p.startsWith("physdev:")) {
          out.iface = p.slice(8);
          out.physdev = true;
        } else out.iface = p;
        return;
      case "mac":
        out.mac = p;
        return;
      case "mark":
        out.mark = Number(p);
        if (!Number.isInteger(out.mark)) throw new TypeError(`${field}: bad mark ${p}`);
        return;
      case "set":
        out.name = p;
        return;
    }
  });
  return out;
}

function name(v: unknown, field: string): string {
  if (typeof v !== "string" || v === "" || new TextEncoder().encode(v).length >= IPSET_MAXNAMELEN) {
    throw new TypeError(`${field}: expected a name of 1..31 bytes, got ${describeValue(v)}`);
  }
  return v;
}

function addr(v: unknown, field: string, family: number | undefined) {
  const b = parseIp(v, field);
  const fam = b.length === 4 ? 2 : 10;
  if (family !== undefined && fam !== family) {
    throw new TypeError(
      `${field}: an ${fam === 2 ? "IPv4" : "IPv6"} address in an ${
        family === 2 ? "inet" : "inet6"
      } set`,
    );
  }
  return fam === 2 ? { ipv4: b } : { ipv6: b };
}

function prefix(v: unknown, field: string, family: number | undefined): number {
  const n = checkInt(v, "u8", field);
  if (n > (family === 10 ? 128 : 32)) throw new RangeError(`${field}: prefix ${n} is too long`);
  return n;
}

/** A protocol number from a name or number; TypeError naming `field`. */
export function protoId(v: unknown, field: string): number {
  if (typeof v === "string") {
    if (Object.hasOwn(PROTO_NUMBERS, v)) return PROTO_NUMBERS[v];
    throw new TypeError(`${field}: unknown protocol ${JSON.stringify(v)}`);
  }
  return checkInt(v, "u8", field);
}

/** skbprio from `"major:minor"` (hex, as tc writes handles) or a number. */
function skbprio(v: unknown, field: string): number {
  if (typeof v === "string") {
    const m = /^([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})$/.exec(v);
    if (!m) throw new TypeError(`${field}: expected "major:minor", got ${JSON.stringify(v)}`);
    return ((parseInt(m[1], 16) << 16) | parseInt(m[2], 16)) >>> 0;
  }
  return checkInt(v, "u32", field);
}

/**
 * The element attributes (`IPSET_ATTR_DATA` values by short name) of an element of a set of
 * `type` and address `family` (2 or 10; undefined when the set's is not known).
 */
export function entryAttrs(
  input: unknown,
  type: string,
  family: number | undefined,
  field: string,
): Record<string, unknown> {
  const e: IpsetEntry = typeof input === "string"
    ? parseEntryText(input, type, field)
    : checkEntry(input, field);
  const dims = dimensionsOf(type, field);
  const a: Record<string, unknown> = {};
  let flags = 0;
  const need = (key: keyof IpsetEntry, what: string) => {
    if (e[key] === undefined) throw new TypeError(`${field}.${key}: required by ${type} (${what})`);
  };
  const uses = new Set<string>();
  for (const d of dims) {
    switch (d) {
      case "ip":
      case "net":
        need("ip", d);
        a.ip = addr(e.ip, `${field}.ip`, family);
        family ??= "ipv4" in (a.ip as object) ? 2 : 10;
        uses.add("ip").add("cidr").add("ip_to");
        break;
      case "ip2":
      case "net2":
        need("ip2", d);
        a.ip2 = addr(e.ip2, `${field}.ip2`, family);
        uses.add("ip2").add("cidr2").add("ip2_to");
        break;
      case "port":
        need("port", "port");
        uses.add("port").add("port_to").add("proto");
        break;
      case "iface":
        need("iface", "interface");
        a.iface = name(e.iface, `${field}.iface`);
        if (new TextEncoder().encode(e.iface).length > 15) {
          throw new RangeError(`${field}.iface: longer than 15 bytes`);
        }
        if (e.physdev) flags |= IPSET_CADT_FLAG.PHYSDEV;
        uses.add("iface").add("physdev");
        break;
      case "mac":
        need("mac", "MAC address");
        a.ether = parseMac(e.mac, `${field}.mac`);
        uses.add("mac");
        break;
      case "mark":
        need("mark", "mark");
        a.mark = checkInt(e.mark, "be32", `${field}.mark`);
        uses.add("mark");
        break;
      case "set":
        need("name", "member set");
        a.name = name(e.name, `${field}.name`);
        uses.add("name").add("before").add("after");
        break;
    }
  }
  for (const k of Object.keys(e)) {
    if (!uses.has(k) && !ENTRY_OPTIONS.includes(k)) {
      throw new TypeError(`${field}.${k}: not a part of a ${type} element`);
    }
  }
  if (e.cidr !== undefined) a.cidr = prefix(e.cidr, `${field}.cidr`, family);
  if (e.ip_to !== undefined) a.ip_to = addr(e.ip_to, `${field}.ip_to`, family);
  if (e.cidr2 !== undefined) a.cidr2 = prefix(e.cidr2, `${field}.cidr2`, family);
  if (e.ip2_to !== undefined) a.ip2_to = addr(e.ip2_to, `${field}.ip2_to`, family);
  if (e.port !== undefined) {
    a.port = checkInt(e.port, "be16", `${field}.port`);
    if (type !== "bitmap:port") {
      a.proto = e.proto === undefined ? 6 : protoId(e.proto, `${field}.proto`);
    }
  }
  if (e.port_to !== undefined) a.port_to = checkInt(e.port_to, "be16", `${field}.port_to`);
  if (e.before !== undefined && e.after !== undefined) {
    throw new TypeError(`${field}: before and after exclude each other`);
  }
  if (e.before !== undefined) {
    a.nameref = name(e.before, `${field}.before`);
    flags |= IPSET_CADT_FLAG.BEFORE;
  }
  if (e.after !== undefined) a.nameref = name(e.after, `${field}.after`);
  if (e.nomatch === true) flags |= IPSET_CADT_FLAG.NOMATCH;
  if (e.timeout !== undefined) a.timeout = checkInt(e.timeout, "be32", `${field}.timeout`);
  if (e.packets !== undefined) a.packets = checkInt(e.packets, "be64", `${field}.packets`);
  if (e.bytes !== undefined) a.bytes = checkInt(e.bytes, "be64", `${field}.bytes`);
  if (e.comment !== undefined) {
    if (
      typeof e.comment !== "string" ||
      new TextEncoder().encode(e.comment).length > IPSET_MAX_COMMENT_SIZE
    ) {
      throw new TypeError(`${field}.comment: expected a string of at most 255 bytes`);
    }
    a.comment = e.comment;
  }
  if (e.skbmark !== undefined || e.skbmask !== undefined) {
    const mark = checkInt(e.skbmark ?? 0, "u32", `${field}.skbmark`);
    const mask = checkInt(e.skbmask ?? 0xffffffff, "u32", `${field}.skbmask`);
    a.skbmark = mark * 0x100000000 + mask;
  }
  if (e.skbprio !== undefined) a.skbprio = skbprio(e.skbprio, `${field}.skbprio`);
  if (e.skbqueue !== undefined) a.skbqueue = checkInt(e.skbqueue, "be16", `${field}.skbqueue`);
  if (flags) a.cadt_flags = flags;
  return a;
}

/**
 * Checks an element given as an object: its keys (the same for every set type, so this needs
 * no lookup of the set) and switches; a TypeError naming `field.key` otherwise.
 */
export function checkEntry(v: unknown, field: string): IpsetEntry {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new TypeError(`${field}: expected an element (text or object), got ${describeValue(v)}`);
  }
  checkKeys(v, ENTRY_KEYS, field, `${field}.`);
  for (const k of ["nomatch", "physdev"] as const) {
    const x = (v as IpsetEntry)[k];
    if (x !== undefined && typeof x !== "boolean") {
      throw new TypeError(`${field}.${k}: expected true or false, got ${describeValue(x)}`);
    }
  }
  return v as IpsetEntry;
}

function addrText(v: AttrView | undefined): string | undefined {
  if (!v) return undefined;
  return (v.get("ipv4") ?? v.get("ipv6")) as string | undefined;
}

/** An element listed by the kernel (an `IPSET_ATTR_DATA` view of `IPSET_ATTR_ADT`), by parts. */
export function decodeEntry(d: AttrView): IpsetEntry {
  const out: IpsetEntry = {};
  const ip = addrText(d.get("ip") as AttrView | undefined);
  if (ip !== undefined) out.ip = ip;
  const num = (k: string) => d.get(k) as number | undefined;
  const set = <K extends keyof IpsetEntry>(k: K, v: IpsetEntry[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set("cidr", num("cidr"));
  set("ip_to", addrText(d.get("ip_to") as AttrView | undefined));
  set("port", num("port"));
  set("port_to", num("port_to"));
  const proto = num("proto");
  if (proto !== undefined) out.proto = PROTO_NAMES[proto] ?? proto;
  set("ip2", addrText(d.get("ip2") as AttrView | undefined));
  set("cidr2", num("cidr2"));
  set("ip2_to", addrText(d.get("ip2_to") as AttrView | undefined));
  set("iface", d.get("iface") as string | undefined);
  set("mac", d.get("ether") as string | undefined);
  set("mark", num("mark"));
  set("name", d.get("name") as string | undefined);
  const flags = num("cadt_flags") ?? 0;
  if (flags & IPSET_CADT_FLAG.PHYSDEV) out.physdev = true;
  if (flags & IPSET_CADT_FLAG.NOMATCH) out.nomatch = true;
  set("timeout", num("timeout"));
  set("packets", num("packets"));
  set("bytes", num("bytes"));
  set("comment", d.get("comment") as string | undefined);
  const skbmark = d.get("skbmark") as number | undefined;
  if (skbmark !== undefined) {
    // 64 bits: mark << 32 | mask; Numbers hold it exactly up to 2^53, so split by division.
    out.skbmark = Math.floor(skbmark / 0x100000000);
    out.skbmask = skbmark % 0x100000000;
  }
  const prio = num("skbprio");
  if (prio !== undefined) {
    out.skbprio = `${(prio >>> 16).toString(16)}:${(prio & 0xffff).toString(16)}`;
  }
  set("skbqueue", num("skbqueue"));
  return out;
}

const hex = (n: number) => `0x${n.toString(16)}`;

function portText(e: IpsetEntry, family: number): string {
  const proto = e.proto ?? "tcp";
  if (proto === "icmp" || proto === "ipv6-icmp") {
    const names = proto === "icmp" ? ICMP_NAMES : ICMPV6_NAMES;
    const port = e.port ?? 0;
    return `${proto}:${names[port] ?? `${port >> 8}/${port & 0xff}`}`;
  }
  void family;
  const range = e.port_to !== undefined && e.port_to !== e.port ? `-${e.port_to}` : "";
  return `${proto}:${e.port}${range}`;
}

function netText(ip: string | undefined, cidr: number | undefined, family: number): string {
  const host = family === 10 ? 128 : 32;
  return cidr === undefined || cidr === host ? `${ip}` : `${ip}/${cidr}`;
}

/** An element in ipset's text form, as `ipset save` prints it. */
export function entryText(e: IpsetEntry, type: string, family: number): string {
  const dims = Object.hasOwn(SET_TYPES, type) ? SET_TYPES[type] : [];
  return dims.map((d) => {
    switch (d) {
      case "ip":
        return e.ip;
      case "net":
        return netText(e.ip, e.cidr, family);
      case "ip2":
        return e.ip2;
      case "net2":
        return netText(e.ip2, e.cidr2, family);
      case "port":
        return type === "bitmap:port" ? `${e.port}` : portText(e, family);
      case "iface":
        return `${e.physdev ? "physdev:" : ""}${e.iface}`;
      case "mac":
        return e.mac?.toUpperCase();
      case "mark":
        return hex(e.mark ?? 0);
      case "set":
        return e.name;
    }
  }).join(",");
}

/** An element's options as `ipset save` prints them after the element. */
export function entryOptionsText(e: IpsetEntry): string {
  const out: string[] = [];
  if (e.timeout !== undefined) out.push(`timeout ${e.timeout}`);
  if (e.nomatch) out.push("nomatch");
  if (e.packets !== undefined) out.push(`packets ${e.packets}`);
  if (e.bytes !== undefined) out.push(`bytes ${e.bytes}`);
  if (e.comment !== undefined) out.push(`comment "${e.comment}"`);
  if (e.skbmark !== undefined) {
    out.push(
      `skbmark ${hex(e.skbmark)}${e.skbmask === 0xffffffff ? "" : `/${hex(e.skbmask ?? 0)}`}`,
    );
  }
  if (e.skbprio !== undefined) out.push(`skbprio ${e.skbprio}`);
  if (e.skbqueue !== undefined) out.push(`skbqueue ${e.skbqueue}`);
  return out.join(" ");
}

/** The `IPSET_IPADDR` text of a nested address view (for headers that hold one). */
export function addressOf(v: unknown): string | undefined {
  if (v instanceof Uint8Array) return formatIp(v, 0, v.length);
  return addrText(v as AttrView | undefined);
}
