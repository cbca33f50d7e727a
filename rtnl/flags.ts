/**
 * Flag words by name, as pyroute2's message classes convert them: `ifinfmsg.flags2names(0x1043)`
 * → `["IFF_UP", "IFF_BROADCAST", …]`, `ifinfmsg.names2flags(["IFF_UP", "!IFF_NOARP"])` →
 * `{ flags, change }` (a `!` name clears its bit), and the same for addresses (`ifaddrmsg`,
 * `IFA_F_*`).
 *
 * @module
 */

import { describeValue } from "../netlink/addr.ts";
import { IFF } from "./constants.ts";
import { IFA_F } from "./schemas/addr.ts";

/** Names ↔ bits of one flag word. */
export interface FlagNames {
  /** The names of the bits set in `flags` (`IFF_UP`…), lowest bit first; unnamed bits are left out. */
  flags2names(flags: number): string[];
  /**
   * The bits of `names` (`"IFF_UP"` or `"up"`): a number when no name starts with `!`, else
   * `{ flags, change }` where every named bit is in `change` and `!NAME` leaves it clear in `flags`.
   */
  names2flags(names: readonly string[]): number | { flags: number; change: number };
}

function table(prefix: string, bits: Readonly<Record<string, number>>): FlagNames {
  const byName = new Map<string, number>();
  for (const [k, v] of Object.entries(bits)) {
    byName.set(`${prefix}${k.toUpperCase()}`, v);
    byName.set(k.toLowerCase(), v);
  }
  const bitOf = (name: unknown, field: string): number => {
    const bit = typeof name === "string" ? byName.get(name) : undefined;
    if (bit === undefined) {
      throw new TypeError(`${field}: unknown flag ${describeValue(name)} (${prefix}* names)`);
    }
    return bit;
  };
  return {
    flags2names(flags: number): string[] {
      if (typeof flags !== "number" || !Number.isInteger(flags) || flags < 0) {
        throw new TypeError(`flags: expected a flag word, got ${describeValue(flags)}`);
      }
      const out: string[] = [];
      for (const [k, v] of Object.entries(bits)) {
        if ((flags & v) === v && v) out.push(prefix + k.toUpperCase());
      }
      return out;
    },
    names2flags(names: readonly string[]): number | { flags: number; change: number } {
      if (!Array.isArray(names)) {
        throw new TypeError(`names: expected a list of flag names, got ${describeValue(names)}`);
      }
      let flags = 0, change = 0, negated = false;
      for (const [i, n] of names.entries()) {
        const neg = typeof n === "string" && n.startsWith("!");
        const bit = bitOf(neg ? n.slice(1) : n, `names[${i}]`);
        change |= bit;
        if (neg) negated = true;
        else flags |= bit;
      }
      return negated ? { flags: flags >>> 0, change: change >>> 0 } : flags >>> 0;
    },
  };
}

/** Interface flags (`IFF_*`) by name, as pyroute2's `ifinfmsg`. */
export const ifinfmsg: FlagNames = table("IFF_", IFF);

/** Address flags (`IFA_F_*`) by name, as pyroute2's `ifaddrmsg`. */
export const ifaddrmsg: FlagNames = table("IFA_F_", IFA_F);

/**
 * A link's `flags` or `change` given as a number or as names (`["IFF_UP", "!IFF_NOARP"]`):
 * the bits to set and the bits the request changes (every named bit; a number changes what
 * `change` says, or, given alone as `flags`, nothing more than it sets).
 */
export function linkFlagsOf(
  value: unknown,
  field: string,
): { flags: number; change: number; named: boolean } {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new RangeError(`${field}: expected a u32 of IFF_* bits, got ${describeValue(value)}`);
    }
    return { flags: value, change: 0, named: false };
  }
  if (!Array.isArray(value)) {
    throw new RangeError(
      `${field}: expected a u32 of IFF_* bits or a list of names ("IFF_UP", "!IFF_NOARP"), got ${
        describeValue(value)
      }`,
    );
  }
  const list: readonly unknown[] = value;
  let flags = 0, change = 0;
  for (const [i, n] of list.entries()) {
    const neg = typeof n === "string" && n.startsWith("!");
    const bit = ifinfmsg.names2flags([neg ? (n as string).slice(1) : n as string]);
    if (typeof bit !== "number") throw new TypeError(`${field}[${i}]: unknown flag`);
    change |= bit;
    if (!neg) flags |= bit;
  }
  return { flags: flags >>> 0, change: change >>> 0, named: true };
}
