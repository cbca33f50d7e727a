/**
 * tc's units and handles, parsed as `tc` parses them (tc/tc_util.c, tc/tc_core.c): rates,
 * sizes, times, percentages, /proc/net/psched, rate tables, handles, parents, protocols,
 * u32 handles and selectors.
 */

import assert from "node:assert/strict";
import {
  calcRtable,
  formatHandle,
  formatU32Handle,
  formatU32Key,
  parseClassid,
  parsePercent,
  parseProtocol,
  parsePsched,
  parseQdiscHandle,
  parseRate,
  parseSize,
  parseTime,
  parseU32Handle,
  protocolName,
  setTcClock,
  tcClock,
  xmittime,
} from "../../rtnl/tc/mod.ts";
import { parseParent } from "../../rtnl/tc/handles.ts";
import { parseProbability, parseSizeAndCell, rint } from "../../rtnl/tc/units.ts";
import { addMatch, U32Selector } from "../../rtnl/tc/u32.ts";

setTcClock(parsePsched("000003e8 00000040 000f4240 3b9aca00"));

Deno.test("tc units: rates in bytes per second, as get_rate64", () => {
  assert.equal(parseRate("10mbit", "rate"), 1_250_000);
  assert.equal(parseRate("10Mbit", "rate"), 1_250_000);
  assert.equal(parseRate("1gbit", "rate"), 125_000_000);
  assert.equal(parseRate("1.5mbit", "rate"), 187_500);
  assert.equal(parseRate("512kibit", "rate"), 65536);
  assert.equal(parseRate("100kbps", "rate"), 100_000);
  assert.equal(parseRate("2MiBps", "rate"), 2 * 1024 * 1024);
  assert.equal(parseRate("40gbit", "rate"), 5_000_000_000);
  assert.equal(parseRate("8000", "rate"), 1000);
  assert.equal(parseRate(8000, "rate"), 1000); // a number is bits per second
  assert.equal(parseRate("1e6bit", "rate"), 125_000);
  assert.throws(() => parseRate("fast", "rate"), TypeError, "rate");
  assert.throws(() => parseRate("10 mbit", "ceil"), /ceil: unknown rate unit/);
  assert.throws(() => parseRate("10mbits", "rate"), TypeError);
  assert.throws(() => parseRate("10%", "rate"), TypeError);
  assert.throws(() => parseRate(-8, "rate"), RangeError);
  assert.throws(() => parseRate(true, "rate"), TypeError);
});

Deno.test("tc units: sizes in bytes, as get_size and get_size_and_cell", () => {
  assert.equal(parseSize("32kb", "burst"), 32768);
  assert.equal(parseSize("10k", "burst"), 10240);
  assert.equal(parseSize("1514", "burst"), 1514);
  assert.equal(parseSize("1514b", "burst"), 1514);
  assert.equal(parseSize("2m", "burst"), 2 * 1024 * 1024);
  assert.equal(parseSize("8kbit", "burst"), 1024);
  assert.equal(parseSize("1.5k", "burst"), 1536);
  assert.equal(parseSize(3000, "burst"), 3000);
  assert.throws(() => parseSize("10x", "burst"), /burst: unknown size unit/);
  assert.throws(() => parseSize("5gb", "burst"), RangeError);
  assert.deepEqual(parseSizeAndCell("15k/8", "burst"), [15360, 3]);
  assert.deepEqual(parseSizeAndCell("15k", "burst"), [15360, -1]);
  assert.throws(() => parseSizeAndCell("15k/7", "burst"), RangeError);
});

Deno.test("tc units: times in microseconds, percentages, probabilities", () => {
  assert.equal(parseTime("50ms", "latency"), 50_000);
  assert.equal(parseTime("1s", "latency"), 1_000_000);
  assert.equal(parseTime("2secs", "latency"), 2_000_000);
  assert.equal(parseTime("200us", "latency"), 200);
  assert.equal(parseTime("1.5ms", "latency"), 1500);
  assert.equal(parseTime(7, "latency"), 7);
  assert.throws(() => parseTime("5m", "latency"), /latency: unknown time unit/);
  assert.throws(() => parseTime("soon", "latency"), TypeError);
  assert.equal(parsePercent("1%", "loss"), 0.01);
  assert.equal(parsePercent(25, "loss"), 0.25);
  assert.throws(() => parsePercent("150%", "loss"), RangeError, "loss");
  assert.equal(parseProbability("100%", "loss"), 0xffffffff);
  assert.equal(parseProbability("1%", "loss"), 42949673);
  assert.equal(rint(2.5), 2);
  assert.equal(rint(3.5), 4);
  assert.equal(rint(-2.5), -2);
});

Deno.test("tc units: psched clock and rate tables", () => {
  const c = tcClock();
  assert.equal(c.tickInUsec, 15.625);
  assert.equal(c.clockFactor, 1);
  assert.equal(c.hz, 1_000_000_000);
  assert.equal(parsePsched("000f4240 000f4240 000f4240 3b9aca00").tickInUsec, 1);
  // Both truncations of tc_calc_xmittime: 3.2us → 3 → 46.875 ticks → 46.
  assert.equal(xmittime(2_500_000, 8), 46);
  assert.equal(xmittime(125_000, 32768), 4_096_000);
  const { cellLog, table } = calcRtable(1_250_000, -1, 1600, 0, 1);
  assert.equal(cellLog, 3);
  const dv = new DataView(table.buffer);
  assert.equal(dv.getUint32(0, true), 93);
  assert.equal(dv.getUint32(4, true), 187);
  assert.equal(calcRtable(125_000, -1, 0, 0, 1).cellLog, 3); // mtu 0 means 2047
  assert.equal(calcRtable(125_000, -1, 9000, 0, 1).cellLog, 6);
  // ATM: 48-byte cells of 53 bytes on the wire.
  const atm = new DataView(calcRtable(125_000, 6, 0, 0, 2).table.buffer);
  assert.equal(atm.getUint32(0, true), Math.trunc(Math.trunc((2 * 53 * 1e6) / 125_000) * 15.625));
  assert.throws(() => xmittime(1, 0xffffffff, "burst"), /burst: .* too long/);
});

