/**
 * sock_diag decoding without a kernel: real dumps (tests/golden/diag/replies.json, captured by
 * capture_replies.ts from the sockets of tests/integration/diag_child.ts) read through the
 * socket views and lists, `tcp_info` and `mptcp_info` of every length an older or newer kernel
 * sends, and the decoders of payloads that are not attributes.
 *
 * @module
 */

import assert from "node:assert/strict";
import { SocketListBuilder } from "../../diag/list.ts";
import type { SocketList, SocketViewCtor } from "../../diag/list.ts";
import { messageViewClass } from "../../netlink/view.ts";
import type { MessageSchema } from "../../netlink/schema.ts";
import { DecodeError } from "../../netlink/errors.ts";
import {
  INET_DIAG_MESSAGE,
  MPTCP_DIAG_MESSAGE,
  NETLINK_DIAG_MESSAGE,
  PACKET_DIAG_MESSAGE,
  TCP_DIAG_MESSAGE,
  UNIX_DIAG_MESSAGE,
} from "../../diag/mod.ts";
import type {
  InetSocket,
  MptcpSocket,
  NetlinkSocketInfo,
  PacketSocket,
  TcpSocket,
  UnixSocket,
} from "../../diag/mod.ts";
import { decodeMptcpInfo, decodeTcpInfo, TCP_INFO_SIZE } from "../../diag/tcp_info.ts";
import { decodeBpf, decodeMclist, decodeSockopt, groupsOf, unixName } from "../../diag/views.ts";
import { hex } from "../helpers.ts";
import type { SocketChild } from "../integration/diag_fixture.ts";

const REPLIES = JSON.parse(
  Deno.readTextFileSync(new URL("../golden/diag/replies.json", import.meta.url)),
) as Record<string, string[]> & { child: SocketChild };
const child = REPLIES.child;

/** The sockets of captured dump datagrams, as SockDiag lists them. */
function list<T>(name: string, schema: MessageSchema): SocketList<T> {
  const b = new SocketListBuilder();
  for (const h of REPLIES[name]) {
    const u8 = hex(h);
    const dv = new DataView(u8.buffer);
    for (let off = 0; off + 16 <= u8.length;) {
      const len = dv.getUint32(off, true);
      if (dv.getUint16(off + 4, true) === 20) b.add(dv, u8, off, len);
      off += (len + 3) & ~3;
    }
  }
  return b.list(messageViewClass(schema) as unknown as SocketViewCtor<T>);
}

Deno.test("diag decode: a TCP dump with every extension", () => {
  const tcp = list<TcpSocket>("tcp", TCP_DIAG_MESSAGE);
  assert.ok(tcp.length >= 4);
  const client = tcp.find((s) => s.sport === child.conn4.sport)!;
  assert.equal(client.src, "127.0.0.1");
  assert.equal(client.dst, "127.0.0.1");
  assert.equal(client.dport, child.ports.l4);
  assert.equal(client.state, 1);
  assert.equal(client.uid, 65534);
  assert.ok(client.inode > 0 && client.cookie > 0);
  assert.equal(client.info?.bytes_sent, child.sent.v4);
  assert.equal(client.info?.bytes_acked, child.sent.v4 + 1);
  assert.equal(client.info?.state, 1);
  assert.equal(typeof client.info?.delivery_rate_app_limited, "boolean");
  assert.ok(client.cong && client.cong.length > 0);
  assert.ok(client.skmeminfo && client.skmeminfo.rcvbuf > 0);
  assert.ok(client.meminfo !== undefined);
  assert.equal(client.sockopt?.is_icsk, true);
  assert.ok(client.cgroup_id !== undefined);
  if (client.cong === "bbr") assert.ok(client.bbrinfo && client.bbrinfo.min_rtt >= 0);
  const server = tcp.find((s) => s.sport === child.ports.l4 && s.dport === child.conn4.sport)!;
  assert.equal(server.rqueue, child.sent.v4);
  assert.equal(server.info?.bytes_received, child.sent.v4);
  const listener = tcp.find((s) => s.sport === child.ports.l4 && s.state === 10)!;
  assert.equal(listener.dst, "0.0.0.0");
  assert.equal(listener.dport, 0);
  const json = JSON.parse(JSON.stringify(client.toJSON()));
  assert.equal(json.src, "127.0.0.1");
  assert.equal(json.info.bytes_sent, child.sent.v4);
  assert.equal(typeof json.sockopt.is_icsk, "boolean");
  // Every view reads every attribute without throwing.
  for (const s of tcp) JSON.stringify(s);
});

