/**
 * The desired-state document: what `snapshot()` returns and what `plan()`/`apply()` take. Plain
 * JSON, one object per namespace, each a list per kind. Links are named, never numbered
 * (indexes change between namespaces and boots); every default the kernel would fill in is
 * left out, so a snapshot lists what was configured and two snapshots diff cleanly. The
 * format is described for people in docs/STATE.md.
 *
 * @module
 */

/** The whole document: `{ version: 1, namespaces: { name: NamespaceState } }`. */
export interface StateDocument {
  /** The format's version: 1. */
  version: 1;
  /** Each namespace by name ("" is the namespace the process is in). */
  namespaces: Record<string, NamespaceState>;
}

/** What one namespace holds; an absent list is not managed. */
export interface NamespaceState {
  /** Network interfaces. */
  links?: LinkState[];
  /** Interface addresses (not the kernel's own: IPv6 link-local, loopback's). */
  addresses?: AddressState[];
  /** Routes (not the kernel's own: local table, `proto kernel`, cloned, IPv6 link-local). */
  routes?: RouteState[];
  /** Policy routing rules (not the kernel's default ones). */
  rules?: RuleState[];
  /** Permanent neighbour (ARP/NDP) entries. */
  neighbours?: NeighbourState[];
  /** Nexthop objects. */
  nexthops?: NexthopState[];
  /** Static bridge forwarding entries. */
  fdb?: FdbState[];
  /** Traffic control: qdiscs (not the default ones), classes and filters. */
  tc?: TcState[];
  /**
   * What the namespace holds that the lists above do not model (absent: nothing), so that a
   * snapshot is not taken for the whole namespace. `plan()`/`apply()` leave these alone (even
   * with prune); a desired document may carry the list back: it is checked, then ignored.
   */
  unmanaged?: UnmanagedState[];
}

/**
 * An object a namespace holds that the document does not model: `{ kind: "tc", dev: "v0",
 * object: "qdisc netem 1: parent root", reason: "qdisc kind netem is not modelled" }`.
 */
export interface UnmanagedState {
  /** The list it would belong to. */
  kind: KindName;
  /** The interface it is on or is (absent: none). */
  dev?: string;
  /** What it is, as `ip`/`tc` would name it. */
  object: string;
  /** Why it is not in its list. */
  reason: string;
}

/** The kinds of object a namespace holds, in the document's order. */
export const KINDS = [
  "links",
  "addresses",
  "routes",
  "rules",
  "neighbours",
  "nexthops",
  "fdb",
  "tc",
] as const;

/** One kind of object ({@link KINDS}). */
export type KindName = typeof KINDS[number];

/** A veth's other end in another namespace of the document. */
export interface PeerRef {
  /** The peer's name. */
  ifname: string;
  /** Its namespace (a key of `namespaces`). */
  netns: string;
}

/** An interface. Only `ifname` is required; what is absent is left as it is. */
export interface LinkState {
  /** Its name (the identity). */
  ifname: string;
  /** Its kind ("veth", "bridge", "vxlan", "macvlan", …); needed to create it. */
  kind?: string;
  /** MTU. */
  mtu?: number;
  /** MAC address, lower case. */
  address?: string;
  /** Administrative state. */
  state?: "up" | "down";
  /** The bridge it is a port of (null: none). */
  master?: string | null;
  /** The interface a macvlan/macvtap sits on (IFLA_LINK). */
  parent?: string;
  /** A veth's other end: its name in this namespace, or name and namespace. */
  peer?: string | PeerRef;
  /** The kind's data by its schema names (`br_stp_state`, `vxlan_id`, `macvlan_mode`, …). */
  data?: Record<string, string | number | boolean>;
}

/** An interface address. */
export interface AddressState {
  /** The interface's name. */
  dev: string;
  /** "10.0.0.1/24", "2001:db8::1/64". */
  address: string;
  /** IPv4 label (absent: the interface's name). */
  label?: string;
  /** IPv4 broadcast address. */
  broadcast?: string;
  /** The peer of a point-to-point address. */
  peer?: string;
  /** Configuration flags: "nodad", "noprefixroute", "homeaddress", "managetempaddr", "mcautojoin". */
  flags?: string[];
}

