/**
 * Reading a tc request spec: each option is taken by name and checked, and whatever is left
 * over is a TypeError naming it, so a misspelt option never goes unnoticed.
 *
 * @module
 */

import { describeValue } from "../../netlink/addr.ts";
import { suggestion } from "../../netlink/strict.ts";
import type { Codec } from "../../netlink/schema.ts";
import {
  parseBool,
  parseInt32,
  parseLinklayer,
  parsePercent,
  parseProbability,
  parseRate,
  parseSize,
  parseSizeAndCell,
  parseTime,
  parseUint,
} from "./units.ts";
import { parseClassid } from "./handles.ts";

/** Kind-specific options ready to encode: `TCA_OPTIONS` written with `codec`. */
export interface Options {
  /** The codec to write `value` with. */
  readonly codec: Codec;
  /** The value. */
  readonly value: unknown;
}

/** Takes options out of a spec by name, checking each; {@link finish} rejects the rest. */
export class SpecReader {
  /** The spec read. */
  readonly spec: Readonly<Record<string, unknown>>;
  /** The path of the spec in error messages ("" at the top, "action[0]" inside). */
  readonly path: string;
  readonly #used = new Set<string>();
  #declared?: ReadonlySet<string>;

  /**
   * A reader of `spec`; `path` prefixes field names in errors. `declared` lists the options the
   * request may hold (rtnl/tc/options.ts): they are suggested for a misspelt one.
   */
  constructor(spec: unknown, path = "", declared?: ReadonlySet<string>) {
    if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
      throw new TypeError(`${path || "spec"}: expected an object, got ${describeValue(spec)}`);
    }
    this.spec = spec as Record<string, unknown>;
    this.path = path;
    this.#declared = declared;
  }

  /** Sets the options the request may hold (once its kind is known). */
  declare(keys: ReadonlySet<string>): void {
    this.#declared = keys;
  }

  /** The field name of `key` in errors. */
  field(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  /** Whether `key` is given (not undefined). */
  has(key: string): boolean {
    return this.spec[key] !== undefined;
  }

  /** Takes `key`'s raw value (undefined when absent). */
  take(key: string): unknown {
    if (this.#declared && !this.#declared.has(key)) {
      // A builder reading an option the table lacks: the table (and so the types) is wrong.
      throw new Error(`tc: option ${key} is read but not declared in rtnl/tc/options.ts`);
    }
    this.#used.add(key);
    return this.spec[key];
  }

  /** Takes the first of several synonyms that is given; two at once is a TypeError. */
  takeAny(...keys: string[]): [key: string, value: unknown] | undefined {
    let found: [string, unknown] | undefined;
    for (const k of keys) {
      const v = this.take(k);
      if (v === undefined) continue;
      if (found) {
        throw new TypeError(`${this.field(k)}: give either ${found[0]} or ${k}, not both`);
      }
      found = [k, v];
    }
    return found;
  }

  /** Takes `key` and converts it with `parse(value, field)`; undefined when absent. */
  get<T>(key: string, parse: (v: unknown, field: string) => T): T | undefined {
    const v = this.take(key);
    return v === undefined ? undefined : parse(v, this.field(key));
  }

  /** As {@link get}, but a missing value is a TypeError naming the field. */
  need<T>(key: string, parse: (v: unknown, field: string) => T, why = ""): T {
    const v = this.take(key);
    if (v === undefined) {
      throw new TypeError(`${this.field(key)}: required${why ? ` ${why}` : ""}`);
    }
    return parse(v, this.field(key));
  }

  /** A rate in bytes per second. */
  rate(key: string): number | undefined {
    return this.get(key, parseRate);
  }

  /** A size in bytes. */
  size(key: string): number | undefined {
    return this.get(key, parseSize);
  }

  /** A size with an optional `/cell`. */
  sizeCell(key: string): [number, number] | undefined {
    return this.get(key, parseSizeAndCell);
  }

  /** A time in microseconds. */
  time(key: string): number | undefined {
    return this.get(key, parseTime);
  }

  /** A percentage as a fraction. */
  percent(key: string): number | undefined {
    return this.get(key, parsePercent);
  }

  /** A percentage as a 32-bit probability. */
  probability(key: string): number | undefined {
    return this.get(key, parseProbability);
  }

  /** An unsigned integer. */
  uint(key: string, bits = 32): number | undefined {
    return this.get(key, (v, f) => parseUint(v, f, bits));
  }

  /** A signed integer. */
  int(key: string, bits = 32): number | undefined {
    return this.get(key, (v, f) => parseInt32(v, f, bits));
  }

  /** A boolean. */
  bool(key: string): boolean | undefined {
    return this.get(key, parseBool);
  }

  /** A link layer (`ethernet`, `atm`). */
  linklayer(key: string): number | undefined {
    return this.get(key, parseLinklayer);
  }

  /** A class id (`"1:10"`). */
  classid(key: string): number | undefined {
    return this.get(key, parseClassid);
  }

  /** One of `choices` (name → number). */
  choice(key: string, choices: Readonly<Record<string, number>>): number | undefined {
    return this.get(key, (v, f) => {
      if (typeof v === "string" && Object.hasOwn(choices, v)) return choices[v];
      throw new TypeError(
        `${f}: expected one of ${Object.keys(choices).join(", ")}, got ${describeValue(v)}`,
      );
    });
  }

  /** Throws a TypeError naming the first option that was not taken. */
  finish(what: string): void {
    for (const [k, v] of Object.entries(this.spec)) {
      if (v !== undefined && !this.#used.has(k)) {
        throw new TypeError(
          `${this.field(k)}: unknown option for ${what}${
            this.#declared ? suggestion(k, this.#declared) : ""
          }`,
        );
      }
    }
  }
}
