/**
 * `ip -d link show`: the kind-specific part (`linkinfo`), as iproute2's iplink_*.c print it,
 * for the kinds this kernel has: veth, bridge and bridge ports, vxlan, macvlan/macvtap, tun/tap,
 * ifb. Values come from the library's views (`info_data.vxlan_id`, `info_slave_data.brport_state`,
 * `info_data.tun_type`).
 *
 * @module
 */

import { ANY, FP, JSON_ONLY } from "./out.ts";
import type { Printer } from "./out.ts";
import type { Ctx } from "./ctx.ts";

/** A nested attribute view as the library returns it (the parts used here). */
export interface NestLike {
  get(key: string | number): unknown;
  raw(): IterableIterator<[number, number, number]>;
  readonly u8: Uint8Array;
}

/** Whether a value is a nested attribute view. */
export function isNest(v: unknown): v is NestLike {
  return typeof v === "object" && v !== null && typeof (v as NestLike).raw === "function" &&
    (v as NestLike).u8 instanceof Uint8Array;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

/** `prio.mac` of a bridge id: "8000.de:22:6f:58:b9:6c". */
function bridgeId(v: unknown): string | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const { prio, addr } = v as { prio?: number; addr?: Uint8Array | string };
  if (prio === undefined || addr === undefined) return undefined;
  // iproute2 prints the MAC of a bridge id with "%x" per byte: no zero padding.
  const bytes = typeof addr === "string" ? addr.split(":").map((h) => parseInt(h, 16)) : [...addr];
  return `${(prio >> 8).toString(16).padStart(2, "0")}${
    (prio & 0xff).toString(16).padStart(2, "0")
  }.${bytes.map((b) => b.toString(16)).join(":")}`;
}

/** A bridge timer (centiseconds): JSON `%i.%.2i`, text `%s %4i.%.2i `. */
function timer(p: Printer, key: string, text: string, v: unknown): void {
  const n = num(v);
  if (n === undefined) return;
  const sec = Math.floor(n / 100), frac = n % 100;
  const f = String(frac).padStart(2, "0");
  p.rawValue(ANY, key, `${sec}.${f}`, `${text} ${String(sec).padStart(4, " ")}.${f} `);
}

function uintAttr(p: Printer, d: NestLike, name: string, key: string, fmt: string): void {
  const v = num(d.get(name));
  if (v !== undefined) p.uint(ANY, key, fmt, v);
}

function onOffAttr(p: Printer, d: NestLike, name: string, key: string, fmt: string): void {
  const v = num(d.get(name));
  if (v !== undefined) p.onOff(ANY, key, fmt, v !== 0);
}

