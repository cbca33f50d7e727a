/**
 * Prints process events as they happen, from the kernel's proc connector (like `forkstat`):
 *
 * ```sh
 * sudo deno run --allow-ffi --allow-read examples/proc_events.ts            # until Ctrl-C
 * sudo deno run --allow-ffi --allow-read examples/proc_events.ts --for 5    # five seconds
 * ```
 *
 * Needs CAP_NET_ADMIN and the initial network namespace (the kernel serves the connector there
 * only); reading events changes nothing.
 *
 * @module
 */

import { ProcConnectorUnavailableError, ProcEvents } from "../events/mod.ts";
import type { ProcEvent } from "../events/mod.ts";

/** The command name of a process, when it is still there to ask. */
function comm(pid: number): string {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/comm`).trim();
  } catch {
    return "?";
  }
}

/** One line per event. */
export function describe(e: ProcEvent): string {
  switch (e.type) {
    case "fork":
      return e.child_pid === e.child_tgid
        ? `fork     ${e.parent_tgid} -> ${e.child_pid}`
        : `clone    ${e.parent_tgid} -> thread ${e.child_pid}`;
    case "exec":
      return `exec     ${e.process_pid} ${comm(e.process_pid)}`;
    case "uid":
    case "gid":
      return `${e.type}      ${e.process_pid} real ${e.ruid} effective ${e.euid}`;
    case "sid":
      return `sid      ${e.process_pid}`;
    case "ptrace":
      return e.tracer_pid
        ? `ptrace   ${e.process_pid} traced by ${e.tracer_pid}`
        : `ptrace   ${e.process_pid} detached`;
    case "comm":
      return `comm     ${e.process_pid} ${e.comm}`;
    case "coredump":
      return `coredump ${e.process_pid}`;
    case "exit":
      if (e.process_pid !== e.process_tgid) return `exit     thread ${e.process_pid}`;
      return `exit     ${e.process_pid} ` +
        (e.signal !== undefined
          ? `signal ${e.signal}${e.coreDumped ? " (core)" : ""}`
          : `code ${e.exitCode}`);
    case "unknown":
      return `event 0x${e.what.toString(16)} ${e.data.length} bytes`;
  }
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--for");
  const seconds = i >= 0 ? Number(Deno.args[i + 1]) : undefined;
  const stop = new AbortController();
  if (seconds !== undefined) setTimeout(() => stop.abort(), seconds * 1000);
  Deno.addSignalListener("SIGINT", () => stop.abort());
  try {
    using events = new ProcEvents({ signal: stop.signal });
    for await (const e of events) {
      console.log(e.type === "overrun" ? "overrun: the kernel dropped events" : describe(e));
    }
  } catch (e) {
    if (e instanceof ProcConnectorUnavailableError) console.error(e.message);
    else console.error(e);
    Deno.exit(1);
  }
  Deno.exit(0);
}
