/**
 * Shared by the netfilter tests: commands run inside a namespace (`ip netns exec`), whether the
 * reference tools and kernel features are there, two namespaces joined by a veth pair, and a
 * real TCP connection between them.
 *
 * @module
 */

import * as netns from "../../ffi/netns.ts";
import { isRoot, nsName, run } from "../helpers.ts";

/** `ip netns exec NS CMD ARGS…`; returns stdout (throws with stderr when it fails). */
export function nsRun(ns: string, cmd: string, ...args: string[]): Promise<string> {
  return run("ip", ["netns", "exec", ns, cmd, ...args]);
}

/** Whether a command is installed. */
export function hasTool(name: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return true;
    } catch { /* not here */ }
  }
  for (const dir of ["/usr/sbin", "/sbin"]) {
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return true;
    } catch { /* not here */ }
  }
  return false;
}

/** Why a netfilter oracle test cannot run here, or undefined. */
export function skipUnless(...tools: string[]): string | undefined {
  if (!isRoot) return "needs root";
  const missing = tools.filter((t) => !hasTool(t));
  return missing.length ? `${missing.join(", ")} not installed` : undefined;
}

/** Two fresh namespaces joined by a veth pair (a0 10.9.0.1/24 in `a`, b0 10.9.0.2/24 in `b`). */
export async function withTwoNamespaces<T>(
  fn: (a: string, b: string) => Promise<T>,
): Promise<T> {
  const a = nsName("nfa"), b = nsName("nfb");
  netns.create(a);
  try {
    netns.create(b);
    try {
      await run("ip", [
        "-n",
        a,
        "link",
        "add",
        "a0",
        "type",
        "veth",
        "peer",
        "name",
        "b0",
        "netns",
        b,
      ]);
      await run("ip", ["-n", a, "addr", "add", "10.9.0.1/24", "dev", "a0"]);
      await run("ip", ["-n", b, "addr", "add", "10.9.0.2/24", "dev", "b0"]);
      for (const [ns, dev] of [[a, "a0"], [a, "lo"], [b, "b0"], [b, "lo"]]) {
        await run("ip", ["-n", ns, "link", "set", dev, "up"]);
      }
      return await fn(a, b);
    } finally {
      netns.remove(b);
    }
  } finally {
    netns.remove(a);
  }
}

/** Makes netfilter track connections in `ns` (conntrack hooks register only when a rule needs them). */
export async function enableTracking(ns: string): Promise<void> {
  await nsRun(
    ns,
    "nft",
    "add table ip nltrack; add chain ip nltrack in { type filter hook input priority 0; }; " +
      "add rule ip nltrack in ct state new,established counter",
  );
}

/** A TCP connection from namespace `client` to `server` (10.9.0.2:port), open until closed. */
export interface TcpConnection {
  /** The client's source port. */
  sport?: number;
  /** Closes the connection and waits for both peers to exit. */
  close(): Promise<void>;
}

const PEER = new URL("./tcp_peer.ts", import.meta.url).pathname;

async function firstLine(
  stream: ReadableStream<Uint8Array>,
): Promise<{ line: string; rest: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  let text = "";
  const dec = new TextDecoder();
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value);
  }
  reader.releaseLock();
  return { line: text.split("\n")[0], rest: stream };
}

/** Opens a real TCP connection between the namespaces (Deno peers run with `ip netns exec`). */
export async function tcpConnect(
  server: string,
  client: string,
  port: number,
): Promise<TcpConnection> {
  const deno = Deno.execPath();
  const srv = new Deno.Command("ip", {
    args: [
      "netns",
      "exec",
      server,
      deno,
      "run",
      "--allow-net",
      PEER,
      "server",
      "10.9.0.2",
      String(port),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const ready = await firstLine(srv.stdout);
  if (ready.line !== "ready") throw new Error(`tcp peer server: ${ready.line}`);
  const cli = new Deno.Command("ip", {
    args: [
      "netns",
      "exec",
      client,
      deno,
      "run",
      "--allow-net",
      PEER,
      "client",
      "10.9.0.2",
      String(port),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const up = await firstLine(cli.stdout);
  if (up.line !== "connected") throw new Error(`tcp peer client: ${up.line}`);
  return {
    async close() {
      await cli.stdin.close();
      await up.rest.cancel();
      await ready.rest.cancel();
      await cli.status;
      await srv.status;
    },
  };
}

/** Whether `fn` succeeds in a throwaway namespace (probes an optional kernel feature). */
export async function probe(fn: (ns: string) => Promise<unknown>): Promise<boolean> {
  if (!isRoot) return false;
  const ns = nsName("probe");
  netns.create(ns);
  try {
    await fn(ns);
    return true;
  } catch {
    return false;
  } finally {
    netns.remove(ns);
  }
}