Deno.test("diag decode: IPv6, UDP, MPTCP", () => {
  const tcp6 = list<TcpSocket>("tcp6", TCP_DIAG_MESSAGE);
  const c6 = tcp6.find((s) => s.sport === child.conn6.sport)!;
  assert.equal(c6.family, 10);
  assert.equal(c6.src, "::1");
  assert.equal(c6.info?.bytes_sent, child.sent.v6);
  const l6 = tcp6.find((s) => s.state === 10)!;
  assert.equal(l6.dst, "::");
  assert.equal(l6.skv6only, 1);
  const udp = list<InetSocket>("udp", INET_DIAG_MESSAGE);
  const u2 = udp.find((s) => s.inode === child.inodes.u2)!;
  assert.equal(u2.state, 1);
  assert.equal(u2.dport, child.ports.u1);
  assert.equal(udp.find((s) => s.inode === child.inodes.u1)?.state, 7);
  const mptcp = list<MptcpSocket>("mptcp", MPTCP_DIAG_MESSAGE);
  if (child.inodes.mptcp) {
    const m = mptcp.find((s) => s.inode === child.inodes.mptcp)!;
    assert.equal(m.sport, child.ports.mptcp);
    assert.equal(m.state, 10);
    if (m.info) assert.equal(typeof m.info.subflows, "number");
  }
});

Deno.test("diag decode: unix, packet and netlink dumps", () => {
  const unix = list<UnixSocket>("unix", UNIX_DIAG_MESSAGE);
  const abstract = unix.find((s) => s.ino === child.inodes.ud)!;
  assert.equal(abstract.name, child.abstract);
  assert.equal(abstract.type, 2);
  const listener = unix.find((s) => s.name === child.unixPath && s.state === 10)!;
  assert.ok(listener.vfs && listener.vfs.vfs_ino > 0);
  assert.deepEqual(listener.icons, []);
  assert.equal(listener.uid, 65534);
  const conn = unix.filter((s) => s.name === child.unixPath && s.state === 1);
  assert.equal(conn.length, 1);
  assert.equal(conn.at(0)?.rqlen?.rqueue, 7);
  const packet = list<PacketSocket>("packet", PACKET_DIAG_MESSAGE);
  if (child.inodes.packet) {
    const p = packet.find((s) => s.ino === child.inodes.packet)!;
    assert.equal(p.num, 3);
    assert.equal(p.info?.index, 0);
    assert.deepEqual(p.mclist ?? [], []);
  }
  const nl = list<NetlinkSocketInfo>("netlink", NETLINK_DIAG_MESSAGE);
  assert.ok(nl.length > 3);
  assert.ok(nl.some((s) => s.protocol === 4 && s.portid !== 0), "the capturing socket");
  for (const s of nl) assert.ok(Array.isArray(s.groups ?? []));
});

