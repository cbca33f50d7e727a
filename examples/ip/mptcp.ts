/**
 * `ip mptcp endpoint|limits|monitor` on the MPTCP class, printing what iproute2 6.1 prints
 * (`-j` for endpoints as ip prints it).
 *
 * ```sh
 * ip mptcp endpoint add ADDRESS [dev NAME] [id ID] [port NR] [signal|subflow|backup|fullmesh…]
 * ip mptcp endpoint delete id ID [ADDRESS]
 * ip mptcp endpoint change [id ID] [ADDRESS] [port NR] [backup|nobackup|fullmesh|nofullmesh]
 * ip mptcp endpoint show [id ID] | flush
 * ip mptcp limits set [subflows NR] [add_addr_accepted NR] | show
 * ip mptcp monitor
 * ```
 *
 * @module
 */

import { MPTCP, mptcpFlagNames } from "../../mptcp/mod.ts";
import type {
  MptcpEndpointSpec,
  MptcpEvent,
  MptcpFlagName,
  MptcpMessage,
} from "../../mptcp/mod.ts";
import { ANY, FP, JSON_ONLY } from "./out.ts";
import { type Ctx, invarg, nextArg, usage } from "./ctx.ts";
import { type Choice, lookup, matches } from "./match.ts";
import { getU32 } from "./names.ts";

const FLAGS = ["signal", "subflow", "backup", "fullmesh"];

function parseEndpoint(args: string[], change: boolean): MptcpEndpointSpec & { dev?: string } {
  const spec: Record<string, unknown> = {};
  const flags: MptcpFlagName[] = [];
  for (let i = 0; i < args.length; i++) {
    const w = args[i];
    const next = () => {
      const v = args[++i];
      if (v === undefined) throw usage(`Error: argument is missing: ${w}`);
      return v;
    };
    // mptcp_parse_opt's order: flag names whole, then id, dev, port by prefix.
    if (FLAGS.includes(w)) flags.push(w as MptcpFlagName);
    else if (w === "nobackup" || w === "nofullmesh") continue;
    else if (matches(w, "id")) spec.id = Number(next());
    else if (matches(w, "dev")) spec.dev = next();
    else if (matches(w, "port")) spec.port = Number(next());
    else if (spec.addr === undefined) spec.addr = w;
    else throw usage(`Error: either "${w}" is duplicate, or "${w}" is a garbage.`);
  }
  if (flags.length || change) spec.flags = flags;
  return spec as MptcpEndpointSpec & { dev?: string };
}

/** One endpoint, as `ip mptcp endpoint show` prints it. */
export function printEndpoint(ctx: Ctx, m: MptcpMessage): void {
  const a = m.addr;
  if (!a) return;
  const p = ctx.p;
  p.openObject(null);
  const addr = a.family === 2 ? a.addr4 : a.addr6;
  if (addr !== undefined) p.str(ANY, "address", "%s ", addr);
  if (a.port) p.uint(ANY, "port", "port %u ", a.port);
  if (a.id !== undefined) p.uint(ANY, "id", "id %u ", a.id);
  if (a.flags !== undefined) {
    const known = FLAGS.reduce((n, f) => n | (a.flags! & (1 << FLAGS.indexOf(f))), 0);
    for (const f of mptcpFlagNames(known)) {
      p.str(FP, null, "%s ", f);
      p.bool(JSON_ONLY, f, "", true);
    }
    const rest = a.flags & ~known;
    if (rest) p.str(ANY, "rawflags", "rawflags %s ", rest.toString(16).padStart(2, "0"));
  }
  if (a.if_idx) p.str(ANY, "dev", "dev %s ", ctx.name(a.if_idx));
  p.closeObject();
  p.fp("\n");
}

const EVENTS: Record<string, string> = {
  created: "CREATED",
  established: "ESTABLISHED",
  closed: "CLOSED",
  announced: "ANNOUNCED",
  removed: "REMOVED",
  sub_established: "SF_ESTABLISHED",
  sub_closed: "SF_CLOSED",
  sub_priority: "SF_PRIO",
};

/** One event line, as `ip mptcp monitor` prints it. */
export function mptcpEventLine(ev: MptcpEvent): string {
  if (ev.type === "overrun") return "(events lost)\n";
  const m = ev.message;
  const name = EVENTS[ev.type];
  if (!name) return `[UNKNOWN ${m.cmd}]\n`;
  let s = `[${name.padStart(14)}] token=${(m.token ?? 0).toString(16).padStart(8, "0")}`;
  if (m.rem_id !== undefined) s += ` remid=${m.rem_id}`;
  if (m.loc_id !== undefined) s += ` locid=${m.loc_id}`;
  for (const k of ["saddr4", "daddr4", "saddr6", "daddr6"] as const) {
    if (m[k] !== undefined) s += ` ${k}=${m[k]}`;
  }
  if (m.sport !== undefined) s += ` sport=${m.sport}`;
  if (m.dport !== undefined) s += ` dport=${m.dport}`;
  if (m.backup !== undefined) s += ` backup=${m.backup}`;
  if (m.error !== undefined) s += ` error=${m.error}`;
  if (m.flags !== undefined) s += ` flags=${m.flags.toString(16)}`;
  if (m.timeout !== undefined) s += ` timeout=${m.timeout}`;
  if (m.if_idx !== undefined) s += ` ifindex=${m.if_idx}`;
  if (m.reset_reason !== undefined) s += ` reset_reason=${m.reset_reason}`;
  if (m.reset_flags !== undefined) s += ` reset_flags=0x${m.reset_flags.toString(16)}`;
  return s + "\n";
}

