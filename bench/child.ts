/**
 * One measurement of our library, run by bench/compare.ts as its own process (under
 * `ip netns exec NS`) so that its peak RSS is this measurement's alone.
 *
 *     deno run --allow-all bench/child.ts OP ITERATIONS [ARG]
 *
 * OP is one of route-lazy, route-pages, route-floor, route-floor-views, route-lazy-core, route-full, idle, link-full, addr-full, add-awaited, add-batch, ipdb-open,
 * ipdb-commit. The first iteration runs in a cold process (nothing compiled yet); the rest are
 * warm. Prints one JSON line: `{ op, count, seconds: [first, ...rest], hwmKiB, hwmFirstKiB }`,
 * where hwmFirstKiB is the peak RSS right after the first iteration, while its result is still
 * held (e.g. 100k decoded routes), and hwmKiB the peak at the end.
 *
 * @module
 */

import { IPRoute } from "../rtnl/mod.ts";
import { ROUTE_MESSAGE, RTM } from "../rtnl/schemas/mod.ts";
import { NetlinkSocket } from "../ffi/socket.ts";
import { encodeMessage } from "../netlink/encoder.ts";
import { NLM_F } from "../netlink/constants.ts";
import { messageViewClass } from "../netlink/view.ts";

const [op, iterArg, arg] = Deno.args;
const iterations = Math.max(1, Number(iterArg ?? 1));

function hwm(): number {
  const m = /VmHWM:\s+(\d+)/.exec(Deno.readTextFileSync("/proc/self/status"));
  return m ? Number(m[1]) : 0;
}

/** One timed operation: returns how many objects it produced and what it holds on to. */
type Op = () => Promise<{ count: number; held?: unknown }>;

async function makeOp(ip: IPRoute): Promise<Op> {
  switch (op) {
    case "route-lazy":
      return async () => {
        let count = 0;
        for await (const _ of ip.iterRoutes()) count++;
        return { count };
      };
    case "route-pages":
      // A page (the routes of one datagram) per await: the form for hot loops.
      return async () => {
        let count = 0;
        for await (const page of ip.iterRoutePages()) count += page.length;
        return { count };
      };
    case "idle":
      // The baseline of the peak RSS targets: the library imported, IPRoute open, one lookup.
      return async () => {
        const [index] = await ip.linkLookup({ ifname: "v0" });
        return { count: index > 0 ? 1 : 0 };
      };
    case "route-floor":
    case "route-floor-views":
      // Not the library: the least a `for await` per route costs over the same socket. A
      // hand-written iterator hands out one small object per message straight from each
      // datagram (no engine, no checks): the floor under the lazy row; with "-views", the
      // library's route view instead of the small object (a one-pass iterator's best).
      return async () => {
        using sock = new NetlinkSocket(0);
        const request = encodeMessage(ROUTE_MESSAGE, {
          type: RTM.GETROUTE,
          flags: NLM_F.REQUEST | NLM_F.DUMP,
          header: { family: 2 },
        });
        request[8] = 1; // nlmsg_seq
        sock.send(request);
        let count = 0;
        const views = op === "route-floor-views";
        for await (const _ of floorMessages(sock, views)) count++;
        return { count };
      };
    case "route-lazy-core":
      // The engine's dump iterator as IPRoute.dumpIter gives it, without iterRoutes' filtering
      // generator on top: shows what that extra async layer costs per route.
      return async () => {
        let count = 0;
        const spec = { type: RTM.GETROUTE, flags: 0, header: { family: 0 } };
        for await (const _ of ip.dumpIter(ROUTE_MESSAGE, spec)) count++;
        return { count };
      };
    case "route-full":
      return async () => {
        const routes = await ip.getRoutes();
        let seen = 0;
        for (const r of routes) {
          if (r.dst !== undefined) seen++;
          if (r.gateway !== undefined) seen++;
          if (r.oif !== undefined) seen++;
        }
        if (seen < routes.length) throw new Error("routes without dst, gateway or oif");
        return { count: routes.length, held: routes };
      };
    case "link-full":
      return async () => {
        const links = await ip.getLinks();
        let n = 0;
        for (const l of links) {
          n += l.index + (l.ifname?.length ?? 0) + (l.mtu ?? 0) + (l.address?.length ?? 0);
        }
        if (n <= 0) throw new Error("no links");
        return { count: links.length, held: links };
      };
    case "addr-full":
      return async () => {
        const addrs = await ip.getAddr();
        let n = 0;
        for (const a of addrs) n += a.index + a.prefixlen + (a.address?.length ?? 0);
        if (n <= 0) throw new Error("no addresses");
        return { count: addrs.length, held: addrs };
      };
    case "add-awaited":
    case "add-batch": {
      // Routes 30.a.b.0/24 via 10.0.0.2 dev v0, as ../shared/bench/pyroute2_add.py adds them.
      const n = Number(arg ?? 10000);
      const [oif] = await ip.linkLookup({ ifname: "v0" });
      const spec = (i: number) => ({
        dst: `30.${(i >> 8) & 255}.${i & 255}.0/24`,
        gateway: "10.0.0.2",
        oif,
      });
      return async () => {
        if (op === "add-awaited") {
          for (let i = 0; i < n; i++) await ip.route("add", spec(i));
        } else {
          await ip.batch((b) => {
            for (let i = 0; i < n; i++) b.route("add", spec(i));
          });
        }
        return { count: n };
      };
    }
  }
  throw new Error(`unknown op ${op}`);
}

