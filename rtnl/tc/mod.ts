/**
 * Traffic control: queueing disciplines, classes, filters and actions, with pyroute2's verbs.
 *
 * ```ts
 * import { IPRoute, netns } from "@denonet/netlink";
 * const ns = `nldoc-tc-${Deno.pid}`; // a name no other process uses
 * netns.create(ns);
 * try {
 *   using ip = new IPRoute({ netns: ns });
 *   await ip.link("add", { ifname: "v0", kind: "veth", peer: "v1" });
 *   const [index] = await ip.linkLookup({ ifname: "v0" });
 *   await ip.tc("add", "htb", { index, handle: "1:", default: "1:20" });
 *   await ip.tc("add-class", "htb", { index, parent: "1:", classid: "1:10", rate: "10mbit" });
 *   await ip.tc("add-filter", "u32", {
 *     index, parent: "1:", prio: 1, protocol: "ip", match: [{ dst: "10.1.0.0/16" }], classid: "1:10",
 *   });
 *   const qdiscs = await ip.getQdiscs({ index });
 *   console.log(qdiscs.map((q) => q.kind));
 * } finally {
 *   netns.remove(ns);
 * }
 * ```
 *
 * A spec holds the interface (`index`: a number or a name), the object's place (`handle`,
 * `parent`, `classid`; filters also `prio`, `protocol`, `chain`) and the kind's options, named
 * as `tc` names them (`rate`, `ceil`, `burst`, `latency`, `match`, `action`, …). Rates, sizes
 * and times are parsed as `tc` parses them (`"10mbit"`, `"32kb"`, `"50ms"`; a bare number is
 * bits per second, bytes, microseconds); rate tables are computed as `tc` computes them, so
 * requests are byte for byte what `tc` sends. Bad input is a TypeError or RangeError naming
 * the field, thrown before anything is sent; so is an option the kind does not have, and a
 * delete takes only the options that name what to delete (`index`, `parent`, `handle` or
 * `classid`, `prio`, `protocol`).
 *
 * @module
 */

import type { MessageList } from "../../netlink/list.ts";
import { describeValue } from "../../netlink/addr.ts";
import { NLM_F } from "../../netlink/constants.ts";
import { encodeMessage, writeAttr } from "../../netlink/encoder.ts";
import type { TypedMessage } from "../../netlink/view.ts";
import { closeFd } from "../../ffi/netns.ts";
import { RTM } from "../constants.ts";
import { checkIfname } from "../core.ts";
import type { Built, RtnlCore } from "../core.ts";
import { NetlinkError } from "../../netlink/errors.ts";
import { TC_MESSAGE, TC_QDISC_MESSAGE, TCA } from "../schemas/tc.ts";
import { ACTION_MESSAGE } from "../schemas/tc_action.ts";
import { buildAction, buildActions } from "./actions.ts";
import type { IfindexCore } from "./actions.ts";
import { FILTER_KINDS, parseFilterHandle } from "./filters.ts";
import type { FilterContext } from "./filters.ts";
import {
  ETH_P,
  htons,
  parseClassid,
  parseParent,
  parseProtocol,
  parseQdiscHandle,
  TC_H,
} from "./handles.ts";
import { QDISC_KINDS } from "./qdiscs.ts";
import { SpecReader } from "./spec.ts";
import type { Options } from "./spec.ts";
import { parseTime, parseUint } from "./units.ts";
import "./views.ts";
import { tcKeys } from "./options.ts";
import type {
  TC_ACTION_OPTIONS,
  TC_CLASS_OPTIONS,
  TC_COMMON_KEYS,
  TC_FILTER_OPTIONS,
  TC_QDISC_OPTIONS,
  TcActionKind,
  TcClassKind,
  TcFilterKind,
  TcObject,
  TcQdiscKind,
} from "./options.ts";

export {
  TC_ACTION_OPTIONS,
  TC_CLASS_OPTIONS,
  TC_COMMON_KEYS,
  TC_FILTER_OPTIONS,
  TC_QDISC_OPTIONS,
} from "./options.ts";
export type { TcActionKind, TcClassKind, TcFilterKind, TcObject, TcQdiscKind } from "./options.ts";
import { withoutSignal } from "../spec.ts";
import type { WithSignal } from "../spec.ts";
import { passes, readFilter } from "../filter.ts";
import type { FilterValue, ReadFilter } from "../filter.ts";
import { KeySet } from "../../netlink/strict.ts";

