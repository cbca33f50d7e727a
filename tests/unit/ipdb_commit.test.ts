/**
 * IPDB's commit runner without a kernel: steps of several objects run in phase order, a failed
 * step undoes the applied ones in reverse order, a missing confirmation is a
 * CommitTimeoutError (and undoes too), planning errors apply nothing, commits of one object are
 * serialised, and transaction(fn) rolls back on failure.
 */

import assert from "node:assert/strict";
import { commitAll, PHASE, runTransaction } from "../../ipdb/commit.ts";
import type { Committable, DbContext, Step, WaitKeys } from "../../ipdb/commit.ts";
import { CommitError, CommitTimeoutError } from "../../ipdb/errors.ts";
import { Store } from "../../ipdb/store.ts";
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
    cleaned: () => {},
    serial: () => ++serial,
    sync: () => {},
  };
}

class Fake implements Committable {
  readonly serial: number;
  lock: Promise<void> = Promise.resolve();
  readonly label: string;
  changes: { phase: number; name: string; fail?: boolean; noUndo?: boolean }[] = [];
  state = new Set<string>();
  confirmed = true;
  finished: boolean[] = [];
  planError?: Error;
  readonly #log: string[];

  constructor(label: string, serial: number, log: string[]) {
    this.label = label;
    this.serial = serial;
    this.#log = log;
  }
  hasChanges(): boolean {
    return this.changes.length > 0;
  }
  plan(): Step[] {
    if (this.planError) throw this.planError;
    const steps = this.changes.map((c): Step => ({
      phase: c.phase,
      describe: `${this.label}: ${c.name}`,
      run: async () => {
        await Promise.resolve();
        this.#log.push(`run ${this.label}.${c.name}`);
        if (c.fail) throw new Error(`kernel says no to ${c.name}`);
        this.state.add(c.name);
      },
      undo: c.noUndo ? undefined : async () => {
        await Promise.resolve();
        this.#log.push(`undo ${this.label}.${c.name}`);
        this.state.delete(c.name);
      },
    }));
    return steps;
  }
  waitKeys(): WaitKeys {
    return {};
  }
  unconfirmed(): string[] {
    return this.confirmed ? [] : ["mtu"];
  }
  restored(): boolean {
    return this.state.size === 0;
  }
  finish(ok: boolean): void {
    this.finished.push(ok);
    if (ok) this.changes = [];
  }
  review(): Record<string, unknown> {
    return { changes: this.changes.map((c) => c.name) };
  }
  rollback(): void {
    this.changes = [];
  }
  commit(): Promise<void> {
    return Promise.resolve();
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
  assert.deepEqual(a.finished, [true]);
  assert.deepEqual(b.finished, [true]);
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
  assert.deepEqual(err.undoErrors, []);
  assert.deepEqual(log, ["run a.rename", "run a.mtu", "run a.mac", "undo a.mtu", "undo a.rename"]);
  assert.deepEqual(a.finished, [false]);
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

Deno.test("ipdb commit: a planning error applies nothing", async () => {
  const log: string[] = [];
  const a = new Fake("a", 1, log), b = new Fake("b", 2, log);
  a.changes = [{ phase: PHASE.attrs, name: "mtu" }];
  b.changes = [{ phase: PHASE.attrs, name: "mtu" }];
  b.planError = new Error("interface #9 does not exist");
  const err = await commitAll(fakeCtx(log), [a, b]).catch((e) => e);
  assert.ok(err instanceof CommitError);
  assert.equal(err.step, "planning");
  assert.deepEqual(log, []);
  assert.deepEqual(a.finished, [false]);
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

Deno.test("ipdb transaction(fn): commits after fn, rolls back and rethrows on failure", async () => {
  let committed = 0, rolledBack = 0;
  const obj = {
    commit: () => {
      committed++;
      return Promise.resolve();
    },
    rollback: () => void rolledBack++,
  };
  await runTransaction(obj, () => {});
  assert.deepEqual([committed, rolledBack], [1, 0]);
  await assert.rejects(
    runTransaction(obj, () => {
      throw new Error("no");
    }),
    /no/,
  );
  assert.deepEqual([committed, rolledBack], [1, 1]);
  const failing = { commit: () => Promise.reject(new Error("refused")), rollback: obj.rollback };
  await assert.rejects(runTransaction(failing, () => {}), /refused/);
  assert.equal(rolledBack, 2);
});
