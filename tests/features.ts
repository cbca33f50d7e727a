/**
 * What the running kernel supports, asked once per test process: each optional feature is tried
 * with iproute2 (the reference tool, so a bug of ours cannot pass for a missing feature) in a
 * throwaway namespace that is removed afterwards, even when the probe fails.
 *
 * A live test that needs an optional feature is registered with {@link liveTest} (or asks
 * {@link lacks} itself): on a kernel without it the test is ignored with the reason in its name,
 * e.g. `route: seg6 encapsulation (skipped: kernel lacks seg6 lwtunnel)`. The encoding of such a
 * feature stays covered by the golden-byte unit tests (tests/unit/*golden*).
 *
 * Required features (rtnetlink, network namespaces, veth, iproute2) are not probed for a skip:
 * when they are missing a probe throws, and the tests fail loudly.
 *
 * ```ts ignore
 * import { liveTest } from "./features.ts";
 * await liveTest("route: seg6 encapsulation", ["encap:seg6"], () => withNetns(async (ns) => {}));
 * ```
 *
 * @module
 */

import * as netns from "../ffi/netns.ts";
import { isRoot } from "./helpers.ts";

/** Link kinds (`ip link add … type KIND`) other than veth, which is required. */
export type LinkKind =
  | "bridge"
  | "vxlan"
  | "macvlan"
  | "macvtap"
  | "ifb"
  | "dummy"
  | "vlan"
  | "bond"
  | "team"
  | "ipvlan"
  | "vrf"
  | "gre"
  | "gretap"
  | "ipip"
  | "sit"
  | "ip6tnl"
  | "wireguard"
  | "nlmon";

/** Lightweight-tunnel encapsulations of routes (`ip route add … encap TYPE`). */
export type EncapType = "seg6" | "seg6local" | "mpls" | "ip" | "ip6";

/** Queueing disciplines. */
export type QdiscKind =
  | "htb"
  | "tbf"
  | "netem"
  | "sfq"
  | "fq_codel"
  | "cake"
  | "prio"
  | "hfsc"
  | "drr"
  | "ingress"
  | "clsact"
  | "pfifo"
  | "bfifo"
  | "mq";

/** Traffic control classifiers. */
export type FilterKind = "u32" | "bpf" | "flower" | "matchall" | "fw" | "basic";

/** Traffic control actions. */
export type ActionKind = "gact" | "mirred" | "police" | "skbedit";

/** Generic netlink families the tests use. */
export type GenlFamilyName = "TASKSTATS" | "netdev" | "ethtool" | "mptcp_pm";

/** An optional kernel feature a live test may need. */
export type Feature =
  | `link:${LinkKind}`
  | `encap:${EncapType}`
  | `qdisc:${QdiscKind}`
  | `filter:${FilterKind}`
  | `action:${ActionKind}`
  /** tun/tap devices through /dev/net/tun (`ip tuntap add`). */
  | "link:tuntap"
  /** Generic netlink families (`genl ctrl get name NAME`). */
  | `genl:${GenlFamilyName}`
  /** Nexthop objects (`RTM_NEWNEXTHOP`). */
  | "nexthop"
  /** Per-port VLANs on a VLAN-filtering bridge (`bridge vlan add`). */
  | "bridge:vlan_filtering"
  /** MPLS routes (`AF_MPLS`). */
  | "route:mpls"
  /** Taskstats exit records reach a listener of this thread (the initial network namespace). */
  | "taskstats:exits"
  /** Proc connector events reach a listener of this thread (the initial network namespace). */
  | "proc:events";

/** How a feature is tried: commands run in order in a fresh namespace; one failing = absent. */
interface Probe {
  /** Names the feature in "kernel lacks …". */
  what: string;
  /** Whether the probe needs the veth pair p0/p1 (both up) besides lo (up). */
  veth?: boolean;
  /** The commands (argv), given the namespace name. */
  run?: (ns: string) => string[][];
  /** A probe that needs no namespace: the reason the feature is absent, or undefined. */
  check?: () => string | undefined | Promise<string | undefined>;
}

