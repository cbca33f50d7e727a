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
import type { LinkCommand, LinkSpec } from "./link.ts";
import { buildLink } from "./link.ts";
import type { RouteCommand, RouteSpec } from "./route.ts";
import { buildRoute } from "./route.ts";
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

/**
 * One queued request: built at once when nothing needs looking up (`built`), or still building
 * (`building`), or refused (`error`). Its description is made only for a failure.
 */
type Entry = {
  built?: Built;
  building?: Promise<Built>;
  error?: unknown;
  spec: unknown;
  what: string;
  cmd: unknown;
};

/** "route add": what a request was, for its failure. */
function describeEntry(e: Entry): string {
  return `${e.what} ${label(e.cmd)}`;
}

/** Collects requests for {@link runBatch}. Each method queues one request. */
export class Batch {
  readonly #core: RtnlCore;
  /** @internal */
  readonly entries: Entry[] = [];
  /** @internal The buffer the batch's requests are encoded into, one after another. */
  readonly arena: Arena = new Arena();
  /** @internal */
  constructor(core: RtnlCore) {
    this.#core = core;
  }
  /**
   * Queues one request. Nothing here may throw or leave a promise unhandled, whatever the
   * caller passed (a Symbol or a null-prototype object as the command): a bad request becomes
   * a failure of its own, reported by {@link runBatch} with its index.
   */
  #push(what: string, cmd: unknown, spec: unknown, build: () => Built | Promise<Built>): void {
    const e: Entry = { spec, what, cmd };
    try {
      const b = build();
      if (b instanceof Promise) {
        b.catch(() => {}); // reported by runBatch
        e.building = b;
      } else e.built = b;
    } catch (error) {
      e.error = error;
    }
    this.entries.push(e);
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
    this.#push("route", cmd, spec, () => buildRoute(this.#core, cmd, spec, this.arena));
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
  const failures: BatchFailure[] = [];
  const ready: number[] = [];
  const requests: Uint8Array[] = [];
  const built: Built[] = [];
  const fail = (i: number, error: unknown) => {
    const e = b.entries[i];
    failures.push({ index: i, describe: describeEntry(e), spec: e.spec, error: error as Error });
  };
  // One await per request still building (a name to look up), none for the others.
  for (let i = 0; i < b.entries.length; i++) {
    const e = b.entries[i];
    if (e.building !== undefined) {
      try {
        e.built = await e.building;
      } catch (error) {
        e.error = error;
      }
    }
    if (e.built === undefined) {
      fail(i, e.error);
      continue;
    }
    ready.push(i);
    built.push(e.built);
  }
  // Everything is encoded: views of the batch's buffer as it ends, so requests sent together
  // are adjacent (a datagram is a view, not a copy).
  for (let k = 0; k < built.length; k++) requests.push(b.arena.rebase(built[k].bytes));
  // Only each datagram's last request is acknowledged; failures are answered all the same.
  const results = await core.engine.pipeline(requests, {
    window: options.window ?? 512,
    ackEach: false,
    signal: options.signal,
  });
  let ok = 0;
  for (let k = 0; k < results.length; k++) {
    const r = results[k];
    built[k].cleanup?.();
    if (r instanceof Error) fail(ready[k], r);
    else ok++;
  }
  if (failures.length) {
    failures.sort((x, y) => x.index - y.index);
    throw new BatchError(failures, ok);
  }
  return ok;
}
