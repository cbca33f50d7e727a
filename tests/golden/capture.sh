#!/usr/bin/env bash
# Regenerate the iproute2 golden captures in tests/golden/iproute2/.
#
# Every command runs inside a throw-away network namespace (gold<PID>),
# created fresh for each capture and always deleted (trap on EXIT).
# Nothing is ever run in the initial network namespace: each command string
# must start with ip/tc/bridge and gets "-n <ns>" inserted after the tool name.
#
# Requirements: root, iproute2 (ip, tc, bridge), strace, python3.
# Usage: sudo tests/golden/capture.sh [name-filter-regex]
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/iproute2
HELPER=$HERE/strace_to_golden.py
FILTER=${1:-}
NS=gold$$
TMP=$(mktemp -d /tmp/golden.XXXXXX)

cleanup() {
	if ip netns list 2>/dev/null | grep -qw -- "$NS"; then
		ip netns del "$NS"
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

die() { echo "capture.sh: $*" >&2; exit 1; }

for t in ip tc bridge strace python3; do
	command -v "$t" >/dev/null || die "missing $t"
done
[ "$(id -u)" = 0 ] || die "must run as root"

IPROUTE2_VERSION=$(ip -V | sed -n 's/.*iproute2-\([^ ,]*\).*/\1/p')
KERNEL=$(uname -r)
mkdir -p "$OUT"
# a full run replaces every capture (README.md is kept)
[ -n "$FILTER" ] || rm -f "$OUT"/*.json

# "ip link add ..." -> "ip -n gold123 link add ..." (refuses anything else)
nsify() {
	local cmd=$1 tool rest
	tool=${cmd%% *}
	rest=${cmd#* }
	case $tool in
	ip | tc | bridge) ;;
	*) echo "refusing to run non-iproute2 command: $cmd" >&2; return 1 ;;
	esac
	printf '%s -n %q %s' "$tool" "$NS" "$rest"
}

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }

NCAP=0
# cap NAME NOTE SETUP COMMAND    (SETUP: ';'-separated commands, may be "")
cap() {
	local name=$1 note=$2 setup=$3 cmd=$4
	if [ -n "$FILTER" ] && ! [[ $name =~ $FILTER ]]; then return 0; fi
	local full s step rc
	ip netns del "$NS" 2>/dev/null
	ip netns add "$NS" || die "cannot create netns $NS"

	local -a steps=() done_steps=() failures=()
	IFS=';' read -ra steps <<<"$setup"
	for s in "${steps[@]}"; do
		step=$(trim "$s")
		[ -n "$step" ] || continue
		done_steps+=("$step")
		full=$(nsify "$step") || die "bad setup step"
		if ! eval "$full" >/dev/null 2>"$TMP/serr"; then
			failures+=("$step => $(tr '\n' ' ' <"$TMP/serr")")
		fi
	done

	ip -n "$NS" -j link show >"$TMP/links.json" 2>/dev/null || echo '[]' >"$TMP/links.json"

	full=$(nsify "$cmd") || die "bad command"
	rm -f "$TMP/log"
	eval "strace -f -yy -o \"\$TMP/log\" -e trace=sendmsg,sendto,recvmsg,recvfrom \
		-e write=all -e read=all -xx -s 65536 $full" >"$TMP/stdout" 2>"$TMP/stderr"
	rc=$?

	CAP_COMMAND=$cmd CAP_NOTE=$note CAP_RC=$rc \
	CAP_SETUP=$(printf '%s\n' "${done_steps[@]+"${done_steps[@]}"}") \
	CAP_FAILURES=$(printf '%s\n' "${failures[@]+"${failures[@]}"}") \
	CAP_IPROUTE2=$IPROUTE2_VERSION CAP_KERNEL=$KERNEL \
	python3 - "$TMP/links.json" "$TMP/stderr" "$TMP/meta.json" <<'EOF'
import json, os, sys
links = json.load(open(sys.argv[1]))
lines = lambda v: [l for l in os.environ.get(v, "").split("\n") if l]
meta = {
    "command": os.environ["CAP_COMMAND"],
    "setup": lines("CAP_SETUP"),
    "setup_failures": lines("CAP_FAILURES"),
    "note": os.environ.get("CAP_NOTE", ""),
    "ifindexes": {l["ifname"]: l["ifindex"] for l in links},
    "exit_status": int(os.environ["CAP_RC"]),
    "stderr": open(sys.argv[2], errors="replace").read().strip(),
    "iproute2": os.environ["CAP_IPROUTE2"],
    "kernel": os.environ["CAP_KERNEL"],
}
json.dump(meta, open(sys.argv[3], "w"))
EOF
	python3 "$HELPER" "$TMP/meta.json" "$TMP/log" "$OUT/$name.json" || die "extract failed for $name"
	ip netns del "$NS"
	NCAP=$((NCAP + 1))
	printf '%-28s rc=%s %s\n' "$name" "$rc" "$(python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));print("main=%s errno=%s %s"%(d["main"],d["kernel_errno"],d["kernel_extack"] or ""))' "$OUT/$name.json")"
}

VETH="ip link add v0 type veth peer name v1"
UP="ip link set v0 up; ip link set v1 up"
L3="$VETH; $UP; ip addr add 10.0.0.1/24 dev v0"
BR="$VETH; ip link add br0 type bridge; ip link set v0 master br0; ip link set br0 up; $UP"

# ---------------------------------------------------------------- links
cap link_vlan "" "$VETH" "ip link add link v0 name v0.100 type vlan id 100"
cap link_vlan_8021ad "" "$VETH" "ip link add link v0 name v0.200 type vlan protocol 802.1ad id 200"
cap link_vlan_qos "" "$VETH" "ip link add link v0 name v0.300 type vlan id 300 egress-qos-map 1:2 ingress-qos-map 3:4 reorder_hdr off"
cap link_dummy "" "" "ip link add dummy0 type dummy"
cap link_bond "" "" "ip link add bond0 type bond mode 802.3ad miimon 100"
cap link_bond_slave_set "bond0 cannot be created on this kernel (setup step fails), so iproute2 fails to resolve the master name and never sends the RTM_NEWLINK; see link_set_master_bridge for the same request with an existing master." \
	"$VETH; ip link add bond0 type bond" "ip link set v0 master bond0"
cap link_set_master_bridge "Same request shape as enslaving to a bond: RTM_NEWLINK with IFLA_MASTER." \
	"$VETH; ip link add br0 type bridge" "ip link set v0 master br0"
cap link_set_nomaster "" "$VETH; ip link add br0 type bridge; ip link set v0 master br0" "ip link set v0 nomaster"
cap link_bond_slave_data "IFLA_LINKINFO with IFLA_INFO_SLAVE_KIND=bond and IFLA_INFO_SLAVE_DATA (IFLA_BOND_SLAVE_QUEUE_ID)." \
	"$VETH" "ip link set v0 type bond_slave queue_id 3"
cap link_ipvlan "" "$VETH" "ip link add link v0 name ipv0 type ipvlan mode l2"
cap link_vrf "" "" "ip link add vrf10 type vrf table 10"
cap link_gre "" "" "ip link add gre1 type gre remote 1.2.3.4 local 5.6.7.8 ttl 64"
cap link_gretap "" "" "ip link add gretap1 type gretap remote 1.2.3.4 local 5.6.7.8 ttl 64"
cap link_ipip "" "" "ip link add ipip1 type ipip remote 1.2.3.4 local 5.6.7.8 ttl 64"
cap link_sit "" "" "ip link add sit1 type sit remote 1.2.3.4 local 5.6.7.8 ttl 64"
cap link_ip6tnl "" "" "ip link add ip6tnl1 type ip6tnl remote 2001:db8::1 local 2001:db8::2"
cap link_wireguard "iproute2 has no wireguard-specific options; only IFLA_INFO_KIND is sent." "" "ip link add wg0 type wireguard"
cap link_nlmon "" "" "ip link add nlmon0 type nlmon"
cap link_veth "" "" "ip link add p0 type veth peer name p1"
cap link_bridge "" "" "ip link add br0 type bridge stp_state 1 forward_delay 500"
cap link_vxlan "" "$VETH" "ip link add vx0 type vxlan id 42 dstport 4789 remote 10.0.0.9 dev v0"
cap link_macvlan "" "$VETH" "ip link add link v0 name mv0 type macvlan mode bridge"
cap link_macvtap "" "$VETH" "ip link add link v0 name mvt0 type macvtap mode bridge"
cap link_ifb "" "" "ip link add ifb0 type ifb"
cap link_set_up "" "$VETH" "ip link set v0 up"
cap link_set_mtu "" "$VETH" "ip link set v0 mtu 1400"
cap link_del "" "$VETH" "ip link del v0"

# ------------------------------------------------- addresses/routes/etc.
cap addr_v4 "" "$VETH; $UP" "ip addr add 10.0.0.1/24 dev v0"
cap addr_v6 "" "$VETH; $UP" "ip -6 addr add 2001:db8::1/64 dev v0"
cap addr_del "" "$L3" "ip addr del 10.0.0.1/24 dev v0"
cap route_table_metric "" "$L3" "ip route add 10.1.0.0/16 via 10.0.0.2 table 100 metric 5"
cap route_multipath "" "$L3" "ip route add 10.2.0.0/16 nexthop via 10.0.0.2 weight 2 nexthop via 10.0.0.3 weight 1"
cap route_metrics "RTA_METRICS nest with RTAX_MTU and RTAX_ADVMSS." "$L3" "ip route add 10.3.0.0/16 via 10.0.0.2 mtu 1400 advmss 1360"
cap route_v6 "" "$VETH; $UP; ip -6 addr add 2001:db8::1/64 dev v0 nodad" "ip -6 route add 2001:db8:1::/48 via 2001:db8::2 dev v0"
cap route_del "" "$L3; ip route add 10.1.0.0/16 via 10.0.0.2" "ip route del 10.1.0.0/16 via 10.0.0.2"
cap rule_add "" "" "ip rule add from 10.0.0.0/8 table 100 priority 100"
cap neigh_add "" "$L3" "ip neigh add 10.0.0.5 lladdr 00:11:22:33:44:55 dev v0 nud permanent"
cap nexthop_add "" "$L3" "ip nexthop add id 1 via 10.0.0.2 dev v0"
cap nexthop_group "" "$L3; ip nexthop add id 1 via 10.0.0.2 dev v0; ip nexthop add id 2 via 10.0.0.3 dev v0" "ip nexthop add id 10 group 1/2"
cap route_mpls "" "$L3" "ip -f mpls route add 100 as 200 via inet 10.0.0.2 dev v0"
cap bridge_vlan_add "bridge(8) sends RTM_SETLINK with family AF_BRIDGE and IFLA_AF_SPEC/IFLA_BRIDGE_VLAN_INFO. This kernel has no bridge VLAN filtering (vlan_filtering 1 is refused too), hence EOPNOTSUPP." "$BR" "bridge vlan add vid 10 dev v0"

# ------------------------------------------------------- traffic control
HTB="$VETH; $UP; tc qdisc add dev v0 root handle 1: htb default 20"
ING="$VETH; $UP; tc qdisc add dev v0 ingress"
cap tc_qdisc_htb "" "$VETH; $UP" "tc qdisc add dev v0 root handle 1: htb default 20"
cap tc_class_htb "TCA_HTB_PARMS/RTAB/CTAB contents depend on /proc/net/psched (here 000003e8 00000040 000f4240 3b9aca00)." \
	"$HTB" "tc class add dev v0 parent 1: classid 1:10 htb rate 10mbit ceil 20mbit"
cap tc_filter_u32 "" "$HTB; tc class add dev v0 parent 1: classid 1:10 htb rate 10mbit ceil 20mbit" \
	"tc filter add dev v0 parent 1: protocol ip prio 1 u32 match ip dst 10.1.0.0/16 flowid 1:10"
cap tc_qdisc_tbf "Burst/buffer values depend on /proc/net/psched." "$VETH; $UP" "tc qdisc add dev v0 root tbf rate 1mbit burst 32kb latency 50ms"
cap tc_qdisc_ingress "" "$VETH; $UP" "tc qdisc add dev v0 ingress"
cap tc_filter_u32_mirred "" "$ING" "tc filter add dev v0 parent ffff: protocol ip u32 match ip src 10.2.0.0/16 action mirred egress redirect dev v1"
cap tc_qdisc_netem "Delay values depend on /proc/net/psched." "$VETH; $UP" "tc qdisc add dev v0 root netem delay 100ms 10ms loss 1% duplicate 2% reorder 25% corrupt 0.1% rate 1mbit"
cap tc_qdisc_sfq "" "$VETH; $UP" "tc qdisc add dev v0 root sfq perturb 10"
cap tc_qdisc_fq_codel "" "$VETH; $UP" "tc qdisc add dev v0 root fq_codel"
cap tc_qdisc_cake "" "$VETH; $UP" "tc qdisc add dev v0 root cake bandwidth 100mbit"
cap tc_qdisc_prio "" "$VETH; $UP" "tc qdisc add dev v0 root handle 1: prio bands 3"
cap tc_qdisc_hfsc "" "$VETH; $UP" "tc qdisc add dev v0 root handle 1: hfsc default 1"
cap tc_class_hfsc "" "$VETH; $UP; tc qdisc add dev v0 root handle 1: hfsc default 1" \
	"tc class add dev v0 parent 1: classid 1:1 hfsc sc rate 1mbit ul rate 2mbit"
cap tc_qdisc_clsact "" "$VETH; $UP" "tc qdisc add dev v0 clsact"
cap tc_qdisc_del "" "$HTB" "tc qdisc del dev v0 root"
cap tc_filter_matchall "" "$ING" "tc filter add dev v0 parent ffff: matchall action drop"
cap tc_filter_fw "" "$HTB" "tc filter add dev v0 parent 1: protocol ip prio 2 handle 5 fw classid 1:10"
cap tc_filter_flower "" "$ING" "tc filter add dev v0 parent ffff: protocol ip prio 3 flower dst_ip 10.0.0.0/8 ip_proto tcp dst_port 80 action drop"
cap tc_filter_matchall_gact "gact attached to a filter." "$ING" "tc filter add dev v0 parent ffff: prio 4 matchall action pass"
cap tc_filter_matchall_police "police attached to a filter." "$ING" "tc filter add dev v0 parent ffff: prio 5 matchall action police rate 1mbit burst 10k conform-exceed drop/pipe"
cap tc_filter_u32_police "pyroute2's u32 rate/burst shortcut: the old-style TCA_U32_POLICE." "$ING" "tc filter add dev v0 parent ffff: protocol ip prio 50 u32 match u32 0 0 at 12 flowid :1 police rate 10kbit burst 10240 drop"
cap tc_filter_matchall_skbedit "skbedit attached to a filter." "$ING" "tc filter add dev v0 parent ffff: prio 6 matchall action skbedit mark 5"
cap tc_filter_bpf_classic "cls_bpf with classic BPF bytecode (accept all); no object file needed." "$VETH; $UP; tc qdisc add dev v0 clsact" \
	"tc filter add dev v0 ingress prio 7 bpf bytecode '1,6 0 0 4294967295,' flowid 1:1"
cap tc_action_gact "Standalone RTM_NEWACTION." "" "tc actions add action pass index 1"
cap tc_action_police "Standalone RTM_NEWACTION." "" "tc actions add action police rate 1mbit burst 10k conform-exceed drop/pipe index 1"
cap tc_action_skbedit "Standalone RTM_NEWACTION." "" "tc actions add action skbedit mark 5 index 1"
cap tc_action_mirred "Standalone RTM_NEWACTION." "$VETH" "tc actions add action mirred egress redirect dev v1 index 1"

echo "captured $NCAP commands into $OUT"
