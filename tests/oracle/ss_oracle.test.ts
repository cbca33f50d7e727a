/**
 * sock_diag against `ss` (iproute2 6.1), for sockets a child process holds in a namespace the
 * test makes (tests/integration/diag_fixture.ts): examples/ss.ts prints the same text as
 * `ss -tan`, `ss -tuln`, `ss -xp`…; field by field, every TCP, UDP, unix and packet socket
 * has the state, addresses, ports, queues, inode, uid and cookie `ss -e` shows; `tcp_info`
 * matches `ss -i` for connections whose bytes sent are known; kernel-side filters select what
 * `ss` selects with the same filter.
 *
 * @module
 */

import assert from "node:assert/strict";
import { SockDiag } from "../../diag/mod.ts";
import type { InetSocket, SockFilter, TcpSocket } from "../../diag/mod.ts";
import { ss as ssExample } from "../../examples/ss.ts";
import { diagGate, ss, withSocketChild } from "../integration/diag_fixture.ts";

/** One socket line of `ss -e` output (`-i` continuation lines attached). */
interface SsLine {
  netid?: string;
  state: string;
  rq: number;
  wq: number;
  local: string;
  peer: string;
  fields: Record<string, string>;
  info?: string;
}

/** Parses `ss [-H] -…e[i]` output: columns, then `key:value` details (and `-i` lines). */
function parseSs(text: string, netid: boolean): SsLine[] {
  const out: SsLine[] = [];
  for (const line of text.split("\n").slice(1)) {
    if (line.trim() === "") continue;
    if (line.startsWith("\t")) {
      out[out.length - 1].info = line.trim();
      continue;
    }
    const parts = line.trim().split(/\s+/);
    const n = netid ? parts.shift() : undefined;
    const [state, rq, wq, local, peer, ...rest] = parts;
    const fields: Record<string, string> = {};
    for (const r of rest) {
      const i = r.indexOf(":");
      if (i > 0) fields[r.slice(0, i)] = r.slice(i + 1);
    }
    out.push({ netid: n, state, rq: Number(rq), wq: Number(wq), local, peer, fields });
  }
  return out;
}

const STATES = [
  "UNKNOWN",
  "ESTAB",
  "SYN-SENT",
  "SYN-RECV",
  "FIN-WAIT-1",
  "FIN-WAIT-2",
  "TIME-WAIT",
  "UNCONN",
  "CLOSE-WAIT",
  "LAST-ACK",
  "LISTEN",
  "CLOSING",
];

/** An inet endpoint as ss prints it (numeric). */
function endpoint(s: InetSocket, local: boolean): string {
  const addr = local ? s.src : s.dst, port = local ? s.sport : s.dport;
  let a = addr;
  if (s.family === 10) a = s.skv6only !== 1 && addr === "::" ? "*" : `[${addr}]`;
  return `${a}:${port === 0 ? "*" : port}`;
}

function key(local: string, peer: string): string {
  return `${local} ${peer}`;
}

