/**
 * Events: `ip.monitor({ groups, signal })` yields every change the kernel announces on the
 * chosen rtnetlink groups, as typed views, and `{ type: "overrun" }` when the kernel dropped
 * events because the receiver was too slow (resynchronise from a dump then).
 *
 * @module
 */

import { NETLINK, NetlinkSocket } from "../ffi/socket.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import { NetlinkEngine } from "../netlink/engine.ts";
import { NLMSG_HDRLEN } from "../netlink/constants.ts";
import { messageViewClass } from "../netlink/view.ts";
import type { MessageView } from "../netlink/view.ts";
import { describeValue } from "../netlink/addr.ts";
import { rtmName, RTNLGRP } from "./constants.ts";
import { SCHEMA_BY_TYPE } from "./schemas/registry.ts";

/** A group name of {@link RTNLGRP} or a group number. */
export type GroupName = keyof typeof RTNLGRP | number;

/** One event: the message type name ("RTM_NEWLINK") and the message, or an overrun. */
export type MonitorEvent =
  | { type: string; message: MessageView }
  | { type: "overrun"; message?: undefined };

/** Options of a monitor. */
export interface MonitorOptions {
  /** Groups to join (default: links, addresses, routes, rules, neighbours, nexthops). */
  groups?: readonly GroupName[];
  /** Stops the iterator and closes its socket. */
  signal?: AbortSignal;
  /** Receive buffer of the monitoring socket. */
  rcvbuf?: number;
  /** Namespace to watch. */
  netns?: NetnsTarget;
}

/** The groups a monitor joins by default. */
export const DEFAULT_GROUPS: readonly GroupName[] = [
  "link",
  "ipv4_ifaddr",
  "ipv6_ifaddr",
  "ipv4_route",
  "ipv6_route",
  "ipv4_rule",
  "ipv6_rule",
  "neigh",
  "nexthop",
];

/** Group numbers from names; throws TypeError naming the field for unknown ones. */
export function groupNumbers(groups: readonly GroupName[]): number[] {
  if (!Array.isArray(groups)) {
    throw new TypeError(`groups: expected an array, got ${describeValue(groups)}`);
  }
  return groups.map((g, i) => {
    if (typeof g === "number" && Number.isInteger(g) && g > 0) return g;
    const n = (RTNLGRP as Record<string, number>)[g as string];
    if (n === undefined) {
      throw new TypeError(`groups[${i}]: unknown rtnetlink group ${describeValue(g)}`);
    }
    return n;
  });
}

/** Opens a monitoring socket and yields events until the signal aborts. */
export async function* monitor(options: MonitorOptions = {}): AsyncGenerator<MonitorEvent> {
  const groups = groupNumbers(options.groups ?? DEFAULT_GROUPS);
  using socket = new NetlinkSocket(NETLINK.ROUTE, {
    netns: options.netns,
    groups,
    rcvbuf: options.rcvbuf ?? 4 << 20,
  });
  const engine = new NetlinkEngine(socket);
  for await (const item of engine.datagrams(options.signal)) {
    if (item === "overrun") {
      yield { type: "overrun" };
      continue;
    }
    const events = decodeEvents(item);
    for (const e of events) yield e;
  }
}

/** Decodes every message of one event datagram. */
export function decodeEvents(buf: ArrayBuffer): MonitorEvent[] {
  const dv = new DataView(buf);
  const u8 = new Uint8Array(buf);
  const out: MonitorEvent[] = [];
  for (let off = 0; off + NLMSG_HDRLEN <= buf.byteLength;) {
    const len = dv.getUint32(off, true);
    if (len < NLMSG_HDRLEN || off + len > buf.byteLength) break;
    const type = dv.getUint16(off + 4, true);
    const schema = SCHEMA_BY_TYPE.get(type);
    if (schema) {
      const C = messageViewClass(schema);
      out.push({ type: rtmName(type), message: new C(dv, u8, off, len) });
    }
    off += (len + 3) & ~3;
  }
  return out;
}
