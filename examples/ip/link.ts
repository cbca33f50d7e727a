/**
 * `ip link`: show (iproute2's print_linkinfo), add, set, del.
 *
 * @module
 */

import type { Link, LinkSpec } from "../../mod.ts";
import { formatHex, formatIp, parseMac } from "../../netlink/addr.ts";

/** A spec assembled from the command line (checked by the library when sent). */
type Spec = Record<string, unknown>;
import { ANY, JSON_ONLY } from "./out.ts";
import type { Printer } from "./out.ts";
import { badPrefix, type Ctx, duparg2, fail, invarg, nextArg, usage } from "./ctx.ts";
import { dispatch, matches, notSupported, type VerbTable } from "./match.ts";
import { parsePrefixArg, type Prefix } from "./prefix.ts";
import { getU32, groupName, llTypeName, scopeId } from "./names.ts";
import { isNest, printLinkType } from "./linkinfo.ts";
import type { NestLike } from "./linkinfo.ts";

const IFF: [number, string][] = [
  [0x8, "LOOPBACK"],
  [0x2, "BROADCAST"],
  [0x10, "POINTOPOINT"],
  [0x1000, "MULTICAST"],
  [0x80, "NOARP"],
  [0x200, "ALLMULTI"],
  [0x100, "PROMISC"],
  [0x400, "MASTER"],
  [0x800, "SLAVE"],
  [0x4, "DEBUG"],
  [0x8000, "DYNAMIC"],
  [0x4000, "AUTOMEDIA"],
  [0x2000, "PORTSEL"],
  [0x20, "NOTRAILERS"],
  [0x1, "UP"],
  [0x10000, "LOWER_UP"],
  [0x20000, "DORMANT"],
  [0x40000, "ECHO"],
];

/** print_link_flags: `<BROADCAST,MULTICAST,UP,LOWER_UP> ` or the JSON array. */
export function printLinkFlags(p: Printer, flags: number, mdown: boolean): void {
  p.openArray(ANY, p.json ? "flags" : "<");
  if (flags & 0x1 && !(flags & 0x40)) p.str(ANY, null, flags ? "%s," : "%s", "NO-CARRIER");
  flags &= ~0x40;
  for (const [bit, name] of IFF) {
    if (flags & bit) {
      flags &= ~bit;
      p.str(ANY, null, flags ? "%s," : "%s", name);
    }
  }
  if (flags) p.hex(ANY, null, "%x", flags);
  if (mdown) p.str(ANY, null, ",%s", "M-DOWN");
  p.closeArray(ANY, "> ");
}

/** ll_addr_n2a for the link types iproute2 prints as IP addresses. */
function llAddr(hex: string, type: number): string {
  const n = type === 768 || type === 776 || type === 778
    ? 4
    : type === 769 || type === 823
    ? 16
    : 0;
  const bytes = n && hex.length === 3 * n - 1 ? parseMac(hex, "address") : undefined;
  return bytes?.length === n ? formatIp(bytes, 0, n) : hex;
}

/** The columns of `-s` text statistics (iproute2's size_columns). */
function sizeColumns(cols: number[], ...vals: (number | undefined)[]): void {
  vals.forEach((v, i) => {
    if (v === undefined) return;
    // iproute2 counts digits with `powi < val`: 10, 100, … count one digit short.
    let len = 1;
    for (let powi = 10; powi < v; powi *= 10) len++;
    if (len > cols[i]) cols[i] = len;
  });
}

type Stats = Record<string, number>;