export {
  formatHandle,
  parseClassid,
  parseProtocol,
  parseQdiscHandle,
  protocolName,
  TC_H,
} from "./handles.ts";
export { TC_ACT } from "./actions.ts";
export type { ActionSpec } from "./actions.ts";
export { decodeU32Sel, formatU32Handle, formatU32Key, parseU32Handle } from "./u32.ts";
export type { U32Key, U32Match, U32Sel, U32SelHeader, U32Value } from "./u32.ts";
export { decodeSockFilters } from "./views.ts";
export type { SockFilter } from "./views.ts";
export {
  calcRtable,
  parsePercent,
  parsePsched,
  parseRate,
  parseSize,
  parseTime,
  setTcClock,
  tcClock,
  tick2time,
  xmitsize,
  xmittime,
} from "./units.ts";
export type { RateTable, TcClock } from "./units.ts";

/**
 * A tc message view (qdisc, class or filter): `kind`, `index`, `handle`, `parent`, `options`
 * (decoded by kind), `stats2` (`basic`, `queue`, `rate_est`), `xstats`; for filters also `prio`
 * and `protocol` (unpacked from `info`).
 */
export type TcMessage = TypedMessage<typeof TC_MESSAGE> & {
  /** A filter's priority (`info >> 16`). */
  readonly prio: number;
  /** A filter's protocol (`ETH_P_*`, host order). */
  readonly protocol: number;
};

/** An action message view (`RTM_NEWACTION`): `tab` holds the actions. */
export type ActionMessage = TypedMessage<typeof ACTION_MESSAGE>;

/** tc commands: qdiscs, classes, filters, and standalone actions. */
export type TcCommand =
  | "add"
  | "del"
  | "replace"
  | "change"
  | "add-class"
  | "del-class"
  | "change-class"
  | "replace-class"
  | "add-filter"
  | "del-filter"
  | "replace-filter"
  | "change-filter"
  | "add-action"
  | "del-action"
  | "replace-action";

/**
 * A tc request spec: `index` (interface index or name), `handle`, `parent`, `classid`; for
 * filters `prio` (or `pref`), `protocol`, `chain`; and the kind's options.
 */
export interface TcSpec {
  /** The interface: an index or a name. */
  index?: number | string;
  /** Qdisc handle (`"1:"`), class id, or the filter's handle (kind-specific form). */
  handle?: number | string;
  /** Parent: `"root"`, `"ingress"`, `"clsact"`, `"egress"` (filters), or a class id. */
  parent?: number | string;
  /** A class's id (`"1:10"`). */
  classid?: number | string;
  /** A filter's priority. */
  prio?: number;
  /** A filter's protocol: `"ip"`, `"ipv6"`, `"all"`, … or a number. */
  protocol?: number | string;
  /** Kind options. */
  [key: string]: unknown;
}

/** A value of a kind's option (rates, sizes and times as numbers or `tc`'s text, …). */
export type TcValue =
  | string
  | number
  | boolean
  | readonly unknown[]
  | Readonly<Record<string, unknown>>;

/** The keys every tc request may hold, typed. */
export interface TcCommonSpec {
  /** The interface: an index or a name. */
  index?: number | string;
  /** Qdisc handle (`"1:"`), class id, or the filter's handle (kind-specific form). */
  handle?: number | string;
  /** Parent: `"root"`, `"ingress"`, `"clsact"`, `"egress"` (filters), or a class id. */
  parent?: number | string;
  /** A class's id (`"1:10"`). */
  classid?: number | string;
  /** A filter's priority. */
  prio?: number;
  /** Same as `prio` (tc's name). */
  pref?: number;
  /** A filter's protocol: `"ip"`, `"ipv6"`, `"all"`, … or a number. */
  protocol?: number | string;
  /** A filter's chain. */
  chain?: number;
  /** A rate estimator: `{ interval, time_const }`. */
  estimator?: { interval: number | string; time_const: number | string };
  /** A qdisc's ingress block. */
  ingress_block?: number;
  /** A qdisc's egress block. */
  egress_block?: number;
}

/** The object a command is about: `"add-class"` → class, `"add"` → qdisc, … */
export type TcObjectOf<C extends TcCommand> = C extends `${string}-class` ? "class"
  : C extends `${string}-filter` ? "filter"
  : C extends `${string}-action` ? "action"
  : "qdisc";

