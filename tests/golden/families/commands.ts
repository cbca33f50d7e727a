/**
 * The commands whose requests tests/golden/families/capture.ts records, per family. Setups run
 * first in the same fresh namespace (lo=1, v0 and its peer v1 where made).
 *
 * @module
 */

/** One capture: a name, the command, and setup commands. */
export interface Capture {
  /** The capture's key in the JSON file. */
  name: string;
  /** The command (ip or ethtool; the namespace is added). */
  command: string;
  /** Commands run before it. */
  setup?: string[];
}

const VETH = [
  "ip link add v0 type veth peer name v1",
  "ip link set v0 up",
  "ip link set v1 up",
  "ip addr add 10.0.0.1/24 dev v0",
  "ip addr add 2001:db8::1/64 dev v0 nodad",
];

/** Captures per family. */
export const CAPTURES: Record<string, Capture[]> = {
  mptcp: [
    {
      name: "endpoint_add_v4",
      command: "ip mptcp endpoint add 10.0.0.1 dev v0 id 5 signal backup",
      setup: VETH,
    },
    {
      name: "endpoint_add_v6_port",
      command: "ip mptcp endpoint add 2001:db8::1 port 1234 id 7 signal",
      setup: VETH,
    },
    {
      name: "endpoint_add_subflow_fullmesh",
      command: "ip mptcp endpoint add 10.0.0.2 id 9 subflow fullmesh",
      setup: VETH,
    },
    {
      name: "endpoint_add_noid",
      command: "ip mptcp endpoint add 10.0.0.3 subflow",
      setup: VETH,
    },
    {
      name: "endpoint_del",
      command: "ip mptcp endpoint delete id 5",
      setup: [...VETH, "ip mptcp endpoint add 10.0.0.1 id 5 signal"],
    },
    {
      name: "endpoint_get",
      command: "ip mptcp endpoint show id 5",
      setup: [...VETH, "ip mptcp endpoint add 10.0.0.1 dev v0 id 5 signal backup"],
    },
    {
      name: "endpoint_dump",
      command: "ip mptcp endpoint show",
      setup: [
        ...VETH,
        "ip mptcp endpoint add 10.0.0.1 dev v0 id 5 signal backup",
        "ip mptcp endpoint add 2001:db8::1 port 1234 id 7 signal",
        "ip mptcp endpoint add 10.0.0.2 id 9 subflow fullmesh",
      ],
    },
    {
      name: "endpoint_flush",
      command: "ip mptcp endpoint flush",
      setup: [...VETH, "ip mptcp endpoint add 10.0.0.1 id 5 signal"],
    },
    {
      name: "endpoint_change",
      command: "ip mptcp endpoint change id 5 backup",
      setup: [...VETH, "ip mptcp endpoint add 10.0.0.1 id 5 subflow"],
    },
    {
      name: "endpoint_change_nobackup",
      command: "ip mptcp endpoint change id 5 nobackup",
      setup: [...VETH, "ip mptcp endpoint add 10.0.0.1 id 5 subflow backup"],
    },
    { name: "limits_get", command: "ip mptcp limits show" },
    { name: "limits_set", command: "ip mptcp limits set subflows 3 add_addr_accepted 4" },
    { name: "limits_set_subflows", command: "ip mptcp limits set subflows 2" },
  ],
  ethtool: [
    { name: "settings", command: "ethtool v0", setup: VETH },
    { name: "features_get", command: "ethtool -k v0", setup: VETH },
    { name: "features_get_json", command: "ethtool --json -k v0", setup: VETH },
    { name: "features_set_tso_off", command: "ethtool -K v0 tso off", setup: VETH },
    { name: "features_set_gro_list", command: "ethtool -K v0 rx-gro-list on gro off", setup: VETH },
    { name: "features_set_fixed", command: "ethtool -K v0 rx-lro on", setup: VETH },
    { name: "channels_get", command: "ethtool -l v0", setup: VETH },
    { name: "channels_set", command: "ethtool -L v0 rx 2 tx 2", setup: VETH },
    { name: "rings_get", command: "ethtool -g v0", setup: VETH },
    { name: "rings_set", command: "ethtool -G v0 rx 512", setup: VETH },
    { name: "coalesce_get", command: "ethtool -c v0", setup: VETH },
    { name: "coalesce_set", command: "ethtool -C v0 rx-usecs 10 adaptive-rx on", setup: VETH },
    { name: "pause_get", command: "ethtool -a v0", setup: VETH },
    { name: "pause_set", command: "ethtool -A v0 rx on tx off", setup: VETH },
    { name: "eee_get", command: "ethtool --show-eee v0", setup: VETH },
    { name: "eee_set", command: "ethtool --set-eee v0 eee on tx-timer 100", setup: VETH },
    { name: "privflags_get", command: "ethtool --show-priv-flags v0", setup: VETH },
    { name: "stats_groups", command: "ethtool --json -S v0 --all-groups", setup: VETH },
    { name: "stats_groups_mac", command: "ethtool -S v0 --groups eth-mac", setup: VETH },
    { name: "tsinfo", command: "ethtool -T v0", setup: VETH },
    { name: "linkinfo_down", command: "ethtool v1", setup: [...VETH, "ip link set v1 down"] },
    { name: "nodev", command: "ethtool -l nosuchdev" },
    {
      name: "linkmodes_set",
      command: "ethtool -s v0 speed 1000 duplex full autoneg off",
      setup: VETH,
    },
    { name: "linkinfo_set", command: "ethtool -s v0 port tp mdix on", setup: VETH },
  ],
  xfrm: [
    {
      name: "state_esp_tunnel",
      command:
        "ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 reqid 1 mode tunnel enc cbc(aes) 0x000102030405060708090a0b0c0d0e0f auth-trunc hmac(sha256) 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 128",
    },
    {
      name: "state_esp_aead",
      command:
        "ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x2000 reqid 2 mode transport aead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f10111213 128 replay-window 32 flag esn",
    },
    {
      name: "state_esp_full",
      command:
        "ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x3000 reqid 3 mode tunnel replay-window 64 flag noecn flag wildrecv enc cbc(aes) 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f auth hmac(sha1) 0x000102030405060708090a0b0c0d0e0f10111213 sel src 10.0.0.0/24 dst 10.1.0.0/24 proto tcp dport 443 limit time-hard 3600 limit byte-soft 1000000 encap espinudp 4500 4500 0.0.0.0 mark 7 mask 0xff if_id 9 output-mark 0x10",
    },
    {
      name: "state_ah",
      command: "ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto ah spi 0x4000 mode transport auth hmac(sha256) 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
    },
    {
      name: "state_comp",
      command: "ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto comp spi 0x5000 mode tunnel comp deflate",
    },
    {
      name: "state_v6",
      command:
        "ip xfrm state add src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x6000 mode transport enc cbc(aes) 0x000102030405060708090a0b0c0d0e0f auth-trunc hmac(sha256) 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 128 tfcpad 64 extra-flag dont-encap-dscp",
    },
    {
      name: "state_update",
      command: "ip xfrm state update src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 reqid 1 mode tunnel enc cbc(aes) 0x000102030405060708090a0b0c0d0e0f auth-trunc hmac(sha256) 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 128",
    },
    {
      name: "state_get",
      command: "ip xfrm state get src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000",
    },
    {
      name: "state_delete",
      command: "ip xfrm state delete src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000",
    },
    { name: "state_flush", command: "ip xfrm state flush" },
    { name: "state_flush_esp", command: "ip xfrm state flush proto esp" },
    {
      name: "state_allocspi",
      command: "ip xfrm state allocspi src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel reqid 5 min 0x1000 max 0x2000",
    },
    {
      name: "state_list",
      command: "ip xfrm state",
      setup: [
        "ip xfrm state allocspi src 192.0.2.1 dst 192.0.2.2 proto esp reqid 5 min 0x1000 max 0x1000",
        "ip xfrm state allocspi src 2001:db8::1 dst 2001:db8::2 proto ah mode tunnel min 0x2000 max 0x2000",
      ],
    },
    { name: "state_count", command: "ip xfrm state count" },
    { name: "policy_add", command: "ip xfrm policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out priority 100 tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode tunnel" },
    {
      name: "policy_add_full",
      command:
        "ip xfrm policy add src 10.0.0.0/24 dst 10.1.0.0/24 proto tcp sport 1000 dport 443 dir in action block priority 5 index 0 flag localok ptype main mark 3 mask 0xf if_id 2 limit time-soft 60",
    },
    {
      name: "policy_add_v6_two_tmpl",
      command:
        "ip xfrm policy add src 2001:db8:1::/64 dst 2001:db8:2::/64 dir fwd tmpl src 2001:db8::1 dst 2001:db8::2 proto esp reqid 1 mode tunnel tmpl src 2001:db8::1 dst 2001:db8::2 proto comp mode tunnel level use",
    },
    {
      name: "policy_add_icmp",
      command: "ip xfrm policy add src 10.0.0.1 dst 10.0.0.2 proto icmp type 8 code 0 dir out",
    },
    {
      name: "policy_update",
      command: "ip xfrm policy update src 10.0.0.0/24 dst 10.1.0.0/24 dir out priority 200 tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode tunnel",
      setup: ["ip xfrm policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out priority 100 tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode tunnel"],
    },
    {
      name: "policy_get",
      command: "ip xfrm policy get src 10.0.0.0/24 dst 10.1.0.0/24 dir out",
      setup: ["ip xfrm policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out priority 100 tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode tunnel"],
    },
    {
      name: "policy_delete",
      command: "ip xfrm policy delete src 10.0.0.0/24 dst 10.1.0.0/24 dir out",
      setup: ["ip xfrm policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out priority 100 tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode tunnel"],
    },
    {
      name: "policy_list",
      command: "ip xfrm policy",
      setup: [
        "ip xfrm policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir out priority 100 tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode tunnel",
        "ip xfrm policy add src 10.0.0.0/24 dst 10.1.0.0/24 proto tcp sport 1000 dport 443 dir in action block priority 5 flag localok mark 3 mask 0xf if_id 2",
        "ip xfrm policy add src 2001:db8:1::/64 dst 2001:db8:2::/64 dir fwd tmpl src 2001:db8::1 dst 2001:db8::2 proto esp reqid 1 mode tunnel tmpl src 2001:db8::1 dst 2001:db8::2 proto comp mode tunnel level use",
        "ip xfrm policy add src 10.0.0.1 dst 10.0.0.2 proto icmp type 8 code 0 dir out",
      ],
    },
    { name: "policy_flush", command: "ip xfrm policy flush" },
    { name: "policy_count", command: "ip xfrm policy count" },
  ],
};