/** print_link_stats64: the `stats64` object, or the RX/TX table. */
export function printLinkStats(p: Printer, link: Link, level: number): void {
  const s = (link.get("stats64") ?? link.get("stats")) as Stats | undefined;
  if (!s) return;
  const key = link.get("stats64") ? "stats64" : "stats";
  const cc = link.get("carrier_changes") as number | undefined;
  const g = (k: string) => s[k] ?? 0;
  if (p.json) {
    p.openObject(key);
    p.openObject("rx");
    p.uint(JSON_ONLY, "bytes", "", g("rx_bytes"));
    p.uint(JSON_ONLY, "packets", "", g("rx_packets"));
    p.uint(JSON_ONLY, "errors", "", g("rx_errors"));
    p.uint(JSON_ONLY, "dropped", "", g("rx_dropped"));
    p.uint(JSON_ONLY, "over_errors", "", g("rx_over_errors"));
    p.uint(JSON_ONLY, "multicast", "", g("multicast"));
    if (g("rx_compressed")) p.uint(JSON_ONLY, "compressed", "", g("rx_compressed"));
    if (level > 1) {
      p.uint(JSON_ONLY, "length_errors", "", g("rx_length_errors"));
      p.uint(JSON_ONLY, "crc_errors", "", g("rx_crc_errors"));
      p.uint(JSON_ONLY, "frame_errors", "", g("rx_frame_errors"));
      p.uint(JSON_ONLY, "fifo_errors", "", g("rx_fifo_errors"));
      p.uint(JSON_ONLY, "missed_errors", "", g("rx_missed_errors"));
      if (g("rx_nohandler")) p.uint(JSON_ONLY, "nohandler", "", g("rx_nohandler"));
      if (g("rx_otherhost_dropped")) {
        p.uint(JSON_ONLY, "otherhost_dropped", "", g("rx_otherhost_dropped"));
      }
    }
    p.closeObject();
    p.openObject("tx");
    p.uint(JSON_ONLY, "bytes", "", g("tx_bytes"));
    p.uint(JSON_ONLY, "packets", "", g("tx_packets"));
    p.uint(JSON_ONLY, "errors", "", g("tx_errors"));
    p.uint(JSON_ONLY, "dropped", "", g("tx_dropped"));
    p.uint(JSON_ONLY, "carrier_errors", "", g("tx_carrier_errors"));
    p.uint(JSON_ONLY, "collisions", "", g("collisions"));
    if (g("tx_compressed")) p.uint(JSON_ONLY, "compressed", "", g("tx_compressed"));
    if (level > 1) {
      p.uint(JSON_ONLY, "aborted_errors", "", g("tx_aborted_errors"));
      p.uint(JSON_ONLY, "fifo_errors", "", g("tx_fifo_errors"));
      p.uint(JSON_ONLY, "window_errors", "", g("tx_window_errors"));
      p.uint(JSON_ONLY, "heartbeat_errors", "", g("tx_heartbeat_errors"));
      if (cc !== undefined) p.uint(JSON_ONLY, "carrier_changes", "", cc);
    }
    p.closeObject();
    p.closeObject();
    return;
  }
  const cols = [10, 7, 6, 7, 7, 7, 10];
  const rxc = g("rx_compressed"), txc = g("tx_compressed");
  sizeColumns(
    cols,
    g("rx_bytes"),
    g("rx_packets"),
    g("rx_errors"),
    g("rx_dropped"),
    g("rx_missed_errors"),
    g("multicast"),
    rxc,
  );
  if (level > 1) {
    sizeColumns(
      cols,
      0,
      g("rx_length_errors"),
      g("rx_crc_errors"),
      g("rx_frame_errors"),
      g("rx_fifo_errors"),
      g("rx_over_errors"),
      g("rx_nohandler"),
    );
  }
  sizeColumns(
    cols,
    g("tx_bytes"),
    g("tx_packets"),
    g("tx_errors"),
    g("tx_dropped"),
    g("tx_carrier_errors"),
    g("collisions"),
    txc,
  );
  if (level > 1) {
    sizeColumns(
      cols,
      0,
      g("tx_aborted_errors"),
      g("tx_fifo_errors"),
      g("tx_window_errors"),
      g("tx_heartbeat_errors"),
      cc ?? 0,
    );
  }
  const pad = (v: number | string, w: number) => String(v).padStart(w, " ");
  const sl = p.sl;
  let t = "";
  t += `    RX: ${pad("bytes", cols[0] - 4)} ${pad("packets", cols[1])} ${pad("errors", cols[2])} ${
    pad("dropped", cols[3])
  } ${pad("missed", cols[4])} ${pad("mcast", cols[5])} ${
    pad(rxc ? "compressed" : "", cols[6])
  }${sl}`;
  t += `    ${pad(g("rx_bytes"), cols[0])} ${pad(g("rx_packets"), cols[1])} ${
    pad(g("rx_errors"), cols[2])
  } ${pad(g("rx_dropped"), cols[3])} ${pad(g("rx_missed_errors"), cols[4])} ${
    pad(g("multicast"), cols[5])
  } `;
  if (rxc) t += `${pad(rxc, cols[6])} `;
  if (level > 1) {
    t += sl;
    t += `    RX errors:${" ".repeat(cols[0] - 10)} ${pad("length", cols[1])} ${
      pad("crc", cols[2])
    } ${pad("frame", cols[3])} ${pad("fifo", cols[4])} ${pad("overrun", cols[5])}${
      g("rx_nohandler") ? " " + pad("nohandler", cols[6]) : ""
    }${sl}`;
    t += `    ${" ".repeat(cols[0])} ${pad(g("rx_length_errors"), cols[1])} ${
      pad(g("rx_crc_errors"), cols[2])
    } ${pad(g("rx_frame_errors"), cols[3])} ${pad(g("rx_fifo_errors"), cols[4])} ${
      pad(g("rx_over_errors"), cols[5])
    } `;
    if (g("rx_nohandler")) t += `${pad(g("rx_nohandler"), cols[6])} `;
  }
  t += sl;
  t += `    TX: ${pad("bytes", cols[0] - 4)} ${pad("packets", cols[1])} ${pad("errors", cols[2])} ${
    pad("dropped", cols[3])
  } ${pad("carrier", cols[4])} ${pad("collsns", cols[5])} ${
    pad(txc ? "compressed" : "", cols[6])
  }${sl}`;
  t += `    ${pad(g("tx_bytes"), cols[0])} ${pad(g("tx_packets"), cols[1])} ${
    pad(g("tx_errors"), cols[2])
  } ${pad(g("tx_dropped"), cols[3])} ${pad(g("tx_carrier_errors"), cols[4])} ${
    pad(g("collisions"), cols[5])
  } `;
  if (txc) t += `${pad(txc, cols[6])} `;
  if (level > 1) {
    t += sl;
    t += `    TX errors:${" ".repeat(cols[0] - 10)} ${pad("aborted", cols[1])} ${
      pad("fifo", cols[2])
    } ${pad("window", cols[3])} ${pad("heartbt", cols[4])} ${
      pad(cc !== undefined ? "transns" : "", cols[5])
    }${sl}`;
    t += `    ${" ".repeat(cols[0])} ${pad(g("tx_aborted_errors"), cols[1])} ${
      pad(g("tx_fifo_errors"), cols[2])
    } ${pad(g("tx_window_errors"), cols[3])} ${pad(g("tx_heartbeat_errors"), cols[4])} `;
    if (cc !== undefined) t += `${pad(cc, cols[5])} `;
  }
  p.fp(t);
}

const ADDR_GEN_MODES: Record<number, string> = {
  0: "eui64",
  1: "none",
  2: "stable_secret",
  3: "random",
};

