/**
 * IPDB's commit protocol without a kernel: steps of several objects run in phase order, a failed
 * step undoes the applied ones in reverse order, a missing confirmation is a
 * CommitTimeoutError (and undoes too), an undo runs only when what the step set is still there
 * (someone else's later value is kept), planning errors apply nothing and take nothing, commits
 * of one object are serialised, and the tracked-object base (review, rollback, remove,
 * transaction(fn)) over a fake kind.
 */

import assert from "node:assert/strict";
import { commitAll, PHASE } from "../../ipdb/commit.ts";
import type { DbContext, Participant, Plan, Step, WaitKeys } from "../../ipdb/commit.ts";
import { CommitError, CommitTimeoutError } from "../../ipdb/errors.ts";
import { Store } from "../../ipdb/store.ts";
import { Tracked, TrackedState } from "../../ipdb/tracked.ts";
import type { IPRoute } from "../../rtnl/iproute.ts";

function fakeCtx(log: string[]): DbContext {
  let serial = 0;
  return {
    ip: undefined as unknown as IPRoute,
    store: new Store(),
    timeout: 50,
    closed: false,
    // Checks now and then every few ms until the deadline (a real database checks on events).
    async waitFor(_keys: WaitKeys, check: () => boolean, deadline: number): Promise<boolean> {
      while (!check()) {
        if (Date.now() >= deadline) return false;
        await new Promise((r) => setTimeout(r, 2));
      }
      return true;
    },
    touched: () => log.push("touched"),
    cleaned: () => log.push("cleaned"),
    serial: () => ++serial,
    sync: () => {},
  };
}

interface Change {
  phase: number;
  name: string;
  fail?: boolean;
  noUndo?: boolean;
}

/** A participant whose "kernel" is a map of names to who set them. */
class Fake implements Participant {
  readonly serial: number;
  lock: Promise<void> = Promise.resolve();
  readonly label: string;
  changes: Change[] = [];
  /** name → "ours" | "theirs" (the kernel's state). */
  state = new Map<string, string>();
  confirmed = true;
  ended: boolean[] = [];
  began = 0;
  planError?: Error;
  /** Runs after a step (to let "someone else" change the kernel). */
  after?: (name: string) => void;
  readonly #log: string[];

  constructor(label: string, serial: number, log: string[]) {
    this.label = label;
    this.serial = serial;
    this.#log = log;
  }
  hasChanges(): boolean {
    return this.changes.length > 0;
  }
  plan(): Plan {
    if (this.planError) throw this.planError;
    const steps = this.changes.map((c): Step => ({
      phase: c.phase,
      describe: `${this.label}: ${c.name}`,
      run: async () => {
        await Promise.resolve();
        this.#log.push(`run ${this.label}.${c.name}`);
        if (c.fail) throw new Error(`kernel says no to ${c.name}`);
        this.state.set(c.name, "ours");
        this.after?.(c.name);
      },
      ours: () => this.state.get(c.name) === "ours",
      undo: c.noUndo ? undefined : async () => {
        await Promise.resolve();
        this.#log.push(`undo ${this.label}.${c.name}`);
        this.state.delete(c.name);
      },
      undone: () => !this.state.has(c.name),
    }));
    return {
      steps,
      waitKeys: () => ({}),
      unconfirmed: () => (this.confirmed ? [] : ["mtu"]),
    };
  }
  begin(): void {
    this.began++;
  }
  end(ok: boolean): void {
    this.ended.push(ok);
    if (ok) this.changes = [];
  }
}

Deno.test("ipdb commit: steps of all objects run in phase order", async () => {
  const log: string[] = [];
  const ctx = fakeCtx(log);
  const a = new Fake("a", 1, log), b = new Fake("b", 2, log);
  a.changes = [
    { phase: PHASE.addrAdd, name: "addr" },
    { phase: PHASE.rename, name: "rename" },
    { phase: PHASE.up, name: "up" },
  ];
  b.changes = [{ phase: PHASE.create, name: "create" }, { phase: PHASE.portAdd, name: "port" }];
  await commitAll(ctx, [a, b]);
  assert.deepEqual(log, [
    "run b.create",
    "run a.rename",
    "run a.up",
    "run a.addr",
    "run b.port",
  ]);
  assert.deepEqual(a.ended, [true]);
  assert.deepEqual(b.ended, [true]);
  assert.ok(PHASE.attrs < PHASE.mac && PHASE.mac < PHASE.up && PHASE.down < PHASE.rename);
});

