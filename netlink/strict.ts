/**
 * Strict input: the helpers every public method uses so that nothing a caller writes is ignored.
 *
 * - {@link KeySet} and {@link checkKeys}: an options object, spec or filter may hold only the
 *   keys its method accepts (aliases are declared explicitly, per method); an unknown key is a
 *   TypeError naming it and the nearest valid name.
 * - {@link checkArgs}: extra positional arguments are refused, not dropped.
 * - {@link lookupName} and {@link nameOf}: the one name↔number lookup of every table (own keys
 *   only, so `"toString"` or `"__proto__"` is an unknown name, never a function).
 *
 * @module
 */

import { describeValue } from "./addr.ts";

/** The distance between two names (insertions, deletions, substitutions, swaps). */
function distance(a: string, b: string): number {
  const m = a.length, n = b.length;
  if (Math.abs(m - n) > 3) return 4;
  let prev2: number[] = [];
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, prev2[j - 2] + 1);
      }
      cur.push(d);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[n];
}

/**
 * The valid name closest to `name` (a typo, another case, a missing prefix), or undefined when
 * none is close.
 */
export function nearest(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const cl = c.toLowerCase();
    let score: number;
    if (cl === lower) score = 0;
    else if (cl.endsWith(`_${lower}`) || lower.endsWith(`_${cl}`)) score = 1;
    else score = distance(lower, cl) + 0.5;
    const limit = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
    if (score <= limit + 0.5 && score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

/** " (did you mean "x"?)" when a name is close, else "". */
export function suggestion(name: string, candidates: Iterable<string>): string {
  const n = nearest(name, candidates);
  return n === undefined ? "" : ` (did you mean ${JSON.stringify(n)}?)`;
}

/** Options of a {@link KeySet}. */
export interface KeySetOptions {
  /**
   * Refuse a key whose value is `undefined` (`x: undefined` is a mistake, not "not given"): for
   * families whose specs say "leave the key out".
   */
  refuseUndefined?: boolean;
}

/** {@link KeySetOptions} of families whose specs say "leave the key out" (no `x: undefined`). */
export const REFUSE_UNDEFINED: KeySetOptions = Object.freeze({ refuseUndefined: true });

/**
 * The keys a method accepts: names, and aliases declared explicitly (alias → name). Aliases are
 * accepted wherever the name is, and {@link KeySet.canonical} maps them. Build key sets once, at
 * module level: {@link checkKeys} then allocates nothing.
 */
export class KeySet {
  /** What the keys are keys of, for errors ("route attribute", "monitor option", "key"). */
  readonly what: string;
  /** The accepted names (aliases not included). */
  readonly names: ReadonlySet<string>;
  /** Alias → name. */
  readonly aliases: ReadonlyMap<string, string>;
  /** Whether a key given as `undefined` is refused (see {@link KeySetOptions}). */
  readonly refuseUndefined: boolean;
  /** Names and aliases in one set: one lookup per key (route building checks keys per request). */
  readonly accepted: ReadonlySet<string>;

  /** A key set; `aliases` maps each alias to the name it stands for. */
  constructor(
    what: string,
    names: Iterable<string>,
    aliases: Readonly<Record<string, string>> = {},
    options: KeySetOptions = {},
  ) {
    this.what = what;
    this.names = new Set(names);
    this.aliases = new Map(Object.entries(aliases));
    this.refuseUndefined = options.refuseUndefined ?? false;
    this.accepted = new Set([...this.names, ...this.aliases.keys()]);
    for (const [a, n] of this.aliases) {
      if (!this.names.has(n)) throw new Error(`KeySet ${what}: alias ${a} of unknown name ${n}`);
    }
  }

  /** Whether `key` is a name or an alias. */
  has(key: string): boolean {
    return this.accepted.has(key);
  }

  /** The name `key` stands for (itself unless it is an alias). */
  canonical(key: string): string {
    return this.aliases.get(key) ?? key;
  }

  /** A key set with more names (and aliases), refusing undefined values as this one does. */
  with(names: Iterable<string>, aliases: Readonly<Record<string, string>> = {}): KeySet {
    return new KeySet(
      this.what,
      [...this.names, ...names],
      { ...Object.fromEntries(this.aliases), ...aliases },
      { refuseUndefined: this.refuseUndefined },
    );
  }

  /** Every accepted key (names and aliases). */
  *[Symbol.iterator](): IterableIterator<string> {
    yield* this.names;
    yield* this.aliases.keys();
  }
}

/** Whether `v` is a plain object (not an array, a view or a class instance's bytes). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Throws unless `value` is a plain object whose own keys are all in `keys`: a TypeError naming
 * the first unknown key (as `path` + key, e.g. `spec.` + `x`) and the nearest valid one. `field`
 * names the object itself in errors. Returns `value`, typed as a record. Allocates nothing when
 * every key is known (route building calls it per request).
 */
export function checkKeys(
  value: unknown,
  keys: KeySet,
  field = "options",
  path = "",
): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new TypeError(`${field}: expected an object, got ${describeValue(value)}`);
  }
  // for…in makes no array (Object.keys would, per call). A plain object's prototype is Object's
  // or null, so an inherited key can only come from a polluted Object.prototype: skipped.
  const accepted = keys.accepted;
  for (const k in value) {
    if (!accepted.has(k) && Object.hasOwn(value, k)) {
      throw new TypeError(`${path}${k}: unknown ${keys.what}${suggestion(k, keys)}`);
    }
  }
  if (keys.refuseUndefined) {
    for (const k in value) {
      if (value[k] === undefined && Object.hasOwn(value, k)) {
        throw new TypeError(`${path}${k}: undefined (leave the key out instead)`);
      }
    }
  }
  return value;
}