function printAfSpec(p: Printer, link: Link): void {
  const spec = link.get("af_spec");
  if (!isNest(spec)) return;
  const inet6 = spec.get("inet6");
  if (!isNest(inet6)) return;
  const mode = inet6.get("addr_gen_mode");
  if (typeof mode !== "number") return;
  p.str(
    ANY,
    "inet6_addr_gen_mode",
    "addrgenmode %s ",
    ADDR_GEN_MODES[mode] ?? "0x" + mode.toString(16).padStart(2, "0"),
  );
}

/** Options of {@link printLink}. */
export interface LinkPrintOptions {
  /** `ip link` (true) or `ip addr` (false): linkmode, af_spec, alias and stats differ. */
  doLink: boolean;
  /** Print the link/ether line (no family filter, or link family, or -d). */
  showLinkLayer: boolean;
  /** The message was RTM_DELLINK (monitor). */
  deleted?: boolean;
  /** Do not print qlen (monitor: iproute2 leaves filter.showqueue unset there). */
  noQueue?: boolean;
}

/** print_linkinfo without the final newline (addr show continues the object). */
export function printLinkBody(ctx: Ctx, link: Link, o: LinkPrintOptions): void {
  const p = ctx.p;
  const details = ctx.opts.details > 0;
  if (o.deleted) p.bool(ANY, "deleted", "Deleted ", true);
  p.int(ANY, "ifindex", "%d: ", link.index);
  let name = link.ifname ?? "";
  let mdown = false;
  const iflink = link.get("link") as number | undefined;
  const netnsid = link.get("link_netnsid") as number | undefined;
  if (iflink !== undefined) {
    if (iflink) {
      if (netnsid !== undefined) {
        if (p.json) p.int(JSON_ONLY, "link_index", "", iflink);
        else name = `${name}@if${iflink}`;
      } else {
        const ln = ctx.name(iflink);
        if (p.json) p.str(JSON_ONLY, "link", "", ln);
        else name = `${name}@${ln}`;
        mdown = !(ctx.flagsOf(iflink) & 1);
      }
    } else {
      if (p.json) p.nul(JSON_ONLY, "link", "", null);
      else name = `${name}@NONE`;
    }
  }
  p.str(ANY, "ifname", "%s: ", name);
  printLinkFlags(p, link.flags, mdown);
  if (link.mtu !== undefined) p.int(ANY, "mtu", "mtu %u ", link.mtu);
  if (link.qdisc !== undefined) p.str(ANY, "qdisc", "qdisc %s ", link.qdisc);
  if (link.master !== undefined) p.str(ANY, "master", "master %s ", ctx.name(link.master));
  const op = link.operstate; // the state's name, or a number without one
  if (op !== undefined) {
    if (typeof op === "string") {
      if (p.json) p.str(JSON_ONLY, "operstate", "", op);
      else p.fp(`state ${op} `);
    } else {
      if (p.json) p.uint(JSON_ONLY, "operstate_index", "", op);
      else p.fp(`state 0x${op.toString(16)} `);
    }
  }
  if (o.doLink && link.linkmode !== undefined) {
    const m = link.linkmode;
    if (m < 2) p.str(ANY, "linkmode", "mode %s ", m === 0 ? "DEFAULT" : "DORMANT");
    else p.int(ANY, "linkmode_index", "mode %d ", m);
  }
  if (link.group !== undefined) p.str(ANY, "group", "group %s ", groupName(link.group));
  // Without IFLA_TXQLEN (IPv6 link messages) iproute2 asks SIOCGIFTXQLEN: the same number.
  const qlen = link.txqlen ?? ctx.fullLink(link.index)?.txqlen;
  if (qlen && !o.noQueue) p.int(ANY, "txqlen", "qlen %d", qlen);
  const event = link.get("event") as number | undefined;
  if (event) {
    const names = [
      "NONE",
      "REBOOT",
      "FEATURE CHANGE",
      "BONDING FAILOVER",
      "NOTIFY PEERS",
      "RESEND IGMP",
      "BONDING OPTION",
    ];
    if (event < names.length) p.str(ANY, "event", "event %s ", names[event]);
    else p.int(ANY, "event", "event %d ", event);
  }
  const type = link.ifi_type;
  if (o.showLinkLayer || details) {
    p.fp(p.sl);
    p.str(ANY, "link_type", "    link/%s ", llTypeName(type));
    if (link.address !== undefined) p.str(ANY, "address", "%s", llAddr(link.address, type));
    if (link.broadcast !== undefined) {
      if (link.flags & 0x10) {
        p.fp(" peer ");
        p.bool(JSON_ONLY, "link_pointtopoint", "", true);
      } else p.fp(" brd ");
      p.str(ANY, "broadcast", "%s", llAddr(link.broadcast, type));
    }
    const perm = link.get("perm_address") as string | undefined;
    if (perm !== undefined && perm !== link.address) {
      p.fp(" permaddr ");
      p.str(ANY, "permaddr", "%s", llAddr(perm, type));
    }
  }
  if (netnsid !== undefined) {
    if (p.json) p.int(JSON_ONLY, "link_netnsid", "", netnsid);
    else if (netnsid >= 0) p.fp(` link-netnsid ${netnsid}`);
    else p.fp(" link-netnsid unknown");
  }
  if (link.get("proto_down")) p.bool(ANY, "proto_down", " protodown on ", true);
  if (details) {
    const u = (k: string) => link.get(k) as number | undefined;
    if (u("promiscuity") !== undefined) {
      p.uint(ANY, "promiscuity", " promiscuity %u ", u("promiscuity")!);
    }
    if (u("allmulti") !== undefined) p.uint(ANY, "allmulti", " allmulti %u ", u("allmulti")!);
    if (u("min_mtu") !== undefined) p.uint(ANY, "min_mtu", "minmtu %u ", u("min_mtu")!);
    if (u("max_mtu") !== undefined) p.uint(ANY, "max_mtu", "maxmtu %u ", u("max_mtu")!);
    const li = link.get("linkinfo");
    if (isNest(li)) printLinkType(p, ctx, li as NestLike);
    if (o.doLink) printAfSpec(p, link);
    for (
      const [k, key, fmt] of [
        ["num_tx_queues", "num_tx_queues", "numtxqueues %u "],
        ["num_rx_queues", "num_rx_queues", "numrxqueues %u "],
        ["gso_max_size", "gso_max_size", "gso_max_size %u "],
        ["gso_max_segs", "gso_max_segs", "gso_max_segs %u "],
        ["tso_max_size", "tso_max_size", "tso_max_size %u "],
        ["tso_max_segs", "tso_max_segs", "tso_max_segs %u "],
        ["gro_max_size", "gro_max_size", "gro_max_size %u "],
      ] as const
    ) {
      const v = u(k);
      if (v !== undefined) p.uint(ANY, key, fmt, v);
    }
    const pbus = link.get("parent_dev_bus_name") as string | undefined;
    if (pbus !== undefined) p.str(ANY, "parentbus", "parentbus %s ", pbus);
    const pdev = link.get("parent_dev_name") as string | undefined;
    if (pdev !== undefined) p.str(ANY, "parentdev", "parentdev %s ", pdev);
    const ppn = link.get("phys_port_name") as string | undefined;
    if (ppn !== undefined) p.str(ANY, "phys_port_name", "portname %s ", ppn);
    const ppi = link.get("phys_port_id") as string | undefined;
    if (ppi !== undefined) p.str(ANY, "phys_port_id", "portid %s ", ppi.replaceAll(":", ""));
    const psi = link.get("phys_switch_id") as string | undefined;
    if (psi !== undefined) p.str(ANY, "phys_switch_id", "switchid %s ", psi.replaceAll(":", ""));
  }
  const alias = link.get("ifalias") as string | undefined;
  if ((o.doLink || details) && alias !== undefined) {
    p.fp(`${p.sl}    `);
    p.str(ANY, "ifalias", "alias %s", alias);
  }
  if (o.doLink && ctx.opts.stats) {
    p.fp(p.sl);
    printLinkStats(p, link, ctx.opts.stats);
  }
  const vfs = link.get("vfinfo_list");
  if ((o.doLink || details) && Array.isArray(vfs) && link.get("num_vf") !== undefined) {
    p.openArray(JSON_ONLY, "vfinfo_list");
    for (const vf of vfs) {
      p.openObject(null);
      if (isNest(vf)) printVfinfo(p, link, vf as NestLike);
      p.closeObject();
    }
    p.closeArray(JSON_ONLY, null);
  }
  const props = link.get("prop_list");
  if ((o.doLink || details) && isNest(props)) {
    const names = (props as unknown as { getAll(k: string): unknown[] }).getAll("alt_ifname");
    if (names.length) {
      p.openArray(JSON_ONLY, "altnames");
      for (const n of names) {
        p.fp(`${p.sl}    altname `);
        p.str(ANY, null, "%s", String(n));
      }
      p.closeArray(JSON_ONLY, null);
    }
  }
}