/** A route. Its identity: table, destination, TOS, metric (and IPv6 next hop). */
export interface RouteState {
  /** "10.1.0.0/16", "default" is written "0.0.0.0/0" or "::/0". */
  dst: string;
  /** Table number (absent: main, 254). */
  table?: number;
  /** Metric (absent: 0 for IPv4, 1024 for IPv6). */
  metric?: number;
  /** TOS (absent: 0). */
  tos?: number;
  /** "unicast" (absent), "blackhole", "unreachable", "prohibit", "throw". */
  type?: string;
  /** Gateway. */
  gateway?: string;
  /** Output interface's name. */
  dev?: string;
  /** Preferred source address. */
  prefsrc?: string;
  /** Routing protocol number (absent: boot, 3). */
  proto?: number;
  /** Scope number, when not what the kernel infers (link without gateway, else universe). */
  scope?: number;
  /** Nexthop object id. */
  nhid?: number;
  /** IPv4 multipath: the next hops (weight 1 left out). */
  multipath?: { gateway?: string; dev?: string; weight?: number }[];
}

/** A policy routing rule; every field is part of its identity. */
export interface RuleState {
  /** Priority. */
  priority: number;
  /** "inet6" for IPv6 (absent: IPv4). */
  family?: "inet" | "inet6";
  /** Table (absent with an action other than lookup). */
  table?: number;
  /** "to_tbl" (absent), "goto", "nop", "blackhole", "unreachable", "prohibit". */
  action?: string;
  /** Source prefix. */
  src?: string;
  /** Destination prefix. */
  dst?: string;
  /** Input interface's name. */
  iif?: string;
  /** Output interface's name. */
  oif?: string;
  /** Firewall mark. */
  fwmark?: number;
  /** Firewall mark mask. */
  fwmask?: number;
  /** TOS. */
  tos?: number;
}

/** A permanent neighbour entry. */
export interface NeighbourState {
  /** The interface's name. */
  dev: string;
  /** The neighbour's IP address. */
  dst: string;
  /** Its link-layer address. */
  lladdr: string;
}

/** A nexthop object. */
export interface NexthopState {
  /** Its id. */
  id: number;
  /** Gateway. */
  gateway?: string;
  /** Output interface's name. */
  dev?: string;
  /** A blackhole nexthop. */
  blackhole?: boolean;
  /** A group: member ids with weights. */
  group?: { id: number; weight?: number }[];
}

/** A static bridge forwarding entry. */
export interface FdbState {
  /** The port's name. */
  dev: string;
  /** The MAC address. */
  lladdr: string;
  /** The bridge (absent: the port's own entry, `self`). */
  master?: string;
  /** VLAN id. */
  vlan?: number;
}

/** A traffic control object: a qdisc, a class or a u32 filter. */
export interface TcState {
  /** "qdisc", "class" or "filter". */
  object: "qdisc" | "class" | "filter";
  /** The interface's name. */
  dev: string;
  /** Its kind: qdiscs "htb", "ingress", "clsact", "pfifo", "bfifo", "tbf"; classes "htb". */
  kind: string;
  /** Qdisc handle ("1:", "ffff:"), class id ("1:10") or u32 filter handle ("800::800"). */
  handle: string;
  /** Filters: priority. */
  priority?: number;
  /** Filters: protocol ("ip", "ipv6", "all", …). */
  protocol?: string;
  /** Parent: "root", "ingress" (ingress and clsact), or a class id ("1:10"). */
  parent: string;
  /**
   * Options: htb qdisc `default` (the default class's minor number), `r2q`; htb class `rate`,
   * `ceil` (bits per second), `prio`; pfifo/bfifo `limit`; tbf `rate` (bits per second),
   * `burst` and `limit` (bytes); u32 filter `keys` (["0a000000/ff000000+16"]: value/mask+offset
   * in hex), `classid` ("1:10").
   */
  options?: Record<string, number | string | string[]>;
}