/** The kinds of an object. */
export type TcKindOf<O extends TcObject> = O extends "qdisc" ? TcQdiscKind
  : O extends "class" ? TcClassKind
  : O extends "filter" ? TcFilterKind
  : TcActionKind;

/** The option table of an object (rtnl/tc/options.ts). */
export type TcOptionTable<O extends TcObject> = O extends "qdisc" ? typeof TC_QDISC_OPTIONS
  : O extends "class" ? typeof TC_CLASS_OPTIONS
  : O extends "filter" ? typeof TC_FILTER_OPTIONS
  : typeof TC_ACTION_OPTIONS;

/** The options of kind `K` of object `O`, from rtnl/tc/options.ts. */
export type TcOptions<O extends TcObject, K extends string> = K extends keyof TcOptionTable<O>
  ? { [N in (TcOptionTable<O>[K] & readonly string[])[number]]?: TcValue }
  : Record<never, never>;

/**
 * The spec of command `C` with kind `K`: the object's common keys and the kind's options
 * (`ip.tc("add", "htb", { index, handle: "1:", default: "1:20" })`); a misspelt option does not
 * compile.
 */
export type TcSpecFor<C extends TcCommand, K extends string> =
  & Pick<TcCommonSpec, (typeof TC_COMMON_KEYS)[TcObjectOf<C>][number] & keyof TcCommonSpec>
  & TcOptions<TcObjectOf<C>, K>;

type Obj = "qdisc" | "class" | "filter" | "action";

const COMMANDS: Readonly<Record<TcCommand, { type: number; flags: number; obj: Obj }>> = {
  add: { type: RTM.NEWQDISC, flags: NLM_F.CREATE | NLM_F.EXCL, obj: "qdisc" },
  replace: { type: RTM.NEWQDISC, flags: NLM_F.CREATE | NLM_F.REPLACE, obj: "qdisc" },
  change: { type: RTM.NEWQDISC, flags: 0, obj: "qdisc" },
  del: { type: RTM.DELQDISC, flags: 0, obj: "qdisc" },
  "add-class": { type: RTM.NEWTCLASS, flags: NLM_F.CREATE | NLM_F.EXCL, obj: "class" },
  "replace-class": { type: RTM.NEWTCLASS, flags: NLM_F.CREATE, obj: "class" },
  "change-class": { type: RTM.NEWTCLASS, flags: 0, obj: "class" },
  "del-class": { type: RTM.DELTCLASS, flags: 0, obj: "class" },
  "add-filter": { type: RTM.NEWTFILTER, flags: NLM_F.CREATE | NLM_F.EXCL, obj: "filter" },
  "replace-filter": { type: RTM.NEWTFILTER, flags: NLM_F.CREATE, obj: "filter" },
  "change-filter": { type: RTM.NEWTFILTER, flags: 0, obj: "filter" },
  "del-filter": { type: RTM.DELTFILTER, flags: 0, obj: "filter" },
  "add-action": { type: RTM.NEWACTION, flags: NLM_F.CREATE | NLM_F.EXCL, obj: "action" },
  "replace-action": { type: RTM.NEWACTION, flags: NLM_F.CREATE | NLM_F.REPLACE, obj: "action" },
  "del-action": { type: RTM.DELACTION, flags: 0, obj: "action" },
};

/** What building a request needs from the connection: interface names to indexes. */
export type TcCore = IfindexCore;

/** Validates like RtnlCore.ifindex without asking the kernel (names resolve to 1). */
const dryCore: TcCore = {
  ifindex(value: unknown, field: string): number {
    if (typeof value === "string") {
      checkIfname(value, field);
      return 1;
    }
    if (typeof value === "number") {
      if (!Number.isInteger(value) || value <= 0 || value > 0x7fffffff) {
        throw new RangeError(`${field}: interface index must be a positive integer, got ${value}`);
      }
      return value;
    }
    throw new TypeError(
      `${field}: expected an interface index or name, got ${describeValue(value)}`,
    );
  },
};

const OPTIONS_TYPE = TCA.byName.get("options")!.type;

/**
 * A rate estimator (`TCA_RATE`) from `{ interval, time_const }` (times), computed as
 * `tc_setup_estimator` does.
 */