const ip = (ns: string, ...args: string[]) => ["ip", "-n", ns, ...args];
const tc = (ns: string, ...args: string[]) => ["tc", "-n", ns, ...args];

function linkProbe(kind: LinkKind, what: string, ...args: string[]): Probe {
  return {
    what,
    veth: args.includes("p0"),
    run: (ns) => [ip(ns, "link", "add", "x0", ...args, "type", kind, ...tail(kind))],
  };
}

/** Kind-specific arguments a link needs to be created. */
function tail(kind: LinkKind): string[] {
  switch (kind) {
    case "vxlan":
      return ["id", "42", "dstport", "4789"];
    case "vlan":
      return ["id", "5"];
    case "ipvlan":
      return ["mode", "l2"];
    case "vrf":
      return ["table", "10"];
    case "gre":
    case "gretap":
    case "ipip":
    case "sit":
      return ["local", "192.0.2.1", "remote", "192.0.2.2"];
    case "ip6tnl":
      return ["local", "2001:db8::1", "remote", "2001:db8::2"];
    default:
      return [];
  }
}

function qdiscProbe(kind: QdiscKind, ...args: string[]): Probe {
  const where = kind === "ingress" || kind === "clsact" ? [] : ["root"];
  return {
    what: `the ${kind} qdisc`,
    veth: true,
    run: (ns) => [tc(ns, "qdisc", "add", "dev", "p0", ...where, kind, ...args)],
  };
}

/** A filter on p0's ingress qdisc (which the probe adds first). */
function filterProbe(what: string, ...args: string[]): Probe {
  return {
    what,
    veth: true,
    run: (ns) => [
      tc(ns, "qdisc", "add", "dev", "p0", "ingress"),
      tc(ns, "filter", "add", "dev", "p0", "parent", "ffff:", ...args),
    ],
  };
}

/** A generic netlink family, looked up from the test's own namespace (a read). */
function genlProbe(name: GenlFamilyName, what: string): Probe {
  return {
    what,
    check: async () => (await attempt(["genl", "ctrl", "get", "name", name])) && LACKS + what,
  };
}

const U32 = ["protocol", "ip", "u32", "match", "ip", "dst", "10.0.0.0/8"];

