/**
 * The socket-holding child of the sock_diag tests (diag_child.ts), run in a fresh namespace as
 * user nobody (65534) with CAP_NET_RAW, so uids and packet/raw sockets are checked too. The
 * namespace and the child go away whatever happens.
 *
 * @module
 */

import { SockDiag } from "../../diag/mod.ts";
import { NetlinkError } from "../../netlink/errors.ts";
import { isRoot, withNetns } from "../helpers.ts";

/** What the child made (its own description of it). */
export interface SocketChild {
  /** The child's pid. */
  pid: number;
  /** Its uid. */
  uid: number;
  /** Ports: TCP listeners l4 (127.0.0.1), l6 ([::1]), lany (0.0.0.0); UDP u1, u2; MPTCP. */
  ports: { l4: number; l6: number; lany: number; u1: number; u2: number; mptcp: number };
  /** Bytes each client connection sent (nobody read them). */
  sent: { v4: number; v6: number };
  /** The client ends' local ports. */
  conn4: { sport: number };
  /** The IPv6 client's local port. */
  conn6: { sport: number };
  /** The unix stream listener's path. */
  unixPath: string;
  /** The abstract datagram socket's name ("@…"). */
  abstract: string;
  /** Socket inodes (0: the child could not make it). */
  inodes: { u1: number; u2: number; ud: number; packet: number; raw: number; mptcp: number };
}

const CHILD = new URL("./diag_child.ts", import.meta.url).pathname;

/** Runs `fn` with a fresh namespace holding the child's sockets. */
export function withSocketChild<T>(
  fn: (ns: string, child: SocketChild) => Promise<T>,
  tag = "diag",
): Promise<T> {
  return withNetns(async (ns) => {
    await new Deno.Command("ip", { args: ["-n", ns, "link", "set", "lo", "up"] }).output();
    const proc = new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        ns,
        "setpriv",
        "--reuid",
        "65534",
        "--regid",
        "65534",
        "--clear-groups",
        "--inh-caps",
        "+net_raw",
        "--ambient-caps",
        "+net_raw",
        Deno.execPath(),
        "run",
        "-A",
        "--no-lock",
        CHILD,
        String(7000 + (Deno.pid % 50) * 10),
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const writer = proc.stdin.getWriter();
    try {
      const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!text.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the socket child ended early: ${text}`);
        text += value;
      }
      reader.releaseLock();
      const child = JSON.parse(text.slice(0, text.indexOf("\n"))) as SocketChild;
      return await fn(ns, child);
    } finally {
      await writer.close().catch(() => {});
      await proc.stdout.cancel().catch(() => {});
      await proc.status;
    }
  }, tag);
}

/** `ip netns exec NS ss ARGS…` output (stderr's cgroup complaints ignored). */
export async function ss(ns: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("ip", {
    args: ["netns", "exec", ns, "ss", ...args],
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!out.success) throw new Error(`ss ${args.join(" ")} failed`);
  return new TextDecoder().decode(out.stdout);
}

let probed: Promise<string | undefined> | undefined;

/**
 * Why the sock_diag live tests cannot run here, or undefined: TCP, UDP, unix and packet diag
 * are tried in a throwaway namespace (a kernel without one answers ENOENT).
 */
export function diagLacks(): Promise<string | undefined> {
  if (!isRoot) return Promise.resolve("integration tests need root (CAP_NET_ADMIN)");
  return probed ??= withNetns(async (ns) => {
    using diag = new SockDiag({ netns: ns });
    const missing: string[] = [];
    const tries: [string, () => Promise<unknown>][] = [
      ["CONFIG_INET_TCP_DIAG", () => diag.inet()],
      ["CONFIG_INET_UDP_DIAG", () => diag.inet({ protocol: "udp" })],
      ["CONFIG_UNIX_DIAG", () => diag.unix()],
      ["CONFIG_PACKET_DIAG", () => diag.packet()],
    ];
    for (const [option, run] of tries) {
      try {
        await run();
      } catch (e) {
        if (e instanceof NetlinkError && e.code === "ENOENT") missing.push(option);
        else throw e;
      }
    }
    return missing.length ? `kernel lacks ${missing.join(", ")}` : undefined;
  }, "diagprobe");
}

/** `name` and `ignore` of a sock_diag live test: skipped with the reason where diag is missing. */
export async function diagGate(name: string): Promise<{ name: string; ignore: boolean }> {
  const why = await diagLacks();
  return { name: why ? `${name} (skipped: ${why})` : name, ignore: why !== undefined };
}
