/**
 * Captures the netfilter part of the fuzz corpus: real kernel replies of ctnetlink (entries of
 * every protocol with counters, timestamps, labels, zones, a helper and an expectation;
 * statistics; errors; events), from a fresh namespace, plus the requests conntrack(8) sent
 * (tests/golden/netfilter). Run as root:
 *
 *     deno run -A tests/fuzz/capture_netfilter.ts
 *
 * Writes tests/fuzz/corpus/nf_*.json and regenerates tests/fuzz/corpus/index.ts. Nothing runs
 * in the initial namespace; the namespace is removed even on failure.
 *
 * @module
 */

import * as netns from "../../ffi/netns.ts";
import { NETLINK, NetlinkSocket } from "../../ffi/socket.ts";
import { encodeMessage } from "../../netlink/encoder.ts";
import { NLM_F } from "../../netlink/constants.ts";
import { Conntrack, IPSet } from "../../netfilter/mod.ts";
import { IPSET_CMD, IPSET_MESSAGE } from "../../netfilter/ipset/schema.ts";
import { markNetOrder } from "../../netfilter/ipset/netorder.ts";
import {
  CHAIN_MESSAGE,
  NFT_MSG,
  OBJ_MESSAGE,
  RULE_MESSAGE,
  SET_MESSAGE,
  SETELEM_MESSAGE,
  TABLE_MESSAGE,
} from "../../netfilter/nftables/schema.ts";
import type { MessageSchema } from "../../netlink/schema.ts";

const NFT_MSG_SCHEMA: Record<number, MessageSchema> = {
  [NFT_MSG.GETTABLE]: TABLE_MESSAGE,
  [NFT_MSG.GETCHAIN]: CHAIN_MESSAGE,
  [NFT_MSG.GETRULE]: RULE_MESSAGE,
  [NFT_MSG.GETSET]: SET_MESSAGE,
  [NFT_MSG.GETSETELEM]: SETELEM_MESSAGE,
  [NFT_MSG.GETOBJ]: OBJ_MESSAGE,
};
import { NFNL_SUBSYS, nfnlType } from "../../netfilter/nfnetlink.ts";
import {
  CT_MESSAGE,
  EXP_MESSAGE,
  IPCTNL_MSG_CT,
  IPCTNL_MSG_EXP,
} from "../../netfilter/conntrack/schema.ts";
import { exchange, hexOf, writeIndex } from "./capture.ts";

const HERE = new URL(".", import.meta.url).pathname;
const NS = `nlt-nfcap-${Deno.pid}`;