const PROBES: Record<Feature, Probe> = {
  "link:bridge": linkProbe("bridge", "bridge devices"),
  "link:vxlan": linkProbe("vxlan", "vxlan devices"),
  "link:macvlan": linkProbe("macvlan", "macvlan devices", "link", "p0"),
  "link:macvtap": linkProbe("macvtap", "macvtap devices", "link", "p0"),
  "link:ifb": linkProbe("ifb", "ifb devices"),
  "link:dummy": linkProbe("dummy", "dummy devices"),
  "link:vlan": linkProbe("vlan", "802.1Q vlan devices", "link", "p0"),
  "link:bond": linkProbe("bond", "bonding devices"),
  "link:team": linkProbe("team", "team devices"),
  "link:ipvlan": linkProbe("ipvlan", "ipvlan devices", "link", "p0"),
  "link:vrf": linkProbe("vrf", "vrf devices"),
  "link:gre": linkProbe("gre", "gre tunnels"),
  "link:gretap": linkProbe("gretap", "gretap tunnels"),
  "link:ipip": linkProbe("ipip", "ipip tunnels"),
  "link:sit": linkProbe("sit", "sit tunnels"),
  "link:ip6tnl": linkProbe("ip6tnl", "ip6tnl tunnels"),
  "link:wireguard": linkProbe("wireguard", "wireguard devices"),
  "link:nlmon": linkProbe("nlmon", "nlmon devices"),
  "link:tuntap": {
    what: "tun/tap devices",
    run: (ns) => [ip(ns, "tuntap", "add", "dev", "x0", "mode", "tap")],
  },
  "encap:seg6": {
    what: "seg6 lwtunnel",
    run: (ns) => [
      ip(
        ns,
        "-6",
        "route",
        "add",
        "2001:db8:5::/64",
        "dev",
        "lo",
        "encap",
        "seg6",
        "mode",
        "encap",
        "segs",
        "2001:db8::2",
      ),
    ],
  },
  "encap:seg6local": {
    what: "seg6local lwtunnel",
    run: (ns) => [
      ip(
        ns,
        "-6",
        "route",
        "add",
        "2001:db8:6::/64",
        "dev",
        "lo",
        "encap",
        "seg6local",
        "action",
        "End",
      ),
    ],
  },
  "encap:mpls": {
    what: "mpls lwtunnel",
    run: (ns) => [ip(ns, "route", "add", "10.9.0.0/16", "encap", "mpls", "100", "dev", "lo")],
  },
  "encap:ip": {
    what: "ip lwtunnel",
    run: (
      ns,
    ) => [
      ip(
        ns,
        "route",
        "add",
        "10.9.0.0/16",
        "dev",
        "lo",
        "encap",
        "ip",
        "id",
        "1",
        "dst",
        "192.0.2.1",
      ),
    ],
  },
  "encap:ip6": {
    what: "ip6 lwtunnel",
    run: (
      ns,
    ) => [
      ip(
        ns,
        "-6",
        "route",
        "add",
        "2001:db8:7::/64",
        "dev",
        "lo",
        "encap",
        "ip6",
        "id",
        "1",
        "dst",
        "2001:db8::1",
      ),
    ],
  },
  "qdisc:htb": qdiscProbe("htb", "default", "10"),
  "qdisc:tbf": qdiscProbe("tbf", "rate", "1mbit", "burst", "10kb", "latency", "50ms"),
  "qdisc:netem": qdiscProbe("netem", "delay", "10ms"),
  "qdisc:sfq": qdiscProbe("sfq"),
  "qdisc:fq_codel": qdiscProbe("fq_codel"),
  "qdisc:cake": qdiscProbe("cake"),
  "qdisc:prio": qdiscProbe("prio"),
  "qdisc:hfsc": qdiscProbe("hfsc"),
  "qdisc:drr": qdiscProbe("drr"),
  "qdisc:ingress": qdiscProbe("ingress"),
  "qdisc:clsact": qdiscProbe("clsact"),
  "qdisc:pfifo": qdiscProbe("pfifo"),
  "qdisc:bfifo": qdiscProbe("bfifo"),
  "qdisc:mq": { ...qdiscProbe("mq"), what: "the mq qdisc" },
  "filter:u32": filterProbe("the u32 classifier", ...U32, "classid", "1:1"),
  "filter:bpf": filterProbe(
    "the bpf classifier",
    "protocol",
    "ip",
    "bpf",
    "bytecode",
    "1,6 0 0 0",
    "classid",
    "1:1",
  ),
  "filter:flower": filterProbe(
    "the flower classifier",
    "protocol",
    "ip",
    "flower",
    "ip_proto",
    "tcp",
  ),
  "filter:matchall": filterProbe("the matchall classifier", "matchall", "classid", "1:1"),
  "filter:fw": filterProbe(
    "the fw classifier",
    "protocol",
    "ip",
    "handle",
    "5",
    "fw",
    "classid",
    "1:1",
  ),
  "filter:basic": filterProbe("the basic classifier", "protocol", "ip", "basic", "classid", "1:1"),
  "action:gact": filterProbe("the gact action", ...U32, "action", "drop"),
  "action:mirred": filterProbe(
    "the mirred action",
    ...U32,
    "action",
    "mirred",
    "egress",
    "redirect",
    "dev",
    "p1",
  ),
  "action:police": filterProbe(
    "the police action",
    ...U32,
    "action",
    "police",
    "rate",
    "1mbit",
    "burst",
    "10k",
  ),
  "action:skbedit": filterProbe("the skbedit action", ...U32, "action", "skbedit", "mark", "5"),
  "genl:TASKSTATS": genlProbe("TASKSTATS", "taskstats (CONFIG_TASKSTATS)"),
  "genl:netdev": genlProbe("netdev", "the netdev generic netlink family"),
  "genl:ethtool": genlProbe("ethtool", "ethtool netlink (CONFIG_ETHTOOL_NETLINK)"),
  "genl:mptcp_pm": genlProbe("mptcp_pm", "MPTCP (CONFIG_MPTCP)"),
  "nexthop": {
    what: "nexthop objects",
    run: (ns) => [ip(ns, "nexthop", "add", "id", "1", "blackhole")],
  },
  "bridge:vlan_filtering": {
    what: "bridge vlan filtering",
    veth: true,
    run: (ns) => [
      ip(ns, "link", "add", "br0", "type", "bridge"),
      ip(ns, "link", "set", "p0", "master", "br0"),
      ["bridge", "-n", ns, "vlan", "add", "dev", "p0", "vid", "10"],
    ],
  },
  "route:mpls": {
    what: "MPLS routes",
    run: (ns) => [
      ["ip", "netns", "exec", ns, "sysctl", "-qw", "net.mpls.platform_labels=1000"],
      ip(ns, "-f", "mpls", "route", "add", "100", "dev", "lo"),
    ],
  },
  "taskstats:exits": {
    what: "taskstats exit records here",
    check: () =>
      netns.isInitial() === false
        ? "taskstats exit records reach the initial network namespace only"
        : undefined,
  },
  "proc:events": {
    what: "proc connector events here",
    check: () =>
      netns.isInitial() === false
        ? "proc connector events reach the initial network namespace only"
        : undefined,
  },
};