/** {@link checkKeys} for an optional object: `undefined` is a fresh `{}`. */
export function checkOptionalKeys(
  value: unknown,
  keys: KeySet,
  field = "options",
  path = "",
): Record<string, unknown> {
  return value === undefined ? {} : checkKeys(value, keys, field, path);
}

/**
 * Refuses positional arguments past the `max` a method takes (`got` is `arguments.length`):
 * JavaScript would drop them silently.
 */
export function checkArgs(method: string, max: number, got: number): void {
  if (got > max) {
    throw new TypeError(
      `${method}: takes ${max === 1 ? "1 argument" : `${max} arguments`}, got ${got}` +
        " (give options as keys of an object)",
    );
  }
}

/** Options of {@link lookupName}. */
export interface LookupOptions {
  /** The largest number accepted (numbers and numeric strings pass as they are). */
  max?: number;
  /** The smallest number accepted (default 0). */
  min?: number;
  /** Accept names in any case ("UP" for "up"). */
  anyCase?: boolean;
  /** Whether numbers are accepted (default true). */
  numbers?: boolean;
}

/**
 * The number of a name of `table` (own keys only), or a number within range. A TypeError names
 * `field` and lists the names (with the nearest one first) for anything else.
 */
export function lookupName(
  table: Readonly<Record<string, number>>,
  value: unknown,
  field: string,
  what: string,
  options: LookupOptions = {},
): number {
  const { max = 0xffffffff, min = 0, numbers = true } = options;
  if (numbers && typeof value === "number") {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`${field}: ${value} is out of range ${min}..${max}`);
    }
    return value;
  }
  if (typeof value === "string") {
    if (numbers && /^\d+$/.test(value)) {
      return lookupName(table, Number(value), field, what, options);
    }
    if (Object.hasOwn(table, value)) return table[value];
    if (options.anyCase) {
      const lower = value.toLowerCase();
      for (const k of Object.keys(table)) if (k.toLowerCase() === lower) return table[k];
    }
    throw new TypeError(
      `${field}: unknown ${what} ${JSON.stringify(value)}${suggestion(value, Object.keys(table))}` +
        ` (one of ${Object.keys(table).join(", ")}${numbers ? ", or a number" : ""})`,
    );
  }
  throw new TypeError(
    `${field}: expected a ${what} name${numbers ? " or number" : ""}, got ${describeValue(value)}`,
  );
}

/** The first name of `n` in `table`, or `n` itself when it has none. */
export function nameOf(table: Readonly<Record<string, number>>, n: number): string | number {
  for (const k of Object.keys(table)) if (table[k] === n) return k;
  return n;
}

/** The names of the bits set in `flags` (bits without a name as hex numbers). */
export function flagNames(table: Readonly<Record<string, number>>, flags: number): string[] {
  const out: string[] = [];
  let rest = flags >>> 0;
  for (const k of Object.keys(table)) {
    const bit = table[k];
    if (bit !== 0 && (bit & (bit - 1)) === 0 && (rest & bit) !== 0) {
      out.push(k);
      rest = (rest & ~bit) >>> 0;
    }
  }
  for (let b = 0; b < 32 && rest; b++) {
    if (rest & (1 << b)) {
      out.push(`0x${((1 << b) >>> 0).toString(16)}`);
      rest = (rest & ~(1 << b)) >>> 0;
    }
  }
  return out;
}
