/**
 * Events: `ip.monitor({ groups, signal })` returns a subscription to every change the kernel
 * announces on the chosen rtnetlink groups, as typed views, and `{ type: "overrun" }` when the
 * kernel dropped events because the receiver was too slow (resynchronise from a dump then).
 *
 * The socket is bound and its groups joined when `monitor()` returns: a change made right after
 * the call is received even if the first `next()` comes later ("subscribe, dump, reconcile").
 *
 * @module
 */

import { NETLINK, NetlinkSocket } from "../ffi/socket.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import { MessageWalk } from "../netlink/walk.ts";
import { messageViewClass } from "../netlink/view.ts";
import { describeValue } from "../netlink/addr.ts";
import { checkKeys, KeySet, lookupName } from "../netlink/strict.ts";
import { Subscription } from "../netlink/subscription.ts";
import { rtmName, RTNLGRP } from "./constants.ts";
import { SCHEMA_BY_TYPE } from "./schemas/registry.ts";
import type { Link } from "./link.ts";
import type { Addr } from "./addr.ts";
import type { Route } from "./route.ts";
import type { Rule } from "./rule.ts";
import type { Neigh } from "./neigh.ts";
import type { Nexthop } from "./nexthop.ts";
import type { Nsid } from "./nsid.ts";
import type { TcMessage } from "./tc/mod.ts";

/** A group name of {@link RTNLGRP} or a group number. */
export type GroupName = keyof typeof RTNLGRP | number;

/**
 * One event, discriminated by `type`: the message type name and its typed view
 * (`"RTM_NEWLINK"` carries a {@link Link}), or an overrun (the kernel dropped events).
 */
export type MonitorEvent =
  | { type: "RTM_NEWLINK" | "RTM_DELLINK"; message: Link }
  | { type: "RTM_NEWADDR" | "RTM_DELADDR"; message: Addr }
  | { type: "RTM_NEWROUTE" | "RTM_DELROUTE"; message: Route }
  | { type: "RTM_NEWRULE" | "RTM_DELRULE"; message: Rule }
  | { type: "RTM_NEWNEIGH" | "RTM_DELNEIGH" | "RTM_GETNEIGH"; message: Neigh }
  | { type: "RTM_NEWNEXTHOP" | "RTM_DELNEXTHOP"; message: Nexthop }
  | { type: "RTM_NEWNSID" | "RTM_DELNSID"; message: Nsid }
  | {
    type:
      | "RTM_NEWQDISC"
      | "RTM_DELQDISC"
      | "RTM_NEWTCLASS"
      | "RTM_DELTCLASS"
      | "RTM_NEWTFILTER"
      | "RTM_DELTFILTER";
    message: TcMessage;
  }
  | { type: "overrun"; message?: undefined };

/** Options of {@link IPRoute.monitor}. */
export interface MonitorOptions {
  /** Groups to join (default: links, addresses, routes, rules, neighbours, nexthops). */
  groups?: readonly GroupName[];
  /** Ends the subscription and closes its socket. */
  signal?: AbortSignal;
  /** Receive buffer of the monitoring socket (default 4 MiB). */
  rcvbuf?: number;
}

/** Options of {@link monitor}: those of {@link MonitorOptions} and the namespace to watch. */
export interface MonitorSocketOptions extends MonitorOptions {
  /** Namespace to watch: a name, a path, `{ pid }`, or a held descriptor `{ fd }`. */
  netns?: NetnsTarget;
}

const OPTION_KEYS = new KeySet("monitor option", ["groups", "signal", "rcvbuf"]);
const SOCKET_OPTION_KEYS = OPTION_KEYS.with(["netns"]);

/** An event subscription: async iterable, `close()`, `Symbol.dispose`. */
export type Monitor = Subscription<MonitorEvent>;

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
  return groups.map((g, i) =>
    lookupName(RTNLGRP, g, `groups[${i}]`, "rtnetlink group", { min: 1, max: 0xffffffff })
  );
}

/** Checks the options of IPRoute's monitor (it watches the connection's own namespace). */
export function checkMonitorOptions(options: unknown): void {
  checkKeys(options, OPTION_KEYS);
}

/**
 * Opens a monitoring socket, joins the groups and returns the subscription: everything the
 * kernel announces from now on is received, whenever it is read.
 */
export function monitor(options: MonitorSocketOptions = {}): Monitor {
  checkKeys(options, SOCKET_OPTION_KEYS);
  const groups = groupNumbers(options.groups ?? DEFAULT_GROUPS);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TypeError(`signal: expected an AbortSignal, got ${describeValue(options.signal)}`);
  }
  const socket = new NetlinkSocket(NETLINK.ROUTE, {
    netns: options.netns,
    groups,
    rcvbuf: options.rcvbuf ?? 4 << 20,
  });
  return new Subscription<MonitorEvent>({
    poll() {
      if (socket.closed) return null;
      let buf: ArrayBuffer | null;
      try {
        buf = socket.receive();
      } catch (e) {
        if ((e as { code?: string }).code === "ENOBUFS") return [{ type: "overrun" }];
        throw e;
      }
      return buf === null ? [] : decodeEvents(buf);
    },
    wait: (signal) => socket.readable(signal),
    close: () => socket.close(),
  }, { signal: options.signal });
}

/** Decodes every message of one event datagram. */
export function decodeEvents(buf: ArrayBuffer): MonitorEvent[] {
  const dv = new DataView(buf);
  const u8 = new Uint8Array(buf);
  const out: MonitorEvent[] = [];
  const walk = new MessageWalk(dv);
  while (walk.next()) {
    const type = walk.type;
    const schema = SCHEMA_BY_TYPE.get(type);
    if (schema) {
      const C = messageViewClass(schema);
      out.push(
        {
          type: rtmName(type),
          message: new C(dv, u8, walk.offset, walk.length),
        } as unknown as MonitorEvent,
      );
    }
  }
  return out;
}
