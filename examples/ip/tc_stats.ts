/**
 * What `tc -s` adds, and tc's number formats: the statistics of a qdisc or class (tc_util.c's
 * print_tcstats2_attr: bytes, packets, drops, overlimits, requeues, rate estimate, backlog),
 * htb's class options and extended statistics (q_htb.c), sizes ("1600b", "32Kb") and rates
 * ("1Mbit") as tc prints them.
 *
 * @module
 */

import { xmitsize } from "../../rtnl/mod.ts";
import type { TcMessage } from "../../mod.ts";
import { ANY, JSON_ONLY } from "./out.ts";
import type { Printer } from "./out.ts";

type Rec = Record<string, unknown>;

function num(v: unknown): number {
  return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : 0;
}

/** `%g` of a whole number as glibc prints it (six significant digits). */
function g(v: number): string {
  if (Math.abs(v) < 1e6) return String(v);
  const [m, e] = v.toExponential(5).split("e");
  const exp = Number(e);
  return `${m.replace(/\.?0+$/, "")}e${exp < 0 ? "-" : "+"}${
    String(Math.abs(exp)).padStart(2, "0")
  }`;
}

/** sprint_size: "10000b", "32Kb", "1Mb" (within 16 bytes of a KiB, 1 KiB of a MiB). */
export function sizeText(sz: number): string {
  sz = Math.trunc(sz) >>> 0;
  const kilo = 1024, mega = kilo * kilo;
  if (sz >= mega && Math.abs(mega * Math.round(sz / mega) - sz) < 1024) {
    return `${g(Math.round(sz / mega))}Mb`;
  }
  if (sz >= kilo && Math.abs(kilo * Math.round(sz / kilo) - sz) < 16) {
    return `${g(Math.round(sz / kilo))}Kb`;
  }
  return `${sz}b`;
}

/** print_rate: bytes per second as bits with a unit ("1Mbit", "1500Kbit", "800bit"). */
export function rateText(bytesPerSec: number): string {
  let rate = BigInt(Math.trunc(bytesPerSec)) << 3n;
  const units = ["", "K", "M", "G", "T"];
  let i = 0;
  for (; i < units.length - 1; i++) {
    if (rate < 1000n) break;
    if (rate % 1000n !== 0n && rate < 1000n * 1000n) break;
    rate /= 1000n;
  }
  return `${rate}${units[i]}bit`;
}

/** print_size: the text form in text mode, the number in JSON. */
function size(p: Printer, key: string | null, fmt: string, v: number): void {
  if (p.json) {
    if (key !== null) p.uint(JSON_ONLY, key, "", v >>> 0);
  } else p.fp(fmt.replace("%s", sizeText(v)));
}

/**
 * print_tcstats_attr with a " " prefix: the TCA_STATS2 counters (what `tc -s` prints under a
 * qdisc or class line). Returns the application statistics (TCA_STATS_APP) for the kind's
 * xstats printer, or TCA_XSTATS's when there are none.
 */
export function printTcStats(p: Printer, m: TcMessage): unknown {
  const s2 = m.get("stats2") as Rec | undefined;
  if (!s2) return m.get("xstats");
  const app = printStats2(p, s2, " ");
  return m.get("xstats") ?? app;
}

/**
 * print_tcstats2_attr: a TCA_STATS2 nest (of a qdisc, a class or an action) with each line
 * starting with `prefix`; returns its TCA_STATS_APP.
 */
