/**
 * Batches: many requests pipelined over one socket, packed several to a datagram, with every
 * ack awaited and each failure reported with its request.
 *
 * @module
 */

import { describeValue } from "../netlink/addr.ts";
import { Arena } from "../netlink/encoder.ts";
import type { AddrCommand, AddrSpec } from "./addr.ts";
import { buildAddr } from "./addr.ts";
import type { Built, RtnlCore } from "./core.ts";
import type { RequestList } from "../netlink/engine.ts";
import type { LinkCommand, LinkSpec } from "./link.ts";
import { buildLink } from "./link.ts";
import type { RouteCommand, RouteSpec } from "./route.ts";
import { appendRoute } from "./route_request.ts";
import type { RuleCommand, RuleSpec } from "./rule.ts";
import { buildRule } from "./rule.ts";
import type { NeighCommand, NeighSpec } from "./neigh.ts";
import { buildNeigh } from "./neigh.ts";
import type { NexthopCommand, NexthopSpec } from "./nexthop.ts";
import { buildNexthop } from "./nexthop.ts";
import type { FdbCommand, FdbSpec } from "./bridge.ts";
import { buildFdb } from "./bridge.ts";
import type { TcCommand, TcKindOf, TcObjectOf, TcSpec, TcSpecFor } from "./tc/mod.ts";
import { buildTc } from "./tc/mod.ts";

/** One failed request of a batch. */
export interface BatchFailure {
  /** Position of the request in the batch. */
  index: number;
  /** What it was, e.g. "route add". */
  describe: string;
  /** The spec as given. */
  spec: unknown;
  /** The kernel's refusal (or the input error). */
  error: Error;
}

/** Thrown by `ip.batch` when any request failed; the others were applied. */
export class BatchError extends Error {
  /** The error name. */
  override name = "BatchError";
  /** Each failure with its request. */
  readonly failures: BatchFailure[];
  /** How many requests succeeded. */
  readonly succeeded: number;
  /** The error for `failures`, after `succeeded` requests went through. */
  constructor(failures: BatchFailure[], succeeded: number) {
    const first = failures[0];
    super(
      `${failures.length} of ${
        failures.length + succeeded
      } requests failed; first: #${first.index} ${first.describe}: ${first.error.message}`,
    );
    this.failures = failures;
    this.succeeded = succeeded;
  }
}

/** A request refused while it was built (bad input, an unknown interface name). */
class Refused {
  constructor(readonly error: unknown) {}
}

/**
 * What a queued request became when it is not a plain range of the batch's arena: the Built
 * when it has bytes of its own or a cleanup, a promise while a name is looked up, or its
 * refusal.
 */
type State = Built | Promise<Built> | Refused;

