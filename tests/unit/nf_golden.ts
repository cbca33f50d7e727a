/**
 * Shared by the netfilter golden tests: the requests `conntrack`, `ipset` and `nft` sent
 * (tests/golden/netfilter, captured by tests/golden/nf_capture.py), a canonical text to
 * compare requests with, and a connection over a fake transport that records what would be
 * sent.
 *
 * @module
 */

import { NfnlConnection } from "../../netfilter/nfnetlink.ts";
import type { Transport } from "../../netlink/engine.ts";
import { hex, toHex } from "../helpers.ts";

/** The datagrams of golden capture `name`. */
export function nfGolden(name: string): Uint8Array[] {
  const url = new URL(`../golden/netfilter/${name}.json`, import.meta.url);
  const d = JSON.parse(Deno.readTextFileSync(url));
  return (d.requests as string[]).map(hex);
}

/** Every netlink message of a datagram. */
export function messages(datagram: Uint8Array): Uint8Array[] {
  const dv = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  const out: Uint8Array[] = [];
  for (let off = 0; off + 16 <= datagram.byteLength;) {
    const len = dv.getUint32(off, true);
    if (len < 16 || off + len > datagram.byteLength) throw new Error(`bad message at ${off}`);
    out.push(datagram.subarray(off, off + len));
    off += (len + 3) & ~3;
  }
  return out;
}

/**
 * A canonical text of one nfnetlink message: type, flags (REQUEST|ACK added: the engine sets
 * them), the nfgenmsg header, and the attributes by type (nests, flagged NLA_F_NESTED,
 * recursively). Sequence numbers, port ids and alignment padding (tools leave garbage there)
 * are left out. `sort` orders attributes by type (tools and the library may differ in order).
 */
export function canonNf(b: Uint8Array, opts: { sort?: boolean; ackFlags?: boolean } = {}): string {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const len = dv.getUint32(0, true);
  const type = dv.getUint16(4, true);
  const flags = dv.getUint16(6, true) | (opts.ackFlags === false ? 0 : 0x5);
  return `type=0x${type.toString(16)} flags=0x${flags.toString(16)} hdr=${
    toHex(b.subarray(16, 20))
  } ${attrs(b, 20, len, opts.sort ?? true)}`;
}

function attrs(b: Uint8Array, start: number, end: number, sort: boolean): string {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: [number, string][] = [];
  for (let p = start; p + 4 <= end;) {
    const alen = dv.getUint16(p, true);
    const raw = dv.getUint16(p + 2, true);
    const t = raw & 0x3fff;
    if (alen < 4 || p + alen > end) throw new Error(`bad attribute at ${p}`);
    const body = raw & 0x8000
      ? `{${attrs(b, p + 4, p + alen, sort)}}`
      : toHex(b.subarray(p + 4, p + alen));
    out.push([t, `${t}:${body}`]);
    p += (alen + 3) & ~3;
  }
  if (sort) out.sort((x, y) => x[0] - y[0]);
  return out.map((x) => x[1]).join(" ");
}

/** A connection over a transport that records what would be sent and never answers. */
export function fakeConnection(): { nfnl: NfnlConnection; sent: Uint8Array[] } {
  const sent: Uint8Array[] = [];
  let closed = false;
  const transport: Transport = {
    portId: 4242,
    lastGroups: 0,
    get closed() {
      return closed;
    },
    send(bytes: Uint8Array) {
      sent.push(bytes.slice());
      return true;
    },
    receive() {
      return null;
    },
    readable() {
      return Promise.reject(new Error("fake transport: no kernel here"));
    },
    close() {
      closed = true;
    },
  };
  return { nfnl: new NfnlConnection({}, transport), sent };
}

/** Runs `call` against a fake connection and returns the datagrams it sent. */
export async function sentBy(
  call: (nfnl: NfnlConnection) => Promise<unknown>,
): Promise<Uint8Array[]> {
  const { nfnl, sent } = fakeConnection();
  try {
    await call(nfnl);
  } catch (e) {
    if (!(e instanceof Error) || !/no kernel here|did not answer/.test(e.message)) throw e;
  }
  return sent;
}

/**
 * A connection over a transport that answers like the kernel: `answer` gives, for each request
 * message, the payload (after nlmsghdr) of each reply message, or an errno; an ack follows
 * requests that ask for one, NLMSG_DONE ends dumps. Every request is recorded.
 */
export function answeringConnection(
  answer: (req: Uint8Array) => { type: number; payload: Uint8Array }[] | number | undefined,
): { nfnl: NfnlConnection; sent: Uint8Array[] } {
  const sent: Uint8Array[] = [];
  const queue: ArrayBuffer[] = [];
  let closed = false;
  const msg = (type: number, flags: number, seq: number, payload: Uint8Array) => {
    const b = new Uint8Array(16 + ((payload.length + 3) & ~3));
    const dv = new DataView(b.buffer);
    dv.setUint32(0, 16 + payload.length, true);
    dv.setUint16(4, type, true);
    dv.setUint16(6, flags, true);
    dv.setUint32(8, seq, true);
    dv.setUint32(12, 4242, true);
    b.set(payload, 16);
    return b;
  };
  const transport: Transport = {
    portId: 4242,
    lastGroups: 0,
    get closed() {
      return closed;
    },
    send(bytes: Uint8Array) {
      sent.push(bytes.slice());
      for (const m of messages(bytes)) {
        const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
        const flags = dv.getUint16(6, true), seq = dv.getUint32(8, true);
        const r = answer(m);
        const out: Uint8Array[] = [];
        const err = (n: number) => {
          const p = new Uint8Array(20);
          new DataView(p.buffer).setInt32(0, -n, true);
          p.set(m.subarray(0, 16), 4);
          return msg(2, 0x100, seq, p);
        };
        if (typeof r === "number") out.push(err(r));
        else {
          for (const x of r ?? []) out.push(msg(x.type, flags & 0x300 ? 2 : 0, seq, x.payload));
          if (flags & 0x300) out.push(msg(3, 2, seq, new Uint8Array(4)));
          else if (flags & 4) out.push(err(0));
        }
        if (out.length) {
          const total = out.reduce((n, b) => n + b.length, 0);
          const d = new Uint8Array(total);
          let off = 0;
          for (const b of out) {
            d.set(b, off);
            off += b.length;
          }
          queue.push(d.buffer);
        }
      }
      return true;
    },
    receive() {
      return queue.shift() ?? null;
    },
    readable() {
      return queue.length
        ? Promise.resolve()
        : Promise.reject(new Error("fake transport: no kernel here"));
    },
    close() {
      closed = true;
    },
  };
  return { nfnl: new NfnlConnection({}, transport), sent };
}