/** A MAC of a VF struct: the link type's address length of its 32 bytes, as ll_addr_n2a. */
function vfAddr(bytes: unknown, type: number): string {
  const b = bytes instanceof Uint8Array ? bytes.subarray(0, type === 1 ? 6 : 20) : new Uint8Array();
  return llAddr(formatHex(b, 0, b.length), type);
}

/** print_vfinfo: one SR-IOV virtual function. */
function printVfinfo(p: Printer, link: Link, vf: NestLike): void {
  const get = (k: string) => vf.get(k) as Record<string, number | Uint8Array> | undefined;
  const type = link.ifi_type;
  const mac = get("mac");
  p.fp(`${p.sl}    `);
  p.int(ANY, "vf", "vf %d ", Number(mac?.vf ?? 0));
  p.str(ANY, "link_type", "    link/%s ", llTypeName(type));
  p.str(ANY, "address", "%s", vfAddr(mac?.mac, type));
  const brd = get("broadcast");
  if (brd) {
    if (link.flags & 0x10) {
      p.fp(" peer ");
      p.bool(JSON_ONLY, "link_pointtopoint", "", true);
    } else p.fp(" brd ");
    p.str(ANY, "broadcast", "%s", vfAddr(brd.broadcast, type));
  }
  const vlan = get("vlan");
  if (vlan?.vlan) p.int(ANY, "vlan", ", vlan %d", Number(vlan.vlan));
  if (vlan?.qos) p.int(ANY, "qos", ", qos %d", Number(vlan.qos));
  const tx = get("tx_rate");
  if (tx?.rate) p.uint(ANY, "tx_rate", ", tx rate %u (Mbps)", Number(tx.rate));
  const rate = get("rate");
  if (rate) {
    const max = Number(rate.max_tx_rate), min = Number(rate.min_tx_rate);
    if (p.json) {
      p.openObject("rate");
      p.uint(JSON_ONLY, "max_tx", "", max);
      p.uint(JSON_ONLY, "min_tx", "", min);
      p.closeObject();
    } else {
      if (max) p.fp(`, max_tx_rate ${max}Mbps`);
      if (min) p.fp(`, min_tx_rate ${min}Mbps`);
    }
  }
  const spoof = get("spoofchk");
  if (spoof && spoof.setting !== -1) {
    const on = !!spoof.setting;
    p.bool(ANY, "spoofchk", on ? ", spoof checking on" : ", spoof checking off", on);
  }
  const state = get("link_state");
  if (state) {
    const names = ["auto", "enable"];
    p.str(ANY, "link_state", ", link-state %s", names[Number(state.link_state)] ?? "disable");
  }
  const trust = get("trust");
  if (trust && trust.setting !== -1) {
    const on = !!trust.setting;
    p.bool(ANY, "trust", on ? ", trust on" : ", trust off", on);
  }
  const rss = get("rss_query_en");
  if (rss && rss.setting !== -1) {
    const on = !!rss.setting;
    p.bool(ANY, "query_rss_en", on ? ", query_rss on" : ", query_rss off", on);
  }
}

