/**
 * TaskStats: per-task statistics through the kernel's TASKSTATS generic netlink family: CPU
 * times, delays, memory and I/O counters of a task or a thread group, and the final statistics
 * of every task as it exits.
 *
 * ```ts
 * import { TaskStats } from "@denonet/netlink/taskstats";
 * import * as netns from "@denonet/netlink/netns";
 *
 * using ts = new TaskStats();
 * const s = await ts.getPidStat(Deno.pid); // { version, ac_pid, ac_comm, cpu_count, … }
 * console.log(s.ac_comm, s.ac_utime, "µs user", s.cpu_run_real_total, "ns on CPU");
 * const group = await ts.getTgidStat(Deno.pid); // every thread of the process
 * console.log(group.ac_utime);
 *
 * // Exit records reach the initial network namespace only: elsewhere monitor() throws saying so.
 * if (netns.isInitial() !== false) {
 *   const stop = AbortSignal.timeout(200);
 *   for await (const e of ts.monitor({ cpus: "0-1", signal: stop })) {
 *     if (e.type === "exit") console.log(e.pid, e.stats.ac_comm, e.exitCode ?? `signal ${e.signal}`);
 *   }
 * }
 * ```
 *
 * Records are `struct taskstats` decoded by the version the kernel reports (every field of every
 * version up to 16, named as in linux/taskstats.h; 64-bit counters are numbers, units in
 * {@link TaskstatsFields}); bytes past the known layout are kept in `extra`.
 *
 * ## A worked example of adding a generic netlink family
 *
 * This module speaks netlink only through the public API of `@denonet/netlink/netlink` (it also
 * reads the list of possible CPUs from /sys), and shows what any family needs:
 *
 * 1. The attribute tables, one `as const` table per attribute space, one line per attribute
 *    (`schema.ts`: `TASKSTATS_CMD_ATTR_TABLE` for requests, `TASKSTATS_TYPE_TABLE` for replies,
 *    a nest for the `AGGR_PID`/`AGGR_TGID` pairs), compiled with `attrs()`, and message schemas
 *    made with `genlMessage()`. A struct payload whose layout depends on a version (like
 *    `struct taskstats`) is a `"binary"` attribute decoded by its own function (`struct.ts`).
 * 2. `GenericNetlink.resolve(name)` for the family id (cached), and
 *    `command(family, cmd, attrs, { schema, reply, commands })` for requests: replies are typed
 *    views (`reply.aggr_pid?.stats`), refusals are `NetlinkError`s carrying the kernel's errno
 *    and the command's name (`commands: TASKSTATS_CMD` makes it "TASKSTATS GET: …").
 * 3. `GenericNetlink.monitor({ family, schema, groups, setup, signal })` for what the kernel
 *    sends on its own: multicast groups joined by name, and unicast records to a registered
 *    listener. The groups are joined and `setup` has sent its registration (TASKSTATS sends
 *    its CPU mask there) when `monitor()` returns, so nothing after the call is lost.
 *
 * @module
 */

export * from "./schema.ts";
export * from "./struct.ts";
export * from "./taskstats.ts";
