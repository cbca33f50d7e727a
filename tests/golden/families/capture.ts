/**
 * Captures what `ip xfrm`, `ip mptcp` and `ethtool` send (and what the kernel answers) for the
 * golden tests of the xfrm, mptcp and ethtool families: every command runs under strace in a
 * fresh namespace made for it (setup commands first), which is always removed. Nothing runs in
 * the initial namespace: `ip …` becomes `ip -n NS …`, `ethtool …` becomes
 * `ip netns exec NS ethtool …`.
 *
 *     sudo deno run -A tests/golden/families/capture.ts [family] [name-regex]
 *
 * writes tests/golden/families/<family>.json: per capture the command, its setup, every
 * request sent (hex, in order) and every datagram received.
 *
 * @module
 */

import { CAPTURES } from "./commands.ts";

const HERE = new URL(".", import.meta.url).pathname;

function sh(cmd: string[], allowFail = false): { ok: boolean; out: string; err: string } {
  const r = new Deno.Command(cmd[0], { args: cmd.slice(1), stdout: "piped", stderr: "piped" })
    .outputSync();
  const out = new TextDecoder().decode(r.stdout);
  const err = new TextDecoder().decode(r.stderr);
  if (!r.success && !allowFail) throw new Error(`${cmd.join(" ")}: ${err}`);
  return { ok: r.success, out, err };
}

/** The command as run inside namespace `ns` (refuses anything but ip and ethtool). */
function inNs(cmd: string, ns: string): string[] {
  const words = cmd.split(/\s+/).filter(Boolean);
  if (words[0] === "ip") return ["ip", "-n", ns, ...words.slice(1)];
  if (words[0] === "ethtool") return ["ip", "netns", "exec", ns, ...words];
  throw new Error(`refusing to run ${cmd}: only ip and ethtool`);
}

interface Sys {
  call: string;
  fd: number;
  bytes: number[];
}

/** The netlink buffers of an strace log written with `-e write=all -e read=all -xx`. */
function parse(log: string): Sys[] {
  const out: Sys[] = [];
  let cur: Sys | undefined;
  for (const line of log.split("\n")) {
    const m = /^(?:\d+\s+)?(sendmsg|sendto|recvmsg|recvfrom)\((\d+)/.exec(line);
    if (m) {
      cur = { call: m[1], fd: Number(m[2]), bytes: [] };
      out.push(cur);
      continue;
    }
    const d = /^ \| [0-9a-f]{5}  (.{0,48})/.exec(line);
    if (d && cur) {
      for (const h of d[1].trim().split(/\s+/).filter(Boolean)) cur.bytes.push(parseInt(h, 16));
      continue;
    }
    if (/^(?:\d+\s+)?[a-z_0-9]+\(|\+\+\+/.test(line)) cur = undefined;
  }
  return out.filter((s) => s.bytes.length > 0);
}

const hexOf = (b: number[]) => b.map((x) => x.toString(16).padStart(2, "0")).join("");

const [family, filter] = Deno.args;
if (Deno.uid() !== 0) throw new Error("run as root");
const kernel = sh(["uname", "-r"]).out.trim();
for (const [fam, list] of Object.entries(CAPTURES)) {
  if (family && fam !== family) continue;
  const file = `${HERE}${fam}.json`;
  let old: Record<string, unknown> = {};
  try {
    old = JSON.parse(Deno.readTextFileSync(file)).captures ?? {};
  } catch {
    // first capture
  }
  const captures: Record<string, unknown> = filter ? old : {};
  for (const c of list) {
    if (filter && !new RegExp(filter).test(c.name)) continue;
    const ns = `gold-${fam}-${Deno.pid}`;
    sh(["ip", "netns", "add", ns]);
    try {
      for (const s of c.setup ?? []) sh(inNs(s, ns));
      const log = `/tmp/${ns}.strace`;
      const r = sh([
        "strace",
        "-f",
        "-o",
        log,
        "-e",
        "trace=sendmsg,sendto,recvmsg,recvfrom",
        "-e",
        "write=all",
        "-e",
        "read=all",
        "-xx",
        "-s",
        "65536",
        ...inNs(c.command, ns),
      ], true);
      const calls = parse(Deno.readTextFileSync(log));
      Deno.removeSync(log);
      captures[c.name] = {
        command: c.command,
        setup: c.setup ?? [],
        exit_ok: r.ok,
        stdout: r.out,
        stderr: r.err.trim(),
        requests: calls.filter((s) => s.call.startsWith("send")).map((s) => hexOf(s.bytes)),
        replies: calls.filter((s) => s.call.startsWith("recv")).map((s) => hexOf(s.bytes)),
        // The socket of each (tools use several, with overlapping sequence numbers).
        request_fds: calls.filter((s) => s.call.startsWith("send")).map((s) => s.fd),
        reply_fds: calls.filter((s) => s.call.startsWith("recv")).map((s) => s.fd),
      };
      console.log(`${fam}/${c.name}: ${r.ok ? "ok" : "failed: " + r.err.trim()}`);
    } finally {
      sh(["ip", "netns", "del", ns], true);
    }
  }
  const tool = fam === "ethtool" ? sh(["ethtool", "--version"]).out.trim() : sh(["ip", "-V"])
    .out.trim();
  Deno.writeTextFileSync(
    file,
    JSON.stringify({ tool, kernel, captures }, null, 1) + "\n",
  );
}
