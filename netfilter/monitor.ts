/**
 * Netfilter event subscriptions: a NETLINK_NETFILTER socket joined to nfnetlink groups before
 * the call that makes it returns, read as a {@link Subscription} of decoded events and
 * `{ type: "overrun" }` items (the kernel dropped events: resynchronise from a dump).
 *
 * @module
 */

import { NETLINK, NetlinkSocket } from "../ffi/socket.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import { MessageWalk } from "../netlink/walk.ts";
import { describeValue } from "../netlink/addr.ts";
import { Subscription } from "../netlink/subscription.ts";
import { checkOptionalKeys, KeySet } from "../netlink/strict.ts";

/** What a monitor yields besides its events: the kernel dropped events. */
export interface Overrun {
  /** Tells overruns from events. */
  type: "overrun";
}

/** A netfilter event subscription: async iterable, `close()`, `Symbol.dispose`. */
export type NfnlMonitor<E> = Subscription<E | Overrun>;

/** Options of a netfilter monitor. */
export interface NfnlMonitorOptions {
  /** Watch this network namespace (default: the connection's). */
  netns?: NetnsTarget;
  /** Receive buffer of the monitor's socket (default 4 MiB). */
  rcvbuf?: number;
  /** Ends the subscription and closes its socket. */
  signal?: AbortSignal;
}

/** The keys {@link NfnlMonitorOptions} accepts. */
export const MONITOR_OPTION_KEYS: KeySet = new KeySet("key", ["netns", "rcvbuf", "signal"]);

/** Turns one event message into an event (undefined: not one of ours). */
export type EventDecoder<E> = (
  dv: DataView,
  u8: Uint8Array,
  offset: number,
  length: number,
  type: number,
) => E | undefined;

/** Every event of one datagram. */
function decodeAll<E>(buf: ArrayBuffer, decode: EventDecoder<E>): E[] {
  const dv = new DataView(buf);
  const u8 = new Uint8Array(buf);
  const out: E[] = [];
  const walk = new MessageWalk(dv);
  while (walk.next()) {
    const e = decode(dv, u8, walk.offset, walk.length, walk.type);
    if (e !== undefined) out.push(e);
  }
  return out;
}

/**
 * Opens a socket joined to `groups` (nfnetlink group numbers) and returns its subscription:
 * everything the kernel announces from now on is received, whenever it is read.
 */
export function nfnlMonitor<E>(
  groups: readonly number[],
  decode: EventDecoder<E>,
  options: NfnlMonitorOptions,
): NfnlMonitor<E> {
  checkOptionalKeys(options, MONITOR_OPTION_KEYS, "options", "options.");
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TypeError(`signal: expected an AbortSignal, got ${describeValue(options.signal)}`);
  }
  const socket = new NetlinkSocket(NETLINK.NETFILTER, {
    netns: options.netns,
    groups,
    rcvbuf: options.rcvbuf ?? 4 << 20,
  });
  return new Subscription<E | Overrun>({
    poll() {
      if (socket.closed) return null;
      let buf: ArrayBuffer | null;
      try {
        buf = socket.receive();
      } catch (e) {
        if ((e as { code?: string }).code === "ENOBUFS") return [{ type: "overrun" }];
        throw e;
      }
      return buf === null ? [] : decodeAll<E | Overrun>(buf, decode);
    },
    wait: (signal) => socket.readable(signal),
    close: () => socket.close(),
  }, { signal: options.signal });
}
