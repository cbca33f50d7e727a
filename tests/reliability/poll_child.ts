/**
 * The child of poller.test.ts: 64 sockets (in the namespace given) wait in the shared poll while
 * this process lowers its own descriptor limit below the 65 descriptors that poll watches (so the
 * poll, rebuilt, fails with EINVAL on every call), and one more waiter joins. Prints what each
 * wait became.
 *
 * The limit is lowered without starving the runtime: Deno opens descriptors of its own at
 * moments it chooses (a timer about half a second after start loads the TLS roots and installs a
 * signal listener, whose socketpair failing with EMFILE is a panic). So the watched sockets are
 * placed above the new limit and the descriptors below it are left free: the kernel checks poll's
 * count against the limit, and gives every new descriptor the lowest free number, which stays
 * under the limit.
 *
 * @module
 */

import { NETLINK, NetlinkSocket } from "../../netlink/mod.ts";
import { LIBC_NAMES } from "../../ffi/libc.ts";

const RLIMIT_NOFILE = 7;
/** The lowered soft limit: under the 65 watched descriptors, above the ones left free. */
const LIMIT = 64;
/** How many free descriptors under the limit the runtime must be left (it needs a handful). */
const SPARE = 24;

const SYMBOLS = {
  dup: { parameters: ["i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  getrlimit: { parameters: ["i32", "buffer"], result: "i32" },
  setrlimit: { parameters: ["i32", "buffer"], result: "i32" },
} as const;
const c = (() => {
  for (const name of LIBC_NAMES) {
    try {
      return Deno.dlopen(name, SYMBOLS).symbols;
    } catch { /* the next name */ }
  }
  throw new Error("no C library");
})();

// Fill every free number under the limit, so that the sockets (and the poller's eventfd) are
// numbered above it; freed afterwards, these numbers are the runtime's spare descriptors.
const placeholders: number[] = [];
for (;;) {
  const fd = c.dup(2);
  if (fd < 0) throw new Error("dup failed");
  if (fd >= LIMIT) {
    c.close(fd);
    break;
  }
  placeholders.push(fd);
}
if (placeholders.length < SPARE) {
  throw new Error(`only ${placeholders.length} descriptors free under ${LIMIT}`);
}
// Each socket holds an fd above the limit (opening one in a namespace briefly holds another).
const socks = Array.from(
  { length: 64 },
  () => new NetlinkSocket(NETLINK.ROUTE, { netns: Deno.args[0], groups: [1] }),
);
for (const fd of placeholders) c.close(fd);

const outcome = (p: Promise<void>) =>
  p.then(() => "readable", (e) => `rejected: ${(e as Error).message}`);
// Everything below up to the await runs in one go, before the poll loop gets to run again: the
// first wait starts a poll (2 descriptors, under the limit), the others wake it, and when it
// returns it is rebuilt with all 65, over the limit by then. So every waiter is in place when the
// failing poll gives up, whatever the machine's load (a waiter that came after would start a
// new, smaller poll that succeeds and waits for ever).
// Nothing happens in the fresh namespace: none of these becomes readable by itself.
const waits = socks.map((s) => outcome(s.readable()));
const lim = new BigUint64Array(2);
if (c.getrlimit(RLIMIT_NOFILE, lim) !== 0) throw new Error("getrlimit failed");
lim[0] = BigInt(LIMIT);
if (c.setrlimit(RLIMIT_NOFILE, lim) !== 0) throw new Error("setrlimit failed");
// One more waiter on a socket already watched: the poll's descriptor count does not change.
const more = outcome(socks[0].readable());
// Only so that a regression (waiters never rejected) ends the child instead of hanging the test.
const timer = setTimeout(() => {
  console.log(JSON.stringify({ hung: true }));
  Deno.exit(3);
}, 20000);
const all = await Promise.all([...waits, more]);
clearTimeout(timer);
for (const s of socks) s.close();
console.log(JSON.stringify({ results: [...new Set(all)] }));
