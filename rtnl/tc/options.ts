/**
 * The option names of every tc kind, as `tc` names them: the table the spec types are mapped
 * from, and the list each request is read against (an option the kind does not have is a
 * TypeError naming it and the nearest one; a builder reading an option missing here is a bug
 * the tests catch).
 *
 * @module
 */

/** Keys every request of an object takes, besides its kind's options. */
export const TC_COMMON_KEYS = {
  /** Queueing disciplines. */
  qdisc: ["index", "handle", "parent", "estimator", "ingress_block", "egress_block"],
  /** Classes. */
  class: ["index", "classid", "handle", "parent", "estimator"],
  /** Filters (classifiers). */
  filter: ["index", "handle", "parent", "prio", "pref", "protocol", "chain"],
  /** Standalone actions. */
  action: ["index"],
} as const;

/** The options of each queueing discipline. */
export const TC_QDISC_OPTIONS = {
  htb: ["default", "r2q", "direct_qlen", "debug", "offload"],
  tbf: [
    "rate",
    "burst",
    "buffer",
    "maxburst",
    "minburst",
    "limit",
    "latency",
    "peakrate",
    "mtu",
    "mpu",
    "overhead",
    "linklayer",
  ],
  netem: [
    "delay",
    "jitter",
    "delay_correlation",
    "loss",
    "loss_correlation",
    "duplicate",
    "duplicate_correlation",
    "corrupt",
    "corrupt_correlation",
    "reorder",
    "reorder_correlation",
    "gap",
    "limit",
    "rate",
    "packet_overhead",
    "cell_size",
    "cell_overhead",
    "ecn",
  ],
  sfq: ["quantum", "perturb", "limit", "divisor", "flows", "depth", "headdrop"],
  fq_codel: [
    "limit",
    "flows",
    "target",
    "interval",
    "quantum",
    "ce_threshold",
    "memory_limit",
    "drop_batch",
    "ecn",
  ],
  cake: [
    "bandwidth",
    "autorate_ingress",
    "rtt",
    "target",
    "diffserv",
    "flow_mode",
    "nat",
    "wash",
    "split_gso",
    "ack_filter",
    "memlimit",
    "fwmark",
    "overhead",
    "mpu",
    "atm",
    "raw",
    "ingress",
  ],
  prio: ["bands", "priomap", "multiqueue"],
  hfsc: ["default"],
  pfifo: ["limit"],
  bfifo: ["limit"],
  pfifo_fast: [],
  noqueue: [],
  blackhole: [],
  mq: [],
  ingress: [],
  clsact: [],
} as const;

/** The options of each classful discipline's classes. */
export const TC_CLASS_OPTIONS = {
  htb: [
    "rate",
    "ceil",
    "burst",
    "cburst",
    "prio",
    "quantum",
    "mtu",
    "mpu",
    "overhead",
    "linklayer",
    "offload",
  ],
  hfsc: ["sc", "rt", "ls", "ul"],
  prio: [],
} as const;

// `target`: pyroute2's name of classid/flowid.
const FILTER_COMMON = ["classid", "flowid", "target", "action", "actions"] as const;

/** The options of each classifier. */
export const TC_FILTER_OPTIONS = {
  u32: [
    ...FILTER_COMMON,
    "match",
    // pyroute2's selector keys: "VAL/MASK+OFF" strings (32-bit, at the offset).
    "keys",
    "offset",
    "hashkey",
    "ht",
    "link",
    "order",
    "divisor",
    "indev",
    "skip_hw",
    "skip_sw",
    // `tc … u32 … police …`: an old-style police nest (TCA_U32_POLICE).
    "police",
    // pyroute2's shortcut for it: rate/burst (with mtu, limit; `action` is then the verdict
    // above the rate).
    "rate",
    "burst",
    "mtu",
    "limit",
  ],
  bpf: [
    ...FILTER_COMMON,
    "bytecode",
    "fd",
    "pinned",
    "name",
    "da",
    "direct_action",
    "skip_hw",
    "skip_sw",
  ],
  matchall: [...FILTER_COMMON, "skip_hw", "skip_sw"],
  fw: [...FILTER_COMMON, "mask", "indev"],
  flower: [
    ...FILTER_COMMON,
    "indev",
    "skip_hw",
    "skip_sw",
    "dst_mac",
    "src_mac",
    "vlan_id",
    "vlan_prio",
    "vlan_ethtype",
    "ip_proto",
    "dst_ip",
    "src_ip",
    "dst_port",
    "src_port",
    "tcp_flags",
    "ip_tos",
    "ip_ttl",
    "icmp_type",
    "icmp_code",
  ],
} as const;

/** The options of each action (in a filter's `action`, or standalone). */
export const TC_ACTION_OPTIONS = {
  // `action` and `ifindex`: pyroute2's names of `mode` and `dev`.
  mirred: ["direction", "mode", "action", "dev", "ifindex", "control", "index"],
  gact: ["action", "random", "index"],
  police: [
    "rate",
    "burst",
    "buffer",
    "mtu",
    "maxburst",
    "minburst",
    "peakrate",
    "avrate",
    "overhead",
    "mpu",
    "linklayer",
    "conform",
    "exceed",
    "limit",
    "index",
  ],
  skbedit: ["priority", "queue_mapping", "mark", "mask", "ptype", "control", "index"],
} as const;

/** A queueing discipline kind. */
export type TcQdiscKind = keyof typeof TC_QDISC_OPTIONS;
/** A classful kind. */
export type TcClassKind = keyof typeof TC_CLASS_OPTIONS;
/** A classifier kind. */
export type TcFilterKind = keyof typeof TC_FILTER_OPTIONS;
/** An action kind. */
export type TcActionKind = keyof typeof TC_ACTION_OPTIONS;

/** The object a tc command is about. */
export type TcObject = keyof typeof TC_COMMON_KEYS;

const TABLES: Readonly<Record<TcObject, Readonly<Record<string, readonly string[]>>>> = {
  qdisc: TC_QDISC_OPTIONS,
  class: TC_CLASS_OPTIONS,
  filter: TC_FILTER_OPTIONS,
  action: TC_ACTION_OPTIONS,
};

/** Every key a request about `obj` of `kind` takes (common keys and the kind's options). */
export function tcKeys(obj: TcObject, kind: string): ReadonlySet<string> {
  const table = TABLES[obj];
  const own = Object.hasOwn(table, kind) ? table[kind] : [];
  return new Set<string>([...TC_COMMON_KEYS[obj], ...own]);
}