Deno.test("tc handles: class ids, qdisc handles, parents, protocols", () => {
  assert.equal(parseClassid("1:10", "classid"), 0x10010);
  assert.equal(parseClassid("1:", "classid"), 0x10000);
  assert.equal(parseClassid(":5", "classid"), 5);
  assert.equal(parseClassid("ffff:fff1", "classid"), 0xfffffff1);
  assert.equal(parseClassid("root", "classid"), 0xffffffff);
  assert.equal(parseClassid("none", "classid"), 0);
  assert.equal(parseClassid("10", "classid"), 0x10);
  assert.equal(parseClassid(0x10020, "classid"), 0x10020);
  assert.throws(() => parseClassid("1:2:3", "handle"), TypeError, "handle");
  assert.throws(() => parseClassid("10000:1", "handle"), RangeError);
  assert.throws(() => parseClassid("x:1", "handle"), TypeError);
  assert.throws(() => parseClassid(-1, "handle"), RangeError);
  assert.equal(parseQdiscHandle("1:", "handle"), 0x10000);
  assert.equal(parseQdiscHandle("1", "handle"), 0x10000);
  assert.equal(parseQdiscHandle("ffff:", "handle"), 0xffff0000);
  assert.throws(() => parseQdiscHandle("1:5", "handle"), RangeError, "handle");
  assert.throws(() => parseQdiscHandle("root", "handle"), TypeError);
  assert.equal(parseParent("root", "parent", "qdisc"), 0xffffffff);
  assert.equal(parseParent("ingress", "parent", "qdisc"), 0xfffffff1);
  assert.equal(parseParent("clsact", "parent", "qdisc"), 0xfffffff1);
  assert.equal(parseParent("ingress", "parent", "filter"), 0xfffffff2);
  assert.equal(parseParent("egress", "parent", "filter"), 0xfffffff3);
  assert.throws(() => parseParent("egress", "parent", "qdisc"), TypeError);
  assert.equal(formatHandle(0x10010), "1:10");
  assert.equal(formatHandle(0x10000), "1:");
  assert.equal(formatHandle(0xffffffff), "root");
  assert.equal(parseProtocol("ip", "protocol"), 0x0800);
  assert.equal(parseProtocol("IPv6", "protocol"), 0x86dd);
  assert.equal(parseProtocol("802.1q", "protocol"), 0x8100);
  assert.equal(parseProtocol("0x88cc", "protocol"), 0x88cc);
  assert.equal(parseProtocol(3, "protocol"), 3);
  assert.throws(() => parseProtocol("ipx6", "protocol"), TypeError, "protocol");
  assert.equal(protocolName(0x0800), "ip");
  assert.equal(protocolName(0x0003), "all");
});

Deno.test("tc u32: handles and selectors packed as tc packs them", () => {
  assert.equal(parseU32Handle("800:", "ht"), 0x80000000);
  assert.equal(parseU32Handle("800::800", "handle"), 0x80000800);
  assert.equal(parseU32Handle("2:7:", "ht"), 0x00207000);
  assert.equal(parseU32Handle("::5", "handle"), 5);
  assert.equal(parseU32Handle("0x80000800", "handle"), 0x80000800);
  assert.throws(() => parseU32Handle("1000:", "ht"), RangeError);
  assert.throws(() => parseU32Handle("800", "ht"), TypeError);
  assert.equal(formatU32Handle(0x80000800), "800::800");
  assert.equal(formatU32Handle(0x80000000), "800:");
  assert.equal(formatU32Handle(0x00207001), "2:7:1");

  const sel = new U32Selector();
  addMatch(sel, { dst: "10.1.0.0/16", dport: 80, protocol: "tcp" }, 0x0800, "match");
  assert.deepEqual(sel.keys, [
    { mask: 0xffff0000, val: 0x0a010000, off: 16, offmask: 0 },
    { mask: 0x0000ffff, val: 80, off: 20, offmask: 0 },
    { mask: 0x00ff0000, val: 0x00060000, off: 8, offmask: 0 },
  ]);
  // sport and dport share one key.
  addMatch(sel, { sport: 1024 }, 0x0800, "match");
  assert.deepEqual(sel.keys[1], { mask: 0xffffffff, val: 0x04000050, off: 20, offmask: 0 });
  assert.throws(
    () => addMatch(sel, { dport: 81 }, 0x0800, "match[2]"),
    /match\[2\]\.dport: contradicts/,
  );
  assert.throws(
    () => addMatch(sel, { sprt: 1 }, 0x0800, "match"),
    /match.sprt: unknown match field/,
  );
  assert.throws(() => addMatch(sel, { u8: 1, at: 1, x: 2 }, 0x0800, "match"), TypeError);
  assert.equal(formatU32Key(sel.keys[0]), "0a010000/ffff0000 at 16");
  const v6 = new U32Selector();
  addMatch(v6, { src: "2001:db8::1/128" }, 0x86dd, "match");
  assert.equal(v6.keys.length, 4);
  assert.deepEqual(v6.keys.map((k) => k.off), [8, 12, 16, 20]);
});