export function parseEstimator(v: unknown, f: string): { interval: number; ewma_log: number } {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new TypeError(`${f}: expected { interval, time_const }, got ${describeValue(v)}`);
  }
  const r = new SpecReader(v, f);
  const a = r.need("interval", parseTime);
  const timeConst = r.need("time_const", parseTime);
  r.finish("an estimator");
  let interval = 0;
  while (interval <= 5 && a > (1 << interval) * (1_000_000 / 4)) interval++;
  if (interval > 5) throw new RangeError(`${f}.interval: above 8s`);
  let ewma = 1;
  for (; ewma < 32; ewma++) {
    const w = 1.0 - 1.0 / 2 ** ewma;
    if (a / -Math.log(w) > timeConst) break;
  }
  ewma--;
  if (ewma === 0 || ewma >= 31) {
    throw new RangeError(`${f}.time_const: out of range for interval ${a}us`);
  }
  return { interval: interval - 2, ewma_log: ewma };
}

function kindOf(kind: unknown, obj: Obj, del: boolean): string {
  if (typeof kind !== "string") {
    throw new TypeError(`kind: expected a string, got ${describeValue(kind)}`);
  }
  if (kind === "") {
    if (!del) throw new TypeError(`kind: required to create or change a ${obj}`);
    return kind;
  }
  if (obj === "filter") {
    if (!FILTER_KINDS[kind]) {
      throw new TypeError(
        `kind: unknown filter kind ${JSON.stringify(kind)} (${
          Object.keys(FILTER_KINDS).join(", ")
        })`,
      );
    }
    return kind;
  }
  const q = QDISC_KINDS[kind];
  if (!q) {
    throw new TypeError(
      `kind: unknown qdisc kind ${JSON.stringify(kind)} (${Object.keys(QDISC_KINDS).join(", ")})`,
    );
  }
  if (obj === "class" && !q.class) throw new TypeError(`kind: ${kind} has no classes`);
  return kind;
}

