/**
 * IPsec through NETLINK_XFRM, as `ip xfrm` manages it: states (SAs: ESP, AH and IPcomp, in
 * transport, tunnel or BEET mode, with authentication, encryption, AEAD or compression
 * algorithms and their keys, replay windows and ESN, lifetimes, marks, interface ids and UDP
 * encapsulation), policies (selectors, templates, priorities, directions, actions), SPI
 * allocation, SAD and SPD counts, and events (acquires, expires, new and deleted SAs and
 * policies). Per network namespace.
 *
 * ```ts
 * import { XFRM } from "@denonet/netlink/xfrm";
 * import { netns } from "@denonet/netlink";
 *
 * const ns = `xfrm-doc-${Deno.pid}`; // a name no other process uses
 * netns.create(ns);
 * try {
 *   using xfrm = new XFRM({ netns: ns });
 *   using events = xfrm.monitor({ groups: ["policy"] }); // subscribed from here on
 *   await xfrm.policy("add", {
 *     sel: { src: "10.0.0.0/24", dst: "10.1.0.0/24" },
 *     dir: "out",
 *     priority: 100,
 *     tmpl: [{ src: "192.0.2.1", dst: "192.0.2.2", proto: "esp", reqid: 1, mode: "tunnel" }],
 *   });
 *   const [policy] = await xfrm.getPolicies();
 *   console.log(policy.sel.src, policy.dir, policy.tmpl[0].dst); // 10.0.0.0/24 1 192.0.2.2
 *   const sa = await xfrm.allocSpi({ src: "192.0.2.1", dst: "192.0.2.2", proto: "esp" });
 *   console.log(sa.spi.toString(16), (await xfrm.getSadInfo()).count); // a free SPI, 1
 *   for await (const ev of events) {
 *     if (ev.type === "newpolicy") console.log("added", ev.policy.sel.dst);
 *     break;
 *   }
 *   // An SA with keys: the kernel needs ESP and the algorithms (see docs/XFRM.md).
 *   const esp = {
 *     src: "192.0.2.1",
 *     dst: "192.0.2.2",
 *     proto: "esp",
 *     spi: 0x1000,
 *     mode: "tunnel",
 *     reqid: 1,
 *     aead: { name: "rfc4106(gcm(aes))", key: "0x" + "11".repeat(20), icv_len: 128 },
 *   } as const;
 *   await xfrm.state("add", esp).catch((e) => console.log(e.message));
 * } finally {
 *   netns.remove(ns);
 * }
 * ```
 *
 * Specs use the kernel's names where it has them (`reqid`, `replay_window`, `if_id`,
 * `set_mark`) and `ip xfrm`'s words for values (`proto: "esp"`, `mode: "tunnel"`,
 * `dir: "out"`, flags `["esn"]`); decoded states and policies are plain objects with numbers
 * (`proto: 50`) and addresses as text. An unknown algorithm, a key of the wrong length, a bad
 * selector or address is a TypeError naming the field, before anything is sent.
 *
 * @module
 */

export * from "./names.ts";
export * from "./structs.ts";
export * from "./schema.ts";
export * from "./algorithms.ts";
export * from "./spec.ts";
export * from "./decode.ts";
export * from "./xfrm.ts";
