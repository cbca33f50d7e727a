/**
 * Host events: process life from the proc connector ({@link ProcEvents}: fork, exec, uid,
 * gid, sid, ptrace, comm, coredump, exit) and device events ({@link Uevents}: kobject uevents
 * of the kernel and of udev). Each stream is subscribed when constructed, is an AsyncIterable
 * of typed events, yields `{ type: "overrun" }` when the kernel dropped events, and ends on
 * `close()` or its `signal`.
 *
 * @example
 * ```ts
 * import { ProcEvents } from "@denonet/netlink/events";
 * import * as netns from "@denonet/netlink/netns";
 *
 * if (netns.isInitial()) { // the kernel serves the proc connector in the initial namespace only
 *   using events = new ProcEvents(); // subscribed now: the child below is seen
 *   const child = new Deno.Command("true").spawn();
 *   const { pid } = child;
 *   await child.status;
 *   for await (const e of events) {
 *     if (e.type === "exit" && e.process_pid === pid) {
 *       console.log("exit", pid, e.exitCode);
 *       break;
 *     }
 *   }
 * }
 * ```
 *
 * @module
 */

export { EventStream } from "./stream.ts";
export type { Overrun } from "./stream.ts";
export {
  CN_IDX_PROC,
  CN_VAL_PROC,
  decodeProcEvents,
  PROC_CN_MCAST,
  PROC_EVENT,
  ProcConnectorUnavailableError,
  ProcEvents,
} from "./proc.ts";
export type {
  CommEvent,
  CoredumpEvent,
  ExecEvent,
  ExitEvent,
  ForkEvent,
  IdEvent,
  ProcAck,
  ProcEvent,
  ProcEventBase,
  ProcEventItem,
  ProcEventsOptions,
  PtraceEvent,
  SidEvent,
  UnknownProcEvent,
} from "./proc.ts";
export { parseUevent, UEVENT_GROUP, Uevents } from "./uevent.ts";
export type { Uevent, UeventItem, UeventsOptions } from "./uevent.ts";
