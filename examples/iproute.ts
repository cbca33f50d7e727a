/**
 * pyroute2's iproute walkthrough, line by line, in a throwaway network namespace:
 *
 * ```python
 * dev = ip.link_lookup(ifname='tap0')[0]
 * ip.link('set', index=dev, state='down')
 * ip.link('set', index=dev, address='00:11:22:33:44:55', ifname='vpn')
 * ip.addr('add', index=dev, address='10.0.0.1', mask=24)
 * ip.addr('add', index=dev, address='10.0.0.2', mask=24)
 * ip.link('set', index=dev, state='up')
 * ```
 *
 * Run as root: `deno run --allow-ffi examples/iproute.ts`. The namespace is removed at the end,
 * also when a step fails; nothing outside it changes.
 *
 * @module
 */

import { IPRoute, netns } from "../mod.ts";

const IFA_F_SECONDARY = 0x01;

const ns = `iproute-example-${Deno.pid}`;
netns.create(ns);
try {
  using ip = new IPRoute({ netns: ns });

  // A tap device to play with (pyroute2's kind "tuntap", made through /dev/net/tun).
  await ip.link("add", { ifname: "tap0", kind: "tuntap", mode: "tap" });

  // The walkthrough.
  const [dev] = await ip.linkLookup({ ifname: "tap0" });
  await ip.link("set", { index: dev, state: "down" });
  await ip.link("set", { index: dev, address: "00:11:22:33:44:55", ifname: "vpn" });
  await ip.addr("add", { index: dev, address: "10.0.0.1", mask: 24, broadcast: true });
  await ip.addr("add", { index: dev, address: "10.0.0.2", mask: 24, broadcast: true });
  await ip.link("set", { index: dev, state: "up" });

  // The result, as the kernel reports it.
  const [link] = await ip.link("get", { index: dev });
  const mode = link.get(["linkinfo", "info_data", "tun_type"]) === 2 ? "tap" : "tun";
  console.log(`namespace ${ns}`);
  console.log(
    `${link.index}: ${link.ifname} (${link.kind}, ${mode}) ${link.state}, mtu ${link.mtu}, ` +
      `address ${link.address}`,
  );
  for (const a of await ip.getAddr({ index: dev })) {
    const role = a.family !== 2 ? "" : (a.flags ?? 0) & IFA_F_SECONDARY ? " secondary" : " primary";
    const brd = a.broadcast ? ` brd ${a.broadcast}` : "";
    console.log(
      `    ${a.family === 2 ? "inet" : "inet6"} ${a.address}/${a.prefixlen}${brd}${role}`,
    );
  }
} finally {
  netns.remove(ns);
}
