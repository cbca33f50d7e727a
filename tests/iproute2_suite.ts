/**
 * What iproute2's own testsuite (testsuite/tests/ip in its repository) checks, written again here
 * in our own words so that it runs offline: each scenario runs `ip` commands in a namespace of
 * its own and fails, as the testsuite does, when a command writes to stderr or its output lacks
 * what is expected. A scenario runs against any `ip`: iproute2's binary or this project's tool
 * (in process), so the two can be compared.
 *
 * The scenarios: namespace ids (`netns set`, `netns list`, `netns list-id`, also in a batch file),
 * policy rules by DS field (`dsfield 0x10`, `tos 0x10`, IPv4 and IPv6), a saved link message with
 * SR-IOV VFs and no VF rate decoded by `ip -d monitor file`, and, with a veth standing in for the
 * testsuite's dummy device (this kernel has none), adding and showing a link and default routes.
 *
 * ```sh
 * sudo deno task iproute2-suite        # PASS/FAIL of each scenario, for iproute2 and the tool
 * ```
 *
 * @module
 */

import { main } from "../examples/ip.ts";
import * as netns from "../ffi/netns.ts";

/** What one `ip` command did. */
export interface IpResult {
  /** Exit code. */
  code: number;
  /** Standard output. */
  out: string;
  /** Standard error. */
  err: string;
}

/** Runs `ip -n NS ARGS…` with one implementation. */
export type IpRunner = (ns: string, args: string[]) => Promise<IpResult>;

/**
 * iproute2's `ip` binary, entered into the namespace with nsenter as the testsuite's `unshare -n`
 * would have it (not `ip -n`: that gives ip a mount namespace of its own, where the bind mount of
 * `ip netns add` would stay).
 */