Deno.test("ipdb commit: a refused step undoes the applied ones in reverse order", async () => {
  const log: string[] = [];
  const a = new Fake("a", 1, log);
  a.changes = [
    { phase: PHASE.rename, name: "rename" },
    { phase: PHASE.attrs, name: "mtu" },
    { phase: PHASE.mac, name: "mac", fail: true },
    { phase: PHASE.addrAdd, name: "addr" },
  ];
  const err = await commitAll(fakeCtx(log), [a]).catch((e) => e);
  assert.ok(err instanceof CommitError);
  assert.equal(err.step, "a: mac");
  assert.match(err.error.message, /kernel says no to mac/);
  assert.deepEqual(err.undone, ["a: mtu", "a: rename"]);
  assert.deepEqual(err.kept, []);
  assert.deepEqual(err.undoErrors, []);
  assert.deepEqual(log, ["run a.rename", "run a.mtu", "run a.mac", "undo a.mtu", "undo a.rename"]);
  assert.deepEqual(a.ended, [false]);
  assert.equal(a.state.size, 0);
});

Deno.test("ipdb commit: a step that cannot be undone is reported", async () => {
  const log: string[] = [];
  const a = new Fake("a", 1, log);
  a.changes = [
    { phase: PHASE.attrs, name: "mtu", noUndo: true },
    { phase: PHASE.up, name: "up", fail: true },
  ];
  const err = await commitAll(fakeCtx(log), [a]).catch((e) => e);
  assert.ok(err instanceof CommitError);
  assert.equal(err.undoErrors.length, 1);
  assert.match(err.message, /undoing failed/);
});

Deno.test("ipdb commit: events that never confirm are a CommitTimeoutError, undone", async () => {
  const log: string[] = [];
  const a = new Fake("a", 1, log);
  a.changes = [{ phase: PHASE.attrs, name: "mtu" }];
  a.confirmed = false;
  const err = await commitAll(fakeCtx(log), [a], { timeout: 30 }).catch((e) => e);
  assert.ok(err instanceof CommitTimeoutError, String(err));
  assert.ok(err instanceof CommitError);
  assert.deepEqual(err.unconfirmed, ["a: mtu"]);
  assert.deepEqual(err.undone, ["a: mtu"]);
  assert.deepEqual(log, ["run a.mtu", "undo a.mtu"]);
  await assert.rejects(commitAll(fakeCtx(log), [a], { timeout: -1 }), RangeError);
});

Deno.test("ipdb commit: the undo leaves alone what someone else changed since", async () => {
  const log: string[] = [];
  const a = new Fake("a", 1, log);
  a.changes = [{ phase: PHASE.rename, name: "name" }, { phase: PHASE.attrs, name: "mtu" }];
  a.confirmed = false; // their value is there, not ours: the commit times out
  a.after = (name) => {
    if (name === "mtu") a.state.set("mtu", "theirs");
  };
  const err = await commitAll(fakeCtx(log), [a], { timeout: 30 }).catch((e) => e);
  assert.ok(err instanceof CommitTimeoutError, String(err));
  assert.deepEqual(err.kept, ["a: mtu"]);
  assert.deepEqual(err.undone, ["a: name"]);
  assert.match(err.message, /1 left as changed since by someone else \(a: mtu\)/);
  assert.deepEqual(log, ["run a.name", "run a.mtu", "undo a.name"]);
  assert.equal(a.state.get("mtu"), "theirs");
});