function printBridge(p: Printer, d: NestLike): void {
  uintAttr(p, d, "br_forward_delay", "forward_delay", "forward_delay %u ");
  uintAttr(p, d, "br_hello_time", "hello_time", "hello_time %u ");
  uintAttr(p, d, "br_max_age", "max_age", "max_age %u ");
  uintAttr(p, d, "br_ageing_time", "ageing_time", "ageing_time %u ");
  uintAttr(p, d, "br_stp_state", "stp_state", "stp_state %u ");
  uintAttr(p, d, "br_priority", "priority", "priority %u ");
  const vf = num(d.get("br_vlan_filtering"));
  if (vf !== undefined) p.uint(ANY, "vlan_filtering", "vlan_filtering %u ", vf);
  const vp = num(d.get("br_vlan_protocol"));
  if (vp !== undefined) {
    p.str(ANY, "vlan_protocol", "vlan_protocol %s ", vp === 0x88a8 ? "802.1ad" : "802.1Q");
  }
  const bid = bridgeId(d.get("br_bridge_id"));
  if (bid) p.str(ANY, "bridge_id", "bridge_id %s ", bid);
  const rid = bridgeId(d.get("br_root_id"));
  if (rid) p.str(ANY, "root_id", "designated_root %s ", rid);
  uintAttr(p, d, "br_root_port", "root_port", "root_port %u ");
  uintAttr(p, d, "br_root_path_cost", "root_path_cost", "root_path_cost %u ");
  uintAttr(p, d, "br_topology_change", "topology_change", "topology_change %u ");
  uintAttr(
    p,
    d,
    "br_topology_change_detected",
    "topology_change_detected",
    "topology_change_detected %u ",
  );
  timer(p, "hello_timer", "hello_timer", d.get("br_hello_timer"));
  timer(p, "tcn_timer", "tcn_timer", d.get("br_tcn_timer"));
  timer(p, "topology_change_timer", "topology_change_timer", d.get("br_topology_change_timer"));
  timer(p, "gc_timer", "gc_timer", d.get("br_gc_timer"));
  uintAttr(p, d, "br_vlan_default_pvid", "vlan_default_pvid", "vlan_default_pvid %u ");
  uintAttr(p, d, "br_vlan_stats_enabled", "vlan_stats_enabled", "vlan_stats_enabled %u ");
  uintAttr(p, d, "br_vlan_stats_per_port", "vlan_stats_per_port", "vlan_stats_per_port %u ");
  const gfm = num(d.get("br_group_fwd_mask"));
  if (gfm !== undefined) p.xhex(ANY, "group_fwd_mask", "group_fwd_mask %#llx ", gfm);
  const ga = d.get("br_group_addr");
  if (typeof ga === "string") p.str(ANY, "group_addr", "group_address %s ", ga);
  uintAttr(p, d, "br_mcast_snooping", "mcast_snooping", "mcast_snooping %u ");
  const bo = d.get("br_multi_boolopt") as { optval?: number; optmask?: number } | undefined;
  if (bo && bo.optval !== undefined && bo.optmask !== undefined) {
    if (bo.optmask & 1) {
      p.uint(ANY, "no_linklocal_learn", "no_linklocal_learn %u ", bo.optval & 1 ? 1 : 0);
    }
    if (bo.optmask & 2) {
      p.uint(ANY, "mcast_vlan_snooping", "mcast_vlan_snooping %u ", bo.optval & 2 ? 1 : 0);
    }
  }
  uintAttr(p, d, "br_mcast_router", "mcast_router", "mcast_router %u ");
  uintAttr(
    p,
    d,
    "br_mcast_query_use_ifaddr",
    "mcast_query_use_ifaddr",
    "mcast_query_use_ifaddr %u ",
  );
  uintAttr(p, d, "br_mcast_querier", "mcast_querier", "mcast_querier %u ");
  uintAttr(
    p,
    d,
    "br_mcast_hash_elasticity",
    "mcast_hash_elasticity",
    "mcast_hash_elasticity %u ",
  );
  uintAttr(p, d, "br_mcast_hash_max", "mcast_hash_max", "mcast_hash_max %u ");
  uintAttr(
    p,
    d,
    "br_mcast_last_member_cnt",
    "mcast_last_member_cnt",
    "mcast_last_member_count %u ",
  );
  uintAttr(
    p,
    d,
    "br_mcast_startup_query_cnt",
    "mcast_startup_query_cnt",
    "mcast_startup_query_count %u ",
  );
  uintAttr(
    p,
    d,
    "br_mcast_last_member_intvl",
    "mcast_last_member_intvl",
    "mcast_last_member_interval %llu ",
  );
  uintAttr(
    p,
    d,
    "br_mcast_membership_intvl",
    "mcast_membership_intvl",
    "mcast_membership_interval %llu ",
  );
  uintAttr(
    p,
    d,
    "br_mcast_querier_intvl",
    "mcast_querier_intvl",
    "mcast_querier_interval %llu ",
  );
  uintAttr(p, d, "br_mcast_query_intvl", "mcast_query_intvl", "mcast_query_interval %llu ");
  uintAttr(
    p,
    d,
    "br_mcast_query_response_intvl",
    "mcast_query_response_intvl",
    "mcast_query_response_interval %llu ",
  );
  uintAttr(
    p,
    d,
    "br_mcast_startup_query_intvl",
    "mcast_startup_query_intvl",
    "mcast_startup_query_interval %llu ",
  );
  uintAttr(p, d, "br_mcast_stats_enabled", "mcast_stats_enabled", "mcast_stats_enabled %u ");
  uintAttr(p, d, "br_mcast_igmp_version", "mcast_igmp_version", "mcast_igmp_version %u ");
  uintAttr(p, d, "br_mcast_mld_version", "mcast_mld_version", "mcast_mld_version %u ");
  uintAttr(p, d, "br_nf_call_iptables", "nf_call_iptables", "nf_call_iptables %u ");
  uintAttr(p, d, "br_nf_call_ip6tables", "nf_call_ip6tables", "nf_call_ip6tables %u ");
  uintAttr(p, d, "br_nf_call_arptables", "nf_call_arptables", "nf_call_arptables %u ");
}

