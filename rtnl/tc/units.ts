/**
 * tc's units: rates, sizes, times and percentages parsed as iproute2's `tc` parses them
 * (tc/tc_util.c), and rate tables computed as `tc_calc_rtable` computes them (tc/tc_core.c),
 * so a request is byte for byte what `tc` sends.
 *
 * Numbers mean what a bare number means to `tc`: rates in bits per second, sizes in bytes,
 * times in microseconds, percentages in percent.
 *
 * @module
 */

import { describeValue } from "../../netlink/addr.ts";
import { readTextFile } from "../../ffi/files.ts";

/** Microseconds per second: tc's `TIME_UNITS_PER_SEC`. */
export const TIME_UNITS_PER_SEC = 1_000_000;

/** The kernel's packet-scheduler clock, from `/proc/net/psched`. */
export interface TcClock {
  /** Scheduler ticks per microsecond (`tick_in_usec`). */
  readonly tickInUsec: number;
  /** Kernel time units per microsecond (`clock_factor`). */
  readonly clockFactor: number;
  /** The timer frequency tc's `get_hz()` reports (htb's default burst divides by it). */
  readonly hz: number;
}

/** What every Linux since 2.6.31 reports in `/proc/net/psched` (high-resolution timers). */
export const DEFAULT_PSCHED = "000003e8 00000040 000f4240 3b9aca00";

/** Parses `/proc/net/psched` as tc_core_init() and get_hz() do. */
export function parsePsched(text: string): TcClock {
  const words = text.trim().split(/\s+/).map((w) => parseInt(w.slice(0, 8), 16));
  if (words.length < 3 || words.slice(0, 3).some((w) => !Number.isFinite(w) || w === 0)) {
    throw new TypeError(`psched: cannot parse ${JSON.stringify(text)}`);
  }
  let [t2us] = words;
  const [, us2t, clockRes, denom] = words;
  if (clockRes === 1_000_000_000) t2us = us2t;
  const clockFactor = clockRes / TIME_UNITS_PER_SEC;
  const hz = clockRes === 1_000_000 && denom ? denom : 100;
  return { tickInUsec: (t2us / us2t) * clockFactor, clockFactor, hz };
}

let clock: TcClock | undefined;

/** The scheduler clock: read from `/proc/net/psched` on first use (through libc). */
export function tcClock(): TcClock {
  if (clock) return clock;
  let text: string | null = null;
  try {
    text = readTextFile("/proc/net/psched");
  } catch {
    text = null;
  }
  try {
    clock = parsePsched(text ?? DEFAULT_PSCHED);
  } catch {
    clock = parsePsched(DEFAULT_PSCHED);
  }
  return clock;
}

/** Sets the scheduler clock (tests pin it to the values golden captures were made with). */
export function setTcClock(c: TcClock | undefined): void {
  clock = c;
}

/** C's conversion of a non-negative double to `unsigned int` (truncation; x86-64 wraps). */
function toU32(x: number): number {
  return Math.trunc(x) % 0x1_0000_0000;
}

/** `tc_core_time2tick`: microseconds to scheduler ticks. */
export function time2tick(usec: number): number {
  return toU32(toU32(usec) * tcClock().tickInUsec);
}

/** `tc_core_tick2time`: ticks to whole microseconds. */
export function tick2time(ticks: number): number {
  return Math.trunc(ticks / tcClock().tickInUsec);
}

/** `tc_calc_xmitsize`: the bytes sent at `rate` bytes per second in `ticks` (a burst, shown). */
export function xmitsize(rate: number, ticks: number): number {
  return toU32((rate * tick2time(ticks)) / TIME_UNITS_PER_SEC);
}

/** `tc_core_time2ktime`: microseconds to kernel time units. */
export function time2ktime(usec: number): number {
  return toU32(usec * tcClock().clockFactor);
}

/**
 * `tc_calc_xmittime`: ticks to send `size` bytes at `rate` bytes per second. Throws a
 * RangeError naming `field` when the result does not fit 32 bits (tc would wrap).
 */
export function xmittime(rate: number, size: number, field = "burst"): number {
  const usec = TIME_UNITS_PER_SEC * (size / rate);
  const ticks = Math.trunc(usec) * tcClock().tickInUsec;
  if (usec >= 0x1_0000_0000 || ticks >= 0x1_0000_0000) {
    throw new RangeError(`${field}: ${size} bytes take too long to send at ${rate} bytes/s`);
  }
  return Math.trunc(ticks);
}

/** `enum link_layer`. */
export const LINKLAYER = { unaware: 0, ethernet: 1, atm: 2 } as const;

/** A link-layer name (`ethernet`, `atm`, `adsl`) to its number. */
export function parseLinklayer(v: unknown, field: string): number {
  if (v === "ethernet") return LINKLAYER.ethernet;
  if (v === "atm" || v === "adsl") return LINKLAYER.atm;
  throw new TypeError(
    `${field}: expected "ethernet", "atm" or "adsl", got ${describeValue(v)}`,
  );
}

