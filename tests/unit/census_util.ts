/**
 * The options-key census's shared parts (census.test.ts, census_families.test.ts): the unknown
 * key, sealing an engine so nothing can be sent, listing a class's public methods, and running
 * a table of calls that must each be refused with a TypeError naming the unknown key.
 *
 * @module
 */

import assert from "node:assert/strict";

/** The unknown key every census call passes. */
export const BOGUS = "zzbogus";
/** An object holding only the unknown key (spread it into a spec). */
export const bogus: Readonly<Record<string, number>> = { [BOGUS]: 1 };

/** What a refused unknown key's message starts with: its path (`a.b[0].zzbogus`), "unknown". */
const REFUSED = new RegExp(`^([\\w[\\]]+\\.)*${BOGUS}: unknown`);

/** Engine methods that send (or receive answers to what was sent). */
const SENDING = ["request", "dumpAll", "dump", "dumpPages", "pipeline", "requestDatagram"];

/**
 * Makes `obj.engine` refuse to send: every sending method throws, and so does its transport's
 * `send` (for code that writes to the socket itself). An empty pipeline sends nothing and
 * resolves with no results. Returns `obj`.
 */
export function seal<T extends { engine: unknown }>(obj: T): T {
  const refuse = () => {
    throw new Error("would send");
  };
  const e = obj.engine as Record<string, unknown> & { transport?: Record<string, unknown> };
  for (const m of SENDING) e[m] = refuse;
  e.pipeline = (list: { length: number }) => {
    if (list.length === 0) return Promise.resolve([]);
    refuse();
  };
  if (e.transport) e.transport.send = refuse;
  return obj;
}

/** A call with one unknown key, or why the method takes no options object. */
export type Entry<T> = ((o: T) => unknown) | { none: string };

/** The public methods of a class and its bases (not Object's), getters included. */
export function methods(proto: object): string[] {
  const out = new Set<string>(["constructor"]);
  for (let p = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) if (k !== "constructor") out.add(k);
  }
  return [...out];
}

/** Asserts that `call` is refused with a TypeError naming the unknown key (`what` in failures). */
export async function refusesBogus(what: string, call: () => unknown): Promise<void> {
  await assert.rejects(async () => await call(), (e: Error) => {
    assert.ok(e instanceof TypeError, `${what}: ${e.name}: ${e.message}`);
    assert.match(e.message, REFUSED, what);
    return true;
  });
}

/**
 * Runs a census table: every method of `proto` (and its bases) must have an entry (several
 * entries of one method are named "method (what)"), and each call is refused with a TypeError
 * naming the unknown key. Calls get a fresh object from `make` (closed after), except the
 * constructor's, which make their own. Returns the number of calls checked.
 */
export async function census<T extends { close(): void }>(
  what: string,
  proto: object,
  table: Record<string, Entry<T>>,
  make: () => T | Promise<T>,
): Promise<number> {
  const named = new Set(Object.keys(table).map((k) => k.replace(/ \(.*\)$/, "")));
  const missing = methods(proto).filter((m) => !named.has(m));
  assert.deepEqual(missing, [], `${what}: methods missing from the census`);
  const all = new Set(methods(proto));
  const unknown = [...named].filter((m) => !all.has(m));
  assert.deepEqual(unknown, [], `${what}: the census names methods the class does not have`);
  let checked = 0;
  for (const [name, entry] of Object.entries(table)) {
    if (typeof entry !== "function") continue;
    if (name.startsWith("constructor")) {
      await refusesBogus(`${what}.${name}`, () => entry(undefined as never));
    } else {
      const obj = await make();
      try {
        await refusesBogus(`${what}.${name}`, () => entry(obj));
      } finally {
        obj.close();
      }
    }
    checked++;
  }
  return checked;
}
