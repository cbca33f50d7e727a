/**
 * Addresses and prefixes as iproute2's get_prefix reads them ("10.1", "10.0.0.0/8", "::1/128")
 * and its inet_addr_match compares them.
 *
 * @module
 */

import { parseIp6 } from "../../netlink/addr.ts";

/** A parsed prefix: family (2 or 10), address bytes and length. */
export interface Prefix {
  /** 2 (IPv4) or 10 (IPv6). */
  family: number;
  /** The address bytes (4 or 16). */
  bytes: number[];
  /** The prefix length. */
  len: number;
}

/** Parses an address into its family and bytes, or undefined. */
export function parseIpBytes(s: string): { family: number; bytes: number[] } | undefined {
  if (/^\d+(\.\d+){0,3}$/.test(s)) {
    const parts = s.split(".").map(Number);
    while (parts.length < 4) parts.push(0);
    if (parts.some((x) => x > 255)) return undefined;
    return { family: 2, bytes: parts };
  }
  if (s.includes(":")) {
    const b = parseIp6(s);
    return b ? { family: 10, bytes: Array.from(b) } : undefined;
  }
  return undefined;
}

/** inet_addr_match: whether the first `len` bits agree. */
export function prefixMatch(a: number[], b: number[], len: number): boolean {
  for (let i = 0; i < len; i++) {
    const byte = i >> 3, bit = 7 - (i & 7);
    if (((a[byte] >> bit) & 1) !== ((b[byte] >> bit) & 1)) return false;
  }
  return true;
}

/** Parses "ADDR[/LEN]" into family, bytes and length. */
export function parsePrefixArg(
  s: string,
): { family: number; bytes: number[]; len: number } | undefined {
  const [addr, len] = s.split("/");
  const ip = parseIpBytes(addr);
  if (!ip) return undefined;
  const max = ip.family === 2 ? 32 : 128;
  const n = len === undefined ? max : Number(len);
  if (!Number.isInteger(n) || n < 0 || n > max) return undefined;
  return { ...ip, len: n };
}