/** One message of {@link floorMessages}. */
class Floor {
  constructor(readonly dv: DataView, readonly offset: number) {}
}

const RouteView = messageViewClass(ROUTE_MESSAGE);

/**
 * The messages of a dump up to NLMSG_DONE, one resolved promise each (see "route-floor"): a
 * small object each, or the library's route view when `views`.
 */
function floorMessages(sock: NetlinkSocket, views: boolean): AsyncIterableIterator<unknown> {
  let dv = new DataView(new ArrayBuffer(0));
  let u8 = new Uint8Array(0);
  let at = 0;
  let ended = false;
  const it: AsyncIterableIterator<unknown> = {
    async next(): Promise<IteratorResult<unknown>> {
      for (;;) {
        if (ended) return { value: undefined, done: true };
        if (at + 16 <= dv.byteLength) {
          const len = dv.getUint32(at, true);
          if (dv.getUint16(at + 4, true) === 3) { // NLMSG_DONE
            ended = true;
            continue;
          }
          const value = views ? new RouteView(dv, u8, at, len) : new Floor(dv, at);
          at += (len + 3) & ~3;
          return { value, done: false };
        }
        const buf = sock.receive();
        if (buf === null) {
          await sock.readable();
          continue;
        }
        dv = new DataView(buf);
        u8 = new Uint8Array(buf);
        at = 0;
      }
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

/** Deletes what an add iteration made (not timed). */
async function undo(ip: IPRoute): Promise<void> {
  if (op !== "add-awaited" && op !== "add-batch") return;
  const n = Number(arg ?? 10000);
  await ip.batch((b) => {
    for (let i = 0; i < n; i++) {
      b.route("del", { dst: `30.${(i >> 8) & 255}.${i & 255}.0/24`, gateway: "10.0.0.2" });
    }
  });
}

const seconds: number[] = [];
let count = 0;
let hwmFirst = 0;
{
  using ip = new IPRoute();
  const run = await makeOp(ip);
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    const r = await run();
    seconds.push((performance.now() - t0) / 1000);
    count = r.count;
    if (i === 0) hwmFirst = hwm();
    await undo(ip);
  }
}
console.log(JSON.stringify({ op, count, seconds, hwmFirstKiB: hwmFirst, hwmKiB: hwm() }));