Deno.test("ipdb commit: a planning error applies nothing and takes nothing", async () => {
  const log: string[] = [];
  const a = new Fake("a", 1, log), b = new Fake("b", 2, log);
  a.changes = [{ phase: PHASE.attrs, name: "mtu" }];
  b.changes = [{ phase: PHASE.attrs, name: "mtu" }];
  b.planError = new Error("interface #9 does not exist");
  const err = await commitAll(fakeCtx(log), [a, b]).catch((e) => e);
  assert.ok(err instanceof CommitError);
  assert.equal(err.step, "planning");
  assert.deepEqual(log, []);
  assert.equal(a.began + b.began, 0);
  assert.deepEqual(a.ended, []);
});

Deno.test("ipdb commit: commits of one object are serialised; nothing to do resolves", async () => {
  const log: string[] = [];
  const ctx = fakeCtx(log);
  const a = new Fake("a", 1, log);
  a.changes = [{ phase: PHASE.attrs, name: "one" }];
  const first = commitAll(ctx, [a]);
  const second = commitAll(ctx, [a]); // by the time it runs, the first took the changes
  await Promise.all([first, second]);
  assert.deepEqual(log, ["run a.one"]);
  await commitAll(ctx, []);
});

interface CounterPending {
  add: number;
  remove: boolean;
  create?: number;
}

/** A fake kind on the tracked-object base: a counter that commits by adding. */
class CounterState extends TrackedState<CounterPending> {
  value = 0;
  refuse = false;
  get label(): string {
    return "counter";
  }
  empty(): CounterPending {
    return { add: 0, remove: false };
  }
  isEmpty(p: CounterPending): boolean {
    return p.add === 0 && !p.remove && p.create === undefined;
  }
  merge(into: CounterPending, back: CounterPending): void {
    into.add += back.add;
  }
  review(p: CounterPending): Record<string, unknown> {
    return { attrs: p.add ? { value: `${this.value} -> ${this.value + p.add}` } : {} };
  }
  plan(): Plan {
    const p = this.pending;
    return {
      steps: [{
        phase: PHASE.attrs,
        describe: `counter: add ${p.add}`,
        run: () => {
          if (this.refuse) return Promise.reject(new Error("refused"));
          this.value += p.add;
          return Promise.resolve();
        },
        undo: () => {
          this.value -= p.add;
          return Promise.resolve();
        },
      }],
      waitKeys: () => ({}),
      unconfirmed: () => [],
    };
  }
}

class Counter extends Tracked {
  readonly s: CounterState;
  constructor(ctx: DbContext) {
    const s = new CounterState(ctx);
    super(s);
    this.s = s;
  }
  add(n: number): this {
    this.s.pending.add += n;
    this.s.touch();
    return this;
  }
}

Deno.test("ipdb tracked objects: review, rollback, commit, transaction(fn), remove", async () => {
  const log: string[] = [];
  const c = new Counter(fakeCtx(log));
  c.add(2);
  assert.equal(c.hasChanges(), true);
  assert.deepEqual(c.review(), { attrs: { value: "0 -> 2" } });
  c.rollback();
  assert.equal(c.hasChanges(), false);
  await c.add(3).commit();
  assert.equal(c.s.value, 3);
  assert.equal(c.hasChanges(), false);
  // A refused commit keeps the changes pending (under what was written meanwhile).
  c.s.refuse = true;
  await assert.rejects(c.add(1).commit(), CommitError);
  assert.deepEqual(c.review(), { attrs: { value: "3 -> 4" } });
  c.s.refuse = false;
  await c.transaction((x) => void x.add(1));
  assert.equal(c.s.value, 5);
  await assert.rejects(
    c.transaction(() => {
      throw new Error("no");
    }),
    /no/,
  );
  assert.equal(c.hasChanges(), false);
  c.s.refuse = true;
  await assert.rejects(c.transaction((x) => void x.add(7)), CommitError);
  assert.equal(c.hasChanges(), false, "transaction(fn) rolls back after a refused commit");
  assert.equal(c.remove(), c);
  assert.equal(c.hasChanges(), true);
  assert.equal(c.label, "counter");
  assert.ok(log.includes("touched") && log.includes("cleaned"));
});
