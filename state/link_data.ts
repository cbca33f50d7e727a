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
