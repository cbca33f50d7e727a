/**
 * A process that holds sockets for the sock_diag tests, run inside the test's namespace
 * (`ip netns exec NS [setpriv …] deno run … diag_child.ts`): TCP listeners (IPv4, IPv6, any),
 * two connections that each sent a known number of bytes nobody read, a bound and a connected
 * UDP socket, a unix stream listener with one accepted connection, an abstract unix datagram
 * socket, and (when permitted) a packet socket, a raw socket and an MPTCP listener. It prints one JSON line describing them, then
 * holds them until its stdin closes.
 *
 * @module
 */

import { errno, libc } from "../../ffi/libc.ts";

const AF_UNIX = 1, AF_INET = 2, AF_PACKET = 17;
const SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3;
const IPPROTO_MPTCP = 262;

function sockaddrIn(ip: string, port: number): Uint8Array {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, AF_INET, true);
  dv.setUint16(2, port, false);
  b.set(ip.split(".").map(Number), 4);
  return b;
}

function check(r: number, what: string): number {
  if (r < 0) throw new Error(`${what} failed: errno ${errno()}`);
  return r;
}

const c = libc();
const base = Number(Deno.args[0] ?? "7000");
const sent = { v4: 1000, v6: 300 };
const dir = Deno.makeTempDirSync({ prefix: "nlt-diag-" });
Deno.chmodSync(dir, 0o755);

// TCP: listeners, and connections whose bytes stay unread on the accepting side.
const l4 = Deno.listen({ hostname: "127.0.0.1", port: base + 1 });
const l6 = Deno.listen({ hostname: "::1", port: base + 2 });
const lany = Deno.listen({ hostname: "0.0.0.0", port: base + 3 });
const c4 = await Deno.connect({ hostname: "127.0.0.1", port: base + 1 });
const a4 = await l4.accept();
await c4.write(new Uint8Array(sent.v4).fill(0x61));
const c6 = await Deno.connect({ hostname: "::1", port: base + 2 });
const a6 = await l6.accept();
await c6.write(new Uint8Array(sent.v6).fill(0x62));

// UDP: one bound, one connected to it.
const u1 = check(c.socket(AF_INET, SOCK_DGRAM, 0), "socket");
check(c.bind(u1, sockaddrIn("127.0.0.1", base + 4), 16), "bind");
const u2 = check(c.socket(AF_INET, SOCK_DGRAM, 0), "socket");
check(c.bind(u2, sockaddrIn("127.0.0.1", base + 5), 16), "bind");
check(c.connect(u2, sockaddrIn("127.0.0.1", base + 4), 16), "connect");

// Unix: a stream listener with one accepted connection, an abstract datagram socket.
const path = `${dir}/s.sock`;
const ul = Deno.listen({ transport: "unix", path });
const uc = await Deno.connect({ transport: "unix", path });
const ua = await ul.accept();
await uc.write(new Uint8Array(7));
const abstract = `nlt-diag-${Deno.pid}`;
const ud = check(c.socket(AF_UNIX, SOCK_DGRAM, 0), "socket");
const sun = new Uint8Array(2 + 1 + abstract.length);
new DataView(sun.buffer).setUint16(0, AF_UNIX, true);
sun.set(new TextEncoder().encode(abstract), 3);
check(c.bind(ud, sun, sun.length), "bind");

// A packet socket for every protocol (ETH_P_ALL, network order) and a raw ICMP socket, when
// CAP_NET_RAW allows; an MPTCP listener when the kernel has MPTCP.
const pk = c.socket(AF_PACKET, SOCK_RAW, 0x0300);
const raw = c.socket(AF_INET, SOCK_RAW, 1);
const mp = c.socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
if (mp >= 0) {
  check(c.bind(mp, sockaddrIn("127.0.0.1", base + 6), 16), "bind");
  check(c.listen(mp, 8), "listen");
}

const inode = (fd: number) => Deno.statSync(`/proc/self/fd/${fd}`).ino;
console.log(JSON.stringify({
  pid: Deno.pid,
  uid: Deno.uid?.() ?? 0,
  ports: {
    l4: base + 1,
    l6: base + 2,
    lany: base + 3,
    u1: base + 4,
    u2: base + 5,
    mptcp: base + 6,
  },
  sent,
  conn4: { sport: (c4.localAddr as Deno.NetAddr).port },
  conn6: { sport: (c6.localAddr as Deno.NetAddr).port },
  unixPath: path,
  abstract: `@${abstract}`,
  inodes: {
    u1: inode(u1),
    u2: inode(u2),
    ud: inode(ud),
    packet: pk >= 0 ? inode(pk) : 0,
    raw: raw >= 0 ? inode(raw) : 0,
    mptcp: mp >= 0 ? inode(mp) : 0,
  },
}));

// Hold everything until the test closes stdin.
for await (const _ of Deno.stdin.readable) { /* wait */ }
for (const x of [c4, a4, c6, a6, uc, ua]) x.close();
for (const x of [l4, l6, lany, ul]) x.close();
for (const fd of [u1, u2, ud, pk, raw, mp]) if (fd >= 0) c.close(fd);
Deno.removeSync(dir, { recursive: true });