/** What an absent feature's probe said (tool and error text), by feature. */
const details = new Map<Feature, string>();
const cache = new Map<Feature, Promise<string | undefined>>();
const dec = new TextDecoder();

/**
 * Probe outcomes shared by every test file of this process. `deno test` runs each file in an
 * isolate of its own (this module, `cache` included, is loaded afresh per file) but in one
 * process, whose environment they all share: a feature probed by one file is not probed again
 * by the next (the kernel cannot change its mind within a run). Only outcomes are kept; a probe
 * that throws is tried again.
 */
const SHARED = "NETLINK_TEST_FEATURES";
type Outcome = { why?: string; detail?: string };

function shared(): Record<string, Outcome> {
  try {
    return JSON.parse(Deno.env.get(SHARED) ?? "{}");
  } catch {
    return {};
  }
}

async function probeShared(feature: Feature): Promise<string | undefined> {
  const known = shared()[feature];
  if (known) {
    if (known.detail !== undefined) details.set(feature, known.detail);
    return known.why;
  }
  const why = await probe(feature);
  // Read again: another file's probes may have landed meanwhile (`deno test --parallel`).
  const all = { ...shared(), [feature]: { why, detail: details.get(feature) } };
  try {
    Deno.env.set(SHARED, JSON.stringify(all));
  } catch {
    // Without --allow-env each file probes for itself, as before.
  }
  return why;
}

/** Runs one command; resolves with its error text, or undefined when it succeeded. */
async function attempt(argv: string[]): Promise<string | undefined> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(argv[0], { args: argv.slice(1), stdout: "null", stderr: "piped" })
      .output();
  } catch (e) {
    throw new Error(`feature probes need ${argv[0]} (iproute2): ${e}`);
  }
  if (out.success) return undefined;
  return dec.decode(out.stderr).trim() || `exit code ${out.code}`;
}

