/**
 * Test helpers: fresh namespaces that are always removed, root detection, iproute2 JSON.
 *
 * @module
 */

import * as netns from "../ffi/netns.ts";

/** Whether the tests run as root (integration tests need it). */
export const isRoot: boolean = Deno.uid?.() === 0;

/** Why integration tests are skipped, or undefined when they run. */
export const skipReason: string | undefined = isRoot
  ? undefined
  : "integration tests need root (CAP_NET_ADMIN)";

let counter = 0;

/** A fresh unique namespace name. */
export function nsName(tag = "t"): string {
  return `nlt-${tag}-${Deno.pid}-${++counter}`;
}

/** Runs `fn` with a fresh named namespace that is removed afterwards, even on failure. */
export async function withNetns<T>(fn: (ns: string) => Promise<T> | T, tag = "t"): Promise<T> {
  const name = nsName(tag);
  netns.create(name);
  try {
    return await fn(name);
  } finally {
    netns.remove(name);
  }
}

/** Runs a command and returns stdout; throws with stderr when it fails. */
export async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return text;
}

/** `ip -n NS -j ARGS…` parsed. */
export async function ipJson(ns: string, ...args: string[]): Promise<Record<string, unknown>[]> {
  const text = await run("ip", ["-n", ns, "-j", ...args]);
  return text.trim() ? JSON.parse(text) : [];
}

/** `ip -n NS ARGS…` (throws when ip fails). */
export async function ipCmd(ns: string, ...args: string[]): Promise<string> {
  return await run("ip", ["-n", ns, ...args]);
}

/** Bytes from a hex string. */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/[^0-9a-fA-F]/g, "");
  return Uint8Array.from(clean.match(/../g) ?? [], (b) => parseInt(b, 16));
}

/** Hex of bytes. */
export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
