/**
 * The kind data a snapshot keeps of each link kind, with the kernel's default for each key (a
 * value equal to it is left out of a snapshot; `null`: no default, always kept). Counters,
 * timers and identifiers the kernel assigns are not listed. A key that names an interface is
 * in {@link DATA_REFS}: the snapshot holds the interface's name.
 *
 * @module
 */

/** Kind → data key → its default (null: none). */
export const LINK_DATA: Readonly<Record<string, Readonly<Record<string, number | null>>>> = {
  bridge: {
    br_stp_state: 0,
    br_forward_delay: 1500,
    br_hello_time: 200,
    br_max_age: 2000,
    br_ageing_time: 30000,
    br_priority: 32768,
    br_mcast_snooping: 1,
    br_mcast_querier: 0,
    br_vlan_filtering: 0,
    br_vlan_default_pvid: 1,
    /** 0x8100: 802.1Q (0x88a8: 802.1ad). */
    br_vlan_protocol: 0x8100,
    br_group_fwd_mask: 0,
  },
  vxlan: {
    vxlan_id: null,
    vxlan_port: 8472,
    vxlan_group: null,
    vxlan_group6: null,
    vxlan_local: null,
    vxlan_local6: null,
    vxlan_link: null,
    vxlan_ttl: 0,
    vxlan_tos: 0,
    vxlan_learning: 1,
    vxlan_ageing: 300,
    vxlan_proxy: 0,
    vxlan_l2miss: 0,
    vxlan_l3miss: 0,
  },
  macvlan: { macvlan_mode: 2 },
  /** tun/tap: 1 tun, 2 tap (made through /dev/net/tun: IPRoute's kind "tuntap"). */
  tun: { tun_type: null },
  macvtap: { macvlan_mode: 2 },
};

/** Data keys that take an interface. */
export const DATA_REFS: ReadonlySet<string> = new Set(["vxlan_link"]);

/**
 * Kind data of the kinds above that a snapshot does not keep, with the kernel's default: a link
 * whose value differs is listed as unmanaged (the document could not make it again as it is).
 * An object default is compared on its own keys only (`br_multi_boolopt`'s mask grows with the
 * kernel). Not here (neither compared nor listed): the kernel's state (timers, ids, counts),
 * bridge multicast intervals (their clock-tick conversion varies with the kernel's HZ), tun's
 * settings.
 */
export const LINK_DATA_NOT_KEPT: Readonly<
  Record<string, Readonly<Record<string, number | string | boolean | object>>>
> = {
  bridge: {
    br_group_addr: "01:80:c2:00:00:00",
    br_multi_boolopt: { optval: 0 },
    br_fdb_max_learned: 0,
    br_mcast_router: 1,
    br_mcast_query_use_ifaddr: 0,
    br_mcast_stats_enabled: 0,
    br_mcast_hash_elasticity: 16,
    br_mcast_hash_max: 4096,
    br_mcast_last_member_cnt: 2,
    br_mcast_startup_query_cnt: 2,
    br_mcast_igmp_version: 2,
    br_mcast_mld_version: 1,
    br_nf_call_iptables: 0,
    br_nf_call_ip6tables: 0,
    br_nf_call_arptables: 0,
    br_vlan_stats_enabled: 0,
    br_vlan_stats_per_port: 0,
  },
  vxlan: {
    vxlan_ttl_inherit: 0,
    vxlan_df: 0,
    vxlan_label: 0,
    vxlan_label_policy: 0,
    vxlan_rsc: 0,
    vxlan_collect_metadata: 0,
    vxlan_limit: 0,
    vxlan_udp_csum: 1,
    vxlan_udp_zero_csum6_tx: 0,
    vxlan_udp_zero_csum6_rx: 0,
    vxlan_remcsum_tx: 0,
    vxlan_remcsum_rx: 0,
    vxlan_localbypass: 1,
    vxlan_port_range: { low: 0, high: 0 },
    vxlan_gbp: false,
    vxlan_gpe: false,
    vxlan_remcsum_nopartial: false,
  },
  macvlan: { macvlan_flags: 0, macvlan_bc_queue_len: 1000 },
  macvtap: { macvlan_flags: 0, macvlan_bc_queue_len: 1000 },
};

/** The keys of `data` (a link's decoded kind data) not kept whose value is not the default. */
export function dataNotKept(kind: string, data: Record<string, unknown>): string[] {
  const table = LINK_DATA_NOT_KEPT[kind] ?? {};
  const differs = (v: unknown, d: unknown): boolean =>
    typeof d === "object" && d !== null
      ? Object.entries(d).some(([k, x]) => differs((v as Record<string, unknown>)?.[k], x))
      : v !== d;
  return Object.keys(table).filter((k) => data[k] !== undefined && differs(data[k], table[k]))
    .sort();
}