/** iproute2 refusing the probe's own command line: the probe is wrong, not the kernel. */
const USAGE =
  /usage:|garbage instead of arguments|command line is not complete|is wrong|unknown command|does not exist|unexpected end of line/i;

async function probe(feature: Feature): Promise<string | undefined> {
  const p = PROBES[feature];
  if (p.check) return await p.check();
  const ns = `nlfeat-${Deno.pid}-${++made}`;
  netns.create(ns);
  try {
    // What every live test needs: a failure here is not a missing feature.
    const setup = [ip(ns, "link", "set", "lo", "up")];
    if (p.veth) {
      setup.push(
        ip(ns, "link", "add", "p0", "type", "veth", "peer", "name", "p1"),
        ip(ns, "link", "set", "p0", "up"),
        ip(ns, "link", "set", "p1", "up"),
      );
    }
    for (const argv of setup) {
      const err = await attempt(argv);
      if (err) throw new Error(`a required feature is missing: ${argv.join(" ")}: ${err}`);
    }
    for (const argv of p.run!(ns)) {
      const err = await attempt(argv);
      if (err === undefined) continue;
      if (USAGE.test(err)) {
        throw new Error(`the probe of ${feature} is wrong: ${argv.join(" ")}: ${err}`);
      }
      details.set(
        feature,
        `${argv.filter((a) => a !== ns && a !== "-n").join(" ")}: ${err.split("\n")[0]}`,
      );
      return LACKS + p.what;
    }
    return undefined;
  } finally {
    netns.remove(ns);
  }
}

let made = 0;
const LACKS = "kernel lacks ";

/**
 * Why the live tests that need `features` cannot run here (the reasons joined), or undefined
 * when the kernel has them all. Each feature is probed once per process. Without root every
 * live test is skipped: "integration tests need root (CAP_NET_ADMIN)".
 */
export async function lacks(...features: Feature[]): Promise<string | undefined> {
  if (!isRoot) return "integration tests need root (CAP_NET_ADMIN)";
  const absent: string[] = [], reasons: string[] = [];
  for (const f of features) {
    let p = cache.get(f);
    if (!p) cache.set(f, p = probeShared(f));
    const why = await p;
    if (why === undefined || reasons.includes(why)) continue;
    // "kernel lacks A", "kernel lacks B" → "kernel lacks A, B"
    if (why.startsWith(LACKS)) absent.push(why.slice(LACKS.length));
    else reasons.push(why);
  }
  if (absent.length) reasons.unshift(LACKS + absent.join(", "));
  return reasons.length ? reasons.join("; ") : undefined;
}

/** The probe's own words (the command and the tool's error) for an absent feature. */
export function detail(feature: Feature): string | undefined {
  return details.get(feature);
}

/** Every feature with a probe. */
export const FEATURES: readonly Feature[] = Object.keys(PROBES) as Feature[];

/** `name`, with " (skipped: WHY)" appended when `why` is given. */
export function named(name: string, why: string | undefined): string {
  return why ? `${name} (skipped: ${why})` : name;
}

/**
 * The `name` and `ignore` of a `Deno.test` definition for a live test that needs root and
 * `features`: `Deno.test({ ...await gate("tc: netem", "qdisc:netem"), fn })`.
 */
export async function gate(
  name: string,
  ...features: Feature[]
): Promise<{ name: string; ignore: boolean }> {
  const why = await lacks(...features);
  return { name: named(name, why), ignore: why !== undefined };
}

/**
 * Registers a live test that needs root and `features`: ignored, with the reason in its name,
 * where they are missing. Await it at the top level of the test module.
 */
export async function liveTest(
  name: string,
  features: readonly Feature[],
  fn: (t: Deno.TestContext) => void | Promise<void>,
  options: Omit<Deno.TestDefinition, "name" | "fn" | "ignore"> = {},
): Promise<void> {
  const why = await lacks(...features);
  Deno.test({ ...options, name: named(name, why), ignore: why !== undefined, fn });
}
