/**
 * The words nft(8) users write for nf_tables numbers: families, hooks (per family), chain
 * priorities, policies, and set data types (nft's own type ids, lengths and byte orders).
 *
 * @module
 */

import { describeValue } from "../../netlink/addr.ts";
import { checkInt } from "../../netlink/encoder.ts";
import { suggestion } from "../../netlink/strict.ts";

/** nf_tables families by nft's names (`NFPROTO_*`). */
export const NFT_FAMILY = {
  inet: 1,
  ip: 2,
  arp: 3,
  netdev: 5,
  bridge: 7,
  ip6: 10,
} as const;

/** A family name of {@link NFT_FAMILY}. */
export type NftFamily = keyof typeof NFT_FAMILY;

/** The family number of a name; TypeError naming `field`. */
export function familyOf(v: unknown, field: string): number {
  if (typeof v === "string" && Object.hasOwn(NFT_FAMILY, v)) return NFT_FAMILY[v as NftFamily];
  throw new TypeError(
    `${field}: expected a family (${Object.keys(NFT_FAMILY).join(", ")}), got ${describeValue(v)}${
      typeof v === "string" ? suggestion(v, Object.keys(NFT_FAMILY)) : ""
    }`,
  );
}

/** The nft name of a family number. */
export function familyName(n: number): NftFamily | number {
  for (const [k, v] of Object.entries(NFT_FAMILY)) if (v === n) return k as NftFamily;
  return n;
}

const INET_HOOKS = { prerouting: 0, input: 1, forward: 2, output: 3, postrouting: 4 };

/** Hook numbers by name, per family (`NF_INET_*`, `NF_ARP_*`, `NF_NETDEV_*`). */
export const NFT_HOOKS: Readonly<Record<NftFamily, Readonly<Record<string, number>>>> = {
  ip: INET_HOOKS,
  ip6: INET_HOOKS,
  inet: { ...INET_HOOKS, ingress: 5 },
  bridge: INET_HOOKS,
  arp: { input: 0, output: 1, forward: 2 },
  netdev: { ingress: 0, egress: 1 },
};

/** A hook number of `family` by name; TypeError naming `field`. */
export function hookOf(family: NftFamily, v: unknown, field: string): number {
  const hooks = NFT_HOOKS[family];
  if (typeof v === "string" && Object.hasOwn(hooks, v)) return hooks[v];
  throw new TypeError(
    `${field}: expected a ${family} hook (${Object.keys(hooks).join(", ")}), got ${
      describeValue(v)
    }`,
  );
}

/** The name of hook number `n` in `family`. */
export function hookName(family: number, n: number): string | number {
  const hooks = NFT_HOOKS[familyName(family) as NftFamily];
  for (const [k, v] of Object.entries(hooks ?? {})) if (v === n) return k;
  return n;
}

/** Chain priorities by nft's names (`NF_IP_PRI_*`; bridge has its own). */
export const NFT_PRIORITY: Readonly<Record<string, number>> = {
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
};

const BRIDGE_PRIORITY: Readonly<Record<string, number>> = {
  dstnat: -300,
  filter: -200,
  out: 100,
  srcnat: 300,
};

/** A chain priority from a number or nft's name; TypeError naming `field`. */
export function priorityOf(family: NftFamily, v: unknown, field: string): number {
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
      throw new RangeError(`${field}: expected a 32-bit priority, got ${v}`);
    }
    return v;
  }
  const table = family === "bridge" ? BRIDGE_PRIORITY : NFT_PRIORITY;
  if (typeof v === "string" && Object.hasOwn(table, v)) return table[v];
  throw new TypeError(
    `${field}: expected a number or one of ${Object.keys(table).join(", ")}, got ${
      describeValue(v)
    }`,
  );
}

/** A chain policy: `accept` (1) or `drop` (0). */
export function policyOf(v: unknown, field: string): number {
  if (v === "accept") return 1;
  if (v === "drop") return 0;
  throw new TypeError(`${field}: expected "accept" or "drop", got ${describeValue(v)}`);
}

/** One of nft's set data types: its id (`NFTA_SET_KEY_TYPE`), length, and byte order. */
export interface NftDataType {
  /** nft's type id. */
  id: number;
  /** Bytes of one value. */
  len: number;
  /** 2: big-endian (addresses, ports), 1: host (marks, interface names). */
  byteorder: 1 | 2;
}

/** nft's set data types by name. */
export const NFT_TYPES: Readonly<Record<string, NftDataType>> = {
  ipv4_addr: { id: 7, len: 4, byteorder: 2 },
  ipv6_addr: { id: 8, len: 16, byteorder: 2 },
  ether_addr: { id: 9, len: 6, byteorder: 2 },
  inet_proto: { id: 12, len: 1, byteorder: 2 },
  inet_service: { id: 13, len: 2, byteorder: 2 },
  mark: { id: 19, len: 4, byteorder: 1 },
  ifname: { id: 41, len: 16, byteorder: 1 },
};

/** `NFT_DATA_VERDICT`: the data type of a verdict map. */
export const NFT_DATA_VERDICT = 0xffffff00;

/** A set data type by name; TypeError naming `field`. */
export function dataTypeOf(v: unknown, field: string): NftDataType & { name: string } {
  if (typeof v === "string" && Object.hasOwn(NFT_TYPES, v)) return { ...NFT_TYPES[v], name: v };
  throw new TypeError(
    `${field}: expected a set type (${Object.keys(NFT_TYPES).join(", ")}), got ${describeValue(v)}`,
  );
}

/** The name of nft type id `id`, when known. */
export function dataTypeName(id: number): string | undefined {
  for (const [k, t] of Object.entries(NFT_TYPES)) if (t.id === id) return k;
  return undefined;
}

/** A time in milliseconds from a number (ms) or nft's text (`"1h"`, `"30s"`, `"1d2h"`). */
export function msOf(v: unknown, field: string): number {
  if (typeof v === "number") return checkInt(v, "be64", field);
  if (typeof v === "string") {
    const units: Record<string, number> = { d: 86400000, h: 3600000, m: 60000, s: 1000, ms: 1 };
    let total = 0;
    let rest = v;
    while (rest.length) {
      const m = /^(\d+)(ms|d|h|m|s)/.exec(rest);
      if (!m) {
        throw new TypeError(`${field}: expected a time such as "1h30m", got ${JSON.stringify(v)}`);
      }
      total += Number(m[1]) * units[m[2]];
      rest = rest.slice(m[0].length);
    }
    if (v.length) return total;
  }
  throw new TypeError(
    `${field}: expected milliseconds or a time such as "1h", got ${describeValue(v)}`,
  );
}
