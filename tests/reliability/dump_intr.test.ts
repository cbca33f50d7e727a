/**
 * Interrupted dumps against the real kernel: an address table changed while it is being dumped
 * (the kernel flags the rest of the dump NLM_F_DUMP_INTR). The caller chooses: reported as
 * DumpInterruptedError, or retried; a retried dump's result is the clean attempt alone, never
 * merged with the interrupted one. (The engine side is also unit-tested with a fake socket in
 * engine_unit.test.ts.)
 *
 * @module
 */

import assert from "node:assert/strict";
import { DumpInterruptedError, IPRoute } from "../../mod.ts";
import { NETLINK, NetlinkSocket } from "../../netlink/mod.ts";
import { encodeMessage } from "../../netlink/encoder.ts";
import { NLM_F } from "../../netlink/constants.ts";
import { messageViewClass } from "../../netlink/view.ts";
import { RTM } from "../../rtnl/constants.ts";
import { ADDR_MESSAGE } from "../../rtnl/schemas/addr.ts";
import { isRoot, withNetns } from "../helpers.ts";
import { ipBatch } from "./util.ts";

const ignore = !isRoot;
const N = 3000;

async function setup(ns: string): Promise<void> {
  const lines = ["link add v0 type veth peer name v1", "link set v0 up"];
  for (let i = 0; i < N; i++) lines.push(`addr add 10.1.${i >> 8}.${i & 255}/32 dev v0`);
  await ipBatch(ns, lines);
}

/** An RTM_NEWADDR for 10.99.x.y/32 on `index`: the kernel applies it inside sendmsg. */
function addAddr(index: number, n: number): Uint8Array {
  const a = `10.99.${n >> 8}.${n & 255}`;
  return encodeMessage(ADDR_MESSAGE, {
    type: RTM.NEWADDR,
    flags: NLM_F.REQUEST | NLM_F.CREATE | NLM_F.EXCL,
    header: { family: 2, prefixlen: 32, index },
    attrs: { local: a, address: a },
  });
}

const dumpReq = () =>
  encodeMessage(ADDR_MESSAGE, { type: RTM.GETADDR, flags: 0, header: { family: 2 } });

Deno.test({
  name: "dump intr: an address dump changed half way is reported (iterator and array form)",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      using ip = new IPRoute({ netns: ns });
      using other = new IPRoute({ netns: ns });
      // The iterator: the change comes between two datagrams of the dump.
      let n = 0;
      await assert.rejects(async () => {
        for await (const _ of ip.dumpIter(ADDR_MESSAGE, { type: RTM.GETADDR, flags: 0 })) {
          if (++n === 1) await other.addr("add", { index: "v0", address: "10.99.0.1/32" });
        }
      }, DumpInterruptedError);
      assert.ok(n > N, "the dump ran to its end before the error");
      // The array form without retries.
      const [v0] = await ip.linkLookup({ ifname: "v0" });
      using writer = new NetlinkSocket(NETLINK.ROUTE, { netns: ns });
      const C = messageViewClass(ADDR_MESSAGE);
      let changed = false;
      await assert.rejects(
        ip.engine.dumpAll(dumpReq(), {
          decoder: (dv, u8, off, len) => {
            if (!changed) {
              changed = true;
              writer.send(addAddr(v0, 2));
            }
            return new C(dv, u8, off, len);
          },
        }),
        DumpInterruptedError,
      );
      assert.equal(ip.engine.inFlight, 0);
    }, "rintr"),
});

Deno.test({
  name: "dump intr: retried as asked, the result is the clean attempt alone (never merged)",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await setup(ns);
      using ip = new IPRoute({ netns: ns });
      using writer = new NetlinkSocket(NETLINK.ROUTE, { netns: ns });
      const [v0] = await ip.linkLookup({ ifname: "v0" });
      const C = messageViewClass(ADDR_MESSAGE);
      let attempts = 0, firstOfAttempt = true;
      const sent = ip.socket.send.bind(ip.socket);
      ip.socket.send = (b) => {
        attempts++;
        firstOfAttempt = true;
        return sent(b);
      };
      // Two attempts are disturbed (one address added during each), the third is clean.
      const all = await ip.engine.dumpAll(dumpReq(), {
        retryInterrupted: 5,
        decoder: (dv, u8, off, len) => {
          if (firstOfAttempt && attempts <= 2) writer.send(addAddr(v0, attempts));
          firstOfAttempt = false;
          return new C(dv, u8, off, len);
        },
      });
      assert.equal(attempts, 3);
      const addrs = all.map((a) => a.get("local") as string);
      assert.equal(new Set(addrs).size, addrs.length, "an address appears twice: merged attempts");
      assert.equal(addrs.length, N + 2, "the clean attempt holds both added addresses");
      assert.ok(addrs.includes("10.99.0.1") && addrs.includes("10.99.0.2"));
    }, "rintr2"),
});