/** A rate table and the `struct tc_ratespec` fields that go with it. */
export interface RateTable {
  /** `cell_log`. */
  cellLog: number;
  /** The 256 transmit times, as the kernel wants them (1024 bytes, host order). */
  table: Uint8Array<ArrayBuffer>;
}

const ATM_CELL_PAYLOAD = 48;
const ATM_CELL_SIZE = 53;

/**
 * `tc_calc_rtable`: the transmit time of packets of `(i + 1) << cell_log` bytes for i in
 * 0..255 at `rate` bytes per second. `cellLog` < 0 picks the smallest that covers `mtu`
 * (0 means 2047).
 */
export function calcRtable(
  rate: number,
  cellLog: number,
  mtu: number,
  mpu: number,
  linklayer: number,
): RateTable {
  if (mtu === 0) mtu = 2047;
  if (cellLog < 0) {
    cellLog = 0;
    while ((mtu >>> cellLog) > 255) cellLog++;
  }
  const table = new Uint8Array(1024);
  const dv = new DataView(table.buffer);
  for (let i = 0; i < 256; i++) {
    let sz = ((i + 1) << cellLog) >>> 0;
    if (sz < mpu) sz = mpu;
    if (linklayer === LINKLAYER.atm) {
      sz = Math.ceil(sz / ATM_CELL_PAYLOAD) * ATM_CELL_SIZE;
    }
    const usec = TIME_UNITS_PER_SEC * (sz / rate);
    dv.setUint32(i * 4, toU32(toU32(usec) * tcClock().tickInUsec), true);
  }
  return { cellLog, table };
}

// strtod's decimal subset: sign, digits, fraction, exponent.
const NUMBER = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(.*)$/;

function splitNumber(v: string, field: string, what: string): [number, string] {
  const m = NUMBER.exec(v);
  if (!m) throw new TypeError(`${field}: expected a ${what}, got ${JSON.stringify(v)}`);
  return [Number(m[1]), m[2]];
}

const RATE_SUFFIXES: Record<string, number> = {
  bit: 1,
  kibit: 1024,
  kbit: 1000,
  mibit: 1024 * 1024,
  mbit: 1_000_000,
  gibit: 1024 * 1024 * 1024,
  gbit: 1_000_000_000,
  tibit: 1024 * 1024 * 1024 * 1024,
  tbit: 1_000_000_000_000,
  bps: 8,
  kibps: 8 * 1024,
  kbps: 8000,
  mibps: 8 * 1024 * 1024,
  mbps: 8_000_000,
  gibps: 8 * 1024 * 1024 * 1024,
  gbps: 8_000_000_000,
  tibps: 8 * 1024 * 1024 * 1024 * 1024,
  tbps: 8_000_000_000_000,
};

/**
 * A rate in bytes per second (as `get_rate64`): `"10mbit"`, `"1gbit"`, `"100kbps"`
 * (bytes), `"512kibit"`; a number is bits per second.
 */
export function parseRate(v: unknown, field: string): number {
  let bps: number;
  if (typeof v === "number") {
    bps = v;
  } else if (typeof v === "string") {
    if (v.trim().endsWith("%")) {
      throw new TypeError(`${field}: rates relative to the link speed ("${v}") are not supported`);
    }
    const [n, rest] = splitNumber(v, field, 'rate such as "10mbit"');
    let scale = 1;
    if (rest !== "") {
      const s = RATE_SUFFIXES[rest.toLowerCase()];
      if (s === undefined) {
        throw new TypeError(`${field}: unknown rate unit ${JSON.stringify(rest)} in "${v}"`);
      }
      scale = s;
    }
    bps = n * scale;
  } else {
    throw new TypeError(
      `${field}: expected a rate such as "10mbit" or bits per second, got ${describeValue(v)}`,
    );
  }
  if (!Number.isFinite(bps) || bps < 0) throw new RangeError(`${field}: invalid rate ${v}`);
  const bytes = Math.trunc(bps / 8);
  if (bytes > Number.MAX_SAFE_INTEGER) throw new RangeError(`${field}: rate ${v} is too large`);
  return bytes;
}

const SIZE_SUFFIXES: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 * 1024,
  mb: 1024 * 1024,
  g: 1024 * 1024 * 1024,
  gb: 1024 * 1024 * 1024,
  kbit: 1024 / 8,
  mbit: (1024 * 1024) / 8,
  gbit: (1024 * 1024 * 1024) / 8,
};