/** Collects requests for {@link runBatch}. Each method queues one request. */
export class Batch {
  readonly #core: RtnlCore;
  /** @internal The buffer the batch's requests are encoded into, one after another. */
  readonly arena: Arena = new Arena();
  // Per request: the spec as given (for its failure) in the one array of JS values, and four
  // numbers in a typed array: its arena range and what it was (the method and the command, as
  // indexes into `#labels`). Nothing else per request lives on the JS heap (10k requests made
  // ~1.5 MB of young objects that V8 copied and promoted, growing its heap).
  /** @internal */
  readonly specs: unknown[] = [];
  #meta = new Uint32Array(4 * 1024);
  // Method names and commands seen, each once ("route", "add"…).
  readonly #labels: unknown[] = [];
  readonly #labelIndex = new Map<unknown, number>();
  /** @internal Requests that are not a plain arena range, by index. */
  readonly states: Map<number, State> = new Map();
  /** @internal */
  constructor(core: RtnlCore) {
    this.#core = core;
  }
  /** @internal Number of queued requests. */
  get size(): number {
    return this.specs.length;
  }
  /** @internal "route add": what request `i` was, for its failure. */
  describe(i: number): string {
    const m = this.#meta;
    return `${this.#labels[m[4 * i + 2]]} ${label(this.#labels[m[4 * i + 3]])}`;
  }
  /** @internal Request `i`'s size in bytes, read without making a view of it. */
  sizeOf(i: number): number {
    if (this.states.has(i)) return this.bytes(i).byteLength;
    return this.#meta[4 * i + 1] - this.#meta[4 * i];
  }
  /** @internal Request `i`'s nlmsg_type (see {@link sizeOf}). */
  typeOf(i: number): number {
    if (this.states.has(i)) {
      const b = this.bytes(i);
      return b[4] | (b[5] << 8);
    }
    const at = this.#meta[4 * i];
    return this.arena.u8[at + 4] | (this.arena.u8[at + 5] << 8);
  }
  /**
   * @internal Requests `ids[from]` … `ids[to − 1]` as one view of the arena when they lie one
   * after another in it, else undefined.
   */
  span(ids: Uint32Array, from: number, to: number): Uint8Array | undefined {
    const m = this.#meta;
    for (let k = from; k < to; k++) {
      const i = ids[k];
      if (this.states.has(i)) return undefined;
      if (k > from && m[4 * i] !== m[4 * ids[k - 1] + 1]) return undefined;
    }
    return this.arena.bytes(m[4 * ids[from]], m[4 * ids[to - 1] + 1]);
  }
  /** @internal Request `i` as a view of the arena as it is now. */
  bytes(i: number): Uint8Array {
    const s = this.states.get(i);
    if (s !== undefined) return this.arena.rebase((s as Built).bytes);
    return this.arena.bytes(this.#meta[4 * i], this.#meta[4 * i + 1]);
  }
  #label(v: unknown): number {
    let k = this.#labelIndex.get(v);
    if (k === undefined) {
      k = this.#labels.length;
      this.#labels.push(v);
      this.#labelIndex.set(v, k);
    }
    return k;
  }
  /**
   * Queues one request. Nothing here may throw or leave a promise unhandled, whatever the
   * caller passed (a Symbol or a null-prototype object as the command): a bad request becomes
   * a failure of its own, reported by {@link runBatch} with its index.
   */
  #push(what: string, cmd: unknown, spec: unknown, build: () => Built | Promise<Built>): void {
    const i = this.#queue(what, cmd, spec);
    try {
      this.#settle(i, build());
    } catch (error) {
      this.states.set(i, new Refused(error));
    }
  }
  /** Records request `i`'s spec and what it is; returns its index. */
  #queue(what: string, cmd: unknown, spec: unknown): number {
    const i = this.specs.length;
    this.specs.push(spec);
    if (4 * i + 4 > this.#meta.length) {
      const m = new Uint32Array(this.#meta.length * 2);
      m.set(this.#meta);
      this.#meta = m;
    }
    this.#meta[4 * i + 2] = this.#label(what);
    this.#meta[4 * i + 3] = this.#label(cmd);
    return i;
  }
  /** Records what request `i` became: a range of the arena, its own bytes, or a promise. */
  #settle(i: number, b: Built | Promise<Built>): void {
    if (b instanceof Promise) {
      b.catch(() => {}); // reported by runBatch
      this.states.set(i, b);
    } else if (b.cleanup === undefined && this.arena.owns(b.bytes)) {
      this.#range(i, b.bytes.byteOffset, b.bytes.byteOffset + b.bytes.byteLength);
    } else this.states.set(i, b);
  }
  #range(i: number, start: number, end: number): void {
    this.#meta[4 * i] = start;
    this.#meta[4 * i + 1] = end;
  }
  /** Queues a link request. */
  link(cmd: LinkCommand, spec: LinkSpec): void {
    this.#push("link", cmd, spec, () => buildLink(this.#core, cmd, spec));
  }
  /** Queues an address request. */
  addr(cmd: AddrCommand, spec: AddrSpec): void {
    this.#push("addr", cmd, spec, () => buildAddr(this.#core, cmd, spec));
  }
  /** Queues a route request. */
  route(cmd: RouteCommand, spec: RouteSpec): void {
    // Encoded straight into the arena, with no closure or result object per route.
    const i = this.#queue("route", cmd, spec);
    try {
      const r = appendRoute(this.#core, cmd, spec, this.arena);
      if (typeof r === "number") this.#range(i, r, this.arena.length);
      else this.#settle(i, r);
    } catch (error) {
      this.states.set(i, new Refused(error));
    }
  }
  /** Queues a rule request. */
  rule(cmd: RuleCommand, spec: RuleSpec): void {
    this.#push("rule", cmd, spec, () => buildRule(this.#core, cmd, spec));
  }
  /** Queues a neighbour request. */
  neigh(cmd: NeighCommand, spec: NeighSpec): void {
    this.#push("neigh", cmd, spec, () => buildNeigh(this.#core, cmd, spec));
  }
  /** Queues a nexthop request. */
  nexthop(cmd: NexthopCommand, spec: NexthopSpec): void {
    this.#push("nexthop", cmd, spec, () => buildNexthop(this.#core, cmd, spec));
  }
  /** Queues a bridge forwarding database request. */
  fdb(cmd: FdbCommand, spec: FdbSpec): void {
    this.#push("fdb", cmd, spec, () => buildFdb(this.#core, cmd, spec));
  }
  /** Queues a traffic control request (`b.tc("add-class", "htb", { … })`). */
  tc<C extends TcCommand, K extends TcKindOf<TcObjectOf<C>> | "">(
    cmd: C,
    kind: K,
    spec: TcSpecFor<C, K>,
  ): void {
    this.#push(
      "tc",
      `${label(cmd)} ${label(kind)}`,
      spec,
      () => buildTc(this.#core, cmd, kind, spec as TcSpec),
    );
  }
}

