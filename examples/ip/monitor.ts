/**
 * `ip monitor [link|address|route|rule|neigh|nexthop|all] [label]`: the library's event
 * iterator, printed as iproute2's ipmonitor.c prints (text only, as `ip -j monitor` in 6.1).
 *
 * @module
 */

import type { Addr, GroupName, Link, Neigh, Nexthop, Route, Rule } from "../../mod.ts";
import { Ctx, usage } from "./ctx.ts";
import { printLinkBody } from "./link.ts";
import { printAddr } from "./addr.ts";
import { printRoute } from "./route.ts";
import { printRule } from "./rule.ts";
import { printNeigh } from "./neigh.ts";
import { printNexthop } from "./nexthop.ts";

const GROUPS: Record<string, GroupName[]> = {
  link: ["link"],
  address: ["ipv4_ifaddr", "ipv6_ifaddr"],
  route: ["ipv4_route", "ipv6_route"],
  rule: ["ipv4_rule", "ipv6_rule"],
  neigh: ["neigh"],
  nexthop: ["nexthop"],
};

const OBJECTS = Object.keys(GROUPS);

/** `ip monitor …`: runs until interrupted. */
export async function doMonitor(ctx: Ctx, args: string[]): Promise<void> {
  let label = false;
  let all = false;
  const chosen = new Set<string>();
  for (const a of args) {
    if (a === "label") label = true;
    else if (a === "all") all = true;
    else if (a === "help") {
      throw usage(
        "Usage: ip monitor [ all | OBJECTS ] [ label ]\nOBJECTS :=  address | link | neigh | nexthop | route | rule",
      );
    } else {
      const obj = OBJECTS.find((o) => o.startsWith(a)) ??
        (a === "neighbour" || a === "neighbor" ? "neigh" : undefined);
      if (!obj) throw usage(`Argument "${a}" is unknown, try "ip monitor help".`);
      chosen.add(obj);
    }
  }
  if (all || chosen.size === 0) {
    for (const o of OBJECTS) chosen.add(o);
    if (all) label = true;
  }
  const groups = [...chosen].flatMap((o) => GROUPS[o]);
  const fam = ctx.opts.family;
  // Text only, as iproute2 6.1 (it ignores -j for monitor).
  const view = ctx.opts.json ? new Ctx({ ...ctx.opts, json: false, pretty: false }) : ctx;
  view.flush = ctx.flush;
  try {
    await watch(view, groups, label, fam);
  } finally {
    if (view !== ctx) view.close();
  }
}

async function watch(view: Ctx, groups: GroupName[], label: boolean, fam: number) {
  const p = view.p;
  await view.loadNames();
  for await (const ev of view.ip.monitor({ groups })) {
    if (ev.type === "overrun") {
      p.fp("Overrun: resynchronise with a dump\n");
      view.emit();
      continue;
    }
    const m = ev.message;
    const t = ev.type;
    const banner = (b: string) => label && p.fp(`[${b}]`);
    if (t === "RTM_NEWLINK" || t === "RTM_DELLINK") {
      const l = m as unknown as Link;
      if (fam === 2 || fam === 10) continue;
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
      if (fam && fam !== 17 && a.family !== fam) continue;
      banner("ADDR");
      printAddr(view, a, { deleted: t === "RTM_DELADDR", oneline: true });
    } else if (t === "RTM_NEWROUTE" || t === "RTM_DELROUTE") {
      const r = m as unknown as Route;
      if (fam && fam !== 17 && r.family !== fam) continue;
      if (r.flags & 0x200) continue;
      banner("ROUTE");
      printRoute(view, r, { table: 0, deleted: t === "RTM_DELROUTE" });
    } else if (t === "RTM_NEWRULE" || t === "RTM_DELRULE") {
      banner("RULE");
      printRule(view, m as unknown as Rule, { deleted: t === "RTM_DELRULE" });
    } else if (t === "RTM_NEWNEIGH" || t === "RTM_DELNEIGH" || t === "RTM_GETNEIGH") {
      banner("NEIGH");
      printNeigh(view, m as unknown as Neigh, {
        deleted: t === "RTM_DELNEIGH",
        miss: t === "RTM_GETNEIGH",
      });
    } else if (t === "RTM_NEWNEXTHOP" || t === "RTM_DELNEXTHOP") {
      banner("NEXTHOP");
      printNexthop(view, m as unknown as Nexthop, { deleted: t === "RTM_DELNEXTHOP" });
    } else continue;
    view.emit();
  }
}
