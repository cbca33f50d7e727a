/**
 * `ip.batch()` pipelines 10k route adds over one socket: checked by what crosses the socket, which
 * is deterministic (how many datagrams the requests are packed into, how many acks come back),
 * not by the clock. Its speed against `ip -batch` is measured by `deno task bench:compare`
 * (the "10k adds pipelined / ip -batch" target; `--gate` fails when it is missed). Also: failures
 * are reported with their request while the rest are applied.
 */

import assert from "node:assert/strict";
import { BatchError, IPRoute } from "../../rtnl/mod.ts";
import { NetlinkError } from "../../netlink/errors.ts";
import { NLMSG_ERROR } from "../../netlink/constants.ts";
import { ipJson, isRoot, withNetns } from "../helpers.ts";
import { gate } from "../features.ts";

const ignore = !isRoot;
const N = 10_000;
/** ip.batch's default window: requests in flight at once, packed into one datagram. */
const WINDOW = 512;

async function setup(ip: IPRoute): Promise<number> {
  await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
  for (const n of ["lo", "v0", "v1"]) await ip.link("set", { index: n, state: "up" });
  await ip.addr("add", { index: "v0", address: "10.0.0.1/16" });
  return (await ip.linkLookup({ ifname: "v0" }))[0];
}

const dst = (i: number) => `20.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`;

/** Counts the datagrams sent and, in what comes back, the acks and the errors. */
function countTraffic(ip: IPRoute) {
  const t = { datagrams: 0, requests: 0, acks: 0, errors: 0 };
  const transport = ip.engine.transport;
  const send = transport.send.bind(transport);
  const receive = transport.receive.bind(transport);
  transport.send = (bytes: Uint8Array) => {
    const sent = send(bytes);
    if (sent) {
      t.datagrams++;
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let off = 0; off < bytes.byteLength; off += (dv.getUint32(off, true) + 3) & ~3) {
        t.requests++;
      }
    }
    return sent;
  };
  transport.receive = () => {
    const buf = receive();
    if (buf) {
      const dv = new DataView(buf);
      for (let off = 0; off + 16 <= buf.byteLength; off += (dv.getUint32(off, true) + 3) & ~3) {
        if (dv.getUint16(off + 4, true) !== NLMSG_ERROR) continue;
        if (dv.getInt32(off + 16, true) === 0) t.acks++;
        else t.errors++;
      }
    }
    return buf;
  };
  return t;
}

Deno.test({
  name: `batch: ${N} route adds go out in ${Math.ceil(N / WINDOW)} datagrams with one ack each`,
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const v0 = await setup(ip);
      const traffic = countTraffic(ip);
      const n = await ip.batch((b) => {
        for (let i = 0; i < N; i++) {
          b.route("add", { dst: dst(i), gateway: "10.0.0.2", oif: v0, table: 1000 });
        }
      });
      assert.equal(n, N);
      // Packed WINDOW to a datagram (well under 64 KiB each), and only each datagram's last
      // request asks for an ack: one ack per datagram, not one per request.
      assert.deepEqual(traffic, {
        datagrams: Math.ceil(N / WINDOW),
        requests: N,
        acks: Math.ceil(N / WINDOW),
        errors: 0,
      });
      assert.equal((await ip.getRoutes({ table: 1000 })).length, N);
      const [theirs] = await ipJson(ns, "route", "show", "table", "1000", dst(N - 1));
      assert.equal(theirs.gateway, "10.0.0.2");
    }, "batch"),
});

Deno.test({
  ...(await gate(
    "batch: every failure is reported with its request; the others are applied",
    "nexthop",
  )),
  fn: () =>
    withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      await setup(ip);
      const err = await ip.batch((b) => {
        b.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.2" });
        b.route("add", { dst: "10.1.0.0/16", gateway: "10.0.0.3" }); // EEXIST
        b.route("add", { dst: "10.2.0.0/33", gateway: "10.0.0.2" }); // bad input
        b.rule("add", { priority: 100, src: "10.0.0.0/8", table: 100 });
        b.nexthop("add", { id: 1, gateway: "10.0.0.2", oif: "v0" });
        b.neigh("add", { ifindex: "v0", dst: "10.0.0.5", lladdr: "02:00:00:00:00:05" });
        b.addr("add", { index: "v0", address: "10.0.0.1/16" }); // EEXIST
        b.route("add", { dst: "10.3.0.0/16", gateway: "192.0.2.1" }); // unreachable gateway
      }).catch((e) => e);
      assert.ok(err instanceof BatchError, String(err));
      assert.equal(err.succeeded, 4);
      assert.deepEqual(err.failures.map((f) => f.index), [1, 2, 6, 7]);
      assert.ok(err.failures[0].error instanceof NetlinkError);
      assert.equal((err.failures[0].error as NetlinkError).code, "EEXIST");
      assert.ok(err.failures[1].error instanceof RangeError);
      assert.match(err.failures[1].error.message, /^dst:/);
      assert.equal(err.failures[1].describe, "route add");
      assert.match(err.failures[3].error.message, /Nexthop has invalid gateway/);
      assert.equal((await ipJson(ns, "route", "show", "10.1.0.0/16"))[0].gateway, "10.0.0.2");
      assert.equal((await ipJson(ns, "rule", "show", "priority", "100")).length, 1);
      assert.equal((await ipJson(ns, "nexthop", "show")).length, 1);
    }, "batch"),
});
