/**
 * `ip xfrm state|policy|monitor` on the XFRM class, printing what iproute2 6.1 prints (text:
 * ip has no JSON for xfrm). The printers are exported for the oracle tests.
 *
 * ```sh
 * ip xfrm state [list] | count | flush [proto P] | get ID | delete ID
 * ip xfrm state add|update ID [mode M] [reqid R] [replay-window N] [flag F…] [sel SELECTOR]
 *        [limit LIMIT…] [enc|auth NAME KEY] [auth-trunc NAME KEY LEN] [aead NAME KEY ICV]
 *        [comp NAME] [encap TYPE SPORT DPORT OA] [mark V [mask M]] [if_id N]
 *        [output-mark V [mask M]] [tfcpad N] [extra-flag F…]
 * ip xfrm state allocspi ID [mode M] [reqid R] [min N max N]
 * ip xfrm policy [list] | count | flush | get|delete SELECTOR dir D | add|update SELECTOR dir D
 *        [action allow|block] [priority N] [index N] [flag F…] [ptype main|sub]
 *        [mark V [mask M]] [if_id N] [limit LIMIT…] [tmpl ID [mode M] [reqid R] [level use]]…
 * ip xfrm monitor
 * ```
 *
 * @module
 */

import { NetlinkError } from "../../mod.ts";
import { XFRM } from "../../xfrm/mod.ts";
import type {
  XfrmAlgoValue,
  XfrmPolicy,
  XfrmPolicySpec,
  XfrmSelector,
  XfrmSelectorSpec,
  XfrmState,
  XfrmStateSpec,
  XfrmTemplate,
  XfrmTemplateSpec,
} from "../../xfrm/mod.ts";
import { IP_PROTO, numberToName, XFRM_PROTO, XFRM_STATE_FLAG } from "../../xfrm/mod.ts";
import { type Ctx, ExitError, usage } from "./ctx.ts";
import { type Choice, lookup, matches, notSupported } from "./match.ts";

/** Turns an interface index into a name (`ll_index_to_name`). */
export type NameOf = (index: number) => string;

const hex8 = (n: number) => n.toString(16).padStart(8, "0");
/** C's `%#x`: "0" for zero, else "0x…". */
const altHex = (n: number) => (n === 0 ? "0" : `0x${n.toString(16)}`);

function protoText(p: number): string {
  return numberToName(XFRM_PROTO, p) ?? String(p);
}

const MODES = ["transport", "tunnel", "ro", "in_trigger", "beet"];

function idLines(
  src: string,
  dst: string,
  proto: number,
  spi: number,
  reqid: number,
  mode: number,
  forceSpi: boolean,
  prefix: string,
  title: string,
): string {
  let s = `${title}src ${src} dst ${dst}\n${prefix}\tproto ${protoText(proto)} `;
  if (forceSpi || spi) s += `spi 0x${hex8(spi)} `;
  return s + `reqid ${reqid} mode ${MODES[mode] ?? String(mode)}\n`;
}

/** The selector line (`src 10.0.0.0/24 dst 10.1.0.0/24 proto tcp dport 443 `). */
export function selectorText(sel: XfrmSelector, prefix: string, nameOf: NameOf): string {
  let s = `${prefix}src ${sel.src} dst ${sel.dst} `;
  const p = sel.proto;
  if (p) s += `proto ${numberToName(IP_PROTO, p) ?? String(p)} `;
  if (p === 1 || p === 58) {
    if (sel.sport_mask) s += `type ${sel.sport} `;
    if (sel.dport_mask) s += `code ${sel.dport} `;
  } else if (p === 47) {
    if (sel.sport_mask || sel.dport_mask) s += `key ${sel.sport * 65536 + sel.dport} `;
  } else if (p === 135) {
    if (sel.sport_mask) s += `type ${sel.sport} `;
  } else {
    if (sel.sport_mask) s += `sport ${sel.sport} `;
    if (sel.dport_mask) s += `dport ${sel.dport} `;
  }
  if (sel.ifindex > 0) s += `dev ${nameOf(sel.ifindex)} `;
  return s + "\n";
}