const PORT_STATES = ["disabled", "listening", "learning", "forwarding", "blocking"];
const FWD_MASK_NAMES: Record<number, string> = { 0: "stp", 2: "lacp", 14: "lldp" };

function fwdMaskString(mask: number): string {
  const parts: string[] = [];
  for (let i = 0; mask >> i; i++) {
    if ((mask >> i) & 1) parts.push(FWD_MASK_NAMES[i] ?? `0x${(1 << i).toString(16)}`);
  }
  return parts.length ? parts.join(",") : "0x0";
}

function printBridgeSlave(p: Printer, ctx: Ctx, d: NestLike): void {
  const st = num(d.get("brport_state"));
  if (st !== undefined) {
    if (st < PORT_STATES.length) p.str(ANY, "state", "state %s ", PORT_STATES[st]);
    else p.int(ANY, "state_index", "state (%d) ", st);
  }
  uintAttr(p, d, "brport_priority", "priority", "priority %u ");
  uintAttr(p, d, "brport_cost", "cost", "cost %u ");
  onOffAttr(p, d, "brport_mode", "hairpin", "hairpin %s ");
  onOffAttr(p, d, "brport_guard", "guard", "guard %s ");
  onOffAttr(p, d, "brport_protect", "root_block", "root_block %s ");
  onOffAttr(p, d, "brport_fast_leave", "fastleave", "fastleave %s ");
  onOffAttr(p, d, "brport_learning", "learning", "learning %s ");
  onOffAttr(p, d, "brport_unicast_flood", "flood", "flood %s ");
  const id = num(d.get("brport_id"));
  if (id !== undefined) p.xhex(ANY, "id", "port_id %#llx ", id);
  const no = num(d.get("brport_no"));
  if (no !== undefined) p.xhex(ANY, "no", "port_no %#llx ", no);
  uintAttr(p, d, "brport_designated_port", "designated_port", "designated_port %u ");
  uintAttr(p, d, "brport_designated_cost", "designated_cost", "designated_cost %u ");
  const bid = bridgeId(d.get("brport_bridge_id"));
  if (bid) p.str(ANY, "bridge_id", "designated_bridge %s ", bid);
  const rid = bridgeId(d.get("brport_root_id"));
  if (rid) p.str(ANY, "root_id", "designated_root %s ", rid);
  timer(p, "hold_timer", "hold_timer", d.get("brport_hold_timer"));
  timer(p, "message_age_timer", "message_age_timer", d.get("brport_message_age_timer"));
  timer(p, "forward_delay_timer", "forward_delay_timer", d.get("brport_forward_delay_timer"));
  uintAttr(p, d, "brport_topology_change_ack", "topology_change_ack", "topology_change_ack %u ");
  uintAttr(p, d, "brport_config_pending", "config_pending", "config_pending %u ");
  onOffAttr(p, d, "brport_proxyarp", "proxy_arp", "proxy_arp %s ");
  onOffAttr(p, d, "brport_proxyarp_wifi", "proxy_arp_wifi", "proxy_arp_wifi %s ");
  uintAttr(p, d, "brport_multicast_router", "multicast_router", "mcast_router %u ");
  const fl = num(d.get("brport_fast_leave"));
  if (fl !== undefined) p.fp(`mcast_fast_leave ${fl ? "on" : "off"} `);
  onOffAttr(p, d, "brport_mcast_flood", "mcast_flood", "mcast_flood %s ");
  onOffAttr(p, d, "brport_bcast_flood", "bcast_flood", "bcast_flood %s ");
  onOffAttr(p, d, "brport_mcast_to_ucast", "mcast_to_unicast", "mcast_to_unicast %s ");
  onOffAttr(p, d, "brport_neigh_suppress", "neigh_suppress", "neigh_suppress %s ");
  const gfm = num(d.get("brport_group_fwd_mask"));
  if (gfm !== undefined) {
    p.xhex(ANY, "group_fwd_mask", "group_fwd_mask %#llx ", gfm);
    p.str(ANY, "group_fwd_mask_str", "group_fwd_mask_str %s ", fwdMaskString(gfm));
  }
  onOffAttr(p, d, "brport_vlan_tunnel", "vlan_tunnel", "vlan_tunnel %s ");
  onOffAttr(p, d, "brport_isolated", "isolated", "isolated %s ");
  onOffAttr(p, d, "brport_locked", "locked", "locked %s ");
  const backup = num(d.get("brport_backup_port"));
  if (backup !== undefined) p.str(ANY, "backup_port", "backup_port %s ", ctx.name(backup));
}

