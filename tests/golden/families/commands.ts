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
  ],
};
