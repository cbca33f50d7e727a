/**
 * pyroute2's three walkthroughs (from its README), run in a throwaway network namespace:
 *
 * 1. iproute: a tap device `tap0` is brought down, given the MAC 00:11:22:33:44:55, renamed
 *    `vpn`, given 10.0.0.1/24 and 10.0.0.2/24, and brought up;
 * 2. ipdb: the same through IPDB, with `review()` printed, a rollback, a commit and a
 *    transaction (and a refused one, rolled back);
 * 3. taskstats: this process's own per-task statistics.
 *
 * ```sh
 * deno task demo        # deno run --allow-ffi examples/demo.ts (as root)
 * ```
 *
 * The namespace is removed even when a step fails. Without root it says so and exits 1.
 *
 * @module
 */

import { IPDB, IPRoute, NetlinkError, netns, TaskStats } from "../mod.ts";
import type { Link } from "../mod.ts";
import { main as ip } from "./ip.ts";

const started = performance.now();
const MAC = "00:11:22:33:44:55";
const tty = Deno.stdout.isTerminal();
const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
const cyan = (s: string) => (tty ? `\x1b[36m${s}\x1b[0m` : s);

/** Prints a section title. */
function section(title: string): void {
  console.log(`\n${bold(`== ${title}`)}`);
}

/** Prints one step: what the code does, then what came of it. */
function step(code: string, result?: string): void {
  console.log(`  ${cyan(code)}`);
  if (result) { for (const line of result.split("\n")) console.log(`      ${line}`); }
}

/** `ip -n NS ARGS…` through the ip tool (examples/ip.ts), captured. */
async function show(ns: string, ...args: string[]): Promise<string> {
  let out = "", err = "";
  const code = await ip(["-n", ns, ...args], {
    out: (t) => (out += t),
    err: (t) => (err += t),
  });
  return (code === 0 ? out : err).trimEnd();
}

/** One line about a link: name, state, MAC, addresses. */
async function summary(ipr: IPRoute, index: number): Promise<string> {
  const [link] = await ipr.link("get", { index }) as Link[];
  const addrs = (await ipr.getAddr({ index, family: 2 }))
    .map((a) => `${a.local ?? a.address}/${a.prefixlen}`);
  const up = link.flags & 1 ? "UP" : "DOWN";
  return `${link.ifname} (index ${index}): ${up}, mtu ${link.mtu}, ${link.address}, ` +
    `addresses [${addrs.join(", ")}]`;
}

/** Creates tap0: a real tap through /dev/net/tun, or a veth named tap0 when that is missing. */
async function makeTap(ipr: IPRoute): Promise<string> {
  try {
    await ipr.link("add", { kind: "tuntap", mode: "tap", ifname: "tap0" });
    return 'kind "tuntap" (a tap device through /dev/net/tun)';
  } catch (e) {
    // tun/tap support being absent (no /dev/net/tun, or the library without it): a veth
    // stands in so the walkthrough still runs.
    await ipr.link("add", { kind: "veth", ifname: "tap0", peer: "tap0-peer" });
    return `a veth named tap0 (tun/tap unavailable: ${(e as Error).message})`;
  }
}

async function walkIproute(ns: string): Promise<void> {
  section("1. iproute: rtnetlink as is, pyroute2's verbs");
  using ipr = new IPRoute({ netns: ns });
  const how = await makeTap(ipr);
  step('await ip.link("add", { kind: "tuntap", mode: "tap", ifname: "tap0" })', `made ${how}`);
  const [dev] = await ipr.linkLookup({ ifname: "tap0" });
  step('const [dev] = await ip.linkLookup({ ifname: "tap0" })', `dev = ${dev}`);
  await ipr.link("set", { index: dev, state: "down" });
  step('await ip.link("set", { index: dev, state: "down" })', await summary(ipr, dev));
  await ipr.link("set", { index: dev, address: MAC, ifname: "vpn" });
  step(
    `await ip.link("set", { index: dev, address: "${MAC}", ifname: "vpn" })`,
    await summary(ipr, dev),
  );
  await ipr.addr("add", { index: dev, address: "10.0.0.1", mask: 24 });
  await ipr.addr("add", { index: dev, address: "10.0.0.2", mask: 24 });
  step(
    'await ip.addr("add", { index: dev, address: "10.0.0.1", mask: 24 })  // and 10.0.0.2',
    await summary(ipr, dev),
  );
  await ipr.link("set", { index: dev, state: "up" });
  step('await ip.link("set", { index: dev, state: "up" })', await summary(ipr, dev));
  step("$ ip addr show dev vpn   (examples/ip.ts)", await show(ns, "addr", "show", "dev", "vpn"));
  step("$ ip -j route show dev vpn", await show(ns, "-j", "route", "show", "dev", "vpn"));
  await ipr.link("del", { index: dev });
  step('await ip.link("del", { index: dev })', "removed, for the IPDB walkthrough");
}

function pretty(v: unknown): string {
  return JSON.stringify(v, null, 2);
}