Deno.test("diag decode: tcp_info by length (older and newer kernels)", () => {
  const client = list<InetSocket>("tcp", INET_DIAG_MESSAGE).find((s) =>
    s.sport === child.conn4.sport
  )!;
  const full = client.info as Uint8Array;
  assert.ok(full.length >= 232, `${full.length} bytes`);
  const whole = decodeTcpInfo(full);
  assert.equal(whole.bytes_sent, child.sent.v4);
  // Linux 2.6 sent 104 bytes: nothing past total_retrans.
  const old = decodeTcpInfo(full.slice(0, 104));
  assert.equal(old.total_retrans, whole.total_retrans);
  assert.equal(old.snd_cwnd, whole.snd_cwnd);
  assert.equal(old.pacing_rate, undefined);
  assert.equal(old.bytes_sent, undefined);
  // 4.19's 200 bytes end before bytes_sent.
  const mid = decodeTcpInfo(full.slice(0, 200));
  assert.equal(mid.delivered, whole.delivered);
  assert.equal(mid.bytes_sent, undefined);
  // A newer kernel's longer struct: known fields as before, the rest kept.
  const longer = new Uint8Array(TCP_INFO_SIZE + 12);
  longer.set(full.subarray(0, Math.min(full.length, TCP_INFO_SIZE)));
  longer[TCP_INFO_SIZE] = 0xab;
  const future = decodeTcpInfo(longer);
  assert.equal(future.bytes_sent, child.sent.v4);
  assert.equal(future.extra?.length, 12);
  assert.equal(future.extra?.[0], 0xab);
  // The bit fields.
  const b = new Uint8Array(8);
  b[6] = 0x7a; // snd_wscale 10, rcv_wscale 7
  b[7] = 0b101; // app limited, fastopen_client_fail 2
  const bits = decodeTcpInfo(b);
  assert.equal(bits.snd_wscale, 10);
  assert.equal(bits.rcv_wscale, 7);
  assert.equal(bits.delivery_rate_app_limited, true);
  assert.equal(bits.fastopen_client_fail, 2);
  assert.throws(() => decodeTcpInfo(new Uint8Array(7)), DecodeError);
});

Deno.test("diag decode: mptcp_info by length", () => {
  const b = new Uint8Array(96);
  const dv = new DataView(b.buffer);
  b[0] = 2; // subflows
  dv.setUint32(8, 0x10, true); // flags
  dv.setUint32(12, 0xdeadbeef, true); // token
  dv.setUint32(16, 5, true); // write_seq low word
  b[80] = 3; // subflows_total
  dv.setUint32(92, 77, true); // last_ack_recv
  const all = decodeMptcpInfo(b);
  assert.equal(all.subflows, 2);
  assert.equal(all.flags, 0x10);
  assert.equal(all.token, 0xdeadbeef);
  assert.equal(all.write_seq, 5);
  assert.equal(all.subflows_total, 3);
  assert.equal(all.last_ack_recv, 77);
  const v59 = decodeMptcpInfo(b.slice(0, 40)); // 5.9: up to rcv_nxt
  assert.equal(v59.token, 0xdeadbeef);
  assert.equal(v59.local_addr_used, undefined);
  assert.equal(v59.subflows_total, undefined);
  assert.equal(decodeMptcpInfo(new Uint8Array(100)).extra?.length, 4);
});

Deno.test("diag decode: payloads that are not attributes", () => {
  assert.equal(unixName(new TextEncoder().encode("/run/x.sock\0")), "/run/x.sock");
  assert.equal(unixName(Uint8Array.from([0, 0x61, 0, 0x62])), "@a@b");
  assert.deepEqual(groupsOf(Uint8Array.from([0x05, 0, 0, 0, 0x01, 0, 0, 0x80])), [1, 3, 33, 64]);
  assert.deepEqual(groupsOf(new Uint8Array(3)), []);
  const so = decodeSockopt(Uint8Array.from([0b0100_0011, 0b100]));
  assert.equal(so.recverr, true);
  assert.equal(so.is_icsk, true);
  assert.equal(so.freebind, false);
  assert.equal(so.mc_all, true);
  assert.equal(so.defer_connect, true);
  assert.equal(decodeSockopt(new Uint8Array(0)).recverr, false);
  const mc = new Uint8Array(44 * 2 + 3);
  const mdv = new DataView(mc.buffer);
  mdv.setUint32(0, 2, true);
  mdv.setUint32(4, 1, true);
  mdv.setUint16(8, 1, true);
  mdv.setUint16(10, 6, true);
  mc.set([1, 0, 0x5e, 0, 0, 1], 12);
  mdv.setUint16(44 + 10, 200, true); // a lying length is capped at 32
  const mclist = decodeMclist(mc);
  assert.equal(mclist.length, 2);
  assert.deepEqual(mclist[0], { index: 2, count: 1, type: 1, addr: "01:00:5e:00:00:01" });
  assert.equal(mclist[1].addr.split(":").length, 32);
  const bpf = decodeBpf(Uint8Array.from([6, 0, 1, 2, 0xff, 0xff, 0, 0, 9]));
  assert.deepEqual(bpf, [{ code: 6, jt: 1, jf: 2, k: 0xffff }]);
});