/** A size in bytes (as `get_size`): `"32kb"`, `"1514"`, `"2m"`, `"8kbit"`; a number is bytes. */
export function parseSize(v: unknown, field: string): number {
  let sz: number;
  if (typeof v === "number") {
    sz = v;
  } else if (typeof v === "string") {
    const [n, rest] = splitNumber(v, field, 'size such as "32kb"');
    let scale = 1;
    if (rest !== "") {
      const s = SIZE_SUFFIXES[rest.toLowerCase()];
      if (s === undefined) {
        throw new TypeError(`${field}: unknown size unit ${JSON.stringify(rest)} in "${v}"`);
      }
      scale = s;
    }
    sz = n * scale;
  } else {
    throw new TypeError(
      `${field}: expected a size such as "32kb" or a number of bytes, got ${describeValue(v)}`,
    );
  }
  if (!Number.isFinite(sz) || sz < 0 || sz >= 0x1_0000_0000) {
    throw new RangeError(`${field}: size ${v} is out of range (0 to 4 GiB)`);
  }
  return Math.trunc(sz);
}

/**
 * A size with an optional cell size (as `get_size_and_cell`): `"32kb/8"` is 32768 bytes with
 * `cell_log` 3. The cell log is -1 when not given.
 */
export function parseSizeAndCell(v: unknown, field: string): [size: number, cellLog: number] {
  if (typeof v !== "string" || !v.includes("/")) return [parseSize(v, field), -1];
  const [size, cell] = v.split("/", 2);
  const c = Number(cell);
  const log = Number.isInteger(c) && c > 0 ? Math.log2(c) : NaN;
  if (!/^\d+$/.test(cell) || !Number.isInteger(log) || log > 31) {
    throw new RangeError(`${field}: cell size ${JSON.stringify(cell)} is not a power of two`);
  }
  return [parseSize(size, field), log];
}

/** A time in microseconds (as `get_time`): `"50ms"`, `"1s"`, `"200us"`; a number is µs. */
export function parseTime(v: unknown, field: string): number {
  let t: number;
  if (typeof v === "number") {
    t = v;
  } else if (typeof v === "string") {
    const [n, rest] = splitNumber(v, field, 'time such as "50ms"');
    const unit = rest.toLowerCase();
    if (unit === "s" || unit === "sec" || unit === "secs") t = n * TIME_UNITS_PER_SEC;
    else if (unit === "ms" || unit === "msec" || unit === "msecs") {
      t = n * (TIME_UNITS_PER_SEC / 1000);
    } else if (unit === "" || unit === "us" || unit === "usec" || unit === "usecs") t = n;
    else throw new TypeError(`${field}: unknown time unit ${JSON.stringify(rest)} in "${v}"`);
  } else {
    throw new TypeError(
      `${field}: expected a time such as "50ms" or microseconds, got ${describeValue(v)}`,
    );
  }
  if (!Number.isFinite(t) || t < 0 || t >= 0x1_0000_0000) {
    throw new RangeError(`${field}: time ${v} is out of range`);
  }
  return Math.trunc(t);
}

/** A percentage as a fraction 0..1 (as `parse_percent`): `"1%"`, `"0.1%"`; a number is percent. */
export function parsePercent(v: unknown, field: string): number {
  let p: number;
  if (typeof v === "number") {
    p = v;
  } else if (typeof v === "string") {
    const [n, rest] = splitNumber(v, field, 'percentage such as "1%"');
    if (rest !== "" && rest !== "%") {
      throw new TypeError(`${field}: expected a percentage such as "1%", got ${JSON.stringify(v)}`);
    }
    p = n;
  } else {
    throw new TypeError(`${field}: expected a percentage such as "1%", got ${describeValue(v)}`);
  }
  if (!Number.isFinite(p) || p < 0 || p > 100) {
    throw new RangeError(`${field}: ${v} is out of range 0%..100%`);
  }
  return p / 100;
}

/** C's `rint`: round half to even. */
export function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** A percentage as netem's 32-bit probability (`get_percent`: rint(p × UINT32_MAX)). */
export function parseProbability(v: unknown, field: string): number {
  return rint(parsePercent(v, field) * 0xffffffff);
}

/** An unsigned integer of at most `bits` bits, or a RangeError/TypeError naming `field`. */
export function parseUint(v: unknown, field: string, bits = 32): number {
  let n = v;
  if (typeof v === "string" && /^(0x[0-9a-fA-F]+|\d+)$/.test(v.trim())) n = Number(v.trim());
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw new TypeError(`${field}: expected an integer, got ${describeValue(v)}`);
  }
  const max = 2 ** bits - 1;
  if (n < 0 || n > max) throw new RangeError(`${field}: ${n} is out of range 0..${max}`);
  return n;
}

/** A signed integer of at most `bits` bits. */
export function parseInt32(v: unknown, field: string, bits = 32): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new TypeError(`${field}: expected an integer, got ${describeValue(v)}`);
  }
  const lim = 2 ** (bits - 1);
  if (v < -lim || v >= lim) {
    throw new RangeError(`${field}: ${v} is out of range ${-lim}..${lim - 1}`);
  }
  return v;
}

/** A boolean, or a TypeError naming `field`. */
export function parseBool(v: unknown, field: string): boolean {
  if (typeof v !== "boolean") {
    throw new TypeError(`${field}: expected true or false, got ${describeValue(v)}`);
  }
  return v;
}