async function buildOnce(
  core: TcCore,
  cmd: TcCommand,
  kind: string,
  spec: TcSpec,
  dry: boolean,
): Promise<Built> {
  const op = COMMANDS[cmd];
  const del = op.type === RTM.DELQDISC || op.type === RTM.DELTCLASS ||
    op.type === RTM.DELTFILTER || op.type === RTM.DELACTION;
  if (op.obj === "action") return await buildActionMessage(core, cmd, kind, spec, del);
  kind = kindOf(kind, op.obj, del);
  const r = new SpecReader(spec, "", tcKeys(op.obj, kind));
  const indexValue = r.take("index");
  if (indexValue === undefined) throw new TypeError(`index: required (an interface index or name)`);
  const header: Record<string, number> = { family: 0, index: 0, handle: 0, parent: 0, info: 0 };
  const attrs: Record<string, unknown> = {};
  let options: Options | undefined;
  const tail: Record<string, unknown> = {};
  const fds: number[] = [];
  try {
    if (op.obj === "qdisc") {
      header.handle = r.get("handle", parseQdiscHandle) ?? 0;
      header.parent = r.get("parent", (v, f) => parseParent(v, f, "qdisc")) ?? TC_H.ROOT;
      const q = QDISC_KINDS[kind];
      if (q?.hook || header.parent === TC_H.INGRESS) {
        if (r.has("parent") && header.parent !== TC_H.INGRESS) {
          throw new TypeError(`parent: ${kind} hangs on "ingress" only`);
        }
        if (r.has("handle") && header.handle !== 0xffff0000) {
          throw new RangeError(`handle: ${kind || "an ingress qdisc"} has handle "ffff:"`);
        }
        header.parent = TC_H.INGRESS;
        header.handle = 0xffff0000;
      }
      if (kind) attrs.kind = kind;
      const est = r.get("estimator", parseEstimator);
      if (est) attrs.rate = est;
      if (!del && q) options = q.qdisc(r);
      for (const k of ["ingress_block", "egress_block"]) {
        const b = r.uint(k);
        if (b !== undefined) tail[k] = b;
      }
    } else if (op.obj === "class") {
      const id = r.takeAny("classid", "handle");
      if (!id) throw new TypeError(`classid: required (e.g. "1:10")`);
      header.handle = parseClassid(id[1], id[0]);
      const parent = r.get("parent", (v, f) => parseParent(v, f, "class"));
      if (parent === undefined && (cmd === "add-class" || cmd === "replace-class")) {
        throw new TypeError(`parent: required to ${cmd.slice(0, -6)} a class (e.g. "1:")`);
      }
      header.parent = parent ?? 0;
      if (kind) attrs.kind = kind;
      const est = r.get("estimator", parseEstimator);
      if (est) attrs.rate = est;
      if (!del) options = QDISC_KINDS[kind].class!(r);
    } else {
      header.parent = r.get("parent", (v, f) => parseParent(v, f, "filter")) ?? 0;
      const p = r.takeAny("prio", "pref");
      const prio = p ? parseUint(p[1], p[0], 16) : 0;
      const protoValue = r.take("protocol");
      const create = op.type === RTM.NEWTFILTER && (op.flags & NLM_F.CREATE) !== 0;
      const protocol = protoValue !== undefined
        ? parseProtocol(protoValue, "protocol")
        : create
        ? ETH_P.all
        : 0;
      header.info = ((prio << 16) | htons(protocol)) >>> 0;
      const chain = r.uint("chain");
      if (chain !== undefined) attrs.chain = chain;
      if (kind) attrs.kind = kind;
      if (!del) {
        const ctx: FilterContext = {
          core,
          protocol,
          protocolGiven: protoValue !== undefined,
          handle: 0,
          fds,
          dry,
        };
        options = await FILTER_KINDS[kind].build(r, ctx);
        header.handle = ctx.handle;
      } else {
        const h = r.take("handle");
        if (h !== undefined) {
          if (!kind) throw new TypeError(`kind: required to delete a filter by handle`);
          header.handle = parseFilterHandle(kind, h, "handle");
        }
      }
    }
    const plural = op.obj === "class" ? "classes" : `${op.obj}s`;
    r.finish(kind ? `${kind} ${plural}` : plural);
    header.index = await core.ifindex(indexValue, "index");
    const schema = op.obj === "qdisc" ? TC_QDISC_MESSAGE : TC_MESSAGE;
    const bytes = encodeMessage(schema, {
      type: op.type,
      flags: op.flags,
      header,
      attrs,
      extra: (w) => {
        if (options) writeAttr(w, OPTIONS_TYPE, options.codec, options.value, "options");
        for (const [k, v] of Object.entries(tail)) {
          writeAttr(w, TCA.byName.get(k)!.type, "u32", v, k);
        }
      },
    });
    const cleanup = () => fds.splice(0).forEach(closeFd);
    return { bytes, schema, describe: `tc ${cmd}${kind ? ` ${kind}` : ""}`, cleanup };
  } catch (e) {
    fds.splice(0).forEach(closeFd);
    throw e;
  }
}

async function buildActionMessage(
  core: TcCore,
  cmd: TcCommand,
  kind: string,
  spec: TcSpec,
  del: boolean,
): Promise<Built> {
  if (typeof kind !== "string" || kind === "") {
    throw new TypeError(`kind: expected an action kind, got ${describeValue(kind)}`);
  }
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new TypeError(`spec: expected an object, got ${describeValue(spec)}`);
  }
  let tab: unknown[];
  if (del) {
    const r = new SpecReader(spec);
    const index = r.need("index", (v, f) => parseUint(v, f));
    r.finish(`deleting a ${kind} action`);
    tab = [{ kind, index }];
  } else {
    tab = [await buildAction(core, { ...spec, kind }, "action")];
  }
  const bytes = encodeMessage(ACTION_MESSAGE, {
    type: COMMANDS[cmd].type,
    flags: COMMANDS[cmd].flags,
    header: { family: 0 },
    attrs: { tab },
  });
  return { bytes, schema: ACTION_MESSAGE, describe: `tc ${cmd} ${kind}` };
}

/**
 * Builds a tc request. Everything is checked before any interface name is looked up, so bad
 * input throws before anything is sent.
 */
export async function buildTc(
  core: TcCore,
  cmd: TcCommand,
  kind: string,
  spec: TcSpec,
): Promise<Built> {
  if (!Object.hasOwn(COMMANDS, cmd)) {
    throw new TypeError(
      `command: unknown tc command ${describeValue(cmd)} (${Object.keys(COMMANDS).join(", ")})`,
    );
  }
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new TypeError(`spec: expected an object, got ${describeValue(spec)}`);
  }
  await buildOnce(dryCore, cmd, kind, spec, true);
  return await buildOnce(core, cmd, kind, spec, false);
}

