/**
 * `ip taskstats PID [tgid]`: the TASKSTATS record of a task (an extension; iproute2 has no such
 * command). With `-j` the record's fields as one JSON object per task.
 *
 * @module
 */

import { NetlinkError, TaskStats } from "../../mod.ts";
import { ANY } from "./out.ts";
import { type Ctx, ExitError, kernelError, usage } from "./ctx.ts";

const ns = (v: unknown) => (typeof v === "number" ? v : 0);

function ms(nsec: number): string {
  return (nsec / 1e6).toFixed(3) + "ms";
}

/** `ip taskstats PID [tgid]`. */
export async function doTaskstats(ctx: Ctx, args: string[]): Promise<void> {
  const [pidArg, mode] = args;
  if (pidArg === undefined || pidArg === "help") {
    throw usage("Usage: ip taskstats PID [ tgid ]");
  }
  if (!/^\d+$/.test(pidArg) || Number(pidArg) <= 0) {
    throw usage(`Error: argument "${pidArg}" is wrong: PID must be a positive integer`);
  }
  if (mode !== undefined && mode !== "tgid" && mode !== "pid") {
    throw usage(`Error: either "pid" or "tgid" is expected rather than "${mode}".`);
  }
  const pid = Number(pidArg);
  let rec: Record<string, unknown>;
  try {
    using ts = new TaskStats();
    rec = mode === "tgid" ? await ts.getTgidStat(pid) : await ts.getPidStat(pid);
  } catch (e) {
    if (e instanceof NetlinkError) {
      if (e.code === "ESRCH") throw new ExitError(`No such process: ${pid}`, 1);
      throw kernelError(e);
    }
    throw e;
  }
  const p = ctx.p;
  p.begin();
  p.openObject(null);
  if (p.json) {
    for (const [k, v] of Object.entries(rec)) {
      if (typeof v === "number") p.uint(ANY, k, "", v);
      else if (typeof v === "string") p.str(ANY, k, "", v);
    }
  } else {
    const comm = typeof rec.ac_comm === "string" ? rec.ac_comm : "?";
    const r = (k: string) => ns(rec[k]);
    p.fp(`${mode === "tgid" ? "tgid" : "pid"} ${pid} (${comm})\n`);
    p.fp(
      `    cpu: count ${r("cpu_count")} real ${ms(r("cpu_run_real_total"))} virtual ${
        ms(r("cpu_run_virtual_total"))
      } delay ${ms(r("cpu_delay_total"))}\n`,
    );
    p.fp(
      `    time: user ${r("ac_utime")}us system ${r("ac_stime")}us elapsed ${r("ac_etime")}us\n`,
    );
    p.fp(
      `    ctxsw: voluntary ${r("nvcsw")} involuntary ${r("nivcsw")}  faults: minor ${
        r("ac_minflt")
      } major ${r("ac_majflt")}\n`,
    );
    p.fp(
      `    io: read ${r("read_char")}B (${r("read_syscalls")} calls, ${
        r("read_bytes")
      }B disk) write ${r("write_char")}B (${r("write_syscalls")} calls, ${
        r("write_bytes")
      }B disk)\n`,
    );
    p.fp(
      `    delays: blkio ${r("blkio_count")}/${ms(r("blkio_delay_total"))} swapin ${
        r("swapin_count")
      }/${ms(r("swapin_delay_total"))} freepages ${r("freepages_count")}/${
        ms(r("freepages_delay_total"))
      }\n`,
    );
    p.fp(`    memory: rss high-water ${r("hiwater_rss")}KB vm high-water ${r("hiwater_vm")}KB\n`);
  }
  p.closeObject();
  p.end();
}
