/**
 * `ip monitor [OBJECTS] [label] [all]` and `ip monitor file FILE`: the library's event iterator,
 * or netlink messages saved in a file (one `nlmsghdr` after another, as rtmon writes them),
 * printed as iproute2's ipmonitor.c prints them (text only, as `ip -j monitor` in 6.1).
 *
 * @module
 */

import { align4 } from "../../netlink/constants.ts";
import { decodeEvents } from "../../rtnl/mod.ts";
import type {
  Addr,
  GroupName,
  Link,
  MonitorEvent,
  Neigh,
  Nexthop,
  Nsid,
  Route,
  Rule,
} from "../../mod.ts";
import { Ctx, ExitError, nextArg, usage } from "./ctx.ts";
import { type Choice, lookup, notSupported } from "./match.ts";
import { printLinkBody } from "./link.ts";
import { printAddr } from "./addr.ts";
import { printRoute } from "./route.ts";
import { printRule } from "./rule.ts";
import { printNeigh } from "./neigh.ts";
import { printNexthop } from "./nexthop.ts";
import { printNsid } from "./netns.ts";

const GROUPS: Record<string, GroupName[]> = {
  link: ["link"],
  address: ["ipv4_ifaddr", "ipv6_ifaddr"],
  route: ["ipv4_route", "ipv6_route"],
  rule: ["ipv4_rule", "ipv6_rule"],
  neigh: ["neigh"],
  nexthop: ["nexthop"],
  nsid: ["nsid"],
};

/** What `ip monitor` watches with no object named (iproute2's IPMON_L_ALL, as this tool has). */
const ALL = ["link", "address", "route", "rule", "neigh", "nexthop", "nsid"];

const MONITOR_USAGE = `Usage: ip monitor [ all | OBJECTS ] [ FILE ] [ label ] [ all-nsid ]
                  [ dev DEVICE ]
OBJECTS :=  address | link | mroute | neigh | netconf |
            nexthop | nsid | prefix | route | rule | stats
FILE := file FILENAME`;

/** The words of `ip monitor`, in ipmonitor.c's order (null: not in this tool). */
export const MONITOR_ARGS: readonly Choice<string>[] = [
  ["file", "file"],
  ["label", "label"],
  ["link", "link"],
  ["address", "address"],
  ["route", "route"],
  ["mroute", null],
  ["prefix", null],
  ["neigh", "neigh"],
  ["netconf", null],
  ["rule", "rule"],
  ["nsid", "nsid"],
  ["nexthop", "nexthop"],
  ["stats", null, "exact"],
  ["all", "all", "exact"],
  ["all-nsid", null],
  ["help", "help"],
  ["dev", null, "exact"],
];

/** `ip monitor …`: runs until interrupted, or to the end of `file FILE`. */
export async function doMonitor(ctx: Ctx, args: string[]): Promise<void> {
  let label = false;
  let file: string | undefined;
  const chosen = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const hit = lookup(a, MONITOR_ARGS);
    if (!hit) throw usage(`Argument "${a}" is unknown, try "ip monitor help".`);
    const what = hit[1];
    if (what === null) throw notSupported(`ip monitor ${hit[0]}`);
    if (what === "file") file = nextArg(args, i++);
    else if (what === "label" || what === "all") label = true;
    else if (what === "help") throw usage(MONITOR_USAGE);
    else chosen.add(what);
  }
  // Text only, as iproute2 6.1 (it ignores -j for monitor).
  const view = ctx.opts.json ? new Ctx({ ...ctx.opts, json: false, pretty: false }) : ctx;
  view.flush = ctx.flush;
  try {
    if (file !== undefined) return fromFile(view, file, label, ctx);
    const groups = (chosen.size ? [...chosen] : ALL).flatMap((o) => GROUPS[o]);
    await view.loadNames();
    for await (const ev of view.ip.monitor({ groups })) printEvent(view, ev, label);
  } finally {
    if (view !== ctx) view.close();
  }
}

