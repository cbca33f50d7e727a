/**
 * The names iproute2 prints for numbers (its rt_names.c and ll_types.c, with the default
 * /etc/iproute2 tables compiled in: the tool runs with --allow-ffi only and reads no files).
 *
 * @module
 */

function invert(table: Record<number, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(table)) out[v] = Number(k);
  return out;
}

/** Route tables. */
export const TABLES: Record<number, string> = {
  0: "unspec",
  253: "default",
  254: "main",
  255: "local",
};

/** Route protocols (rt_protos). */
export const PROTOS: Record<number, string> = {
  0: "unspec",
  1: "redirect",
  2: "kernel",
  3: "boot",
  4: "static",
  8: "gated",
  9: "ra",
  10: "mrt",
  11: "zebra",
  12: "bird",
  13: "dnrouted",
  14: "xorp",
  15: "ntk",
  16: "dhcp",
  18: "keepalived",
  42: "babel",
  99: "openr",
  186: "bgp",
  187: "isis",
  188: "ospf",
  189: "rip",
  192: "eigrp",
};

/** Route scopes (rt_scopes). */
export const SCOPES: Record<number, string> = {
  0: "global",
  200: "site",
  253: "link",
  254: "host",
  255: "nowhere",
};

/** Route types. */
export const RTNTYPES: Record<number, string> = {
  0: "none",
  1: "unicast",
  2: "local",
  3: "broadcast",
  4: "anycast",
  5: "multicast",
  6: "blackhole",
  7: "unreachable",
  8: "prohibit",
  9: "throw",
  10: "nat",
  11: "xresolve",
};

/** Route realms. */
export const REALMS: Record<number, string> = { 0: "cosmos" };

/** DS field names (rt_dsfield). */
export const DSFIELD: Record<number, string> = {
  0x0: "default",
  0x28: "AF11",
  0x30: "AF12",
  0x38: "AF13",
  0x48: "AF21",
  0x50: "AF22",
  0x58: "AF23",
  0x68: "AF31",
  0x70: "AF32",
  0x78: "AF33",
  0x88: "AF41",
  0x90: "AF42",
  0x98: "AF43",
  0x20: "CS1",
  0x40: "CS2",
  0x60: "CS3",
  0x80: "CS4",
  0xa0: "CS5",
  0xc0: "CS6",
  0xe0: "CS7",
  0xb8: "EF",
};

/** Interface groups. */
export const GROUPS: Record<number, string> = { 0: "default" };

let numeric = false;

/** `-Numeric`: the functions below print numbers instead of names (iproute2's `numeric`). */
export function setNumeric(on: boolean): void {
  numeric = on;
}

/** A name from a table, unless `-Numeric` is on. */
function nameOf(table: Record<number, string>, id: number): string | undefined {
  return numeric ? undefined : table[id];
}

/** Table name of a table id. */
export function tableName(id: number): string {
  return nameOf(TABLES, id) ?? String(id);
}
/** Protocol name. */
export function protoName(id: number): string {
  return nameOf(PROTOS, id) ?? String(id);
}
/** Scope name. */
export function scopeName(id: number): string {
  return nameOf(SCOPES, id) ?? String(id);
}
/** Route type name. */
export function rtnTypeName(id: number): string {
  return RTNTYPES[id] ?? String(id);
}
/** Group name. */
export function groupName(id: number): string {
  return nameOf(GROUPS, id) ?? String(id);
}
/** Realm name. */
export function realmName(id: number): string {
  return nameOf(REALMS, id) ?? String(id);
}
/** DS field name or 0xNN. */
export function dsfieldName(id: number): string {
  return nameOf(DSFIELD, id) ?? "0x" + id.toString(16).padStart(2, "0");
}

const TABLE_IDS = invert(TABLES);
const PROTO_IDS = invert(PROTOS);
const SCOPE_IDS = invert(SCOPES);
const RTNTYPE_IDS = invert(RTNTYPES);
const DSFIELD_IDS = invert(DSFIELD);
const REALM_IDS = invert(REALMS);

/** A number as strtoul(s, 0) reads it whole ("10", "0x1f", "017"), or undefined. */
export function parseNum(s: string): number | undefined {
  if (/^0x[0-9a-f]+$/i.test(s)) return parseInt(s, 16);
  if (/^0[0-7]*$/.test(s)) return parseInt(s, 8);
  if (/^\d+$/.test(s)) return Number(s);
  return undefined;
}

/** iproute2's get_u32(s, 0): a whole number in 0..2^32-1, or undefined. */
export function getU32(s: string): number | undefined {
  const v = parseNum(s.replace(/^[\s]+/, "").replace(/^\+/, ""));
  return v !== undefined && v <= 0xffffffff ? v : undefined;
}