function isMulticast4(a: string): boolean {
  const first = Number(a.split(".")[0]);
  return first >= 224 && first <= 239;
}

function printVxlan(p: Printer, ctx: Ctx, d: NestLike): void {
  const meta = num(d.get("vxlan_collect_metadata"));
  if (meta) p.bool(ANY, "external", "external ", true);
  const id = num(d.get("vxlan_id"));
  if (id === undefined) return;
  p.uint(ANY, "id", "id %u ", id);
  const group = d.get("vxlan_group");
  const group6 = d.get("vxlan_group6");
  if (typeof group === "string") {
    if (group !== "0.0.0.0") {
      if (isMulticast4(group)) p.str(ANY, "group", "group %s ", group);
      else p.str(ANY, "remote", "remote %s ", group);
    }
  } else if (typeof group6 === "string" && group6 !== "::") {
    if (group6.toLowerCase().startsWith("ff")) p.str(ANY, "group6", "group %s ", group6);
    else p.str(ANY, "remote6", "remote %s ", group6);
  }
  const local = d.get("vxlan_local");
  const local6 = d.get("vxlan_local6");
  if (typeof local === "string") {
    if (local !== "0.0.0.0") p.str(ANY, "local", "local %s ", local);
  } else if (typeof local6 === "string" && local6 !== "::") {
    p.str(ANY, "local6", "local %s ", local6);
  }
  const link = num(d.get("vxlan_link"));
  if (link) p.str(ANY, "link", "dev %s ", ctx.name(link));
  const pr = d.get("vxlan_port_range") as { low?: number; high?: number } | undefined;
  if (pr && pr.low !== undefined) {
    if (p.json) {
      p.openObject("port_range");
      p.uint(JSON_ONLY, "low", "", pr.low);
      p.uint(JSON_ONLY, "high", "", pr.high ?? 0);
      p.closeObject();
    } else p.fp(`srcport ${pr.low} ${pr.high} `);
  }
  const port = num(d.get("vxlan_port"));
  if (port !== undefined) p.uint(ANY, "port", "dstport %u ", port);
  const learning = num(d.get("vxlan_learning"));
  if (learning !== undefined) {
    p.bool(JSON_ONLY, "learning", "", !!learning);
    if (!learning) p.bool(FP, null, "nolearning ", true);
  }
  if (num(d.get("vxlan_proxy"))) p.bool(ANY, "proxy", "proxy ", true);
  if (num(d.get("vxlan_rsc"))) p.bool(ANY, "rsc", "rsc ", true);
  if (num(d.get("vxlan_l2miss"))) p.bool(ANY, "l2miss", "l2miss ", true);
  if (num(d.get("vxlan_l3miss"))) p.bool(ANY, "l3miss", "l3miss ", true);
  const tos = num(d.get("vxlan_tos"));
  if (tos) {
    if (p.json || tos !== 1) p.xhex(ANY, "tos", "tos %#llx ", tos);
    else p.fp("tos inherit ");
  }
  if (num(d.get("vxlan_ttl_inherit"))) p.fp("ttl inherit ");
  else {
    const ttl = num(d.get("vxlan_ttl"));
    if (ttl !== undefined) {
      if (p.json || ttl) p.uint(ANY, "ttl", "ttl %u ", ttl);
      else p.fp("ttl auto ");
    }
  }
  const df = num(d.get("vxlan_df"));
  if (df !== undefined) {
    if (df === 0) p.str(JSON_ONLY, "df", "", "unset");
    else if (df === 1) p.str(ANY, "df", "df %s ", "set");
    else if (df === 2) p.str(ANY, "df", "df %s ", "inherit");
  }
  const label = num(d.get("vxlan_label"));
  if (label) p.xhex(ANY, "label", "flowlabel %#llx ", label);
  const age = num(d.get("vxlan_ageing"));
  if (age !== undefined) {
    if (age === 0) p.uint(ANY, "ageing", "ageing none ", 0);
    else p.uint(ANY, "ageing", "ageing %u ", age);
  }
  const limit = num(d.get("vxlan_limit"));
  if (limit) p.uint(ANY, "limit", "maxaddr %u ", limit);
  for (
    const [name, key, text] of [
      ["vxlan_udp_csum", "udp_csum", "udpcsum "],
      ["vxlan_udp_zero_csum6_tx", "udp_zero_csum6_tx", "udp6zerocsumtx "],
      ["vxlan_udp_zero_csum6_rx", "udp_zero_csum6_rx", "udp6zerocsumrx "],
    ] as const
  ) {
    const v = num(d.get(name));
    if (v === undefined) continue;
    if (p.json) p.bool(ANY, key, "", !!v);
    else p.fp((v ? "" : "no") + text);
  }
  if (num(d.get("vxlan_remcsum_tx"))) p.bool(ANY, "remcsum_tx", "remcsumtx ", true);
  if (num(d.get("vxlan_remcsum_rx"))) p.bool(ANY, "remcsum_rx", "remcsumrx ", true);
  if (d.get("vxlan_gbp") !== undefined) p.bool(ANY, "gbp", "gbp ", true);
  if (d.get("vxlan_gpe") !== undefined) p.bool(ANY, "gpe", "gpe ", true);
}

