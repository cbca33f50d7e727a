/**
 * Only the kernel is trusted: a second netlink socket in the namespace forges replies (with the
 * right sequence number and port) and events, unicast to our request and monitoring sockets and
 * multicast to the groups they joined. Everything forged is dropped and counted; the kernel's
 * own answers still arrive; kernel replies nobody waits for are counted as foreign.
 *
 * @module
 */

import assert from "node:assert/strict";
import { IPRoute, type NetlinkError } from "../../mod.ts";
import { NETLINK, NetlinkSocket } from "../../netlink/mod.ts";
import { NetlinkEngine } from "../../netlink/engine.ts";
import { encodeMessage } from "../../netlink/encoder.ts";
import { NLM_F, NLMSG_DONE, NLMSG_ERROR } from "../../netlink/constants.ts";
import { RTM, RTNLGRP } from "../../rtnl/constants.ts";
import { LINK_MESSAGE } from "../../rtnl/schemas/link.ts";
import { decodeEvents } from "../../rtnl/monitor.ts";
import { ipCmd, isRoot, withNetns } from "../helpers.ts";
import { datagram, nlmsg, watchSends } from "./util.ts";

const ignore = !isRoot;

/** A forged RTM_NEWLINK for ifindex `index` named `ifname`, with the given seq and port. */
function fakeLink(seq: number, pid: number, index: number, ifname: string, flags = 0) {
  const m = encodeMessage(LINK_MESSAGE, {
    type: RTM.NEWLINK,
    flags,
    header: { index },
    attrs: { ifname, mtu: 1234 },
  });
  const dv = new DataView(m.buffer);
  dv.setUint32(8, seq, true);
  dv.setUint32(12, pid, true);
  return m;
}

/** A forged acknowledgement (error 0) of request `seq`. */
function fakeAck(seq: number, pid: number) {
  return nlmsg(
    NLMSG_ERROR,
    NLM_F.CAPPED,
    seq,
    pid,
    datagram(new Uint8Array(4), nlmsg(RTM.DELLINK, 5, seq, pid)),
  );
}

Deno.test({
  name: "trust: replies forged by another socket (right seq and port) are dropped and counted",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      using forger = new NetlinkSocket(NETLINK.ROUTE, { netns: ns });
      const sent = watchSends(ip.socket);
      await ip.link("get", { index: 1 });
      const seq = sent.at(-1)!.seq;
      const port = ip.socket.portId;
      // The answers to our next three requests, queued before the kernel's.
      forger.sendTo(
        datagram(fakeLink(seq + 1, port, 1, "forged0"), fakeAck(seq + 1, port)),
        port,
      );
      forger.sendTo(fakeAck(seq + 2, port), port);
      forger.sendTo(
        datagram(
          fakeLink(seq + 3, port, 77, "forged1", NLM_F.MULTI),
          nlmsg(NLMSG_DONE, NLM_F.MULTI, seq + 3, port, new Uint8Array(4)),
        ),
        port,
      );
      const [lo] = await ip.link("get", { index: 1 });
      assert.equal(lo.ifname, "lo");
      assert.equal(sent.at(-1)!.seq, seq + 1, "the forged answer had the right seq");
      // A forged ack must not turn the kernel's refusal into success.
      await assert.rejects(
        ip.link("del", { index: 4242 }),
        (e: NetlinkError) => e.code === "ENODEV",
      );
      const links = await ip.getLinks();
      assert.deepEqual(links.map((l) => l.ifname), ["lo"]);
      assert.equal(ip.socket.dropped, 3);
      assert.equal(ip.engine.stats.foreign, 0);
      // Messages forged from port 0 cannot be sent: the kernel fills the sender's port in.
      assert.notEqual(forger.portId, 0);
    }, "rtrust"),
});

Deno.test({
  name: "trust: events forged to a monitor's groups and port are dropped; real events arrive",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using mon = new NetlinkSocket(NETLINK.ROUTE, { netns: ns, groups: [RTNLGRP.link] });
      using forger = new NetlinkSocket(NETLINK.ROUTE, { netns: ns });
      const engine = new NetlinkEngine(mon);
      const group = 1 << (RTNLGRP.link - 1);
      forger.sendTo(fakeLink(0, 0, 99, "forged0"), 0, group); // multicast to the group
      forger.sendTo(fakeLink(0, 0, 98, "forged1"), mon.portId); // unicast to the monitor
      await ipCmd(ns, "link", "add", "real0", "type", "veth", "peer", "name", "real1");
      forger.sendTo(fakeLink(0, 0, 97, "forged2"), 0, group);
      await ipCmd(ns, "link", "del", "real0");
      const names: string[] = [];
      const ac = new AbortController();
      for await (const d of engine.datagrams(ac.signal)) {
        assert.notEqual(d, "overrun");
        for (const e of decodeEvents(d as ArrayBuffer)) {
          names.push(`${e.type} ${e.message!.get("ifname")}`);
        }
        if (names.includes("RTM_DELLINK real0")) ac.abort();
      }
      assert.ok(names.includes("RTM_NEWLINK real0"), names.join(", "));
      assert.ok(!names.some((n) => n.includes("forged")), names.join(", "));
      assert.equal(mon.dropped, 3);
    }, "rtrustev"),
});

Deno.test({
  name: "trust: ip.monitor() never yields a forged event",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      using forger = new NetlinkSocket(NETLINK.ROUTE, { netns: ns });
      const ac = new AbortController();
      const events = ip.monitor({ groups: ["link"], signal: ac.signal });
      const first = events.next(); // the monitoring socket exists from the first next()
      for (let i = 0; i < 50; i++) {
        forger.sendTo(fakeLink(0, 0, 100 + i, `forged${i}`), 0, 1 << (RTNLGRP.link - 1));
      }
      await ip.link("add", { ifname: "real0", kind: "veth", peer: "real1" });
      const names: string[] = [];
      for (let r = await first; !r.done; r = await events.next()) {
        names.push(String(r.value.message?.get("ifname")));
        if (names.includes("real1") && names.includes("real0")) break;
      }
      await events.return(undefined);
      assert.ok(!names.some((n) => n.startsWith("forged")), names.join(", "));
    }, "rtrustmon"),
});

Deno.test({
  name: "trust: kernel replies to no pending request (foreign seq) are dropped and counted",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      // Requests sent behind the engine's back: their answers match nothing it waits for.
      for (const seq of [0x7ffffff0, 12345]) {
        const req = encodeMessage(LINK_MESSAGE, {
          type: RTM.GETLINK,
          flags: NLM_F.REQUEST | NLM_F.ACK,
          header: { index: 1 },
        });
        new DataView(req.buffer).setUint32(8, seq, true);
        assert.ok(ip.socket.send(req));
      }
      const [lo] = await ip.link("get", { index: 1 });
      assert.equal(lo.ifname, "lo");
      // Two replies and two acks, all foreign.
      assert.equal(ip.engine.stats.foreign, 4);
      assert.equal(ip.socket.dropped, 0);
    }, "rtrustseq"),
});