export function printStats2(p: Printer, stats: unknown, prefix: string): unknown {
  const s2 = stats as Rec;
  const get = (k: string) =>
    (typeof s2.get === "function" ? (s2.get as (k: string) => unknown)(k) : s2[k]) as
      | Rec
      | undefined;
  const basic = get("basic");
  const pkt64 = get("pkt64") as unknown;
  if (basic) {
    p.fp(prefix);
    p.uint(ANY, "bytes", "Sent %u bytes", num(basic.bytes));
    p.uint(ANY, "packets", " %u pkt", pkt64 !== undefined ? num(pkt64) : num(basic.packets));
  }
  const queue = get("queue");
  if (queue) {
    p.uint(ANY, "drops", " (dropped %u", num(queue.drops));
    p.uint(ANY, "overlimits", ", overlimits %u", num(queue.overlimits));
    p.uint(ANY, "requeues", " requeues %u) ", num(queue.requeues));
  }
  const hw = get("basic_hw");
  if (hw && (num(hw.bytes) || num(hw.packets))) {
    // print_tcstats_basic_hw: only when the hardware counted something.
    if (basic && num(basic.bytes) >= num(hw.bytes) && num(basic.packets) >= num(hw.packets)) {
      p.fp(p.sl + prefix);
      p.uint(ANY, "sw_bytes", "Sent software %u bytes", num(basic.bytes) - num(hw.bytes));
      p.uint(ANY, "sw_packets", " %u pkt", num(basic.packets) - num(hw.packets));
    }
    p.fp(p.sl + prefix);
    p.uint(ANY, "hw_bytes", "Sent hardware %u bytes", num(hw.bytes));
    p.uint(ANY, "hw_packets", " %u pkt", num(hw.packets));
  }
  const est = get("rate_est64") ?? get("rate_est");
  if (est) {
    p.fp("\n" + prefix);
    p.uint(JSON_ONLY, "rate", "", num(est.bps));
    p.fp(`rate ${rateText(num(est.bps))}`);
    p.uint(ANY, "pps", " %upps", num(est.pps));
  }
  if (queue) {
    if (!get("rate_est")) p.fp(p.sl);
    p.fp(prefix);
    size(p, "backlog", "backlog %s", num(queue.backlog));
    p.uint(ANY, "qlen", " %up", num(queue.qlen));
    p.fp(` requeues ${num(queue.requeues)}`);
  }
  return get("app");
}

/** htb_print_xstats (text only, as tc 6.1 prints class lines). */
export function printHtbXstats(p: Printer, x: unknown): void {
  if (!x || typeof x !== "object" || x instanceof Uint8Array) return;
  const s = x as Rec;
  p.fp(` lended: ${num(s.lends)} borrowed: ${num(s.borrows)} giants: ${num(s.giants)}\n`);
  p.fp(` tokens: ${num(s.tokens) | 0} ctokens: ${num(s.ctokens) | 0}\n`);
}

const LINKLAYERS = ["unspec", "ethernet", "atm"];

/** htb_print_opt for a class: prio, rate, ceil, burst, cburst (with -d: quantum, mpu, level). */
export function printHtbClassOptions(p: Printer, o: Rec | undefined, details: boolean): void {
  const get = (
    k: string,
  ) => (typeof o?.get === "function" ? (o.get as (k: string) => unknown)(k) : o?.[k]);
  const parms = get("parms") as Rec | undefined;
  if (!parms) return;
  const level = num(parms.level);
  let t = "";
  if (!level) {
    t += `prio ${num(parms.prio) | 0} `;
    if (details) t += `quantum ${num(parms.quantum) | 0} `;
  }
  const rate = get("rate64") !== undefined ? num(get("rate64")) : num(parms.rate);
  const ceil = get("ceil64") !== undefined ? num(get("ceil64")) : num(parms.ceil);
  t += `rate ${rateText(rate)} `;
  if (num(parms.rate_overhead)) t += `overhead ${num(parms.rate_overhead)} `;
  const buffer = xmitsize(rate, num(parms.buffer));
  t += `ceil ${rateText(ceil)} `;
  const cbuffer = xmitsize(ceil, num(parms.cbuffer));
  const linklayer = num(parms.rate_linklayer) & 0x0f;
  if (linklayer > 1 || details) t += `linklayer ${LINKLAYERS[linklayer] ?? "unknown"} `;
  if (details) {
    t += `burst ${sizeText(buffer)}/${1 << num(parms.rate_cell_log)} `;
    t += `mpu ${sizeText(num(parms.rate_mpu))} `;
    t += `cburst ${sizeText(cbuffer)}/${1 << num(parms.ceil_cell_log)} `;
    t += `mpu ${sizeText(num(parms.ceil_mpu))} `;
    t += `level ${level} `;
  } else t += `burst ${sizeText(buffer)} cburst ${sizeText(cbuffer)} `;
  p.fp(t);
}
