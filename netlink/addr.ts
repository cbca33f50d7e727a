/**
 * Address text forms: IPv4/IPv6 as `inet_ntop`/`inet_pton` write and read them, and link-layer
 * addresses as colon-separated hex.
 *
 * @module
 */

// IPv4 text is built from per-octet strings, and the last 1024 distinct addresses are kept in a
// direct-mapped cache: a dump repeats its gateways and prefixes, and equal values then share one
// string instead of each building (and keeping) its own.
const DEC: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));
const DOT: readonly string[] = DEC.map((d) => d + ".");
const IP4_KEYS = new Int32Array(1024);
const IP4_TEXT: (string | undefined)[] = new Array(1024).fill(undefined);

/**
 * Formats 4 or 16 address bytes at `off` as text: IPv4 as a dotted quad, IPv6 as glibc's
 * inet_ntop writes it (RFC 5952: lower-case hex without leading zeros, the first longest run of
 * two or more zero words as "::", IPv4-mapped and IPv4-compatible tails dotted). Other lengths
 * come out as colon-separated hex.
 */
export function formatIp(u8: Uint8Array, off: number, len: number): string {
  return len === 4 ? formatIp4(u8, off) : len === 16 ? formatIp6(u8, off) : formatHex(u8, off, len);
}

/** The 4 IPv4 address bytes at `off` as a dotted quad. */
function formatIp4(u8: Uint8Array, off: number): string {
  const a = u8[off], b = u8[off + 1], c = u8[off + 2], d = u8[off + 3];
  const key = (a << 24) | (b << 16) | (c << 8) | d;
  const slot = (key ^ (key >>> 10) ^ (key >>> 20)) & 1023;
  const hit = IP4_TEXT[slot];
  if (hit !== undefined && IP4_KEYS[slot] === key) return hit;
  const text = DOT[a] + DOT[b] + DOT[c] + DEC[d];
  IP4_KEYS[slot] = key;
  IP4_TEXT[slot] = text;
  return text;
}

/** The 16 IPv6 address bytes at `off` as inet_ntop writes them (no array of words built). */
function formatIp6(u8: Uint8Array, off: number): string {
  // The longest run of two or more zero words becomes "::" (the first such run on a tie).
  let bestBase = -1, bestLen = 0, curBase = -1, curLen = 0;
  for (let i = 0; i < 8; i++) {
    if ((u8[off + 2 * i] | u8[off + 2 * i + 1]) === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else curLen++;
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
    } else curBase = -1;
  }
  if (bestLen < 2) bestBase = -1;
  let s = "";
  let colon = true; // s is empty or ends with ":"
  for (let i = 0; i < 8; i++) {
    if (i === bestBase) {
      s += "::";
      colon = true;
      i += bestLen - 1;
      continue;
    }
    if (
      i === 6 && bestBase === 0 &&
      (bestLen === 6 || (bestLen === 5 && u8[off + 10] === 0xff && u8[off + 11] === 0xff))
    ) {
      // IPv4-compatible or IPv4-mapped: the last 32 bits as dotted quad.
      if (!colon) s += ":";
      return s + DOT[u8[off + 12]] + DOT[u8[off + 13]] + DOT[u8[off + 14]] + DEC[u8[off + 15]];
    }
    if (!colon) s += ":";
    s += ((u8[off + 2 * i] << 8) | u8[off + 2 * i + 1]).toString(16);
    colon = false;
  }
  return s;
}

const HEX2: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => (i < 16 ? "0" : "") + i.toString(16),
);
const HEXC: readonly string[] = HEX2.map((h) => ":" + h);

/** Formats bytes as lowercase colon-separated hex ("00:11:22"). */
export function formatHex(u8: Uint8Array, off: number, len: number): string {
  if (len <= 0) return "";
  let s = HEX2[u8[off]];
  for (let i = 1; i < len; i++) s += HEXC[u8[off + i]];
  return s;
}

/** Parses dotted-quad IPv4 text; returns null when it is not one. */
export function parseIp4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** Parses IPv6 text (with "::" and an embedded IPv4 tail); returns null when it is not one. */
export function parseIp6(text: string): Uint8Array | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length < 2) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const words = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIp4(p);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = words(halves[0]);
  const tail = halves.length === 2 ? words(halves[1]) : [];
  if (!head || !tail) return null;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = all[i] >> 8;
    out[i * 2 + 1] = all[i] & 0xff;
  }
  return out;
}

/** Parses IPv4 or IPv6 text; throws TypeError naming `field` when it is neither. */
export function parseIp(text: unknown, field: string): Uint8Array {
  if (typeof text !== "string") {
    throw new TypeError(`${field}: expected an IP address string, got ${describeValue(text)}`);
  }
  const b = text.includes(":") ? parseIp6(text) : parseIp4(text);
  if (!b) throw new TypeError(`${field}: invalid IP address ${JSON.stringify(text)}`);
  return b;
}

/** An address with an optional "/prefix": bytes, family (2 or 10) and prefix length. */
export interface Prefix {
  /** Address bytes (4 or 16). */
  bytes: Uint8Array;
  /** AF_INET (2) or AF_INET6 (10). */
  family: 2 | 10;
  /** The prefix length: as written, else the full length. */
  prefixlen: number;
  /** Whether the text carried a "/prefix". */
  hasPrefix: boolean;
}

/** Parses "10.0.0.0/24", "2001:db8::/64" or a bare address; throws naming `field`. */
export function parsePrefix(text: unknown, field: string): Prefix {
  if (typeof text !== "string") {
    throw new TypeError(`${field}: expected an address string, got ${describeValue(text)}`);
  }
  const slash = text.indexOf("/");
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseIp(addr, field);
  const family = bytes.length === 4 ? 2 : 10;
  const max = bytes.length * 8;
  if (slash < 0) return { bytes, family, prefixlen: max, hasPrefix: false };
  const p = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(p)) {
    throw new TypeError(`${field}: invalid prefix length in ${JSON.stringify(text)}`);
  }
  const prefixlen = Number(p);
  if (prefixlen > max) {
    throw new RangeError(`${field}: prefix length ${prefixlen} is out of range 0..${max}`);
  }
  return { bytes, family, prefixlen, hasPrefix: true };
}

/** Parses a link-layer address "00:11:22:33:44:55" (":" or "-" separated); throws naming `field`. */
export function parseMac(text: unknown, field: string): Uint8Array {
  if (typeof text !== "string") {
    throw new TypeError(`${field}: expected a MAC address string, got ${describeValue(text)}`);
  }
  const parts = text.split(/[:-]/);
  if (parts.length < 1 || parts.length > 32 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new TypeError(`${field}: invalid link-layer address ${JSON.stringify(text)}`);
  }
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}

/** A short description of a value for error messages. */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "object") return "an object";
  return `${typeof v} ${String(v)}`;
}