/** rtnl_from_file: each saved message printed as if it had just arrived. */
function fromFile(view: Ctx, file: string, label: boolean, ctx: Ctx): void {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(file);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "No such file or directory" : String(e);
    throw usage(`Cannot fopen: ${why}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let off = 0; off < bytes.length;) {
    if (off + 16 > bytes.length) throw truncated();
    const len = dv.getUint32(off, true);
    if (len < 16 || len > 16384) {
      throw new ExitError(`!!!malformed message: len=${len} @${off + 16}`, 1);
    }
    const end = off + align4(len);
    if (end > bytes.length) throw truncated();
    const type = dv.getUint16(off + 4, true);
    const events = decodeEvents(bytes.slice(off, off + len).buffer);
    if (events.length) printEvent(view, events[0], label);
    else if (type > 3) {
      const flags = dv.getUint16(off + 6, true);
      const h = (n: number) => `0x${n.toString(16).padStart(8, "0")}(${n})`;
      view.emit();
      ctx.warn(`Unknown message: type=${h(type)} flags=${h(flags)} len=${h(len)}\n`);
    }
    off = end;
  }
  view.emit();
}

function truncated(): ExitError {
  return new ExitError("rtnl-from_file: truncated message", 1);
}

/** accept_msg: one event printed with its banner. */
function printEvent(view: Ctx, ev: MonitorEvent, label: boolean): void {
  const p = view.p;
  const fam = view.opts.family;
  if (ev.type === "overrun") {
    p.fp("Overrun: resynchronise with a dump\n");
    view.emit();
    return;
  }
  const m = ev.message;
  const t = ev.type;
  const banner = (b: string) => label && p.fp(`[${b}]`);
  if (t === "RTM_NEWLINK" || t === "RTM_DELLINK") {
    const l = m as unknown as Link;
    if (fam === 2 || fam === 10) return;
    if (t === "RTM_NEWLINK") view.remember(l.index, l.ifname ?? "", l.flags);
    banner("LINK");
    printLinkBody(view, l, {
      doLink: false,
      showLinkLayer: true,
      deleted: t === "RTM_DELLINK",
      noQueue: true,
    });
    p.fp("\n");
    if (t === "RTM_DELLINK") view.forget(l.index);
  } else if (t === "RTM_NEWADDR" || t === "RTM_DELADDR") {
    const a = m as unknown as Addr;
    if (fam && fam !== 17 && a.family !== fam) return;
    banner("ADDR");
    printAddr(view, a, { deleted: t === "RTM_DELADDR", oneline: true });
  } else if (t === "RTM_NEWROUTE" || t === "RTM_DELROUTE") {
    const r = m as unknown as Route;
    if (fam && fam !== 17 && r.family !== fam) return;
    if (r.flags & 0x200) return;
    banner("ROUTE");
    printRoute(view, r, { table: 0, deleted: t === "RTM_DELROUTE" });
  } else if (t === "RTM_NEWRULE" || t === "RTM_DELRULE") {
    banner("RULE");
    printRule(view, m as unknown as Rule, { deleted: t === "RTM_DELRULE" });
  } else if (t === "RTM_NEWNEIGH" || t === "RTM_DELNEIGH" || t === "RTM_GETNEIGH") {
    const n = m as unknown as Neigh;
    if (fam && fam !== 17 && n.headerField("family") !== fam) return;
    banner("NEIGH");
    printNeigh(view, n, { deleted: t === "RTM_DELNEIGH", miss: t === "RTM_GETNEIGH" });
  } else if (t === "RTM_NEWNEXTHOP" || t === "RTM_DELNEXTHOP") {
    banner("NEXTHOP");
    printNexthop(view, m as unknown as Nexthop, { deleted: t === "RTM_DELNEXTHOP" });
  } else if (t === "RTM_NEWNSID" || t === "RTM_DELNSID") {
    banner("NSID");
    printNsid(view, m as unknown as Nsid, t === "RTM_DELNSID", new Map());
  } else return;
  view.emit();
}