const MPTCP_USAGE = "Usage:\tip mptcp endpoint add ADDRESS [ dev NAME ] [ id ID ]\n" +
  "\t\t\t\t      [ port NR ] [ FLAG-LIST ]\n" +
  "\tip mptcp endpoint delete id ID [ ADDRESS ]\n" +
  "\tip mptcp endpoint change [ id ID ] [ ADDRESS ] [ port NR ] CHANGE-OPT\n" +
  "\tip mptcp endpoint show [ id ID ]\n" +
  "\tip mptcp endpoint flush\n" +
  "\tip mptcp limits set [ subflows NR ] [ add_addr_accepted NR ]\n" +
  "\tip mptcp limits show\n" +
  "\tip mptcp monitor\n" +
  "FLAG-LIST := [ FLAG-LIST ] FLAG\n" +
  "FLAG  := [ signal | subflow | backup | fullmesh ]\n" +
  "CHANGE-OPT := [ backup | nobackup | fullmesh | nofullmesh ]";

/** `ip mptcp`'s objects in ipmptcp.c's order (`help` first: `ip mptcp h` is help). */
export const MPTCP_OBJECTS: readonly Choice<string>[] = [
  ["help", "help"],
  ["endpoint", "endpoint"],
  ["limits", "limits"],
  ["monitor", "monitor"],
];

/** `ip mptcp endpoint` verbs in ipmptcp.c's order. */
export const MPTCP_ENDPOINT_VERBS: readonly Choice<string>[] = [
  ["add", "add"],
  ["change", "change"],
  ["delete", "delete"],
  ["show", "show"],
  ["flush", "flush"],
];

/** `ip mptcp limits` verbs in ipmptcp.c's order. */
export const MPTCP_LIMITS_VERBS: readonly Choice<string>[] = [["set", "set"], ["show", "show"]];

/**
 * The object and verb of `ip mptcp OBJECT [VERB]` by iproute2's prefix rule (without a verb:
 * show). An unknown word is "Command … is unknown" (exit 255) as in do_mptcp.
 */
function mptcpCommand(args: string[]): [object: string, cmd: string, rest: string[]] {
  const [word, verb, ...rest] = args;
  const object = word === undefined ? "help" : lookup(word, MPTCP_OBJECTS)?.[1];
  if (object === "help") throw usage(MPTCP_USAGE);
  const unknown = (w: string) => usage(`Command "${w}" is unknown, try "ip mptcp help".`);
  if (!object) throw unknown(word!);
  if (verb === undefined) return [object, "show", rest];
  if (object === "monitor") throw unknown(verb);
  const hit = lookup(verb, object === "endpoint" ? MPTCP_ENDPOINT_VERBS : MPTCP_LIMITS_VERBS);
  if (!hit) throw unknown(verb);
  return [object, hit[1]!, rest];
}

/** `ip mptcp …`. */
export async function doMptcp(ctx: Ctx, args: string[]): Promise<void> {
  const [object, cmd, rest] = mptcpCommand(args);
  using mp = new MPTCP(ctx.opts.netns ? { netns: ctx.opts.netns } : {});
  if (object === "endpoint") {
    switch (cmd) {
      case "show":
      case "list": {
        await ctx.loadNames();
        const spec = parseEndpoint(rest, false);
        const list = spec.id !== undefined
          ? await mp.endpoint("get", { id: spec.id })
          : await mp.endpoint("show");
        ctx.p.begin();
        for (const m of list) printEndpoint(ctx, m);
        ctx.p.end();
        return;
      }
      case "add":
      case "delete":
      case "change": {
        const { dev, ...spec } = parseEndpoint(rest, cmd === "change");
        if (dev !== undefined) spec.if_idx = await ctx.index(dev);
        await mp.endpoint(cmd === "add" ? "add" : cmd === "delete" ? "del" : "set", spec);
        return;
      }
      case "flush":
        await mp.flushEndpoints();
        return;
    }
  } else if (object === "limits") {
    if (cmd === "show") {
      const l = await mp.getLimits();
      ctx.p.fp(`add_addr_accepted ${l.rcv_add_addrs} subflows ${l.subflows} \n`);
      return;
    }
    if (cmd === "set") {
      // mptcp_parse_limit: both keywords by prefix, values as get_u32 reads them.
      const spec: Record<string, number> = {};
      for (let i = 0; i < rest.length; i++) {
        const w = rest[i];
        const k = matches(w, "subflows")
          ? "subflows"
          : matches(w, "add_addr_accepted")
          ? "rcv_add_addrs"
          : undefined;
        if (!k) throw invarg("unknown limit", w);
        const v = nextArg(rest, i++);
        const n = getU32(v);
        if (n === undefined) {
          throw invarg(`invalid ${k === "subflows" ? k : "add_addr_accepted"}\n`, v);
        }
        spec[k] = n;
      }
      // iproute2 sends an empty set, which changes nothing: so does nothing here.
      if (Object.keys(spec).length) await mp.limits("set", spec);
      return;
    }
  } else if (object === "monitor") {
    using events = await mp.monitor();
    for await (const ev of events) {
      ctx.p.fp(mptcpEventLine(ev));
      ctx.emit();
    }
    return;
  }
  throw usage(MPTCP_USAGE);
}
