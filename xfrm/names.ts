/**
 * Names of xfrm numbers, as `ip xfrm` prints and takes them: IPsec protocols, modes, policy
 * directions and actions, state and policy flags, encapsulation types, template levels.
 *
 * @module
 */

import { describeValue } from "../netlink/addr.ts";
import { checkInt } from "../netlink/encoder.ts";

/** XFRM protocols (`ip xfrm ... proto NAME`). */
export const XFRM_PROTO = {
  esp: 50,
  ah: 51,
  comp: 108,
  route2: 43,
  hao: 60,
  "ipsec-any": 255,
} as const;

/** `XFRM_MODE_*`. */
export const XFRM_MODE = {
  transport: 0,
  tunnel: 1,
  ro: 2,
  in_trigger: 3,
  beet: 4,
  iptfs: 5,
} as const;

/** `XFRM_POLICY_IN/OUT/FWD` (and the socket directions above them). */
export const XFRM_POLICY_DIR = { in: 0, out: 1, fwd: 2 } as const;

/** `XFRM_POLICY_ALLOW/BLOCK`. */
export const XFRM_POLICY_ACTION = { allow: 0, block: 1 } as const;

/** `XFRM_POLICY_TYPE_*`. */
export const XFRM_POLICY_TYPE = { main: 0, sub: 1 } as const;

/** `XFRM_SHARE_*`. */
export const XFRM_SHARE = { any: 0, session: 1, user: 2, unique: 3 } as const;

/** `XFRM_STATE_*` flags, named as `ip xfrm state` prints them. */
export const XFRM_STATE_FLAG = {
  noecn: 1,
  "decap-dscp": 2,
  nopmtudisc: 4,
  wildrecv: 8,
  icmp: 16,
  "af-unspec": 32,
  align4: 64,
  esn: 128,
} as const;

/** `XFRM_SA_XFLAG_*` (`XFRMA_SA_EXTRA_FLAGS`). */
export const XFRM_SA_XFLAG = { "dont-encap-dscp": 1, "oseq-may-wrap": 2 } as const;

/** `XFRM_POLICY_LOCALOK`, `XFRM_POLICY_ICMP`. */
export const XFRM_POLICY_FLAG = { localok: 1, icmp: 2 } as const;

/** Encapsulation types (`UDP_ENCAP_ESPINUDP_NON_IKE`, `UDP_ENCAP_ESPINUDP`, `TCP_ENCAP_ESPINTCP`). */
export const XFRM_ENCAP_TYPE = { "espinudp-nonike": 1, espinudp: 2, espintcp: 7 } as const;

/** SA directions (`XFRMA_SA_DIR`). */
export const XFRM_SA_DIR = { in: 1, out: 2 } as const;

/** IP protocols a selector names (`proto tcp`), as /etc/protocols names them. */
export const IP_PROTO = {
  icmp: 1,
  igmp: 2,
  ipencap: 4,
  tcp: 6,
  egp: 8,
  udp: 17,
  dccp: 33,
  ipv6: 41,
  "ipv6-route": 43,
  "ipv6-frag": 44,
  gre: 47,
  esp: 50,
  ah: 51,
  "ipv6-icmp": 58,
  "ipv6-nonxt": 59,
  "ipv6-opts": 60,
  ipip: 94,
  pim: 103,
  l2tp: 115,
  sctp: 132,
  "mobility-header": 135,
  udplite: 136,
} as const;

/** A name of `table` or a number up to `codec`'s range; TypeError naming `field` otherwise. */
export function nameToNumber(
  table: Readonly<Record<string, number>>,
  value: unknown,
  codec: "u8" | "u16" | "u32",
  field: string,
): number {
  if (typeof value === "string") {
    if (Object.hasOwn(table, value)) return table[value];
    throw new TypeError(
      `${field}: unknown value ${JSON.stringify(value)} (${Object.keys(table).join(", ")})`,
    );
  }
  if (typeof value === "number") return checkInt(value, codec, field);
  throw new TypeError(`${field}: expected a name or a number, got ${describeValue(value)}`);
}

/** Flag names (or a number) as bits; TypeError naming `field[i]` for an unknown name. */
export function flagsToNumber(
  table: Readonly<Record<string, number>>,
  value: unknown,
  codec: "u8" | "u32",
  field: string,
): number {
  if (typeof value === "number") return checkInt(value, codec, field);
  if (!Array.isArray(value)) {
    throw new TypeError(`${field}: expected flag names or a number, got ${describeValue(value)}`);
  }
  let bits = 0;
  value.forEach((f, i) => {
    if (typeof f !== "string" || !Object.hasOwn(table, f)) {
      throw new TypeError(
        `${field}[${i}]: unknown flag ${describeValue(f)} (${Object.keys(table).join(", ")})`,
      );
    }
    bits |= table[f];
  });
  return bits;
}

/** The name of `n` in `table`, or undefined. */
export function numberToName(
  table: Readonly<Record<string, number>>,
  n: number,
): string | undefined {
  for (const [k, v] of Object.entries(table)) if (v === n) return k;
  return undefined;
}