const MACVLAN_MODES: Record<number, string> = {
  1: "private",
  2: "vepa",
  4: "bridge",
  8: "passthru",
  16: "source",
};

function printMacvlan(p: Printer, d: NestLike): void {
  const mode = num(d.get("macvlan_mode"));
  if (mode === undefined) return;
  p.str(ANY, "mode", "mode %s ", MACVLAN_MODES[mode] ?? "unknown");
  const flags = num(d.get("macvlan_flags")) ?? 0;
  if (flags & 1) p.bool(ANY, "nopromisc", "nopromisc ", true);
  if (flags & 2) p.bool(ANY, "nodst", "nodst ", true);
  const q = num(d.get("macvlan_bc_queue_len"));
  if (q !== undefined) p.uint(ANY, "bcqueuelen", "bcqueuelen %lu ", q);
  const used = num(d.get("macvlan_bc_queue_len_used"));
  if (used !== undefined) p.uint(ANY, "usedbcqueuelen", "usedbcqueuelen %lu ", used);
  if (mode !== 16) return;
  const count = num(d.get("macvlan_macaddr_count"));
  if (count !== undefined) p.uint(ANY, "macaddr_count", "remotes (%u) ", count);
}

function printTun(p: Printer, d: NestLike): void {
  const type = num(d.get("tun_type"));
  if (type !== undefined) {
    p.str(ANY, "type", "type %s ", type === 1 ? "tun" : type === 2 ? "tap" : "UNKNOWN");
  }
  const flag = (name: string, key: string, onoff: boolean) => {
    const v = num(d.get(name));
    if (v === undefined) return;
    if (onoff) p.onOff(ANY, key, `${key} %s `, !!v);
    else {
      p.bool(JSON_ONLY, key, "", !!v);
      if (v) p.fp(`${key} `);
    }
  };
  flag("tun_pi", "pi", true);
  flag("tun_vnet_hdr", "vnet_hdr", true);
  flag("tun_multi_queue", "multi_queue", false);
  const nq = num(d.get("tun_num_queues"));
  if (nq !== undefined) p.uint(ANY, "numqueues", "numqueues %u ", nq);
  const nd = num(d.get("tun_num_disabled_queues"));
  if (nd !== undefined) p.uint(ANY, "numdisabled", "numdisabled %u ", nd);
  flag("tun_persist", "persist", true);
  // Without --allow-read there is no /etc/passwd: owners print as numbers.
  const owner = num(d.get("tun_owner"));
  if (owner !== undefined && owner !== 0xffffffff) p.uint(ANY, "user", "user %u ", owner);
  const group = num(d.get("tun_group"));
  if (group !== undefined && group !== 0xffffffff) p.uint(ANY, "group", "group %u ", group);
}

