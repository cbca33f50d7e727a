/**
 * Codec micro-benchmarks: decoding (lazy views, typed properties, `get`, `toJSON()`) and
 * encoding of link, address, route and tc messages, over realistic message bytes (see
 * ./messages.ts). No kernel and no root needed: `deno task bench`.
 *
 * @module
 */

import { encodeMessage, messageViewClass, NLM_F, Writer } from "../netlink/mod.ts";
import type { TypedMessage } from "../netlink/mod.ts";
import { NetlinkEngine } from "../netlink/engine.ts";
import type { Transport } from "../netlink/engine.ts";
import { ADDR_MESSAGE } from "../rtnl/schemas/addr.ts";
import { LINK_MESSAGE } from "../rtnl/schemas/link.ts";
import { ROUTE_MESSAGE } from "../rtnl/schemas/route.ts";
import { TC_QDISC_MESSAGE } from "../rtnl/schemas/tc.ts";
import {
  addr6Message,
  addrMessage,
  datagram,
  linkMessage,
  qdiscMessage,
  route6Message,
  routeMessage,
} from "./messages.ts";

const ROUTES = 500; // one 32 KiB dump datagram holds about 540 IPv4 routes
const routeDg = datagram(ROUTES, routeMessage);
const route6Dg = datagram(200, route6Message);
const linkDg = datagram(20, (i) => linkMessage(i + 2, `veth${i}`));
const addrDg = datagram(400, addrMessage);
const addr6Dg = datagram(300, addr6Message);
const qdiscDg = datagram(100, (i) => qdiscMessage(i + 2));

const RouteView = messageViewClass(ROUTE_MESSAGE);
const LinkView = messageViewClass(LINK_MESSAGE);
const AddrView = messageViewClass(ADDR_MESSAGE);
const TcView = messageViewClass(TC_QDISC_MESSAGE);

type Ctor<M> = new (dv: DataView, u8: Uint8Array, off: number, len: number) => M;

/** Splits a datagram into views, as the engine does for a dump. */
function views<M>(bytes: Uint8Array<ArrayBuffer>, C: Ctor<M>): M[] {
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const dv = new DataView(buf);
  const u8 = new Uint8Array(buf);
  const out: M[] = [];
  for (let off = 0; off + 16 <= u8.length;) {
    const len = dv.getUint32(off, true);
    out.push(new C(dv, u8, off, len));
    off += (len + 3) & ~3;
  }
  return out;
}

type Route = TypedMessage<typeof ROUTE_MESSAGE>;
type Link = TypedMessage<typeof LINK_MESSAGE>;
type Addr = TypedMessage<typeof ADDR_MESSAGE>;
type Tc = TypedMessage<typeof TC_QDISC_MESSAGE>;

let _sink: unknown;

// ---------------------------------------------------------------------------------------------
// Route decode: per 500-route datagram (divide by 500 for per-route figures).

Deno.bench("route decode: views only (lazy iteration), 500 routes", {
  group: "route decode",
  baseline: true,
}, () => {
  _sink = views<Route>(routeDg, RouteView as Ctor<Route>);
});

Deno.bench("route decode: dst+gateway+oif (full decode), 500 routes", {
  group: "route decode",
}, () => {
  let n = 0;
  for (const r of views<Route>(routeDg, RouteView as Ctor<Route>)) {
    if (r.dst !== undefined) n++;
    if (r.gateway !== undefined) n++;
    n += r.oif ?? 0;
  }
  _sink = n;
});

Deno.bench("route decode: every field via get(), 500 routes", { group: "route decode" }, () => {
  let n = 0;
  for (const r of views<Route>(routeDg, RouteView as Ctor<Route>)) {
    for (const k of ["family", "dst_len", "table", "proto", "scope", "type", "dst", "gateway"]) {
      if (r.get(k) !== undefined) n++;
    }
    n += r.get("oif") as number;
  }
  _sink = n;
});

Deno.bench("route decode: toJSON(), 500 routes", { group: "route decode" }, () => {
  _sink = views<Route>(routeDg, RouteView as Ctor<Route>).map((r) => r.toJSON());
});