export const iproute2: IpRunner = (ns, args) => {
  const r = new Deno.Command("nsenter", {
    args: [`--net=/run/netns/${ns}`, "ip", ...args],
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  const dec = new TextDecoder();
  return Promise.resolve({ code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) });
};

/** This project's tool (examples/ip.ts), in process. */
export const tool: IpRunner = async (ns, args) => {
  let out = "", err = "";
  const code = await main(["-n", ns, ...args], { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
};

/** One scenario: its name and what it runs; resolves with its failures (none: it passed). */
export interface Scenario {
  /** The testsuite's test it reproduces. */
  name: string;
  /** Runs in namespace `ns` with `ip`; returns what failed. */
  run(ip: IpRunner, ns: string): Promise<string[]>;
}

/** Collects failures as the testsuite's ts_ip / test_on / test_lines_count report them. */
class Checker {
  readonly failures: string[] = [];
  out = "";
  constructor(readonly ip: IpRunner, readonly ns: string) {}

  /** ts_ip: runs a command; anything on stderr is a failure. */
  async cmd(what: string, ...args: string[]): Promise<void> {
    const r = await this.ip(this.ns, args);
    this.out = r.out;
    // Listing the machine's named namespaces meets those other processes are removing right
    // then ("Peer netns reference is invalid"): noise of a shared machine, not a failure here.
    const err = r.err.replace(/^Error: Peer netns reference is invalid\.\n/gm, "");
    if (err) this.failures.push(`${what}: stderr: ${err.trim()}`);
  }

  /** test_on: the output matches (grep -E). */
  on(re: RegExp): void {
    if (!re.test(this.out)) this.failures.push(`output lacks ${re}: ${JSON.stringify(this.out)}`);
  }

  /** test_lines_count: the output has this many lines. */
  lines(n: number): void {
    const got = this.out.split("\n").length - 1;
    if (got !== n) {
      this.failures.push(`${n} lines expected, got ${got}: ${JSON.stringify(this.out)}`);
    }
  }
}

/** A named namespace of its own for a scenario that makes one (names are global). */
function nsName(tag: string): string {
  return `nlt-suite-${tag}-${Deno.pid}`;
}

/** One link message as a saved stream of `nlmsghdr`s: eth0 with two VFs and no IFLA_VF_RATE. */
export function vfLinkMessage(): Uint8Array {
  const parts: Uint8Array[] = [];
  const attr = (type: number, ...payload: Uint8Array[]): Uint8Array => {
    const len = 4 + payload.reduce((s, p) => s + p.length, 0);
    const b = new Uint8Array((len + 3) & ~3);
    const dv = new DataView(b.buffer);
    dv.setUint16(0, len, true);
    dv.setUint16(2, type, true);
    let off = 4;
    for (const p of payload) {
      b.set(p, off);
      off += p.length;
    }
    return b;
  };
  const u32 = (...v: number[]) => new Uint8Array(new Uint32Array(v).buffer);
  const u8 = (v: number) => Uint8Array.of(v);
  const str = (s: string) => new TextEncoder().encode(s + "\0");
  const mac = Uint8Array.of(0x00, 0x26, 0x6c, 0xff, 0xb5, 0xc0);
  const vf = (n: number) => {
    const vfMac = new Uint8Array(36);
    vfMac.set(u32(n), 0);
    vfMac.set(mac, 4);
    return attr(
      1, // IFLA_VF_INFO
      attr(1, vfMac), // IFLA_VF_MAC
      attr(2, u32(n, 0, 0)), // IFLA_VF_VLAN
      attr(3, u32(n, 0)), // IFLA_VF_TX_RATE
      attr(4, u32(n, 1)), // IFLA_VF_SPOOFCHK
      attr(5, u32(n, 0)), // IFLA_VF_LINK_STATE: auto
    );
  };
  parts.push(
    attr(3, str("eth0")), // IFLA_IFNAME
    attr(13, u32(10000)), // IFLA_TXQLEN
    attr(16, u8(6)), // IFLA_OPERSTATE: up
    attr(17, u8(0)), // IFLA_LINKMODE
    attr(4, u32(9000)), // IFLA_MTU
    attr(27, u32(0)), // IFLA_GROUP
    attr(30, u32(0)), // IFLA_PROMISCUITY
    attr(31, u32(8)), // IFLA_NUM_TX_QUEUES
    attr(32, u32(8)), // IFLA_NUM_RX_QUEUES
    attr(33, u8(1)), // IFLA_CARRIER
    attr(6, str("mq")), // IFLA_QDISC
    attr(1, mac), // IFLA_ADDRESS
    attr(2, new Uint8Array(6).fill(0xff)), // IFLA_BROADCAST
    attr(21, u32(2)), // IFLA_NUM_VF
    attr(22, vf(0), vf(1)), // IFLA_VFINFO_LIST
  );
  const body = parts.reduce((s, p) => s + p.length, 0);
  const msg = new Uint8Array(32 + body);
  const dv = new DataView(msg.buffer);
  dv.setUint32(0, msg.length, true);
  dv.setUint16(4, 16, true); // RTM_NEWLINK
  dv.setUint16(18, 1, true); // ARPHRD_ETHER
  dv.setInt32(20, 1, true); // ifindex 1
  dv.setUint32(24, 0x10000 | 0x40 | 0x1000 | 0x2 | 0x1, true); // LOWER_UP RUNNING MULTICAST BROADCAST UP
  let off = 32;
  for (const p of parts) {
    msg.set(p, off);
    off += p.length;
  }
  return msg;
}

/** The scenarios, in the testsuite's order. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: "link/new_link (veth in place of dummy)",
    async run(ip, ns) {
      const c = new Checker(ip, ns);
      await c.cmd(
        "add a link",
        "link",
        "add",
        "dev",
        "nsv0",
        "type",
        "veth",
        "peer",
        "name",
        "nsv1",
      );
      await c.cmd("show it", "link", "show", "dev", "nsv0");
      c.on(/nsv0/);
      c.lines(2);
      await c.cmd("delete it", "link", "del", "dev", "nsv0");
      return c.failures;
    },
  },
  {
    name: "link/show_dev_wo_vf_rate",
    async run(ip, ns) {
      const c = new Checker(ip, ns);
      const file = Deno.makeTempFileSync({ suffix: ".nl" });
      try {
        Deno.writeFileSync(file, vfLinkMessage());
        await c.cmd("decode VFs without a VF rate", "-d", "monitor", "file", file);
        c.on(/vf 0 .*spoof checking on, link-state auto/);
        c.on(/vf 1 /);
      } finally {
        Deno.removeSync(file);
      }
      return c.failures;
    },
  },
  {
    name: "netns/set_nsid",
    async run(ip, ns) {
      const c = new Checker(ip, ns);
      const name = nsName("a");
      await c.cmd("add a namespace", "netns", "add", name);
      try {
        await c.cmd("give it id 99", "netns", "set", name, "99");
        await c.cmd("list", "netns", "list");
        c.on(new RegExp(`${name} \\(id: 99\\)`));
        await c.cmd("list without a verb", "netns");
        c.on(new RegExp(`${name} \\(id: 99\\)`));
        await c.cmd("list the ids", "netns", "list-id");
        c.on(new RegExp(`99 \\(iproute2 netns name: ${name}\\)`));
      } finally {
        await c.cmd("delete it", "netns", "del", name);
      }
      return c.failures;
    },
  },
  {
    name: "netns/set_nsid_batch",
    async run(ip, ns) {
      const c = new Checker(ip, ns);
      const name = nsName("b");
      const file = Deno.makeTempFileSync({ suffix: ".batch" });
      try {
        Deno.writeTextFileSync(file, `netns add ${name}\nnetns set ${name} 99\nnetns list-id\n`);
        await c.cmd("the same in a batch", "-b", file);
        c.on(new RegExp(`nsid 99 \\(iproute2 netns name: ${name}\\)`));
      } finally {
        Deno.removeSync(file);
        if (netns.exists(name)) await c.cmd("delete it", "netns", "del", name);
      }
      return c.failures;
    },
  },
  {
    name: "route/add_default_route (veth in place of dummy)",
    async run(ip, ns) {
      const c = new Checker(ip, ns);
      await c.cmd("add a link", "link", "add", "dr0", "type", "veth", "peer", "name", "dr1");
      await c.cmd("bring it up", "link", "set", "up", "dev", "dr0");
      await c.cmd("bring its peer up", "link", "set", "up", "dev", "dr1");
      await c.cmd("an IPv4 address", "addr", "add", "1.1.1.1/24", "dev", "dr0");
      await c.cmd("a default route", "route", "add", "default", "via", "1.1.1.2");
      for (const extra of [false, true]) {
        if (extra) await c.cmd("another route", "-4", "route", "add", "2.2.2.0/24", "dev", "dr0");
        await c.cmd("show the default", "-4", "route", "show", "default");
        c.on(/default via 1\.1\.1\.2 dev dr0/);
        c.lines(1);
      }
      await c.cmd("an IPv6 address", "-6", "addr", "add", "dead:beef::1/64", "dev", "dr0", "nodad");
      await c.cmd("an IPv6 default", "route", "add", "default", "via", "dead:beef::2");
      for (const extra of [false, true]) {
        if (extra) {
          await c.cmd("another route", "-6", "route", "add", "cafe:babe::/64", "dev", "dr0");
        }
        await c.cmd("show the default", "-6", "route", "show", "default");
        c.on(/default via dead:beef::2 dev dr0/);
        c.lines(1);
      }
      await c.cmd("delete the link", "link", "del", "dev", "dr0");
      return c.failures;
    },
  },
  {
    name: "rule/dsfield",
    async run(ip, ns) {
      const c = new Checker(ip, ns);
      for (const fam of ["-4", "-6"]) {
        for (const word of ["dsfield", "tos"]) {
          await c.cmd(`${fam} rule add ${word} 0x10`, fam, "rule", "add", word, "0x10");
          await c.cmd(`${fam} rule show ${word} 0x10`, fam, "rule", "show", word, "0x10");
          c.on(/tos 0x10/);
          c.lines(1);
          await c.cmd(`${fam} rule del ${word} 0x10`, fam, "rule", "del", word, "0x10");
        }
      }
      return c.failures;
    },
  },
];

/** Runs one scenario in a fresh namespace of its own; resolves with its failures. */
export async function runScenario(s: Scenario, ip: IpRunner): Promise<string[]> {
  const ns = `nlt-suite-${Deno.pid}-${Math.random().toString(36).slice(2, 8)}`;
  netns.create(ns);
  try {
    return await s.run(ip, ns);
  } finally {
    netns.remove(ns);
  }
}

if (import.meta.main) {
  let failed = 0;
  for (const s of SCENARIOS) {
    for (const [who, ip] of [["iproute2", iproute2], ["tool", tool]] as const) {
      const failures = await runScenario(s, ip);
      console.log(`${failures.length ? "FAILED" : "PASS  "} ${who.padEnd(8)} ${s.name}`);
      for (const f of failures) console.log(`         ${f}`);
      if (failures.length && who === "tool") failed++;
    }
  }
  Deno.exit(failed ? 1 : 0);
}
