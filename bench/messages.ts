/**
 * Realistic rtnetlink reply bytes for the codec benchmarks, built with a small TLV writer that
 * does not use the library's encoder (so decode benchmarks do not depend on it). The attribute
 * sets and sizes follow what Linux 6.18 sends: a route of `setup-netns.sh`
 * (table, dst, gateway, oif), a veth link (45 attributes, about 1.5 KiB), IPv4 and IPv6
 * addresses, and an htb qdisc.
 *
 * @module
 */

/** One attribute: its type and payload (a nest's payload is its attributes). */
export type Tlv = [type: number, payload: Uint8Array | Tlv[]];

const NLA_F_NESTED = 0x8000;

function tlvBytes(attrs: Tlv[]): Uint8Array {
  const parts = attrs.map(([type, payload]) => {
    const nested = Array.isArray(payload);
    const body = nested ? tlvBytes(payload) : payload;
    const out = new Uint8Array((4 + body.length + 3) & ~3);
    const dv = new DataView(out.buffer);
    dv.setUint16(0, 4 + body.length, true);
    dv.setUint16(2, type | (nested ? NLA_F_NESTED : 0), true);
    out.set(body, 4);
    return out;
  });
  return concat(parts);
}

/** Concatenates byte arrays. */
export function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A whole netlink message: nlmsghdr, the family header (padded to 4), attributes. */
export function nlmsg(type: number, flags: number, header: Uint8Array, attrs: Tlv[]): Uint8Array {
  const hdr = new Uint8Array((header.length + 3) & ~3);
  hdr.set(header);
  const body = concat([hdr, tlvBytes(attrs)]);
  const out = new Uint8Array(16 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, out.length, true);
  dv.setUint16(4, type, true);
  dv.setUint16(6, flags, true);
  dv.setUint32(8, 1, true);
  dv.setUint32(12, 1234, true);
  out.set(body, 16);
  return out;
}

/** A little-endian u32. */
export function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return b;
}

/** A u16. */
export function u16(v: number): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, v, true);
  return b;
}

/** One byte. */
export function u8(v: number): Uint8Array {
  return Uint8Array.of(v);
}

/** A NUL-terminated string. */
export function str(s: string): Uint8Array {
  return concat([new TextEncoder().encode(s), Uint8Array.of(0)]);
}