Deno.test({
  ...await diagGate("ss oracle: sock_diag and examples/ss.ts against ss, sockets a child holds"),
  fn: () =>
    withSocketChild(async (ns, child) => {
      using diag = new SockDiag({ netns: ns });

      await t("examples/ss.ts prints what ss prints", async () => {
        const cases = ["-tan", "-tuln", "-xp", "-xa", "-ta", "-tuan", "-x", "-ua"];
        if (child.inodes.packet) cases.push("-0", "-0a");
        for (const args of cases) {
          // Ours between two runs of ss that agree (a runtime may open a socket pair of its
          // own in between: then the three are taken again).
          for (let attempt = 1;; attempt++) {
            const before = await ss(ns, args);
            const ours = await ssExample(["-N", ns, args]);
            const after = await ss(ns, args);
            if (before !== after && attempt < 5) continue;
            assert.equal(ours, after, `ss ${args}`);
            break;
          }
        }
      });

      await t("TCP: ss -tanei, field by field", async () => {
        const ref = parseSs(await ss(ns, "-tanei"), false);
        const ours = await diag.inet({ extensions: ["info", "cong", "vegasinfo"] });
        assert.equal(ours.length, ref.length);
        const byKey = new Map(ref.map((r) => [key(r.local, r.peer), r]));
        for (const s of ours) {
          const r = byKey.get(key(endpoint(s, true), endpoint(s, false)));
          assert.ok(r, `ss lacks ${endpoint(s, true)} ${endpoint(s, false)}`);
          assert.equal(STATES[s.state], r.state);
          assert.equal(s.rqueue, r.rq);
          assert.equal(s.wqueue, r.wq);
          assert.equal(String(s.inode), r.fields.ino);
          assert.equal(String(s.uid), r.fields.uid ?? "0");
          assert.equal(s.uid, child.uid);
          assert.equal(s.cookie.toString(16), r.fields.sk);
          // The kernel reports v6only for listening and unconnected IPv6 sockets only.
          assert.equal(s.skv6only === undefined ? undefined : String(s.skv6only), r.fields.v6only);
          // The congestion algorithm ss names first on the -i line.
          assert.equal(s.cong, r.info?.match(/\b(bbr|cubic|reno|dctcp|vegas)\b/)?.[1]);
        }
      });

      await t("tcp_info: connections whose bytes sent are known", async () => {
        const all = await diag.inet({ extensions: ["info"] }) as Iterable<TcpSocket>;
        const ref = parseSs(await ss(ns, "-tani"), false);
        const info = (r: SsLine | undefined, k: string) =>
          r?.info?.match(new RegExp(`(?:^|\\s)${k}:([^\\s]+)`))?.[1];
        const cases = [
          { sport: child.conn4.sport, dport: child.ports.l4, sent: child.sent.v4 },
          { sport: child.conn6.sport, dport: child.ports.l6, sent: child.sent.v6 },
        ];
        for (const c of cases) {
          const list = [...all];
          const client = list.find((s) => s.sport === c.sport && s.dport === c.dport)!;
          const server = list.find((s) => s.sport === c.dport && s.dport === c.sport)!;
          assert.ok(client?.info && server?.info, "both ends with tcp_info");
          assert.equal(client.info.bytes_sent, c.sent);
          assert.equal(client.info.bytes_acked, c.sent + 1); // the SYN counts
          assert.equal(client.info.data_segs_out, 1);
          assert.equal(server.info.bytes_received, c.sent);
          assert.equal(server.rqueue, c.sent); // nobody read them
          assert.equal(client.info.state, 1);
          for (const [s, peer] of [[client, server], [server, client]] as const) {
            const r = ref.find((x) =>
              x.local === endpoint(s, true) && x.peer === endpoint(peer, true)
            );
            assert.ok(r, "ss shows the connection");
            const i = s.info!;
            assert.equal(`${i.snd_wscale},${i.rcv_wscale}`, info(r, "wscale"));
            assert.equal(String(i.snd_mss), info(r, "mss"));
            assert.equal(String(i.pmtu), info(r, "pmtu"));
            assert.equal(String(i.rcv_mss), info(r, "rcvmss"));
            assert.equal(String(i.advmss), info(r, "advmss"));
            assert.equal(String(i.snd_cwnd), info(r, "cwnd"));
            assert.equal(String(i.segs_out), info(r, "segs_out"));
            assert.equal(String(i.segs_in), info(r, "segs_in"));
            assert.equal(String(i.rcv_space), info(r, "rcv_space"));
            assert.equal(String(i.snd_wnd), info(r, "snd_wnd"));
            if (i.bytes_sent) assert.equal(String(i.bytes_sent), info(r, "bytes_sent"));
            if (i.bytes_received) assert.equal(String(i.bytes_received), info(r, "bytes_received"));
          }
        }
      });

      await t("UDP: ss -uane, field by field", async () => {
        const ref = parseSs(await ss(ns, "-uane"), false);
        const ours = await diag.inet({ protocol: "udp" });
        assert.equal(ours.length, ref.length);
        assert.ok(ours.length >= 2);
        for (const s of ours) {
          const r = ref.find((x) => x.local === endpoint(s, true) && x.peer === endpoint(s, false));
          assert.ok(r, `ss lacks udp ${endpoint(s, true)}`);
          assert.equal(STATES[s.state], r.state);
          assert.equal(s.rqueue, r.rq);
          assert.equal(s.wqueue, r.wq);
          assert.equal(String(s.inode), r.fields.ino);
          assert.equal(String(s.uid), r.fields.uid ?? "0");
          assert.equal(s.cookie.toString(16), r.fields.sk);
        }
        const inodes = new Set(ours.map((s) => s.inode));
        assert.ok(inodes.has(child.inodes.u1) && inodes.has(child.inodes.u2));
        const connected = ours.find((s) => s.inode === child.inodes.u2)!;
        assert.equal(connected.state, 1);
        assert.equal(connected.dport, child.ports.u1);
      });

      await t("unix: ss -xa, field by field", async () => {
        let text = "", ours = await diag.unix();
        for (let attempt = 1; attempt < 5; attempt++) {
          const before = await ss(ns, "-xa");
          ours = await diag.unix();
          text = await ss(ns, "-xa");
          if (before === text) break; // nothing came or went in between
        }
        const netid: Record<number, string> = { 1: "u_str", 2: "u_dgr", 5: "u_seq" };
        // Lines of ss -xa: netid state rq wq name ino peer-name peer-ino.
        const lines = text.split("\n").slice(1).filter((l) => l.trim());
        const parsed = lines.map((l) => l.trim().split(/\s+/));
        assert.equal(ours.length, parsed.length);
        for (const s of ours) {
          const p = parsed.find((x) => x[5] === String(s.ino));
          assert.ok(p, `ss lacks unix socket ${s.ino}`);
          assert.equal(p[0], netid[s.type]);
          assert.equal(p[1], STATES[s.state]);
          assert.equal(p[2], String(s.rqlen?.rqueue));
          assert.equal(p[3], String(s.rqlen?.wqueue));
          assert.equal(p[4], s.name ?? "*");
          assert.equal(p[7], String(s.peer ?? 0));
        }
        assert.ok(ours.some((s) => s.name === child.abstract && s.ino === child.inodes.ud));
        const listener = ours.find((s) => s.name === child.unixPath && s.state === 10);
        assert.ok(listener, "the listener");
        assert.equal(listener.uid, child.uid);
        assert.ok(listener.vfs?.vfs_ino, "the bound file's inode");
        assert.equal(listener.vfs!.vfs_ino, Deno.statSync(child.unixPath).ino);
      });

      if (child.inodes.packet) {
        await t("packet: ss -0ae", async () => {
          const text = await ss(ns, "-0ae");
          const ours = await diag.packet();
          const lines = text.split("\n").slice(1).filter((l) => l.trim() && !l.startsWith("\t"));
          assert.equal(ours.length, lines.length);
          const p = ours.find((s) => s.ino === child.inodes.packet);
          assert.ok(p, "the child's packet socket");
          assert.equal(p.type, 3);
          assert.equal(p.num, 3); // ETH_P_ALL
          assert.equal(p.uid, child.uid);
          assert.match(
            text,
            new RegExp(`uid:${child.uid} ino:${p.ino} sk:${p.cookie.toString(16)}\\b`),
          );
          assert.equal(p.info?.index, 0); // bound to no interface
        });
      }

      await t("filters: the kernel selects what ss selects", async () => {
        const { l4, l6, lany } = child.ports;
        const cases: [string, SockFilter][] = [
          [`sport = :${l4}`, { sport: l4 }],
          [`( sport = :${l4} or dport = :${l4} )`, { or: [{ sport: l4 }, { dport: l4 }] }],
          [`dst 127.0.0.1`, { dst: "127.0.0.1" }],
          [`not src [::1]`, { not: { src: "::1" } }],
          [`dport >= :1024`, { dport: { ge: 1024 } }],
          [`sport > :${l6} or sport = :${lany}`, { or: [{ sport: { gt: l6 } }, { sport: lany }] }],
          [`src 127.0.0.0/8 and dport != :${l4}`, { src: "127.0.0.0/8", dport: { ne: l4 } }],
        ];
        for (const [text, filter] of cases) {
          const ref = parseSs(await ss(ns, "-tan", ...text.split(" ")), false)
            .map((r) => key(r.local, r.peer)).sort();
          const ours = (await diag.inet({ filter }))
            .map((s) => key(endpoint(s, true), endpoint(s, false))).sort();
          assert.deepEqual(ours, ref, text);
        }
      });

      if (child.inodes.mptcp) {
        await t("MPTCP: ss -Mlne", async () => {
          const ref = parseSs(await ss(ns, "-Mlne"), false);
          const ours = await diag.inet({ protocol: "mptcp", states: "listen" });
          assert.equal(ours.length, ref.length);
          const s = ours.find((x) => x.inode === child.inodes.mptcp);
          assert.ok(s, "the MPTCP listener");
          assert.equal(s.sport, child.ports.mptcp);
          assert.equal(ref[0]?.fields.ino, String(s.inode));
        });
      }
    }),
});

/** A named step that reports which check failed. */
async function t(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof Error) e.message = `${name}: ${e.message}`;
    throw e;
  }
}