async function walkIpdb(ns: string): Promise<void> {
  section("2. ipdb: a transactional database kept in sync by events");
  {
    using ipr = new IPRoute({ netns: ns });
    const how = await makeTap(ipr);
    step("(a fresh tap0 to work on)", `made ${how}`);
  }
  await using db = await IPDB.open({ netns: ns });
  step(
    `await using db = await IPDB.open({ netns: "${ns}" })`,
    `interfaces: ${db.interfaces.keys().join(", ")}`,
  );
  const tap0 = db.interfaces.tap0!;
  tap0.down();
  tap0.address = MAC;
  tap0.ifname = "vpn";
  tap0.ipaddr.add("10.0.0.1/24");
  tap0.ipaddr.add(["10.0.0.2", 24]);
  step(
    'tap0.down(); tap0.address = "' + MAC + '"; tap0.ifname = "vpn";\n' +
      '  tap0.ipaddr.add("10.0.0.1/24"); tap0.ipaddr.add(["10.0.0.2", 24]);\n' +
      "  tap0.review()",
    pretty(tap0.review()),
  );
  tap0.rollback();
  step(
    "tap0.rollback(); tap0.review()",
    `${pretty(tap0.review())}\nkernel: ${await show(ns, "-br", "link", "show", "dev", "tap0")}`,
  );
  tap0.down();
  tap0.address = MAC;
  tap0.ifname = "vpn";
  tap0.ipaddr.add("10.0.0.1/24");
  tap0.ipaddr.add(["10.0.0.2", 24]);
  await tap0.commit();
  step(
    "(the same changes again) await tap0.commit()",
    `db.interfaces.vpn!: ${db.interfaces.vpn!.state}, ${db.interfaces.vpn!.address}, ` +
      `[${[...db.interfaces.vpn!.ipaddr].join(", ")}]`,
  );
  await db.interfaces.vpn!.transaction((i) => {
    i.mtu = 1400;
    i.up();
  });
  step(
    "await db.interfaces.vpn!.transaction((i) => { i.mtu = 1400; i.up(); })",
    `committed: mtu ${db.interfaces.vpn!.mtu}, ${db.interfaces.vpn!.state}`,
  );
  try {
    await db.interfaces.vpn!.transaction((i) => {
      i.mtu = 99999;
      i.ipaddr.add("10.0.0.3/24");
    });
    step("a refused transaction", "unexpectedly committed");
  } catch (e) {
    const why = e instanceof NetlinkError ? e.message : (e as Error).message;
    step(
      'await db.interfaces.vpn!.transaction((i) => { i.mtu = 99999; i.ipaddr.add("10.0.0.3/24"); })',
      `refused and rolled back: ${why.split("\n")[0]}\n` +
        `after: mtu ${db.interfaces.vpn!.mtu}, [${[...db.interfaces.vpn!.ipaddr].join(", ")}]`,
    );
  }
  step("$ ip addr show dev vpn", await show(ns, "addr", "show", "dev", "vpn"));
}

async function walkTaskstats(): Promise<void> {
  section("3. taskstats: per-task statistics of this process");
  using ts = new TaskStats();
  const s = await ts.getPidStat(Deno.pid);
  const ms = (ns: unknown) => `${(Number(ns ?? 0) / 1e6).toFixed(1)} ms`;
  step(
    "using ts = new TaskStats(); const stat = await ts.getPidStat(Deno.pid)",
    `pid ${s.ac_pid} (${s.ac_comm}), uid ${s.ac_uid}\n` +
      `cpu: ${s.cpu_count} runs, ${ms(s.cpu_run_real_total)} on cpu, ` +
      `${ms(s.cpu_delay_total)} waiting\n` +
      `time: user ${s.ac_utime} us, system ${s.ac_stime} us\n` +
      `io: ${s.read_char} bytes read in ${s.read_syscalls} calls, ` +
      `${s.write_char} written in ${s.write_syscalls}\n` +
      `context switches: ${s.nvcsw} voluntary, ${s.nivcsw} involuntary`,
  );
}

function isPermissionProblem(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === "EPERM" || code === "EACCES" || (e as Error)?.name === "PermissionError" ||
    /CAP_|permission|not permitted/i.test((e as Error)?.message ?? "");
}

/** Runs the demo; resolves with the exit code. */
export async function demo(): Promise<number> {
  const ns = `demo-${Deno.pid}`;
  console.log("denonet/netlink demo: iproute, ipdb and taskstats in a throwaway namespace");
  try {
    netns.create(ns);
  } catch (e) {
    if (isPermissionProblem(e)) {
      console.error(
        "This demo needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN): it creates a network " +
          "namespace.\nRun it as root: sudo deno task demo",
      );
      return 1;
    }
    console.error(`Cannot create the namespace ${ns}: ${(e as Error).message}`);
    return 1;
  }
  console.log(`namespace: ${ns} (removed at the end)`);
  let failed = false;
  try {
    await walkIproute(ns);
    await walkIpdb(ns);
  } catch (e) {
    failed = true;
    console.error(`\nfailed: ${(e as Error)?.stack ?? e}`);
  } finally {
    netns.remove(ns);
  }
  try {
    await walkTaskstats();
  } catch (e) {
    failed = true;
    console.error(`\ntaskstats failed: ${(e as Error)?.message ?? e}`);
  }
  const left = netns.list().includes(ns);
  console.log(
    `\nnamespace ${ns} ${left ? "is STILL THERE" : "removed"}; ` +
      `${((performance.now() - started) / 1000).toFixed(2)} s`,
  );
  return failed || left ? 1 : 0;
}

if (import.meta.main) Deno.exit(await demo());
