/**
 * Kernel object events (`NETLINK_KOBJECT_UEVENT`): what the kernel announces when a device
 * appears, changes or goes (`add`, `remove`, `change`, `move`, `online`, `offline`, `bind`,
 * `unbind`), and what udev re-broadcasts after processing them. Network devices' events reach
 * the uevent socket of their own network namespace.
 *
 * @module
 */

import { NETLINK, NetlinkSocket } from "../ffi/socket.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import { describeValue } from "../netlink/addr.ts";
import { DecodeError } from "../netlink/errors.ts";
import { checkOptions } from "../diag/options.ts";
import { KeySet } from "../netlink/strict.ts";
import { EventStream } from "./stream.ts";
import type { Overrun } from "./stream.ts";

const OPTION_KEYS = new KeySet("Uevents option", ["groups", "netns", "rcvbuf", "signal"]);

/** The uevent multicast groups: the kernel's own, and udev's re-broadcast. */
export const UEVENT_GROUP = { kernel: 1, udev: 2 } as const;

/** A device event. */
export interface Uevent {
  /** Tells uevents from overruns. */
  type: "uevent";
  /** Who sent it: the kernel, or udev (after its rules ran). */
  source: "kernel" | "udev";
  /** `ACTION`: add, remove, change, move, online, offline, bind, unbind. */
  action: string;
  /** `DEVPATH`: the device under /sys ("/devices/virtual/net/v0"). */
  devpath: string;
  /** `SUBSYSTEM` ("net", "block", "queues"…). */
  subsystem: string;
  /** `SEQNUM`: the kernel's event counter. */
  seqnum: number;
  /** Every `KEY=value` of the event (ACTION, DEVPATH, SUBSYSTEM, SEQNUM, INTERFACE, IFINDEX…). */
  env: Record<string, string>;
}

const utf8 = new TextDecoder();
const UDEV_PREFIX = "libudev\0";
const UDEV_MAGIC = 0xfeedcafe;

function fields(bytes: Uint8Array, from: number, to: number, env: Record<string, string>): void {
  let start = from;
  for (let i = from; i <= to; i++) {
    if (i < to && bytes[i] !== 0) continue;
    if (i > start) {
      const s = utf8.decode(bytes.subarray(start, i));
      const eq = s.indexOf("=");
      if (eq > 0) env[s.slice(0, eq)] = s.slice(eq + 1);
    }
    start = i + 1;
  }
}

/**
 * Parses one uevent datagram: the kernel's (`ACTION@DEVPATH` then `KEY=value` strings, NUL
 * separated) or udev's (a `libudev` header, then the properties). Datagrams that are neither
 * are a DecodeError.
 */
export function parseUevent(datagram: ArrayBuffer): Uevent {
  const b = new Uint8Array(datagram);
  const env: Record<string, string> = Object.create(null);
  let source: Uevent["source"];
  if (b.length >= 40 && utf8.decode(b.subarray(0, 8)) === UDEV_PREFIX) {
    const dv = new DataView(datagram);
    if (dv.getUint32(8, false) !== UDEV_MAGIC) throw new DecodeError("udev event: bad magic");
    const off = dv.getUint32(16, true), len = dv.getUint32(20, true);
    if (off < 40 || off > b.length || len > b.length - off) {
      throw new DecodeError(`udev event: properties at ${off}+${len} in ${b.length} bytes`);
    }
    fields(b, off, off + len, env);
    source = "udev";
  } else {
    const head = b.indexOf(0);
    const first = utf8.decode(b.subarray(0, head < 0 ? b.length : head));
    const at = first.indexOf("@");
    if (at <= 0) throw new DecodeError(`uevent: no "action@devpath" header`);
    if (head >= 0) fields(b, head + 1, b.length, env);
    env.ACTION ??= first.slice(0, at);
    env.DEVPATH ??= first.slice(at + 1);
    source = "kernel";
  }
  const seq = Number(env.SEQNUM ?? NaN);
  return {
    type: "uevent",
    source,
    action: env.ACTION ?? "",
    devpath: env.DEVPATH ?? "",
    subsystem: env.SUBSYSTEM ?? "",
    seqnum: Number.isSafeInteger(seq) ? seq : 0,
    env: { ...env },
  };
}

/** Options of {@link Uevents}. */
export interface UeventsOptions {
  /** Groups to join: `"kernel"` (the default), `"udev"`, or both. */
  groups?: readonly (keyof typeof UEVENT_GROUP)[];
  /** The network namespace whose network device events to receive. */
  netns?: NetnsTarget;
  /** Receive buffer in bytes (default 1 MiB). */
  rcvbuf?: number;
  /** Ends the stream. */
  signal?: AbortSignal;
}

/**
 * Device events (pyroute2's `UeventSocket`): subscribed when constructed. Kernel events come
 * from the kernel only; udev's group is accepted from user space (sending to it takes
 * CAP_NET_ADMIN). Network devices' events arrive in their own namespace (`netns`).
 *
 * ```ts
 * import { Uevents } from "@denonet/netlink/events";
 * using events = new Uevents({ signal: AbortSignal.timeout(1000) });
 * for await (const e of events) {
 *   if (e.type === "uevent") console.log(e.action, e.subsystem, e.devpath, e.env.INTERFACE);
 * }
 * ```
 */
export class Uevents extends EventStream<Uevent> {
  /** Subscribes (the object returned is already receiving events). */
  constructor(options: UeventsOptions = {}) {
    const o = checkOptions(options, OPTION_KEYS);
    const names = o.groups ?? ["kernel"];
    if (!Array.isArray(names) || names.length === 0) {
      throw new TypeError(`groups: expected a non-empty array of "kernel", "udev"`);
    }
    const groups = names.map((g, i) => {
      if (typeof g === "string" && Object.hasOwn(UEVENT_GROUP, g)) {
        return UEVENT_GROUP[g as keyof typeof UEVENT_GROUP];
      }
      throw new TypeError(`groups[${i}]: unknown uevent group ${describeValue(g)}`);
    });
    if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
      throw new TypeError("signal: expected an AbortSignal");
    }
    const socket = new NetlinkSocket(NETLINK.KOBJECT_UEVENT, {
      netns: o.netns,
      groups,
      userGroups: groups.includes(UEVENT_GROUP.udev) ? [UEVENT_GROUP.udev] : [],
      rcvbuf: o.rcvbuf ?? 1 << 20,
    });
    super(socket, o.signal);
  }

  /** One datagram is one event. */
  protected decode(datagram: ArrayBuffer): Uevent[] {
    return [parseUevent(datagram)];
  }
}

/** What iterating {@link Uevents} yields. */
export type UeventItem = Uevent | Overrun;