/** Kinds whose iproute2 link_util has a print_opt (and so an "info_data" object). */
const KIND_PRINTERS: Record<string, (p: Printer, ctx: Ctx, data: unknown) => void> = {
  bridge: (p, _c, d) => isNest(d) && printBridge(p, d),
  vxlan: (p, c, d) => isNest(d) && printVxlan(p, c, d),
  macvlan: (p, _c, d) => isNest(d) && printMacvlan(p, d),
  macvtap: (p, _c, d) => isNest(d) && printMacvlan(p, d),
  tun: (p, _c, d) => isNest(d) && printTun(p, d),
};

/** Slave kinds with a printer. */
const SLAVE_PRINTERS: Record<string, (p: Printer, ctx: Ctx, data: unknown) => void> = {
  bridge: (p, c, d) => isNest(d) && printBridgeSlave(p, c, d),
};

/** print_linktype: `"linkinfo": { "info_kind", "info_data", "info_slave_kind", … }`. */
export function printLinkType(p: Printer, ctx: Ctx, linkinfo: NestLike): void {
  p.openObject("linkinfo");
  const kind = linkinfo.get("info_kind");
  if (typeof kind === "string") {
    p.fp(p.sl);
    p.str(ANY, "info_kind", "    %s ", kind);
    const printer = KIND_PRINTERS[kind];
    if (printer) {
      const data = linkinfo.get("info_data");
      p.openObject("info_data");
      if (data !== undefined) printer(p, ctx, data);
      p.closeObject();
    }
  }
  const skind = linkinfo.get("info_slave_kind");
  if (typeof skind === "string") {
    p.fp(p.sl);
    p.str(ANY, "info_slave_kind", "    %s_slave ", skind);
    const printer = SLAVE_PRINTERS[skind];
    if (printer) {
      const data = linkinfo.get("info_slave_data");
      p.openObject("info_slave_data");
      if (data !== undefined) printer(p, ctx, data);
      p.closeObject();
    }
  }
  p.closeObject();
}
