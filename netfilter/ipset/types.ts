/**
 * ipset set types: the parts of an element of each type (its dimensions, in ipset's text
 * order), and the names ipset prints for protocols and ICMP types.
 *
 * @module
 */

/** One part of an element: an address (`ip`, or `net` with a prefix), a port, an interface, … */
export type Dimension = "ip" | "net" | "port" | "ip2" | "net2" | "iface" | "mac" | "mark" | "set";

/** The dimensions of each set type, by ipset's type name. */
export const SET_TYPES: Readonly<Record<string, readonly Dimension[]>> = {
  "hash:ip": ["ip"],
  "hash:net": ["net"],
  "hash:ip,port": ["ip", "port"],
  "hash:net,port": ["net", "port"],
  "hash:ip,port,ip": ["ip", "port", "ip2"],
  "hash:ip,port,net": ["ip", "port", "net2"],
  "hash:net,port,net": ["net", "port", "net2"],
  "hash:net,net": ["net", "net2"],
  "hash:net,iface": ["net", "iface"],
  "hash:ip,mark": ["ip", "mark"],
  "hash:mac": ["mac"],
  "hash:ip,mac": ["ip", "mac"],
  "bitmap:ip": ["ip"],
  "bitmap:ip,mac": ["ip", "mac"],
  "bitmap:port": ["port"],
  "list:set": ["set"],
};

/** A set type name of {@link SET_TYPES}. */
export type SetTypeName = keyof typeof SET_TYPES;

/** Protocol names as ipset prints them (`getprotobynumber`). */
export const PROTO_NAMES: Readonly<Record<number, string>> = {
  1: "icmp",
  6: "tcp",
  17: "udp",
  33: "dccp",
  47: "gre",
  58: "ipv6-icmp",
  132: "sctp",
  136: "udplite",
};

/** Protocol numbers by the names ipset accepts. */
export const PROTO_NUMBERS: Readonly<Record<string, number>> = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  dccp: 33,
  gre: 47,
  icmpv6: 58,
  "ipv6-icmp": 58,
  sctp: 132,
  udplite: 136,
};

/** ICMP type/code names ipset prints (`type << 8 | code`). */
export const ICMP_NAMES: Readonly<Record<number, string>> = {
  0x0000: "echo-reply",
  0x0300: "network-unreachable",
  0x0301: "host-unreachable",
  0x0302: "protocol-unreachable",
  0x0303: "port-unreachable",
  0x030d: "communication-prohibited",
  0x0400: "source-quench",
  0x0501: "host-redirect",
  0x0800: "echo-request",
  0x0900: "router-advertisement",
  0x0a00: "router-solicitation",
  0x0b00: "ttl-zero-during-transit",
  0x0d00: "timestamp-request",
  0x0e00: "timestamp-reply",
  0x1100: "address-mask-request",
};

/** ICMPv6 type/code names ipset prints. */
export const ICMPV6_NAMES: Readonly<Record<number, string>> = {
  0x0100: "no-route",
  0x0104: "port-unreachable",
  0x0200: "packet-too-big",
  0x0300: "ttl-zero-during-transit",
  0x8000: "echo-request",
  0x8100: "echo-reply",
  0x8500: "router-solicitation",
  0x8700: "neighbour-solicitation",
};