async function sh(...args: string[]): Promise<void> {
  const out = await new Deno.Command("ip", { args: ["netns", "exec", NS, ...args] }).output();
  if (!out.success) throw new Error(`${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

const ct = (op: number) => nfnlType(NFNL_SUBSYS.CTNETLINK, op);
const exp = (op: number) => nfnlType(NFNL_SUBSYS.CTNETLINK_EXP, op);
const hdr = { family: 0, version: 0, res_id: 0 };

async function conntrackCorpus(
  corpus: Record<string, { description: string; datagrams: string[] }>,
): Promise<void> {
  await sh(
    "sysctl",
    "-qw",
    "net.netfilter.nf_conntrack_acct=1",
    "net.netfilter.nf_conntrack_timestamp=1",
  );
  await sh(
    "nft",
    "add table ip l; add chain ip l c { type filter hook input priority 0; }; add rule ip l c ct label set 3",
  );
  using mon = new NetlinkSocket(NETLINK.NETFILTER, {
    netns: NS,
    groups: [1, 2, 3, 4, 5, 6],
    rcvbuf: 1 << 20,
  });
  using c = new Conntrack({ netns: NS });
  const tcp = {
    saddr: "10.0.0.1",
    daddr: "10.0.0.2",
    proto: "tcp",
    sport: 1234,
    dport: 21,
  } as const;
  await c.create({
    tuple_orig: tcp,
    timeout: 300,
    help: { name: "ftp" },
    status: ["ASSURED", "SEEN_REPLY"],
    protoinfo: {
      tcp: { state: "ESTABLISHED", wscale_original: 7, flags_original: { flags: 3, mask: 3 } },
    },
    mark: 0xdead,
    labels: [1, 100],
  });
  await c.create({
    tuple_orig: { saddr: "10.0.0.3", daddr: "10.0.0.4", proto: "udp", sport: 53, dport: 5353 },
    timeout: 60,
    zone: 7,
  });
  await c.create({
    tuple_orig: {
      saddr: "10.0.0.5",
      daddr: "10.0.0.6",
      proto: "icmp",
      icmp_type: 8,
      icmp_code: 0,
      icmp_id: 9,
    },
    tuple_reply: {
      saddr: "10.0.0.6",
      daddr: "10.0.0.5",
      proto: "icmp",
      icmp_type: 0,
      icmp_code: 0,
      icmp_id: 9,
    },
    timeout: 30,
  });
  await c.create({
    tuple_orig: { saddr: "2001:db8::1", daddr: "2001:db8::2", proto: "sctp", sport: 9, dport: 10 },
    timeout: 30,
  });
  await c.create({
    tuple_orig: { saddr: "2001:db8::1", daddr: "2001:db8::2", proto: "tcp", sport: 7, dport: 8 },
    timeout: 30,
    protoinfo: { tcp: { state: "SYN_SENT" } },
  });
  await c.createExpectation({
    master: tcp,
    tuple: { ...tcp, sport: 0, dport: 2121 },
    mask: {
      saddr: "255.255.255.255",
      daddr: "255.255.255.255",
      proto: "tcp",
      sport: 0,
      dport: 0xffff,
    },
    timeout: 200,
  });
  await c.update({ tuple_orig: tcp, mark: 1 });
  using sock = new NetlinkSocket(NETLINK.NETFILTER, { netns: NS, rcvbuf: 1 << 20 });
  let seq = 5000;
  const req = (
    schema: typeof CT_MESSAGE | typeof EXP_MESSAGE,
    type: number,
    flags: number,
    attrs = {},
  ) => encodeMessage(schema, { type, flags, header: hdr, attrs });
  corpus.nf_conntrack = { description: "ctnetlink dumps, statistics and errors", datagrams: [] };
  const d = corpus.nf_conntrack.datagrams;
  d.push(...await exchange(sock, req(CT_MESSAGE, ct(IPCTNL_MSG_CT.GET), NLM_F.DUMP), ++seq));
  d.push(
    ...await exchange(sock, req(CT_MESSAGE, ct(IPCTNL_MSG_CT.GET_STATS_CPU), NLM_F.DUMP), ++seq),
  );
  d.push(...await exchange(sock, req(CT_MESSAGE, ct(IPCTNL_MSG_CT.GET_STATS), NLM_F.ACK), ++seq));
  d.push(...await exchange(sock, req(EXP_MESSAGE, exp(IPCTNL_MSG_EXP.GET), NLM_F.DUMP), ++seq));
  d.push(
    ...await exchange(sock, req(EXP_MESSAGE, exp(IPCTNL_MSG_EXP.GET_STATS_CPU), NLM_F.DUMP), ++seq),
  );
  // Errors with extended acks: a bad tuple, a missing entry.
  d.push(
    ...await exchange(
      sock,
      req(CT_MESSAGE, ct(IPCTNL_MSG_CT.GET), NLM_F.ACK, { tuple_orig: { ip: {} } }),
      ++seq,
    ),
  );
  d.push(
    ...await exchange(
      sock,
      req(CT_MESSAGE, ct(IPCTNL_MSG_CT.NEW), NLM_F.ACK | NLM_F.CREATE, { timeout: 5 }),
      ++seq,
    ),
  );
  await c.flush({ all: true });
  corpus.nf_events = {
    description: "ctnetlink events (new, update, destroy, expectations)",
    datagrams: [],
  };
  for (let buf = mon.receive(); buf; buf = mon.receive()) {
    corpus.nf_events.datagrams.push(hexOf(new Uint8Array(buf)));
  }
}

async function ipsetCorpus(
  corpus: Record<string, { description: string; datagrams: string[] }>,
): Promise<void> {
  using ipset = new IPSet({ netns: NS });
  await ipset.create("ip", { type: "hash:ip", timeout: 100, counters: true, comment: true });
  await ipset.add("ip", [{ ip: "10.0.0.1", comment: "one", packets: 3, bytes: 9 }, "10.0.0.2"]);
  await ipset.create("net6", { type: "hash:net", family: "inet6" });
  await ipset.add("net6", ["2001:db8::/32", { ip: "2001:db8:1::", cidr: 48, nomatch: true }]);
  await ipset.create("ipport", { type: "hash:ip,port" });
  await ipset.add("ipport", ["10.0.0.1,tcp:80", "10.0.0.2,icmp:echo-request"]);
  await ipset.create("netif", { type: "hash:net,iface", skbinfo: true });
  await ipset.add("netif", [{
    ip: "10.0.0.0",
    cidr: 8,
    iface: "eth0",
    skbmark: 1,
    skbprio: "1:2",
  }]);
  await ipset.create("ports", { type: "bitmap:port", range: "1-100", timeout: 10 });
  await ipset.add("ports", ["5", "7-9"]);
  await ipset.create("mac", { type: "bitmap:ip,mac", range: "10.0.0.0/24" });
  await ipset.add("mac", [{ ip: "10.0.0.1", mac: "00:11:22:33:44:55" }]);
  await ipset.create("list", { type: "list:set", size: 4 });
  await ipset.add("list", ["ip", "ipport"]);
  using sock = new NetlinkSocket(NETLINK.NETFILTER, { netns: NS, rcvbuf: 1 << 20 });
  let seq = 7000;
  const req = (cmd: number, flags: number, attrs: Record<string, unknown>) =>
    markNetOrder(
      encodeMessage(IPSET_MESSAGE, {
        type: nfnlType(NFNL_SUBSYS.IPSET, cmd),
        flags,
        header: { family: 2, version: 0, res_id: 0 },
        attrs: { protocol: 7, ...attrs },
      }),
      IPSET_MESSAGE,
    );
  corpus.nf_ipset = {
    description: "ipset list, save, header, type, protocol and errors",
    datagrams: [],
  };
  const d = corpus.nf_ipset.datagrams;
  d.push(...await exchange(sock, req(IPSET_CMD.LIST, NLM_F.DUMP, {}), ++seq));
  d.push(...await exchange(sock, req(IPSET_CMD.SAVE, NLM_F.DUMP, { setname: "ip" }), ++seq));
  d.push(...await exchange(sock, req(IPSET_CMD.HEADER, NLM_F.ACK, { setname: "netif" }), ++seq));
  d.push(
    ...await exchange(
      sock,
      req(IPSET_CMD.TYPE, NLM_F.ACK, { typename: "hash:net", family: 2 }),
      ++seq,
    ),
  );
  d.push(...await exchange(sock, req(IPSET_CMD.PROTOCOL, NLM_F.ACK, {}), ++seq));
  d.push(
    ...await exchange(
      sock,
      req(IPSET_CMD.CREATE, NLM_F.ACK | NLM_F.EXCL | NLM_F.CREATE, {
        setname: "ip",
        typename: "hash:ip",
        revision: 6,
        family: 2,
      }),
      ++seq,
    ),
  );
  d.push(...await exchange(sock, req(IPSET_CMD.HEADER, NLM_F.ACK, { setname: "nope" }), ++seq));
}

async function nftablesCorpus(
  corpus: Record<string, { description: string; datagrams: string[] }>,
): Promise<void> {
  using mon = new NetlinkSocket(NETLINK.NETFILTER, { netns: NS, groups: [7], rcvbuf: 1 << 20 });
  const load = new Deno.Command("ip", {
    args: ["netns", "exec", NS, "nft", "-f", `${HERE}../golden/netfilter/ruleset.nft`],
  });
  const out = await load.output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  using sock = new NetlinkSocket(NETLINK.NETFILTER, { netns: NS, rcvbuf: 1 << 20 });
  let seq = 9000;
  const dump = (msg: number, attrs: Record<string, unknown> = {}) =>
    encodeMessage(NFT_MSG_SCHEMA[msg], {
      type: nfnlType(NFNL_SUBSYS.NFTABLES, msg),
      flags: NLM_F.DUMP,
      header: { family: 0, version: 0, res_id: 0 },
      attrs,
    });
  corpus.nf_nftables = {
    description: "nf_tables dumps of a ruleset, errors and events",
    datagrams: [],
  };
  const d = corpus.nf_nftables.datagrams;
  for (
    const msg of [
      NFT_MSG.GETTABLE,
      NFT_MSG.GETCHAIN,
      NFT_MSG.GETRULE,
      NFT_MSG.GETSET,
      NFT_MSG.GETOBJ,
    ]
  ) {
    d.push(...await exchange(sock, dump(msg), ++seq));
  }
  d.push(
    ...await exchange(sock, dump(NFT_MSG.GETSETELEM, { table: "filter", set: "blocked" }), ++seq),
  );
  d.push(...await exchange(sock, dump(NFT_MSG.GETSETELEM, { table: "nope", set: "x" }), ++seq));
  for (let buf = mon.receive(); buf; buf = mon.receive()) d.push(hexOf(new Uint8Array(buf)));
}

async function main(): Promise<void> {
  if (Deno.uid() !== 0) throw new Error("capture_netfilter.ts needs root");
  const corpus: Record<string, { description: string; datagrams: string[] }> = {};
  netns.create(NS);
  try {
    await conntrackCorpus(corpus);
    await ipsetCorpus(corpus);
    await nftablesCorpus(corpus);
  } finally {
    netns.remove(NS);
  }
  // What the reference tools sent.
  corpus.nf_requests = {
    description: "requests of conntrack, ipset and nft (tests/golden/netfilter)",
    datagrams: [],
  };
  const golden = `${HERE}../golden/netfilter/`;
  for (const e of [...Deno.readDirSync(golden)].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!e.name.endsWith(".json")) continue;
    corpus.nf_requests.datagrams.push(
      ...JSON.parse(Deno.readTextFileSync(golden + e.name)).requests,
    );
  }
  for (const [name, entry] of Object.entries(corpus)) {
    if (entry.datagrams.length === 0) throw new Error(`corpus ${name} is empty`);
    await Deno.writeTextFile(`${HERE}corpus/${name}.json`, JSON.stringify(entry, null, 1) + "\n");
  }
  await writeIndex();
  console.log(Object.entries(corpus).map(([k, v]) => `${k}: ${v.datagrams.length}`).join("\n"));
}

if (import.meta.main) await main();