Deno.bench(
  "route6 decode: dst+gateway+oif+priority, 200 routes",
  { group: "route6 decode" },
  () => {
    let n = 0;
    for (const r of views<Route>(route6Dg, RouteView as Ctor<Route>)) {
      if (r.dst !== undefined) n++;
      if (r.gateway !== undefined) n++;
      n += (r.oif ?? 0) + (r.priority ?? 0);
    }
    _sink = n;
  },
);

Deno.bench("route6 decode: toJSON(), 200 routes", { group: "route6 decode" }, () => {
  _sink = views<Route>(route6Dg, RouteView as Ctor<Route>).map((r) => r.toJSON());
});

// ---------------------------------------------------------------------------------------------
// Link, address, tc decode.

Deno.bench(
  "link decode: views only, 20 veth links",
  { group: "link decode", baseline: true },
  () => {
    _sink = views<Link>(linkDg, LinkView as Ctor<Link>);
  },
);

Deno.bench("link decode: ifname+mtu+address+operstate+kind, 20 links", {
  group: "link decode",
}, () => {
  let n = 0;
  for (const l of views<Link>(linkDg, LinkView as Ctor<Link>)) {
    n += l.ifname!.length + l.mtu! + l.address!.length + String(l.operstate).length + l.index;
    if (l.get(["linkinfo", "info_kind"]) === "veth") n++;
  }
  _sink = n;
});

Deno.bench("link decode: stats64 struct, 20 links", { group: "link decode" }, () => {
  let n = 0;
  for (const l of views<Link>(linkDg, LinkView as Ctor<Link>)) n += l.stats64!.rx_packets;
  _sink = n;
});

Deno.bench("link decode: toJSON(), 20 links", { group: "link decode" }, () => {
  _sink = views<Link>(linkDg, LinkView as Ctor<Link>).map((l) => l.toJSON());
});

Deno.bench("addr decode: address+prefixlen+index+label, 400 IPv4", {
  group: "addr decode",
  baseline: true,
}, () => {
  let n = 0;
  for (const a of views<Addr>(addrDg, AddrView as Ctor<Addr>)) {
    n += a.address!.length + a.prefixlen + a.index + (a.label?.length ?? 0);
  }
  _sink = n;
});

Deno.bench("addr decode: toJSON(), 400 IPv4", { group: "addr decode" }, () => {
  _sink = views<Addr>(addrDg, AddrView as Ctor<Addr>).map((a) => a.toJSON());
});

Deno.bench("addr decode: address+prefixlen+flags, 300 IPv6", { group: "addr decode" }, () => {
  let n = 0;
  for (const a of views<Addr>(addr6Dg, AddrView as Ctor<Addr>)) {
    n += a.address!.length + a.prefixlen + (a.get("flags") as number);
  }
  _sink = n;
});

Deno.bench(
  "tc decode: kind+handle+parent+options.init, 100 htb qdiscs",
  { group: "tc decode", baseline: true },
  () => {
    let n = 0;
    for (const q of views<Tc>(qdiscDg, TcView as Ctor<Tc>)) {
      n += q.kind!.length + q.handle + q.parent + q.index;
      n += (q.get(["options", "init"]) as { defcls: number }).defcls;
    }
    _sink = n;
  },
);

Deno.bench("tc decode: toJSON(), 100 qdiscs", { group: "tc decode" }, () => {
  _sink = views<Tc>(qdiscDg, TcView as Ctor<Tc>).map((q) => q.toJSON());
});

// ---------------------------------------------------------------------------------------------
// Attribute lookup on one link message (45 attributes).

const [oneLink] = views<Link>(datagram(1, () => linkMessage(2, "v0")), LinkView as Ctor<Link>);