/** print_linkinfo_brief (`-br`): name, state, and for `ip link` the MAC and flags. */
export function printLinkBrief(ctx: Ctx, link: Link, doLink: boolean, deleted = false): void {
  const p = ctx.p;
  if (deleted) p.bool(ANY, "deleted", "Deleted ", true);
  let name = link.ifname ?? "";
  let mdown = false;
  const iflink = link.get("link") as number | undefined;
  if (iflink !== undefined) {
    if (iflink === 0) {
      p.nul(JSON_ONLY, "link", "", null);
      name = `${name}@NONE`;
    } else {
      const ln = ctx.name(iflink);
      p.str(JSON_ONLY, "link", "", ln);
      name = `${name}@${ln}`;
      mdown = !(ctx.flagsOf(iflink) & 1);
    }
  }
  p.fp(name.padEnd(16, " ") + " ");
  p.str(JSON_ONLY, "ifname", "", link.ifname ?? "");
  const op = link.operstate;
  if (op !== undefined) {
    if (typeof op === "string") p.str(ANY, "operstate", "%-14s ", op);
    else p.uint(JSON_ONLY, "operstate_index", "", op);
  }
  if (doLink) {
    if (link.address !== undefined) {
      p.str(ANY, "address", "%s ", llAddr(link.address, link.ifi_type));
    }
    printLinkFlags(p, link.flags, mdown);
    p.fp("\n");
  }
}

/**
 * The filter of `ip link show` and `ip address show|flush` (iproute2 parses both in
 * ipaddr_list_flush_or_save): links by name, state, master, kind, group; addresses by prefix,
 * scope, flags, label. `to` sets the family when none was given, as iproute2's does.
 */
export interface ShowFilter {
  /** -4/-6/-0, or the family of `to`. */
  family: number;
  /** The device (name or altname). */
  dev?: string;
  /** `up`. */
  up: boolean;
  /** Master's index; -1 for `nomaster`. */
  master?: number;
  /** `type KIND`. */
  kind?: string;
  /** `type KIND_slave`. */
  slaveKind?: string;
  /** `group G`. */
  group?: number;
  /** `scope S` (undefined: any). */
  scope?: number;
  /** `label PATTERN`. */
  label?: string;
  /** IFA flags wanted, under `flagmask`. */
  flags: number;
  /** Which IFA flags the filter looks at. */
  flagmask: number;
  /** `to PREFIX`. */
  to?: Prefix;
}

/** iproute2's ifa_flag_data names, for the address flag filter. */
const IFA_FLAG_MASKS: Record<string, number> = {
  secondary: 0x01,
  temporary: 0x01,
  nodad: 0x02,
  optimistic: 0x04,
  dadfailed: 0x08,
  home: 0x10,
  deprecated: 0x20,
  tentative: 0x40,
  permanent: 0x80,
  mngtmpaddr: 0x100,
  noprefixroute: 0x200,
  autojoin: 0x400,
  "stable-privacy": 0x800,
};

/** get_filter: an address flag word (`-` inverts; `dynamic`, `primary` are the inverses). */
function flagFilter(f: ShowFilter, word: string): boolean {
  let inv = word.startsWith("-");
  let name = inv ? word.slice(1) : word;
  if (name === "dynamic") [inv, name] = [!inv, "permanent"];
  else if (name === "primary") [inv, name] = [!inv, "secondary"];
  const mask = IFA_FLAG_MASKS[name];
  if (mask === undefined) return false;
  if (inv) f.flags &= ~mask;
  else f.flags |= mask;
  f.flagmask |= mask;
  return true;
}

/** Parses the words after `ip link show` / `ip address show|flush`, in iproute2's order. */
export async function parseShowFilter(
  ctx: Ctx,
  args: string[],
  helpText: string,
): Promise<ShowFilter> {
  const f: ShowFilter = { family: ctx.opts.family, up: false, flags: 0, flagmask: 0 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => nextArg(args, i++);
    if (a === "to") {
      const v = next();
      const pf = parsePrefixArg(v);
      const fam = f.family === 17 ? -1 : f.family;
      if (!pf || (fam && pf.family !== fam)) throw badPrefix(f.family, v);
      f.to = pf;
      if (!f.family) f.family = pf.family;
    } else if (a === "scope") {
      const v = next();
      const id = scopeId(v);
      if (id === undefined && v !== "all") throw invarg('invalid "scope"\n', v);
      f.scope = id;
    } else if (a === "up") f.up = true;
    else if (flagFilter(f, a)) {
      // an address flag
    } else if (a === "label") f.label = next();
    else if (a === "group") {
      const v = next();
      const g = v === "default" ? 0 : getU32(v);
      if (g === undefined) throw invarg('Invalid "group" value\n', v);
      f.group = g;
    } else if (a === "master") {
      const v = next();
      f.master = await ctx.index(v).catch(() => {
        throw invarg("Device does not exist\n", v);
      });
    } else if (a === "vrf") {
      const v = next();
      throw invarg("Not a valid VRF name\n", v);
    } else if (a === "nomaster") f.master = -1;
    else if (a === "type") {
      const k = next();
      if (k.endsWith("_slave")) f.slaveKind = k.slice(0, -6);
      else f.kind = k;
    } else {
      let v = a;
      if (a === "dev") v = next();
      else if (matches(a, "help")) throw usage(helpText);
      if (f.dev !== undefined) throw duparg2("dev", v);
      f.dev = v;
    }
  }
  return f;
}

