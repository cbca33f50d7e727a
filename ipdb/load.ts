/**
 * The dumps IPDB loads its state from (at open, on a resynchronisation, for `verify()`): links,
 * addresses, routes and rules. Routes go straight from the received datagrams into a fresh
 * route index: no view or object is made per route.
 *
 * @module
 */

import { DumpInterruptedError } from "../netlink/errors.ts";
import type { IPRoute } from "../rtnl/iproute.ts";
import { RTM } from "../rtnl/constants.ts";
import type { Addr } from "../rtnl/addr.ts";
import type { Link } from "../rtnl/link.ts";
import type { Rule } from "../rtnl/rule.ts";
import { LINK_MESSAGE } from "../rtnl/schemas/link.ts";
import { ADDR_MESSAGE } from "../rtnl/schemas/addr.ts";
import { ROUTE_MESSAGE } from "../rtnl/schemas/route.ts";
import { RULE_MESSAGE } from "../rtnl/schemas/rule.ts";
import { RouteIndex } from "./store.ts";
import type { KernelState } from "./verify.ts";

/** Dumps the namespace of `ip`: routes and rules only when asked for. */
export async function dumpAll(
  ip: IPRoute,
  what: { routes: boolean; rules: boolean },
): Promise<KernelState> {
  const retry = { retryInterrupted: 5 };
  const links = await ip.dump(LINK_MESSAGE, {
    type: RTM.GETLINK,
    flags: 0,
    header: {},
    attrs: { ext_mask: 1 },
  }, retry) as Link[];
  const addrs = await ip.dump(ADDR_MESSAGE, {
    type: RTM.GETADDR,
    flags: 0,
    header: { family: 0 },
  }, retry) as Addr[];
  let routes = new RouteIndex();
  if (what.routes) {
    for (let attempt = 0;; attempt++) {
      // The messages are noted first and indexed once the dump is complete: the index is then
      // sized once for all of them instead of growing (and rehashing) step by step.
      const grams: DataView[] = [];
      const bytes: Uint8Array[] = [];
      const starts: number[] = [];
      const offs: number[] = [];
      try {
        await ip.dump(ROUTE_MESSAGE, {
          type: RTM.GETROUTE,
          flags: 0,
          header: { family: 0 },
        }, {
          decoder: (dv, u8, off, _len, type) => {
            if (type !== RTM.NEWROUTE) return undefined;
            if (bytes.length === 0 || bytes[bytes.length - 1] !== u8) {
              grams.push(dv);
              bytes.push(u8);
              starts.push(offs.length);
            }
            offs.push(off);
            return undefined;
          },
        });
        const index = new RouteIndex();
        index.reserve(offs.length);
        for (let d = 0; d < grams.length; d++) {
          const dv = grams[d], u8 = bytes[d];
          const end = d + 1 < starts.length ? starts[d + 1] : offs.length;
          for (let i = starts[d]; i < end; i++) index.put(dv, u8, offs[i], true);
        }
        routes = index;
        break;
      } catch (e) {
        if (!(e instanceof DumpInterruptedError) || attempt >= 5) throw e;
      }
    }
  }
  const rules = what.rules
    ? await ip.dump(RULE_MESSAGE, {
      type: RTM.GETRULE,
      flags: 0,
      header: { family: 0 },
    }, retry) as unknown as Rule[]
    : [];
  return { links, addrs, routes, rules };
}
