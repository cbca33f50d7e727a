/**
 * What the scale benchmarks share: their `--name value` arguments, medians, the machine line
 * (CPU model, cores, load average), the v0/v1 + N routes namespace they load, and namespaces
 * removed at the end, on failure or on Ctrl-C.
 *
 * @module
 */

import * as netns from "../ffi/netns.ts";
import { iproute2Batch } from "../tests/helpers.ts";

/** The value after `--name` in the command line, or `dflt`. */
export function arg(name: string, dflt: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && Deno.args[i + 1] !== undefined ? Deno.args[i + 1] : dflt;
}

/** The median of `xs` (the mean of the middle two when their number is even). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The CPU's model name from /proc/cpuinfo. */
export function cpuModel(): string {
  const m = /model name\s*:\s*(.*)/.exec(Deno.readTextFileSync("/proc/cpuinfo"));
  return m ? m[1] : "unknown";
}

/** The 1, 5 and 15 minute load averages, space-separated. */
export function loadAverage(): string {
  return Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
}

/** Runs a command with its output discarded; throws with its stderr when it fails. */
export async function sh(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** As {@link sh}, synchronously. */
export function shSync(cmd: string, args: string[]): void {
  const out = new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).outputSync();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Runs a command with its output discarded and returns its wall time in ms; throws when it fails. */
export async function timeProcess(cmd: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  const r = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output();
  const t = performance.now() - t0;
  if (!r.success) throw new Error(`${cmd} ${args.join(" ")} failed`);
  return t;
}

/** Runs `ip -n NS -batch -` on `lines`; throws with ip's message when a line fails. */
export async function ipBatch(ns: string, lines: readonly string[]): Promise<void> {
  await iproute2Batch("ip", ns, [], lines);
}

/**
 * The `ip -batch` lines of the routes namespace (as ../shared/bench/setup-netns.sh makes it):
 * v0/v1 veth up, 10.0.0.1/16 on v0, `routes` /32 routes in 20.0.0.0/8 via 10.0.0.2.
 */
export function routesNamespaceLines(routes: number): string[] {
  const lines = [
    "link add v0 type veth peer name v1",
    "link set lo up",
    "link set v0 up",
    "link set v1 up",
    "addr add 10.0.0.1/16 dev v0",
  ];
  for (let i = 0; i < routes; i++) {
    lines.push(`route add 20.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32 via 10.0.0.2`);
  }
  return lines;
}

/**
 * Removes the named namespaces that exist, best effort (one failing does not keep the others);
 * also on SIGINT/SIGTERM from the call on (then exits with 130). Returns the removal, for the
 * caller's `finally`.
 */
export function removedAtExit(names: readonly string[]): () => void {
  const cleanup = () => {
    for (const n of names) {
      try {
        if (netns.exists(n)) netns.remove(n);
      } catch {
        // Best effort: the next names must go too.
      }
    }
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => {
      cleanup();
      Deno.exit(130);
    });
  }
  return cleanup;
}
