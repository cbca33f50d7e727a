/**
 * pyroute2's IPDB walkthrough, in a namespace of its own (created here, removed at the end even
 * on failure): a tap device, pending changes and their review, rollback, commit, the dict form,
 * the context manager (`transaction`), a rename then `db.interfaces.vpn!.up()`, a route, and a
 * commit the kernel refuses (undone).
 *
 *   sudo deno run --allow-ffi examples/ipdb.ts
 */

import { CommitError, IPDB, netns } from "../mod.ts";

const ns = `ipdb-example-${Deno.pid}`;
netns.create(ns);
try {
  await using db = await IPDB.open({ netns: ns });

  // A tap device, as in pyroute2's walkthrough (made through /dev/net/tun: kind "tuntap").
  await db.create({ kind: "tuntap", mode: "tap", ifname: "tap0" }).commit();
  console.log("interfaces:", db.interfaces.keys());

  // Implicit transaction: every write is pending until commit() or rollback().
  const tap0 = db.interfaces.tap0!;
  tap0.down();
  tap0.address = "00:11:22:33:44:55";
  tap0.ifname = "vpn";
  tap0.ipaddr.add(["10.0.0.1", 24]);
  tap0.ipaddr.add("10.0.0.2/24");
  console.log("review:", tap0.review());

  tap0.rollback();
  console.log("after rollback:", tap0.review(), "ifname", tap0.ifname);

  // The same again, committed: applied in order and confirmed by the kernel's events.
  tap0.down();
  tap0.address = "00:11:22:33:44:55";
  tap0.ifname = "vpn";
  tap0.ipaddr.add(["10.0.0.1", 24]);
  tap0.ipaddr.add("10.0.0.2/24");
  await tap0.commit();
  console.log("committed:", db.interfaces.vpn!.toJSON());

  // The dict form.
  db.interfaces["vpn"]!["txqlen"] = 500;
  await db.interfaces["vpn"]!.commit();

  // The context manager: commits when the function returns, rolls back when it throws.
  await db.interfaces.vpn!.transaction((i) => {
    i.mtu = 1400;
  });
  try {
    await db.interfaces.vpn!.transaction((i) => {
      i.mtu = 1280;
      throw new Error("changed my mind");
    });
  } catch (e) {
    console.log(`rolled back (${(e as Error).message}); mtu is`, db.interfaces.vpn!.mtu);
  }

  // Rename then up (the walkthrough's last step).
  db.interfaces.vpn!.up();
  await db.interfaces.vpn!.commit();
  console.log("vpn:", db.interfaces.vpn!.state, db.interfaces.vpn!.operstate);

  // A route through it.
  await db.routes.add({ dst: "10.1.0.0/16", gateway: "10.0.0.254" }).commit();
  console.log("route:", db.routes["10.1.0.0/16"].toJSON());

  // A commit the kernel refuses half-way: the MTU is applied, the multicast MAC refused, and
  // the MTU change undone; the kernel is as before.
  const vpn = db.interfaces.vpn!;
  vpn.mtu = 1300;
  vpn.address = "01:00:5e:00:00:01";
  try {
    await vpn.commit();
  } catch (e) {
    if (!(e instanceof CommitError)) throw e;
    console.log("refused:", e.message);
    console.log("kernel state kept:", vpn.message?.mtu, vpn.message?.address);
    vpn.rollback();
  }
} finally {
  netns.remove(ns);
}