/** The links a filter selects, in kernel order. */
export async function selectLinks(ctx: Ctx, f: ShowFilter, family = 0): Promise<Link[]> {
  const links = f.dev === undefined ? await ctx.linksOfFamily(family) : await ctx.links();
  let sel = links;
  if (f.dev !== undefined) {
    sel = links.filter((l) => l.ifname === f.dev);
    if (sel.length === 0) {
      const alt = links.filter((l) => {
        const props = l.get("prop_list");
        return isNest(props) &&
          (props as unknown as { getAll(k: string): unknown[] }).getAll("alt_ifname").includes(
            f.dev,
          );
      });
      if (alt.length === 0) throw fail(`Device "${f.dev}" does not exist.`);
      sel = alt;
    }
  }
  return sel.filter((l) => {
    if (f.up && !(l.flags & 1)) return false;
    if (f.master === -1 && l.master) return false;
    if (f.master !== undefined && f.master !== -1 && l.master !== f.master) return false;
    if (f.group !== undefined && (l.group ?? 0) !== f.group) return false;
    if (f.kind !== undefined && l.get(["linkinfo", "info_kind"]) !== f.kind) return false;
    if (f.slaveKind !== undefined && l.get(["linkinfo", "info_slave_kind"]) !== f.slaveKind) {
      return false;
    }
    return true;
  });
}

/** `ip link show`. */
export async function linkShow(ctx: Ctx, args: string[]): Promise<void> {
  const f = await parseShowFilter(ctx, args, LINK_USAGE);
  const links = await selectLinks(ctx, f);
  const p = ctx.p;
  p.begin();
  for (const l of links) {
    p.openObject(null);
    if (ctx.opts.brief) printLinkBrief(ctx, l, true);
    else {
      printLinkBody(ctx, l, { doLink: true, showLinkLayer: true });
      p.fp("\n");
    }
    p.closeObject();
  }
  p.end();
}

const LINK_USAGE = `Usage: ip link add [link DEV | parentdev NAME] [ name ] NAME
		    [ txqueuelen PACKETS ]
		    [ address LLADDR ]
		    [ broadcast LLADDR ]
		    [ mtu MTU ] [index IDX ]
		    [ numtxqueues QUEUE_COUNT ]
		    [ numrxqueues QUEUE_COUNT ]
		    type TYPE [ ARGS ]

	ip link delete { DEVICE | dev DEVICE | group DEVGROUP } type TYPE [ ARGS ]

	ip link set { DEVICE | dev DEVICE | group DEVGROUP }
			[ { up | down } ]
			[ type TYPE ARGS ]
		[ arp { on | off } ]
		[ promisc { on | off } ]
		[ name NEWNAME ]
		[ address LLADDR ]
		[ mtu MTU ]
		[ netns { PID | NAME } ]
		[ alias NAME ]
		[ master DEVICE ][ nomaster ]

	ip link show [ DEVICE | group GROUP ] [up] [master DEV] [type ETYPE]

TYPE := { bridge | ifb | macvlan | macvtap | tap | tun | veth | vxlan }`;

function u32Arg(v: string, what: string): number {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(v)) {
    throw usage(`Error: argument "${v}" is wrong: Invalid "${what}" value`);
  }
  return Number(v);
}

