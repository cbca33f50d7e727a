/**
 * Ethtool: what the `ethtool` command reads and changes, over the kernel's `ethtool` generic
 * netlink family: link information, link modes and link state, features (offloads, by the names
 * `ethtool -k` prints), rings, channels, interrupt coalescing, pause frames, EEE, private flags,
 * string sets, standard statistics groups, and notifications of changes. Per network namespace.
 *
 * ```ts
 * import { Ethtool, ethtoolFeatureLine, ethtoolFeatureRows } from "@denonet/netlink/ethtool";
 * import { IPRoute, netns } from "@denonet/netlink";
 *
 * const ns = `ethtool-doc-${Deno.pid}`; // a name no other process uses
 * netns.create(ns);
 * try {
 *   using ip = new IPRoute({ netns: ns });
 *   await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
 *   using et = new Ethtool({ netns: ns });
 *   console.log(await et.getChannels("v0")); // { rx_max: 2, tx_max: 2, rx_count: 1, tx_count: 1 }
 *   await et.setChannels("v0", { rx_count: 2 }); // ethtool -L v0 rx 2
 *   await et.setFeatures("v0", { tso: false }); // ethtool -K v0 tso off
 *   const features = await et.getFeatures("v0"); // { "tx-tcp-segmentation": { active, requested, fixed }, … }
 *   for (const row of ethtoolFeatureRows(features).slice(0, 3)) {
 *     console.log(ethtoolFeatureLine(row)); // as ethtool -k prints it: "rx-checksumming: on"
 *   }
 *   console.log(await et.getLinkState("v0")); // { link: false }
 *   using events = await et.monitor(); // features_ntf, channels_ntf, … from here on
 *   events.close();
 * } finally {
 *   netns.remove(ns);
 * }
 * ```
 *
 * An operation the driver does not support is a NetlinkError with code `EOPNOTSUPP` (the
 * kernel's "Operation not supported"), as `ethtool` reports it.
 *
 * @module
 */

export * from "./schema.ts";
export * from "./bitset.ts";
export * from "./features.ts";
export * from "./ethtool.ts";
