/**
 * Helpers of the reliability tests: watching what a socket sends, batches of `ip` commands in a
 * namespace, descriptor counts, and the stress scale.
 *
 * @module
 */

import type { NetlinkSocket } from "../../ffi/socket.ts";

/** Whether the long variants run (`deno task stress`). */
export const STRESS: boolean = Deno.env.get("NETLINK_STRESS") === "1";

/** `n`, or `big` under `deno task stress`. */
export function scale(n: number, big: number): number {
  return STRESS ? big : n;
}

/** One sent message: its type, flags and sequence number. */
export interface Sent {
  /** nlmsg_type. */
  type: number;
  /** nlmsg_flags. */
  flags: number;
  /** nlmsg_seq. */
  seq: number;
}

/**
 * Records every message `socket` sends (the socket still sends it). Returns the record, which
 * lists each message of each datagram.
 */
export function watchSends(socket: NetlinkSocket): Sent[] {
  const sent: Sent[] = [];
  const send = socket.send.bind(socket);
  socket.send = (bytes: Uint8Array): boolean => {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let off = 0; off + 16 <= bytes.length;) {
      const len = dv.getUint32(off, true);
      sent.push({
        type: dv.getUint16(off + 4, true),
        flags: dv.getUint16(off + 6, true),
        seq: dv.getUint32(off + 8, true),
      });
      if (len < 16) break;
      off += (len + 3) & ~3;
    }
    return send(bytes);
  };
  return sent;
}

/** Whether an rtnetlink message type changes state (RTM_NEW*, RTM_DEL*, RTM_SET*). */
export function isChange(type: number): boolean {
  return type >= 16 && type % 4 !== 2;
}

/** Runs `ip -n NS -batch -` with these lines (fast for thousands of changes). */
export async function ipBatch(ns: string, lines: string[], force = false): Promise<void> {
  const args = ["-n", ns, ...(force ? ["-force"] : []), "-batch", "-"];
  const child = new Deno.Command("ip", { args, stdin: "piped", stdout: "null", stderr: "piped" })
    .spawn();
  // Collect stderr while writing: a long error report would otherwise fill the pipe and stall
  // ip before it reads the rest of stdin.
  const output = child.output();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(lines.join("\n") + "\n"));
  await w.close();
  const out = await output;
  if (!out.success && !force) {
    throw new Error(`ip -batch failed: ${new TextDecoder().decode(out.stderr).slice(0, 500)}`);
  }
}

/** Open descriptors of this process. */
export function fdCount(): number {
  let n = 0;
  for (const _ of Deno.readDirSync("/proc/self/fd")) n++;
  return n;
}

/** The nlmsghdr of a message: length, type, flags, seq, port. */
export function nlmsg(
  type: number,
  flags: number,
  seq: number,
  pid: number,
  payload: Uint8Array = new Uint8Array(0),
): Uint8Array<ArrayBuffer> {
  const len = 16 + payload.length;
  const out = new Uint8Array((len + 3) & ~3);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, len, true);
  dv.setUint16(4, type, true);
  dv.setUint16(6, flags, true);
  dv.setUint32(8, seq, true);
  dv.setUint32(12, pid, true);
  out.set(payload, 16);
  return out;
}

/** Concatenated messages (each already 4-aligned). */
export function datagram(...msgs: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(msgs.reduce((a, m) => a + m.length, 0));
  let off = 0;
  for (const m of msgs) {
    out.set(m, off);
    off += m.length;
  }
  return out;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