/** `n` bytes of a repeating pattern (counters, conf arrays). */
export function filler(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

const RTM_NEWLINK = 16, RTM_NEWADDR = 20, RTM_NEWROUTE = 24, RTM_NEWQDISC = 36;
const NLM_F_MULTI = 2;

/** Route `i` as setup-netns.sh makes it: 20.x.y.z/32 via 10.0.0.2 dev (index 2), table main. */
export function routeMessage(i: number): Uint8Array {
  // rtmsg: family 2, dst_len 32, src_len 0, tos 0, table 254, proto boot, scope universe, unicast
  const rtmsg = Uint8Array.of(2, 32, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0);
  return nlmsg(RTM_NEWROUTE, NLM_F_MULTI, rtmsg, [
    [15, u32(254)],
    [1, Uint8Array.of(20, (i >> 16) & 255, (i >> 8) & 255, i & 255)],
    [5, Uint8Array.of(10, 0, 0, 2)],
    [4, u32(2)],
  ]);
}

/** An IPv6 route (dst 2001:db8:i::/64 via fe80::1 dev 2, metric 1024, pref medium). */
export function route6Message(i: number): Uint8Array {
  const rtmsg = Uint8Array.of(10, 64, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0);
  const dst = new Uint8Array(16);
  dst.set([0x20, 0x01, 0x0d, 0xb8, (i >> 8) & 255, i & 255]);
  const gw = new Uint8Array(16);
  gw.set([0xfe, 0x80]);
  gw[15] = 1;
  return nlmsg(RTM_NEWROUTE, NLM_F_MULTI, rtmsg, [
    [15, u32(254)],
    [1, dst],
    [6, u32(1024)],
    [5, gw],
    [4, u32(2)],
    [12, filler(32)],
    [20, u8(0)],
  ]);
}

/** A datagram of `n` messages made by `make` (a kernel dump chunk). */
export function datagram(n: number, make: (i: number) => Uint8Array): Uint8Array<ArrayBuffer> {
  return concat(Array.from({ length: n }, (_, i) => make(i)));
}

/** A veth link message with the attributes Linux 6.18 sends (about 1.5 KiB). */
export function linkMessage(index = 2, name = "v0"): Uint8Array {
  // ifinfomsg: family 0, type ARPHRD_ETHER (1), index, flags UP|BROADCAST|RUNNING|MULTICAST|LOWER_UP
  const ifi = new Uint8Array(16);
  const dv = new DataView(ifi.buffer);
  dv.setUint16(2, 1, true);
  dv.setInt32(4, index, true);
  dv.setUint32(8, 0x11043, true);
  const mac = Uint8Array.of(0x02, 0x11, 0x22, 0x33, 0x44, index & 255);
  return nlmsg(RTM_NEWLINK, NLM_F_MULTI, ifi, [
    [3, str(name)],
    [13, u32(1000)],
    [16, u8(6)],
    [17, u8(0)],
    [67, u8(0)],
    [4, u32(1500)],
    [50, u32(68)],
    [51, u32(65535)],
    [27, u32(0)],
    [30, u32(0)],
    [61, u32(0)],
    [31, u32(1)],
    [40, u32(65535)],
    [41, u32(65536)],
    [58, u32(65536)],
    [63, u32(65536)],
    [64, u32(65536)],
    [59, u32(524280)],
    [60, u32(65535)],
    [66, u32(0)],
    [32, u32(1)],
    [33, u8(1)],
    [35, u32(2)],
    [47, u32(1)],
    [48, u32(1)],
    [68, u16(0)],
    [69, u16(0)],
    [39, u8(0)],
    [1, mac],
    [2, Uint8Array.of(255, 255, 255, 255, 255, 255)],
    [23, filler(200, 3)],
    [7, filler(96, 5)],
    [43, [[2, u8(0)]]],
    [18, [[1, str("veth")]]],
    [5, u32(index + 1)],
    [6, str("noqueue")],
    [26, [
      [2, [[1, filler(132, 9)]]],
      [10, [
        [1, u32(0x80000000)],
        [5, filler(20)],
        [2, filler(236, 11)],
        [8, u8(0)],
        [3, filler(300)],
        [6, filler(100)],
        [7, new Uint8Array(16)],
        [9, u32(0)],
      ]],
    ]],
    [14, new Uint8Array(28)],
    [62, new Uint8Array(0)],
    [65, new Uint8Array(0)],
  ]);
}

/** An IPv4 address message (10.i.j.k/24 on index 2 with a label). */
export function addrMessage(i: number): Uint8Array {
  // ifaddrmsg: family 2, prefixlen 24, flags 0x80 (permanent), scope 0, index 2
  const ifa = concat([Uint8Array.of(2, 24, 0x80, 0), u32(2)]);
  const a = Uint8Array.of(10, (i >> 16) & 255, (i >> 8) & 255, i & 255);
  return nlmsg(RTM_NEWADDR, NLM_F_MULTI, ifa, [
    [1, a],
    [2, a],
    [3, str("v0")],
    [8, u32(0x80)],
    [6, filler(16)],
  ]);
}

/** An IPv6 address message (2001:db8::i/64). */
export function addr6Message(i: number): Uint8Array {
  const ifa = concat([Uint8Array.of(10, 64, 0x80, 0), u32(2)]);
  const a = new Uint8Array(16);
  a.set([0x20, 0x01, 0x0d, 0xb8]);
  a[14] = (i >> 8) & 255;
  a[15] = i & 255;
  return nlmsg(RTM_NEWADDR, NLM_F_MULTI, ifa, [
    [1, a],
    [6, filler(16)],
    [8, u32(0x80)],
    [11, u8(0)],
  ]);
}

/** An htb qdisc message as `tc qdisc show` receives it. */
export function qdiscMessage(index = 2): Uint8Array {
  // tcmsg: family 0, pad, index, handle 1:0, parent root, info 2 (refcnt)
  const tcm = concat([
    Uint8Array.of(0, 0, 0, 0),
    u32(index),
    u32(0x10000),
    u32(0xffffffff),
    u32(2),
  ]);
  return nlmsg(RTM_NEWQDISC, NLM_F_MULTI, tcm, [
    [1, str("htb")],
    // TCA_OPTIONS: TCA_HTB_INIT (struct tc_htb_glob), TCA_HTB_DIRECT_QLEN
    [2, [[2, Uint8Array.of(3, 0, 0, 0, 10, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)], [
      5,
      u32(1000),
    ]]],
    [12, u8(0)],
    // TCA_STATS2: basic, rate estimator, queue
    [7, [[1, filler(16)], [2, filler(8)], [3, filler(20)]]],
    [3, filler(36)],
    [4, filler(20)],
  ]);
}