/** Runs a tc command (`signal` in the spec stops waiting for the kernel's answer). */
export async function tcCommand(
  core: RtnlCore,
  cmd: TcCommand,
  kind: string,
  spec: TcSpec & WithSignal,
): Promise<void> {
  const [rest, signal] = withoutSignal(spec);
  await core.send(await buildTc(core, cmd, kind, rest), signal);
}

/**
 * Filter of {@link getQdiscs}, {@link getClasses} and {@link getFilters}. A function as a value
 * tests the message's value of that name; `match` tests the whole message.
 */
export interface TcFilter {
  /** Only this interface (index or name). */
  index?: FilterValue<number | string, number>;
  /** Only this kind. */
  kind?: FilterValue<string>;
  /** Only this handle (qdiscs, filters) or class id (classes). */
  handle?: FilterValue<number | string, number>;
  /** Only children of this parent (filters: the block to dump). */
  parent?: FilterValue<number | string, number>;
  /** Filters: only this priority. */
  prio?: FilterValue<number>;
  /** Filters: only this protocol. */
  protocol?: FilterValue<number | string, number>;
  /** Filters: only this chain. */
  chain?: FilterValue<number>;
  /** A test of the whole message, or an object of more keys. */
  match?: ((message: TcMessage) => boolean) | Record<string, unknown>;
  /** Stops the dumps. */
  signal?: AbortSignal;
}

const FILTER_KEYS = new KeySet("tc filter key", [
  "index",
  "kind",
  "handle",
  "parent",
  "prio",
  "protocol",
  "chain",
  "match",
  "signal",
]);

/** A tc filter checked: plain values, tests and the signal. */
function checkFilter(filter: TcFilter | undefined): ReadFilter & { values: TcFilter } {
  return readFilter(filter, FILTER_KEYS, "filter") as ReadFilter & { values: TcFilter };
}

async function indexOf(core: RtnlCore, filter: TcFilter): Promise<number | undefined> {
  return filter.index === undefined ? undefined : await core.ifindex(filter.index, "filter.index");
}

/** Dumps queueing disciplines (all interfaces, or those matching the filter). */
export async function getQdiscs(
  core: RtnlCore,
  given?: TcFilter,
): Promise<MessageList<TcMessage>> {
  const f = checkFilter(given);
  const filter = f.values;
  const handle = filter.handle === undefined
    ? undefined
    : parseQdiscHandle(filter.handle, "filter.handle");
  const parent = filter.parent === undefined
    ? undefined
    : parseParent(filter.parent, "filter.parent", "qdisc");
  const index = await indexOf(core, filter);
  const all = await core.dumpList(TC_QDISC_MESSAGE, {
    type: RTM.GETQDISC,
    flags: 0,
    header: { family: 0 },
  }, { retryInterrupted: 3, signal: f.signal }) as unknown as MessageList<TcMessage>;
  return all.filter((q) =>
    (index === undefined || q.index === index) &&
    (filter.kind === undefined || q.kind === filter.kind) &&
    (handle === undefined || q.handle === handle) &&
    (parent === undefined || q.parent === parent) && passes(f.tests, q)
  ) as MessageList<TcMessage>;
}

/** The interfaces to look at: the one asked for, or every one that has a qdisc. */
async function interfaces(
  core: RtnlCore,
  index: number | undefined,
  signal: AbortSignal | undefined,
): Promise<number[]> {
  if (index !== undefined) return [index];
  return [...new Set((await getQdiscs(core, signal ? { signal } : {})).map((q) => q.index))];
}

/** Dumps traffic classes (of one interface, or of every interface). */
export async function getClasses(core: RtnlCore, given?: TcFilter): Promise<TcMessage[]> {
  const f = checkFilter(given);
  const filter = f.values;
  const handle = filter.handle === undefined
    ? undefined
    : parseClassid(filter.handle, "filter.handle");
  const parent = filter.parent === undefined
    ? 0
    : parseParent(filter.parent, "filter.parent", "class");
  const out: TcMessage[] = [];
  for (const index of await interfaces(core, await indexOf(core, filter), f.signal)) {
    const got = await core.dump(TC_MESSAGE, {
      type: RTM.GETTCLASS,
      flags: 0,
      header: { family: 0, index, parent },
    }, { retryInterrupted: 3, signal: f.signal }) as unknown as TcMessage[];
    out.push(...got.filter((c) =>
      (filter.kind === undefined || c.kind === filter.kind) &&
      (handle === undefined || c.handle === handle) &&
      (filter.parent === undefined || c.parent === parent) && passes(f.tests, c)
    ));
  }
  return out;
}

