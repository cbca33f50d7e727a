/**
 * rtnetlink message types, multicast groups and the enumerations users name
 * (linux/rtnetlink.h, linux/if_addr.h, linux/neighbour.h).
 *
 * @module
 */

/** rtnetlink message types. */
export const RTM = {
  NEWLINK: 16,
  DELLINK: 17,
  GETLINK: 18,
  SETLINK: 19,
  NEWADDR: 20,
  DELADDR: 21,
  GETADDR: 22,
  NEWROUTE: 24,
  DELROUTE: 25,
  GETROUTE: 26,
  NEWNEIGH: 28,
  DELNEIGH: 29,
  GETNEIGH: 30,
  NEWRULE: 32,
  DELRULE: 33,
  GETRULE: 34,
  NEWQDISC: 36,
  DELQDISC: 37,
  GETQDISC: 38,
  NEWTCLASS: 40,
  DELTCLASS: 41,
  GETTCLASS: 42,
  NEWTFILTER: 44,
  DELTFILTER: 45,
  GETTFILTER: 46,
  NEWACTION: 48,
  DELACTION: 49,
  GETACTION: 50,
  NEWNETCONF: 80,
  DELNETCONF: 81,
  GETNETCONF: 82,
  NEWNSID: 88,
  DELNSID: 89,
  GETNSID: 90,
  NEWCHAIN: 100,
  DELCHAIN: 101,
  GETCHAIN: 102,
  NEWNEXTHOP: 104,
  DELNEXTHOP: 105,
  GETNEXTHOP: 106,
  NEWLINKPROP: 108,
  DELLINKPROP: 109,
  NEWVLAN: 112,
  DELVLAN: 113,
  GETVLAN: 114,
} as const;

/** The name of an rtnetlink message type ("RTM_NEWLINK"), or its number as text. */
export function rtmName(type: number): string {
  for (const [k, v] of Object.entries(RTM)) if (v === type) return `RTM_${k}`;
  return String(type);
}

/** rtnetlink multicast groups (`RTNLGRP_*`), by the names `ip monitor` and pyroute2 use. */
export const RTNLGRP = {
  link: 1,
  notify: 2,
  neigh: 3,
  tc: 4,
  ipv4_ifaddr: 5,
  ipv4_mroute: 6,
  ipv4_route: 7,
  ipv4_rule: 8,
  ipv6_ifaddr: 9,
  ipv6_mroute: 10,
  ipv6_route: 11,
  ipv6_ifinfo: 12,
  ipv6_prefix: 18,
  ipv6_rule: 19,
  nd_useropt: 20,
  ipv4_netconf: 24,
  ipv6_netconf: 25,
  mdb: 26,
  mpls_route: 27,
  nsid: 28,
  nexthop: 32,
  brvlan: 33,
} as const;

/** Address families. */
export const AF = { UNSPEC: 0, INET: 2, BRIDGE: 7, INET6: 10, MPLS: 28 } as const;

/** Interface flags (`IFF_*`). */
export const IFF = {
  UP: 0x1,
  BROADCAST: 0x2,
  DEBUG: 0x4,
  LOOPBACK: 0x8,
  POINTOPOINT: 0x10,
  NOTRAILERS: 0x20,
  RUNNING: 0x40,
  NOARP: 0x80,
  PROMISC: 0x100,
  ALLMULTI: 0x200,
  MASTER: 0x400,
  SLAVE: 0x800,
  MULTICAST: 0x1000,
  PORTSEL: 0x2000,
  AUTOMEDIA: 0x4000,
  DYNAMIC: 0x8000,
  LOWER_UP: 0x10000,
  DORMANT: 0x20000,
  ECHO: 0x40000,
} as const;

/** Route tables by name (`rt_tables`). */
export const RT_TABLE = { unspec: 0, compat: 252, default: 253, main: 254, local: 255 } as const;

/** Route protocols (`RTPROT_*`, /etc/iproute2/rt_protos). */
export const RTPROT = {
  unspec: 0,
  redirect: 1,
  kernel: 2,
  boot: 3,
  static: 4,
  gated: 8,
  ra: 9,
  mrt: 10,
  zebra: 11,
  bird: 12,
  dnrouted: 13,
  xorp: 14,
  ntk: 15,
  dhcp: 16,
  mrouted: 17,
  keepalived: 18,
  babel: 42,
  openr: 99,
  bgp: 186,
  isis: 187,
  ospf: 188,
  rip: 189,
  eigrp: 192,
} as const;

/** Route scopes (`RT_SCOPE_*`). */
export const RT_SCOPE = { universe: 0, site: 200, link: 253, host: 254, nowhere: 255 } as const;

/** Route types (`RTN_*`). */
export const RTN = {
  unspec: 0,
  unicast: 1,
  local: 2,
  broadcast: 3,
  anycast: 4,
  multicast: 5,
  blackhole: 6,
  unreachable: 7,
  prohibit: 8,
  throw: 9,
  nat: 10,
  xresolve: 11,
} as const;

/** Neighbour states (`NUD_*`). */
export const NUD = {
  incomplete: 0x01,
  reachable: 0x02,
  stale: 0x04,
  delay: 0x08,
  probe: 0x10,
  failed: 0x20,
  noarp: 0x40,
  permanent: 0x80,
  none: 0x00,
} as const;

/** Operational states (`IF_OPER_*`), as iproute2 prints them. */
export const OPERSTATE = [
  "UNKNOWN",
  "NOTPRESENT",
  "DOWN",
  "LOWERLAYERDOWN",
  "TESTING",
  "DORMANT",
  "UP",
] as const;