Deno.bench("lookup: typed property l.mtu", { group: "lookup", baseline: true }, () => {
  _sink = oneLink.mtu;
});
Deno.bench('lookup: l.get("mtu")', { group: "lookup" }, () => {
  _sink = oneLink.get("mtu");
});
Deno.bench('lookup: l.get("IFLA_MTU")', { group: "lookup" }, () => {
  _sink = oneLink.get("IFLA_MTU");
});
Deno.bench("lookup: l.get(4) (by number)", { group: "lookup" }, () => {
  _sink = oneLink.get(4);
});
Deno.bench('lookup: l.get(["linkinfo", "info_kind"])', { group: "lookup" }, () => {
  _sink = oneLink.get(["linkinfo", "info_kind"]);
});
Deno.bench('lookup: l.has("master") (absent)', { group: "lookup" }, () => {
  _sink = oneLink.has("master");
});
Deno.bench("lookup: l.ifname (string)", { group: "lookup" }, () => {
  _sink = oneLink.ifname;
});
Deno.bench("lookup: l.index (header field)", { group: "lookup" }, () => {
  _sink = oneLink.index;
});
Deno.bench("lookup: first lookup on a fresh view (scan)", { group: "lookup" }, () => {
  _sink = new LinkView(oneLink.dv, oneLink.u8, 0, oneLink.end).get("mtu");
});

// ---------------------------------------------------------------------------------------------
// Engine dispatch of one 500-route datagram (receive path without the kernel).

class FakeTransport implements Transport {
  portId = 1234;
  lastGroups = 0;
  closed = false;
  send(): boolean {
    return true;
  }
  receive(): ArrayBuffer | null {
    return null;
  }
  readable(): Promise<void> {
    return new Promise(() => {});
  }
  close(): void {
    this.closed = true;
  }
}
const engine = new NetlinkEngine(new FakeTransport());
const routeBuf = routeDg.buffer.slice(0);
Deno.bench("dispatch: 500-route datagram to nobody (foreign seq)", {
  group: "dispatch",
}, () => {
  engine.dispatch(routeBuf);
});

// ---------------------------------------------------------------------------------------------
// Encode.

const w = new Writer(512);
Deno.bench("encode: route add (dst, gateway, oif)", { group: "encode", baseline: true }, () => {
  _sink = encodeMessage(ROUTE_MESSAGE, {
    type: 24,
    flags: NLM_F.CREATE | NLM_F.EXCL,
    header: { family: 2, dst_len: 24, table: 254, proto: 3, scope: 0, type: 1 },
    attrs: { dst: Uint8Array.of(30, 1, 2, 0), gateway: Uint8Array.of(10, 0, 0, 2), oif: 2 },
  }, w);
});
Deno.bench("encode: route add with text addresses", { group: "encode" }, () => {
  _sink = encodeMessage(ROUTE_MESSAGE, {
    type: 24,
    flags: NLM_F.CREATE | NLM_F.EXCL,
    header: { family: 2, dst_len: 24, table: 254, proto: 3, scope: 0, type: 1 },
    attrs: { dst: "30.1.2.0", gateway: "10.0.0.2", oif: 2 },
  }, w);
});
Deno.bench("encode: link add veth (nested peer)", { group: "encode" }, () => {
  _sink = encodeMessage(LINK_MESSAGE, {
    type: 16,
    flags: NLM_F.CREATE | NLM_F.EXCL,
    header: {},
    attrs: {
      ifname: "v0",
      mtu: 1400,
      linkinfo: { info_kind: "veth", info_data: { peer: { ifname: "v1" } } },
    },
  }, w);
});
Deno.bench("encode: link set (index, mtu, address)", { group: "encode" }, () => {
  _sink = encodeMessage(LINK_MESSAGE, {
    type: 16,
    flags: 0,
    header: { index: 2 },
    attrs: { mtu: 1400, address: "00:11:22:33:44:55", ifname: "vpn0" },
  }, w);
});
Deno.bench("encode: addr add 10.0.0.1/24 with label", { group: "encode" }, () => {
  _sink = encodeMessage(ADDR_MESSAGE, {
    type: 20,
    flags: NLM_F.CREATE | NLM_F.EXCL,
    header: { family: 2, prefixlen: 24, index: 2 },
    attrs: { local: "10.0.0.1", address: "10.0.0.1", label: "v0" },
  }, w);
});
Deno.bench("encode: tc qdisc add htb (kind, options)", { group: "encode" }, () => {
  _sink = encodeMessage(TC_QDISC_MESSAGE, {
    type: 36,
    flags: NLM_F.CREATE | NLM_F.EXCL,
    header: { index: 2, handle: 0x10000, parent: 0xffffffff },
    attrs: {
      kind: "htb",
      options: { init: { version: 3, rate2quantum: 10, defcls: 0x10 }, direct_qlen: 1000 },
    },
  }, w);
});