/** Kind-specific arguments of `ip link add … type KIND ARGS`. */
async function kindArgs(
  ctx: Ctx,
  kind: string,
  args: string[],
  spec: Spec,
): Promise<void> {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => {
      if (i + 1 >= args.length) throw usage('Command line is not complete. Try option "help"');
      return args[++i];
    };
    if (kind === "veth") {
      if (a === "peer") {
        const rest = args.slice(i + 1);
        const peer: Spec = {};
        for (let j = 0; j < rest.length; j++) {
          const b = rest[j];
          if (b === "name") peer.ifname = rest[++j];
          else if (b === "address") peer.address = rest[++j];
          else if (b === "mtu") peer.mtu = u32Arg(rest[++j], "mtu");
          else if (b === "netns") peer.netns = rest[++j];
          else if (peer.ifname === undefined) peer.ifname = b;
        }
        spec.peer = peer.ifname !== undefined && Object.keys(peer).length === 1
          ? peer.ifname
          : peer;
        return;
      }
    } else if (kind === "bridge") {
      const map: Record<string, string> = {
        forward_delay: "br_forward_delay",
        hello_time: "br_hello_time",
        max_age: "br_max_age",
        ageing_time: "br_ageing_time",
        stp_state: "br_stp_state",
        priority: "br_priority",
        vlan_filtering: "br_vlan_filtering",
        mcast_snooping: "br_mcast_snooping",
        mcast_router: "br_mcast_router",
        mcast_querier: "br_mcast_querier",
        nf_call_iptables: "br_nf_call_iptables",
        nf_call_ip6tables: "br_nf_call_ip6tables",
        nf_call_arptables: "br_nf_call_arptables",
        group_fwd_mask: "br_group_fwd_mask",
      };
      if (map[a]) {
        spec[map[a]] = u32Arg(next(), a);
        continue;
      }
    } else if (kind === "vxlan") {
      if (a === "id" || a === "vni") {
        spec.vxlan_id = u32Arg(next(), a);
        continue;
      }
      if (a === "dstport") {
        spec.vxlan_port = u32Arg(next(), a);
        continue;
      }
      if (a === "group" || a === "remote") {
        const v = next();
        spec[v.includes(":") ? "vxlan_group6" : "vxlan_group"] = v;
        continue;
      }
      if (a === "local") {
        const v = next();
        spec[v.includes(":") ? "vxlan_local6" : "vxlan_local"] = v;
        continue;
      }
      if (a === "dev") {
        spec.vxlan_link = await ctx.index(next());
        continue;
      }
      if (a === "ttl" || a === "hoplimit") {
        const v = next();
        spec.vxlan_ttl = v === "auto" || v === "inherit" ? 0 : u32Arg(v, a);
        continue;
      }
      if (a === "tos") {
        const v = next();
        spec.vxlan_tos = v === "inherit" ? 1 : parseInt(v, 16);
        continue;
      }
      if (a === "ageing") {
        const v = next();
        spec.vxlan_ageing = v === "none" ? 0 : u32Arg(v, a);
        continue;
      }
      if (a === "maxaddress") {
        const v = next();
        spec.vxlan_limit = v === "unlimited" ? 0 : u32Arg(v, a);
        continue;
      }
      if (a === "learning" || a === "nolearning") {
        spec.vxlan_learning = a === "learning" ? 1 : 0;
        continue;
      }
      const flags: Record<string, [string, number]> = {
        proxy: ["vxlan_proxy", 1],
        noproxy: ["vxlan_proxy", 0],
        rsc: ["vxlan_rsc", 1],
        norsc: ["vxlan_rsc", 0],
        l2miss: ["vxlan_l2miss", 1],
        nol2miss: ["vxlan_l2miss", 0],
        l3miss: ["vxlan_l3miss", 1],
        nol3miss: ["vxlan_l3miss", 0],
        udpcsum: ["vxlan_udp_csum", 1],
        noudpcsum: ["vxlan_udp_csum", 0],
        udp6zerocsumtx: ["vxlan_udp_zero_csum6_tx", 1],
        noudp6zerocsumtx: ["vxlan_udp_zero_csum6_tx", 0],
        udp6zerocsumrx: ["vxlan_udp_zero_csum6_rx", 1],
        noudp6zerocsumrx: ["vxlan_udp_zero_csum6_rx", 0],
        external: ["vxlan_collect_metadata", 1],
        noexternal: ["vxlan_collect_metadata", 0],
      };
      if (flags[a]) {
        spec[flags[a][0]] = flags[a][1];
        continue;
      }
      if (a === "srcport") {
        spec.vxlan_port_range = { low: u32Arg(next(), a), high: u32Arg(next(), a) };
        continue;
      }
    } else if (kind === "macvlan" || kind === "macvtap") {
      if (a === "mode") {
        const modes: Record<string, number> = {
          private: 1,
          vepa: 2,
          bridge: 4,
          passthru: 8,
          source: 16,
        };
        const m = next();
        if (modes[m] === undefined) {
          throw usage(
            `Error: argument of "mode" must be "private", "vepa", "bridge", "passthru" or "source", not "${m}"`,
          );
        }
        spec.macvlan_mode = modes[m];
        continue;
      }
    }
    throw usage(`${kind}: unknown option "${a}"`);
  }
}

/** Flags `ip link set` turns on or off (`multicast on`…), in iproute2's order. */
const ON_OFF = ["multicast", "allmulticast", "promisc", "trailers", "arp", "carrier"] as const;

