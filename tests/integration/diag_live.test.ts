/**
 * SockDiag live, in a namespace whose sockets a child holds: one socket by its tuple (TCP and
 * UDP, with and without its cookie), SOCK_DESTROY resetting a connection (skipped where the
 * kernel lacks CONFIG_INET_DIAG_DESTROY: probed in a throwaway namespace), netlink sockets (our own among them), one unix
 * socket by inode, the lazy list, raw sockets (or the clear error of a kernel without raw
 * diag), and abort signals.
 *
 * @module
 */

import assert from "node:assert/strict";
import { SockDiag } from "../../diag/mod.ts";
import type { TcpSocket } from "../../diag/mod.ts";
import { NetlinkError } from "../../netlink/errors.ts";
import { isRoot, withNetns } from "../helpers.ts";
import { diagGate, diagLacks, ss, withSocketChild } from "./diag_fixture.ts";

Deno.test({
  ...await diagGate("sock_diag live: get, netlink, unix by inode, lazy lists, raw, abort"),
  fn: () =>
    withSocketChild(async (ns, child) => {
      using diag = new SockDiag({ netns: ns });
      const { l4, u1, u2 } = child.ports;
      const client = { src: "127.0.0.1", sport: child.conn4.sport, dst: "127.0.0.1", dport: l4 };

      // get: by tuple, by view, by cookie; a tuple nobody holds; UDP (looked up as a packet).
      const dumped = (await diag.inet({ states: "established" })).find((s) =>
        s.sport === client.sport && s.dport === l4
      )!;
      const got = await diag.get(client, { extensions: ["info"] }) as TcpSocket | undefined;
      assert.ok(got, "the client end");
      assert.equal(got.inode, dumped.inode);
      assert.equal(got.cookie, dumped.cookie);
      assert.equal(got.info?.bytes_sent, child.sent.v4);
      assert.equal((await diag.get(dumped))?.inode, dumped.inode);
      assert.equal((await diag.get({ ...client, cookie: dumped.cookie }))?.inode, dumped.inode);
      assert.equal(await diag.get({ ...client, cookie: dumped.cookie + 1 }), undefined);
      assert.equal(await diag.get({ ...client, sport: 1 }), undefined);
      const listener = await diag.get({ src: "127.0.0.1", sport: l4, dst: "0.0.0.0", dport: 0 });
      assert.equal(listener?.state, 10);
      const v6 = await diag.get({
        src: "::1",
        sport: child.conn6.sport,
        dst: "::1",
        dport: child.ports.l6,
      });
      assert.equal(v6?.family, 10);
      const udp = await diag.get({
        protocol: "udp",
        src: "127.0.0.1",
        sport: u2,
        dst: "127.0.0.1",
        dport: u1,
      });
      assert.equal(udp?.inode, child.inodes.u2);
      assert.equal(udp?.state, 1);

      // netlink sockets: ours is there, with its port id.
      const nl = await diag.netlink({ protocol: "sock_diag" });
      const own = nl.find((s) => s.portid === diag.socket.portId);
      assert.ok(own, "our own NETLINK_SOCK_DIAG socket");
      assert.equal(own.protocol, 4);
      assert.ok((await diag.netlink()).length >= nl.length);

      // One unix socket by inode; an inode nobody has.
      const ud = await diag.unix({ inode: child.inodes.ud });
      assert.equal(ud.length, 1);
      assert.equal(ud.at(0)?.name, child.abstract);
      assert.equal((await diag.unix({ inode: 0x7ffffff0 })).length, 0);

      // The lazy list: fresh views over the kept bytes, filter/map/find/toJSON.
      const all = await diag.inet({ states: "all" });
      assert.ok(all.length >= 7);
      assert.notEqual(all.at(0), all.at(0));
      assert.equal(all.at(-1)?.inode, [...all][all.length - 1].inode);
      assert.equal(all.at(all.length), undefined);
      const listening = all.filter((s) => s.state === 10);
      assert.equal(listening.length, all.map((s) => s.state).filter((s) => s === 10).length);
      assert.ok(listening.some((s) => s.sport === l4));
      const json = JSON.parse(JSON.stringify(all)) as { src: string; sport: number }[];
      assert.equal(json.length, all.length);
      assert.equal(typeof json[0].src, "string");
      assert.ok(all.some((s) => s.inode === dumped.inode));

      // Raw sockets: listed, or a NetlinkError that names the missing kernel option.
      try {
        const raw = await diag.inet({ protocol: "raw" });
        if (child.inodes.raw) assert.ok(raw.some((s) => s.inode === child.inodes.raw));
      } catch (e) {
        assert.ok(e instanceof NetlinkError, String(e));
        assert.match(e.message, /CONFIG_INET_RAW_DIAG/);
      }

      // An aborted signal: the dump is given up, the socket stays usable.
      const ac = new AbortController();
      ac.abort(new Error("stop"));
      await assert.rejects(diag.inet({ signal: ac.signal }), /stop/);
      assert.ok((await diag.inet()).length > 0);
    }),
});

Deno.test({
  name: "sock_diag live: SockDiag closes cleanly, twice, and refuses work after",
  ignore: !isRoot,
  fn: async () => {
    const diag = new SockDiag();
    diag.close();
    diag.close();
    await assert.rejects(diag.inet(), /closed/);
  },
});

/** Whether SOCK_DESTROY works: destroying a socket nobody has says ENOENT, not EOPNOTSUPP. */
async function destroySupported(): Promise<boolean> {
  if (!isRoot) return false;
  return await withNetns(async (ns) => {
    using diag = new SockDiag({ netns: ns });
    try {
      await diag.destroy({ src: "127.0.0.1", sport: 1, dst: "127.0.0.1", dport: 2 });
      return true;
    } catch (e) {
      if (e instanceof NetlinkError && e.code === "EOPNOTSUPP") return false;
      return true;
    }
  }, "probe");
}

const diagWhy = await diagLacks();
const destroyWhy = diagWhy ??
  (await destroySupported() ? undefined : "kernel lacks CONFIG_INET_DIAG_DESTROY");

Deno.test({
  name: "sock_diag live: SOCK_DESTROY resets a TCP connection" +
    (destroyWhy ? ` (skipped: ${destroyWhy})` : ""),
  ignore: destroyWhy !== undefined,
  fn: () =>
    withSocketChild(async (ns, child) => {
      using diag = new SockDiag({ netns: ns });
      const client = {
        src: "127.0.0.1",
        sport: child.conn4.sport,
        dst: "127.0.0.1",
        dport: child.ports.l4,
      };
      const victim = await diag.get(client);
      assert.ok(victim, "the connection");
      await diag.destroy(victim);
      assert.equal(await diag.get({ ...client, cookie: victim.cookie }), undefined);
      const after = await ss(ns, "-tn", "state", "established");
      assert.doesNotMatch(after, new RegExp(`:${client.sport}\\b`));
      // The other connection is untouched; destroying what is gone is ENOENT.
      assert.match(after, new RegExp(`:${child.conn6.sport}\\b`));
      await assert.rejects(
        diag.destroy(client),
        (e) => e instanceof NetlinkError && e.code === "ENOENT",
      );
    }),
});
