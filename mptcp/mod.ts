/**
 * MPTCP: the in-kernel multipath TCP path manager through the `mptcp_pm` generic netlink
 * family, as `ip mptcp` configures it: endpoints (addresses the path manager announces or
 * opens subflows from, with the flags signal, subflow, backup and fullmesh), the per-connection
 * limits, and the path manager's events. Everything is per network namespace.
 *
 * ```ts
 * import { MPTCP } from "@denonet/netlink/mptcp";
 * import { netns } from "@denonet/netlink";
 *
 * const ns = `mptcp-doc-${Deno.pid}`; // a name no other process uses
 * netns.create(ns);
 * try {
 *   using mptcp = new MPTCP({ netns: ns });
 *   await mptcp.endpoint("add", { addr: "10.0.0.1", id: 1, flags: ["signal", "backup"] });
 *   console.log(await mptcp.getEndpoints()); // [{ id: 1, addr: "10.0.0.1", family: 2, flags: [ "signal", "backup" ] }]
 *   await mptcp.limits("set", { subflows: 2, rcv_add_addrs: 2 });
 *   console.log(await mptcp.getLimits()); // { rcv_add_addrs: 2, subflows: 2 }
 *   using events = await mptcp.monitor(); // subscribed from here on
 *   events.close();
 * } finally {
 *   netns.remove(ns);
 * }
 * ```
 *
 * Replies are typed views of `MPTCP_PM_ATTR_*` (`reply.addr?.addr4`, `reply.addr?.flags`);
 * `getEndpoints()` turns them into plain {@link MptcpEndpoint}s. A kernel without MPTCP gives a
 * NetlinkError (`ENOENT`) saying so.
 *
 * @module
 */

export * from "./schema.ts";
export * from "./mptcp.ts";
