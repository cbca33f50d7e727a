/**
 * The child of poller.test.ts: 64 sockets waiting in the shared poll (in the namespace given),
 * then, once the parent has lowered this process's descriptor limit below that, one more wait
 * (the poll is rebuilt and fails with EINVAL on every call). Prints what each wait became.
 *
 * @module
 */

import { NETLINK, NetlinkSocket } from "../../netlink/mod.ts";

const ns = Deno.args[0];
const socks = Array.from(
  { length: 64 },
  () => new NetlinkSocket(NETLINK.ROUTE, { netns: ns, groups: [1] }),
);
const outcome = (p: Promise<void>) =>
  p.then(() => "readable", (e) => `rejected: ${(e as Error).message}`);
const waits = socks.map((s) => outcome(s.readable()));
console.log("ready");
await Deno.stdin.read(new Uint8Array(16));
const more = outcome(socks[0].readable());
const timer = setTimeout(() => {
  console.log(JSON.stringify({ hung: true }));
  Deno.exit(3);
}, 20000);
const all = await Promise.all([...waits, more]);
clearTimeout(timer);
for (const s of socks) s.close();
console.log(JSON.stringify({ results: [...new Set(all)] }));