/** `ip link add|set|del …`, parsed as iproute2's iplink_parse. */
async function linkModify(ctx: Ctx, cmd: "add" | "set" | "del", args: string[]): Promise<void> {
  const spec: Spec = {};
  let dev: string | undefined;
  let name: string | undefined;
  let kind: string | undefined;
  let linkDev: string | undefined;
  let index: number | undefined;
  let kindRest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => nextArg(args, i++);
    const dup = (key: string, v: string) =>
      usage(`Error: duplicate "${key}": "${v}" is the second value.`);
    if (a === "up" || a === "down") spec.state = a;
    else if (a === "name") {
      const v = next();
      if (name !== undefined) throw dup("name", v);
      name = ifnameArg(v, '"name" not a valid ifname');
      dev ??= name;
    } else if (a === "index") {
      const v = next();
      if (index !== undefined) throw dup("index", v);
      index = parseInt(v, 10);
      if (!(index > 0)) throw invarg('Invalid "index" value', v);
    } else if (matches(a, "link")) linkDev = next();
    else if (matches(a, "address")) spec.address = next();
    else if (matches(a, "broadcast") || a === "brd") spec.broadcast = next();
    else if (matches(a, "txqueuelen") || a === "qlen" || matches(a, "txqlen")) {
      const v = next();
      if (spec.txqlen !== undefined) throw dup("txqueuelen", v);
      const q = getU32(v);
      if (q === undefined) throw invarg('Invalid "txqueuelen" value\n', v);
      spec.txqlen = q;
    } else if (a === "mtu") {
      const v = next();
      if (spec.mtu !== undefined) throw dup("mtu", v);
      const m = getU32(v);
      if (m === undefined) throw invarg('Invalid "mtu" value\n', v);
      spec.mtu = m;
    } else if (a === "netns") {
      const v = next();
      if (spec.netns !== undefined) throw dup("netns", v);
      spec.netns = /^\d+$/.test(v) ? { pid: Number(v) } : v;
    } else if ((ON_OFF as readonly string[]).includes(a)) {
      const v = next();
      if (a === "trailers") throw notSupported("ip link set trailers");
      if (v !== "on" && v !== "off") {
        throw fail(`Error: argument of "${a}" must be "on" or "off", not "${v}"`);
      }
      if (a === "carrier") spec.carrier = v === "on" ? 1 : 0;
      else spec[a] = v === "on";
    } else if (a === "vf") throw notSupported("ip link set vf");
    else if (matches(a, "master")) {
      const v = next();
      spec.master = await ctx.index(v).catch(() => {
        throw invarg("Device does not exist\n", v);
      });
    } else if (a === "vrf") throw invarg("Not a valid VRF name\n", next());
    else if (matches(a, "nomaster")) spec.master = 0;
    else if (matches(a, "dynamic")) throw notSupported("ip link set dynamic");
    else if (matches(a, "type")) {
      kind = next();
      kindRest = args.slice(i + 1);
      break;
    } else if (matches(a, "alias")) {
      const v = next();
      if (new TextEncoder().encode(v).length >= 256) throw invarg("alias too long\n", v);
      spec.ifalias = v;
    } else if (a === "group") {
      const v = next();
      if (spec.group !== undefined) throw dup("group", v);
      const g = v === "default" ? 0 : getU32(v);
      if (g === undefined) throw invarg('Invalid "group" value\n', v);
      spec.group = g;
    } else if (matches(a, "numtxqueues") || matches(a, "numrxqueues")) {
      const v = next();
      const q = getU32(v);
      const what = matches(a, "numtxqueues") ? "numtxqueues" : "numrxqueues";
      if (q === undefined) throw invarg(`Invalid "${what}" value\n`, v);
      spec[what === "numtxqueues" ? "num_tx_queues" : "num_rx_queues"] = q;
    } else if (
      a === "mode" || a === "state" || matches(a, "addrgenmode") || matches(a, "link-netns") ||
      matches(a, "link-netnsid") || a === "protodown" || a === "protodown_reason" ||
      a.startsWith("xdp") && ["xdp", "xdpgeneric", "xdpdrv", "xdpoffload"].includes(a)
    ) {
      throw notSupported(`ip link ${cmd} ${a}`);
    } else if (a === "gso_max_size" || a === "gso_max_segs" || a === "gro_max_size") {
      const v = next();
      const n = getU32(v);
      if (n === undefined) throw invarg(`Invalid "${a}" value\n`, v);
      spec[a] = n;
    } else if (a === "parentdev") spec.parent_dev_name = next();
    else {
      if (matches(a, "help")) throw usage(LINK_USAGE);
      let v = a;
      if (a === "dev") v = next();
      if (dev !== name) throw duparg2("dev", v);
      dev = ifnameArg(v, '"dev" not a valid ifname');
    }
  }
  if (name === undefined) name = dev;
  else if (dev === undefined) dev = name;
  if (index !== undefined && cmd !== "add" && spec.netns === undefined) {
    throw usage(
      "index can be used only when creating devices or when moving device to another netns.",
    );
  }
  if (cmd === "add") {
    if (name !== dev) {
      throw usage('both "name" and "dev" cannot be used when creating devices.');
    }
    if (linkDev !== undefined) spec.link = await ctx.index(linkDev);
    if (index !== undefined) spec.index = index;
    if (name !== undefined) spec.ifname = name;
    if (!kind) throw fail('Not enough information: "type" argument is required');
    if (kind === "tun" || kind === "tap") {
      spec.kind = "tuntap";
      spec.mode = kind;
    } else spec.kind = kind;
    await kindArgs(ctx, kind, kindRest, spec);
    await ctx.change({ obj: "link", cmd: "add", spec: spec as LinkSpec });
    return;
  }
  if (dev === undefined) throw usage('Not enough information: "dev" argument is required.');
  const ifindex = await ctx.index(dev);
  spec.index = ifindex;
  if (name !== dev && name !== undefined) spec.ifname = name;
  if (index !== undefined) spec.new_ifindex = index;
  if (cmd === "del") {
    await ctx.change({ obj: "link", cmd: "del", spec: { index: ifindex } });
    return;
  }
  if (kind !== undefined && kindRest.length) throw notSupported(`ip link set type ${kind} ARGS`);
  await ctx.change({ obj: "link", cmd: "set", spec: spec as LinkSpec });
}

/** check_ifname: what the kernel takes as an interface name. */
function ifnameArg(v: string, msg: string): string {
  if (v === "" || new TextEncoder().encode(v).length >= 16 || /[\s/:]/.test(v)) {
    throw invarg(msg, v);
  }
  return v;
}

/** `ip link` verbs in iproute2's order (do_iplink). */
export const LINK_VERBS: VerbTable = {
  object: "link",
  verbs: [
    ["add", (ctx, args) => linkModify(ctx, "add", args)],
    ["set", (ctx, args) => linkModify(ctx, "set", args)],
    ["change", (ctx, args) => linkModify(ctx, "set", args)],
    ["replace", null],
    ["delete", (ctx, args) => linkModify(ctx, "del", args)],
    ["show", linkShow],
    ["lst", linkShow],
    ["list", linkShow],
    ["xstats", null],
    ["afstats", null],
    ["property", null],
    ["help", () => Promise.reject(usage(LINK_USAGE))],
  ],
  none: linkShow,
};

/** `ip link …`. */
export async function doLink(ctx: Ctx, args: string[]): Promise<void> {
  await dispatch(ctx, args, LINK_VERBS);
}