function algoText(type: string, a: XfrmAlgoValue, prefix: string, extra?: number): string {
  let s = `${prefix}${type} ${a.name} `;
  if (a.key.length > 0) {
    s += "0x" + Array.from(a.key, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  if (extra !== undefined) s += ` ${extra}`;
  return s + "\n";
}

function templateText(t: XfrmTemplate, prefix: string): string {
  let s = prefix + idLines(t.src, t.dst, t.proto, t.spi, t.reqid, t.mode, false, prefix, "tmpl ");
  if (t.optional) s += `${prefix}\t${t.optional === 1 ? "level use " : `level ${t.optional} `}\n`;
  return s;
}

/** Local time as ip prints it (`%Y-%m-%d %T`), "-" for 0. */
function timeText(t: number): string {
  if (!t) return "-";
  const d = new Date(t * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())}`;
}

/** The attribute lines ip prints for states and policies (xfrm_xfrma_print), in its order. */
function attrLines(
  a: Partial<XfrmState> & { tmpl?: XfrmTemplate[] },
  prefix: string,
  nameOf: NameOf,
): string {
  let s = "";
  const outMark = a.set_mark !== undefined
    ? `output-mark 0x${a.set_mark.toString(16)}${
      a.set_mark_mask !== undefined ? `/0x${a.set_mark_mask.toString(16)}` : ""
    }`
    : undefined;
  if (a.mark) s += `\tmark ${altHex(a.mark.value)}/${altHex(a.mark.mask)} ${outMark ?? ""}\n`;
  else if (outMark) s += `\t${outMark}\n`;
  if (a.auth && !a.auth_trunc) s += algoText("auth", a.auth, prefix);
  if (a.auth_trunc) s += algoText("auth-trunc", a.auth_trunc, prefix, a.auth_trunc.trunc_len);
  if (a.aead) s += algoText("aead", a.aead, prefix, a.aead.icv_len);
  if (a.crypt) s += algoText("enc", a.crypt, prefix);
  if (a.comp) s += algoText("comp", a.comp, prefix);
  if (a.encap) {
    const types: Record<number, string> = { 1: "espinudp-nonike", 2: "espinudp", 7: "espintcp" };
    s += `${prefix}encap type ${types[a.encap.type] ?? a.encap.type} sport ${a.encap.sport} ` +
      `dport ${a.encap.dport} addr ${a.encap.oa}\n`;
  }
  for (const t of a.tmpl ?? []) s += templateText(t, prefix);
  if (a.coaddr !== undefined) s += `${prefix}coa ${a.coaddr}\n`;
  if (a.lastused !== undefined) s += `${prefix}lastused ${timeText(a.lastused)}\n`;
  if (a.replay) {
    s += `${prefix}anti-replay context: seq 0x${a.replay.seq.toString(16)}, oseq 0x${
      a.replay.oseq.toString(16)
    }, bitmap 0x${hex8(a.replay.bitmap)}\n`;
  }
  if (a.replay_esn) {
    const r = a.replay_esn;
    s += `${prefix}anti-replay esn context:\n${prefix} seq-hi 0x${r.seq_hi.toString(16)}, seq 0x${
      r.seq.toString(16)
    }, oseq-hi 0x${r.oseq_hi.toString(16)}, oseq 0x${r.oseq.toString(16)}\n`;
    s += `${prefix} replay_window ${r.replay_window}, bitmap-length ${r.bmp.length}`;
    for (let i = r.bmp.length, j = 0; i; i--) {
      if (j++ % 8 === 0) s += `\n${prefix} `;
      s += `${hex8(r.bmp[i - 1])} `;
    }
    s += "\n";
  }
  if (a.offload) {
    s += `${prefix}crypto offload parameters: dev ${nameOf(a.offload.ifindex)} dir ${
      a.offload.flags & 2 ? "in" : "out"
    }\n`;
  }
  if (a.if_id !== undefined) s += `${prefix}if_id ${altHex(a.if_id)}\n`;
  if (a.tfcpad !== undefined) s += `${prefix}tfcpad ${a.tfcpad}\n`;
  return s;
}

function flagText(flags: number, table: Readonly<Record<string, number>>): string {
  let s = "";
  let rest = flags;
  for (const [name, bit] of Object.entries(table)) {
    if (rest & bit) {
      rest &= ~bit;
      s += name + (rest ? " " : "");
    }
  }
  if (rest) s += rest.toString(16);
  return s;
}

/** One SA as `ip xfrm state` prints it (`title`: "Deleted ", "Updated ", …). */
export function formatXfrmState(s: XfrmState, nameOf: NameOf, title = ""): string {
  const ipsec = s.proto === 50 || s.proto === 51 || s.proto === 108;
  let out = idLines(s.src, s.dst, s.proto, s.spi, s.reqid, s.mode, ipsec, "", title);
  out += `\treplay-window ${s.replay_window} `;
  if (s.flags) out += "flag " + flagText(s.flags, XFRM_STATE_FLAG);
  out += "\n";
  out += attrLines(s, "\t", nameOf);
  const sel = s.sel;
  const zero = sel.family === 0 && sel.proto === 0 && sel.sport === 0 && sel.dport === 0 &&
    sel.sport_mask === 0 && sel.dport_mask === 0 && sel.ifindex === 0 && sel.user === 0 &&
    /^(0\.0\.0\.0|::)\/0$/.test(sel.src) && /^(0\.0\.0\.0|::)\/0$/.test(sel.dst);
  if (!zero) out += selectorText(sel, "\tsel ", nameOf);
  return out;
}

/** One policy as `ip xfrm policy` prints it. */
export function formatXfrmPolicy(p: XfrmPolicy, nameOf: NameOf, title = ""): string {
  let out = selectorText(p.sel, title, nameOf);
  let dir = p.dir;
  out += "\t";
  if (dir >= 3) {
    dir -= 3;
    out += "socket ";
  } else out += "dir ";
  out += (["in", "out", "fwd"][dir] ?? String(dir)) + " ";
  if (p.action === 1) out += "action block ";
  else if (p.action !== 0) out += `action ${p.action} `;
  out += `priority ${p.priority} `;
  if (p.ptype !== undefined) out += `ptype ${["main", "sub"][p.ptype] ?? p.ptype} `;
  if (p.flags) out += "flag " + flagText(p.flags, { localok: 1, icmp: 2 });
  out += "\n";
  return out + attrLines(p, "\t", nameOf);
}

// ---------------------------------------------------------------------------------------------
// The command line.

class Args {
  i = 0;
  constructor(readonly a: string[]) {}
  get more(): boolean {
    return this.i < this.a.length;
  }
  peek(): string | undefined {
    return this.a[this.i];
  }
  next(what: string): string {
    const v = this.a[this.i++];
    if (v === undefined) throw usage(`Error: argument is missing: ${what}`);
    return v;
  }
}

/** xfrm_mode_parse: a mode by iproute2's prefix rule, in its order (`t` is transport). */
function modeArg(a: Args): string {
  const v = a.next("mode");
  const hit = MODES.find((m) => matches(v, m));
  if (!hit) throw usage(`Error: argument "${v}" is wrong: MODE value is invalid`);
  return hit;
}

function num(text: string, what: string): number {
  const n = text.startsWith("0x") ? parseInt(text, 16) : Number(text);
  if (!Number.isFinite(n) || !/^(0x[0-9a-f]+|\d+)$/i.test(text)) {
    throw usage(`Error: argument "${text}" is wrong: ${what} value is invalid`);
  }
  return n;
}

/** ID: `src A dst B proto P spi S` (any order, as ip takes them). */
function parseId(a: Args, out: Record<string, unknown>): void {
  while (a.more) {
    const w = a.peek()!;
    if (w === "src" || w === "dst") {
      a.i++;
      out[w] = a.next(w);
    } else if (w === "proto") {
      a.i++;
      out.proto = a.next("proto");
    } else if (w === "spi") {
      a.i++;
      out.spi = num(a.next("spi"), "SPI");
    } else break;
  }
}

function parseSelector(a: Args, sel: XfrmSelectorSpec): void {
  while (a.more) {
    const w = a.peek()!;
    const take = () => (a.i++, a.next(w));
    if (w === "src" || w === "dst") sel[w] = take();
    else if (w === "proto") {
      const p = take();
      sel.proto = /^\d+$/.test(p) ? Number(p) : p as keyof typeof IP_PROTO;
    } else if (w === "sport" || w === "dport" || w === "type" || w === "code") {
      sel[w] = num(take(), w);
    } else break;
  }
}

function parseMark(a: Args): { value: number; mask?: number } {
  const value = num(a.next("mark"), "MARK");
  if (a.peek() === "mask") {
    a.i++;
    return { value, mask: num(a.next("mask"), "MASK") };
  }
  return { value };
}

const LIMITS: Record<string, string> = {
  "time-soft": "soft_add_expires_seconds",
  "time-hard": "hard_add_expires_seconds",
  "time-use-soft": "soft_use_expires_seconds",
  "time-use-hard": "hard_use_expires_seconds",
  "byte-soft": "soft_byte_limit",
  "byte-hard": "hard_byte_limit",
  "packet-soft": "soft_packet_limit",
  "packet-hard": "hard_packet_limit",
};

function parseLimit(a: Args, lifetime: Record<string, number>): void {
  const k = a.next("LIMIT");
  const field = LIMITS[k];
  if (!field) throw usage(`Error: argument "${k}" is wrong: LIMIT value is invalid`);
  lifetime[field] = num(a.next(k), k);
}

function parseState(a: Args): XfrmStateSpec {
  const spec: Record<string, unknown> = {};
  const flags: string[] = [];
  const extra: string[] = [];
  const lifetime: Record<string, number> = {};
  let replay: Record<string, number> | undefined;
  while (a.more) {
    const w = a.next("argument");
    switch (w) {
      case "mode":
        spec.mode = modeArg(a);
        break;
      case "reqid":
      case "replay-window":
      case "if_id":
      case "tfcpad":
        spec[w === "replay-window" ? "replay_window" : w] = num(a.next(w), w);
        break;
      case "seq":
        spec.seq = num(a.next(w), w);
        break;
      case "replay-seq":
      case "replay-oseq":
        (replay ??= {})[w === "replay-seq" ? "seq" : "oseq"] = num(a.next(w), w);
        break;
      case "flag":
        while (a.more && /^[a-z][a-z0-9-]*$/.test(a.peek()!) && a.peek()! in XFRM_STATE_FLAG) {
          flags.push(a.next("flag"));
        }
        break;
      case "extra-flag":
        while (a.more && ["dont-encap-dscp", "oseq-may-wrap"].includes(a.peek()!)) {
          extra.push(a.next("extra-flag"));
        }
        break;
      case "sel": {
        const sel: XfrmSelectorSpec = {};
        parseSelector(a, sel);
        spec.sel = sel;
        break;
      }
      case "limit":
        parseLimit(a, lifetime);
        break;
      case "enc":
      case "auth":
        spec[w === "enc" ? "crypt" : "auth"] = { name: a.next("ALGO-NAME"), key: a.next("KEY") };
        break;
      case "auth-trunc":
        spec.auth_trunc = {
          name: a.next("ALGO-NAME"),
          key: a.next("KEY"),
          trunc_len: num(a.next("TRUNC-LEN"), "ALGO-TRUNC-LEN"),
        };
        break;
      case "aead":
        spec.aead = {
          name: a.next("ALGO-NAME"),
          key: a.next("KEY"),
          icv_len: num(a.next("ICV-LEN"), "ALGO-ICV-LEN"),
        };
        break;
      case "comp":
        spec.comp = { name: a.next("ALGO-NAME") };
        break;
      case "encap":
        spec.encap = {
          type: a.next("ENCAP-TYPE"),
          sport: num(a.next("SPORT"), "SPORT"),
          dport: num(a.next("DPORT"), "DPORT"),
          oa: a.next("OADDR"),
        };
        break;
      case "mark":
        spec.mark = parseMark(a);
        break;
      case "output-mark": {
        const m = parseMark(a);
        spec.set_mark = m.value;
        if (m.mask !== undefined) spec.set_mark_mask = m.mask;
        break;
      }
      case "coa":
        spec.coaddr = a.next("coa");
        break;
      default:
        a.i--;
        parseId(a, spec);
        if (a.a[a.i - 1] === undefined || a.peek() === w) {
          throw usage(`Error: argument "${w}" is wrong: unknown`);
        }
    }
  }
  if (flags.length) spec.flags = flags;
  if (extra.length) spec.extra_flags = extra;
  if (Object.keys(lifetime).length) spec.lifetime = lifetime;
  if (replay) spec.replay = replay;
  return spec as unknown as XfrmStateSpec;
}

function parsePolicy(a: Args): XfrmPolicySpec {
  const spec: Record<string, unknown> = {};
  const tmpl: XfrmTemplateSpec[] = [];
  const lifetime: Record<string, number> = {};
  const sel: XfrmSelectorSpec = {};
  while (a.more) {
    const w = a.next("argument");
    switch (w) {
      case "dir":
      case "action":
      case "ptype":
        spec[w] = a.next(w);
        break;
      case "priority":
      case "index":
      case "if_id":
        spec[w] = num(a.next(w), w);
        break;
      case "flag": {
        const f: string[] = [];
        while (a.peek() === "localok" || a.peek() === "icmp") f.push(a.next("flag"));
        spec.flags = f;
        break;
      }
      case "mark":
        spec.mark = parseMark(a);
        break;
      case "limit":
        parseLimit(a, lifetime);
        break;
      case "tmpl": {
        const t: Record<string, unknown> = {};
        parseId(a, t);
        for (;;) {
          const k = a.peek();
          if (k === "mode") t.mode = (a.i++, modeArg(a));
          else if (k === "reqid") t.reqid = (a.i++, num(a.next("reqid"), "REQID"));
          else if (k === "level") t.optional = (a.i++, a.next("level") === "use");
          else break;
        }
        tmpl.push(t as XfrmTemplateSpec);
        break;
      }
      default:
        a.i--;
        parseSelector(a, sel);
        if (a.peek() === w) throw usage(`Error: argument "${w}" is wrong: unknown`);
    }
  }
  if (Object.keys(sel).length) spec.sel = sel;
  if (tmpl.length) spec.tmpl = tmpl;
  if (Object.keys(lifetime).length) spec.lifetime = lifetime;
  return spec as unknown as XfrmPolicySpec;
}

async function monitor(ctx: Ctx, x: XFRM): Promise<void> {
  await ctx.loadNames();
  using events = x.monitor({ groups: ["acquire", "expire", "sa", "policy"] });
  const nameOf = (i: number) => ctx.name(i);
  for await (const ev of events) {
    switch (ev.type) {
      case "newsa":
      case "updsa":
      case "delsa":
        ctx.p.fp(
          formatXfrmState(
            ev.state,
            nameOf,
            ev.type === "delsa" ? "Deleted " : ev.type === "updsa" ? "Updated " : "",
          ),
        );
        break;
      case "expire":
        ctx.p.fp(formatXfrmState(ev.state, nameOf, "Expired ") + `\thard ${ev.hard ? 1 : 0}\n`);
        break;
      case "newpolicy":
      case "updpolicy":
      case "delpolicy":
        ctx.p.fp(
          formatXfrmPolicy(
            ev.policy,
            nameOf,
            ev.type === "delpolicy" ? "Deleted " : ev.type === "updpolicy" ? "Updated " : "",
          ),
        );
        break;
      case "acquire":
        ctx.p.fp(
          `acquire proto ${protoText(ev.acquire.proto)} \n` +
            selectorText(ev.acquire.sel, "  sel ", nameOf) +
            formatXfrmPolicy(ev.acquire.policy, nameOf, "  policy ").replace(/\n(?=.)/g, "\n    ") +
            "\n",
        );
        break;
      case "flushsa":
        ctx.p.fp(`Flushed state proto ${protoText(ev.proto)}\n`);
        break;
      case "flushpolicy":
        ctx.p.fp("Flushed policy\n");
        break;
      case "overrun":
        ctx.p.fp("(events lost)\n");
        break;
    }
    ctx.emit();
  }
}

/** `ip xfrm`'s objects in ipxfrm.c's order (`ip xfrm s` is state, `ip xfrm sa` too). */
export const XFRM_OBJECTS: readonly Choice<string>[] = [
  ["state", "state"],
  ["sa", "state"],
  ["policy", "policy"],
  ["monitor", "monitor"],
  ["help", "help"],
];

/** `ip xfrm state` verbs in xfrm_state.c's order, each to the verb it runs. */
export const XFRM_STATE_VERBS: readonly Choice<string>[] = [
  ["add", "add"],
  ["update", "update"],
  ["allocspi", "allocspi"],
  ["delete", "delete"],
  ["deleteall", "deleteall"],
  ["delall", "deleteall"],
  ["list", "list"],
  ["show", "list"],
  ["lst", "list"],
  ["get", "get"],
  ["flush", "flush"],
  ["count", "count"],
  ["help", "help"],
];

/** `ip xfrm policy` verbs in xfrm_policy.c's order (the SPD settings this tool lacks: null). */
export const XFRM_POLICY_VERBS: readonly Choice<string>[] = [
  ["add", "add"],
  ["update", "update"],
  ["delete", "delete"],
  ["deleteall", "deleteall"],
  ["delall", "deleteall"],
  ["list", "list"],
  ["show", "list"],
  ["lst", "list"],
  ["get", "get"],
  ["flush", "flush"],
  ["count", "count"],
  ["set", null],
  ["setdefault", null],
  ["getdefault", null],
  ["help", "help"],
];

const XFRM_USAGE =
  "Usage: ip xfrm XFRM-OBJECT { COMMAND | help }\nwhere  XFRM-OBJECT := state | policy | monitor";

/**
 * The object and verb of `ip xfrm OBJECT [VERB]`, resolved by iproute2's prefix rule in its
 * order; without a verb, a list (as do_xfrm_state / do_xfrm_policy).
 */
function xfrmCommand(args: string[]): [object: string, cmd: string, rest: string[]] {
  const [word, verb, ...rest] = args;
  const object = word === undefined ? undefined : lookup(word, XFRM_OBJECTS)?.[1];
  if (!object || object === "help") throw usage(XFRM_USAGE);
  if (object === "monitor" || verb === undefined) return [object, "list", rest];
  const table = object === "state" ? XFRM_STATE_VERBS : XFRM_POLICY_VERBS;
  const hit = lookup(verb, table);
  if (!hit) throw usage(`Command "${verb}" is unknown, try "ip xfrm ${object} help".`);
  if (!hit[1]) throw notSupported(`ip xfrm ${object} ${hit[0]}`);
  if (hit[1] === "help") throw usage(`Usage: ip xfrm ${object} { COMMAND | help }`);
  return [object, hit[1], rest];
}

/** `ip xfrm …`. */
export async function doXfrm(ctx: Ctx, args: string[]): Promise<void> {
  const [object, cmd, rest] = xfrmCommand(args);
  using x = new XFRM(ctx.opts.netns ? { netns: ctx.opts.netns } : {});
  const nameOf = (i: number) => ctx.name(i);
  const a = new Args(rest);
  try {
    if (object === "monitor") return await monitor(ctx, x);
    if (object === "state") {
      switch (cmd) {
        case "list": {
          const states = await x.getStates();
          if (states.some((s) => s.sel.ifindex || s.offload)) await ctx.loadNames();
          for (const s of states) ctx.p.fp(formatXfrmState(s, nameOf));
          return;
        }
        case "count":
          ctx.p.fp(`\t SAD count ${(await x.getSadInfo()).count}\n`);
          return;
        case "flush":
        case "deleteall": {
          const proto = rest[0] === "proto" ? rest[1] : undefined;
          await x.flushStates(proto ? { proto: proto as "esp" } : {});
          return;
        }
        case "add":
        case "update":
          await x.state(cmd, parseState(a));
          return;
        case "get":
        case "delete": {
          const id: Record<string, unknown> = {};
          parseId(a, id);
          if (a.peek() === "mark") {
            a.i++;
            id.mark = parseMark(a);
          }
          const s = await x.state(cmd, id as never);
          if (s) ctx.p.fp(formatXfrmState(s, nameOf));
          return;
        }
        case "allocspi": {
          const spec: Record<string, unknown> = {};
          parseId(a, spec);
          while (a.more) {
            const w = a.next("argument");
            if (w === "mode") spec.mode = modeArg(a);
            else if (w === "reqid" || w === "min" || w === "max" || w === "seq") {
              spec[w] = num(a.next(w), w);
            } else throw usage(`Error: argument "${w}" is wrong: unknown`);
          }
          ctx.p.fp(formatXfrmState(await x.allocSpi(spec as never), nameOf));
          return;
        }
      }
      throw usage(`Command "${cmd}" is unknown, try "ip xfrm state help".`);
    }
    if (object === "policy") {
      switch (cmd) {
        case "list": {
          const pols = await x.getPolicies();
          if (pols.some((p) => p.sel.ifindex)) await ctx.loadNames();
          for (const p of pols) ctx.p.fp(formatXfrmPolicy(p, nameOf));
          return;
        }
        case "count": {
          const i = await x.getSpdInfo();
          let s = `\t SPD IN  ${i.incnt} OUT ${i.outcnt} FWD ${i.fwdcnt}`;
          if (i.inscnt || i.outscnt || i.fwdscnt) {
            s += ` (Sock: IN ${i.inscnt} OUT ${i.outscnt} FWD ${i.fwdscnt})`;
          }
          ctx.p.fp(s + "\n");
          return;
        }
        case "flush":
        case "deleteall":
          await x.flushPolicies(rest[0] === "ptype" ? { ptype: rest[1] as "main" } : {});
          return;
        case "add":
        case "update":
          await x.policy(cmd, parsePolicy(a));
          return;
        case "get":
        case "delete": {
          const p = parsePolicy(a) as unknown as Record<string, unknown>;
          const pol = await x.policy(cmd, p as never);
          if (pol) ctx.p.fp(formatXfrmPolicy(pol, nameOf));
          return;
        }
      }
      throw usage(`Command "${cmd}" is unknown, try "ip xfrm policy help".`);
    }
  } catch (e) {
    if (e instanceof NetlinkError) {
      const msg = e.extack?.msg;
      throw new ExitError(
        msg
          ? `Error: ${msg}${msg.endsWith(".") ? "" : "."}`
          : `RTNETLINK answers: ${e.message.replace(/^.*: (.*) \(E[A-Z]+\).*$/, "$1")}`,
        2,
      );
    }
    throw e;
  }
  throw usage(XFRM_USAGE);
}