/** The blocks of an interface that can hold filters: its qdiscs, clsact's hooks, its classes. */
async function filterParents(
  core: RtnlCore,
  index: number,
  qdiscs: TcMessage[],
  signal: AbortSignal | undefined,
): Promise<number[]> {
  const parents = new Set<number>();
  for (const q of qdiscs) {
    if (q.index !== index) continue;
    if (q.kind === "clsact") {
      parents.add(0xfffffff2);
      parents.add(0xfffffff3);
    } else if (q.handle !== 0) parents.add(q.handle);
  }
  for (const c of await getClasses(core, signal ? { index, signal } : { index })) {
    parents.add(c.handle);
  }
  return [...parents];
}

/** Errors that mean "this block holds no filters" when walking every block. */
const NO_BLOCK = new Set(["EINVAL", "ENOENT", "EOPNOTSUPP"]);

/**
 * Dumps filters: of one block (`{ index, parent }`), or of every block of an interface (its
 * qdiscs, clsact's ingress and egress hooks, its classes), or of every interface.
 */
export async function getFilters(core: RtnlCore, given?: TcFilter): Promise<TcMessage[]> {
  const f = checkFilter(given);
  const filter = f.values;
  const prio = filter.prio === undefined ? undefined : parseUint(filter.prio, "filter.prio", 16);
  const protocol = filter.protocol === undefined
    ? undefined
    : parseProtocol(filter.protocol, "filter.protocol");
  const parent = filter.parent === undefined
    ? undefined
    : parseParent(filter.parent, "filter.parent", "filter");
  const chain = filter.chain === undefined ? undefined : parseUint(filter.chain, "filter.chain");
  const handle = filter.handle;
  const index = await indexOf(core, filter);
  const qdiscs = parent === undefined
    ? await getQdiscs(core, {
      ...(index === undefined ? {} : { index }),
      ...(f.signal ? { signal: f.signal } : {}),
    })
    : [];
  const indexes = index !== undefined ? [index] : [...new Set(qdiscs.map((q) => q.index))];
  const out: TcMessage[] = [];
  for (const idx of indexes) {
    const parents = parent === undefined
      ? await filterParents(core, idx, qdiscs, f.signal)
      : [parent];
    for (const p of parents) {
      let got: TcMessage[];
      try {
        got = await core.dump(TC_MESSAGE, {
          type: RTM.GETTFILTER,
          flags: 0,
          header: { family: 0, index: idx, parent: p },
          attrs: chain === undefined ? {} : { chain },
        }, { retryInterrupted: 3, signal: f.signal }) as unknown as TcMessage[];
      } catch (e) {
        if (parent === undefined && e instanceof NetlinkError && NO_BLOCK.has(e.code)) continue;
        throw e;
      }
      out.push(...got.filter((t) =>
        (filter.kind === undefined || t.kind === filter.kind) &&
        (prio === undefined || t.prio === prio) &&
        (protocol === undefined || t.protocol === protocol) &&
        (handle === undefined || t.handle === handle ||
          (typeof handle === "string" && matchesHandle(t, handle))) &&
        passes(f.tests, t)
      ));
    }
  }
  return out;
}

function matchesHandle(f: TcMessage, handle: string): boolean {
  const kind = f.kind;
  if (!kind || !FILTER_KINDS[kind]) return false;
  try {
    return f.handle === parseFilterHandle(kind, handle, "filter.handle");
  } catch {
    return false;
  }
}

/** Dumps the standalone actions of one kind (`RTM_GETACTION`). */
export async function getActions(
  core: RtnlCore,
  kind: string,
): Promise<MessageList<ActionMessage>> {
  if (typeof kind !== "string" || kind === "") {
    throw new TypeError(`kind: expected an action kind, got ${describeValue(kind)}`);
  }
  return await core.dumpList(ACTION_MESSAGE, {
    type: RTM.GETACTION,
    flags: 0,
    header: { family: 0 },
    attrs: { tab: [{ kind }] },
  });
}

export { buildActions };