/** A table id from a name or number; undefined when it is neither. */
export function tableId(s: string): number | undefined {
  return TABLE_IDS[s] ?? parseNum(s);
}
/** A protocol from a name or number. */
export function protoId(s: string): number | undefined {
  return PROTO_IDS[s] ?? parseNum(s);
}
/** A scope from a name or number. */
export function scopeId(s: string): number | undefined {
  return SCOPE_IDS[s] ?? parseNum(s);
}
/** A realm from a name or number. */
export function realmId(s: string): number | undefined {
  return REALM_IDS[s] ?? parseNum(s);
}
/** A route type from a name. */
export function rtnTypeId(s: string): number | undefined {
  return RTNTYPE_IDS[s];
}
/** A DS field value: a name, or a number as strtoul(s, 16) reads it ("10", "0x10"), up to 255. */
export function dsfieldId(s: string): number | undefined {
  const id = DSFIELD_IDS[s];
  if (id !== undefined) return id;
  const m = /^[\s]*\+?(?:0x)?([0-9a-f]+)$/i.exec(s);
  if (!m) return undefined;
  const v = parseInt(m[1], 16);
  return v <= 255 ? v : undefined;
}

/** Link-layer types (ARPHRD_*) as iproute2 names them. */
export const ARPHRD: Record<number, string> = {
  0: "netrom",
  1: "ether",
  2: "eether",
  3: "ax25",
  4: "pronet",
  5: "chaos",
  6: "ieee802",
  7: "arcnet",
  8: "atalk",
  15: "dlci",
  19: "atm",
  23: "metricom",
  24: "ieee1394",
  32: "infiniband",
  256: "slip",
  257: "cslip",
  258: "slip6",
  259: "cslip6",
  260: "rsrvd",
  264: "adapt",
  270: "rose",
  271: "x25",
  272: "hwx25",
  280: "can",
  290: "mctp",
  512: "ppp",
  513: "cisco",
  516: "lapb",
  517: "ddcmp",
  518: "rawhdlc",
  519: "rawip",
  768: "ipip",
  769: "tunnel6",
  770: "frad",
  771: "skip",
  772: "loopback",
  773: "ltalk",
  774: "fddi",
  775: "bif",
  776: "sit",
  777: "ip/ddp",
  778: "gre",
  779: "pimreg",
  780: "hippi",
  781: "ash",
  782: "econet",
  783: "irda",
  784: "fcpp",
  785: "fcal",
  786: "fcpl",
  787: "fcfb0",
  800: "tr",
  801: "ieee802.11",
  802: "ieee802.11/prism",
  803: "ieee802.11/radiotap",
  804: "ieee802.15.4",
  805: "ieee802.15.4/monitor",
  820: "phonet",
  821: "phonet_pipe",
  822: "caif",
  823: "gre6",
  824: "netlink",
  825: "6lowpan",
  826: "vsockmon",
  0xfffe: "none",
  0xffff: "void",
};

/** ll_type_n2a. */
export function llTypeName(t: number): string {
  return nameOf(ARPHRD, t) ?? `[${t}]`;
}

/** Neighbour states (NUD_*) in iproute2's print order. */
export const NUD_NAMES: [number, string][] = [
  [0x01, "INCOMPLETE"],
  [0x02, "REACHABLE"],
  [0x04, "STALE"],
  [0x08, "DELAY"],
  [0x10, "PROBE"],
  [0x20, "FAILED"],
  [0x40, "NOARP"],
  [0x80, "PERMANENT"],
];

/** Neighbour state from a name users write ("permanent", "noarp", …). */
export function nudId(s: string): number | undefined {
  const up = s.toUpperCase();
  for (const [v, n] of NUD_NAMES) if (n === up) return v;
  if (up === "NONE") return 0;
  return parseNum(s);
}

/** Address family names. */
export function familyName(f: number): string {
  switch (f) {
    case 0:
      return "unspec";
    case 2:
      return "inet";
    case 10:
      return "inet6";
    case 7:
      return "bridge";
    case 28:
      return "mpls";
    case 17:
      return "link";
    default:
      return "???";
  }
}

/** IP protocol numbers iproute2 prints by name (rule ipproto, route ipproto). */
export const IPPROTO: Record<number, string> = {
  0: "ip",
  1: "icmp",
  2: "igmp",
  4: "ipip",
  6: "tcp",
  8: "egp",
  12: "pup",
  17: "udp",
  22: "idp",
  29: "tp",
  33: "dccp",
  41: "ipv6",
  46: "rsvp",
  47: "gre",
  50: "esp",
  51: "ah",
  58: "ipv6-icmp",
  92: "mtp",
  94: "beetph",
  98: "encap",
  103: "pim",
  108: "comp",
  132: "sctp",
  136: "udplite",
  137: "mpls",
  255: "raw",
};