/** A command as text for messages; never throws (a Symbol, a null-prototype object). */
function label(v: unknown): string {
  return typeof v === "string" ? v : describeValue(v);
}

/** Options of a batch. */
export interface BatchOptions {
  /** Requests in flight at once (default 512). */
  window?: number;
  /** Stops waiting for the acks (requests already sent may still be applied). */
  signal?: AbortSignal;
}

/**
 * Runs `fn` to collect requests, sends them pipelined, and waits for every ack. Resolves with
 * the number of requests applied; throws {@link BatchError} listing each failure otherwise.
 */
export async function runBatch(
  core: RtnlCore,
  fn: (b: Batch) => void | Promise<void>,
  options: BatchOptions = {},
): Promise<number> {
  const b = new Batch(core);
  await fn(b);
  const n = b.size;
  const states = b.states;
  const failures: BatchFailure[] = [];
  const fail = (i: number, error: unknown) => {
    failures.push({ index: i, describe: b.describe(i), spec: b.specs[i], error: error as Error });
  };
  // One await per request still building (a name to look up), none for the others.
  for (const [i, s] of states) {
    if (!(s instanceof Promise)) continue;
    try {
      states.set(i, await s);
    } catch (error) {
      states.set(i, new Refused(error));
    }
  }
  const ready = new Uint32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const s = states.size === 0 ? undefined : states.get(i);
    if (s instanceof Refused) fail(i, s.error);
    else ready[m++] = i;
  }
  // Everything is encoded: each request is a view of the batch's buffer as it ends, made only
  // when the engine is about to send it (requests sent together are adjacent: a datagram is a
  // view, not a copy).
  const requests: RequestList = {
    length: m,
    at: (k) => b.bytes(ready[k]),
    sizeAt: (k) => b.sizeOf(ready[k]),
    typeAt: (k) => b.typeOf(ready[k]),
    span: (from, to) => b.span(ready, from, to),
  };
  // Only each datagram's last request is acknowledged; failures are answered all the same.
  const results = await core.engine.pipeline(requests, {
    window: options.window ?? 512,
    ackEach: false,
    replies: false,
    signal: options.signal,
  });
  let ok = 0;
  for (let k = 0; k < results.length; k++) {
    const r = results[k];
    if (states.size > 0) (states.get(ready[k]) as Built | undefined)?.cleanup?.();
    if (r instanceof Error) fail(ready[k], r);
    else ok++;
  }
  if (failures.length) {
    failures.sort((x, y) => x.index - y.index);
    throw new BatchError(failures, ok);
  }
  return ok;
}
