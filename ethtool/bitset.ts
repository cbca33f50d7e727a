/**
 * ethtool bitsets (`ETHTOOL_A_BITSET_*`): decoding both forms the kernel sends (verbose: a list
 * of bits with index, name and value; compact: value and mask words, named from a string set)
 * and building the verbose form for requests.
 *
 * @module
 */

import { DecodeError } from "../netlink/errors.ts";
import type { AttrView, TypedView } from "../netlink/view.ts";
import type { ETHTOOL_A_BITSET, ETHTOOL_A_BITSET_BIT } from "./schema.ts";

/** One bit of a bitset. */
export interface EthtoolBit {
  /** Its index. */
  index: number;
  /** Its name (from the reply, or the string set for compact bitsets; "" when unknown). */
  name: string;
  /** Whether it is set. */
  value: boolean;
}

/**
 * A decoded bitset. With a mask (`nomask` false) `bits` lists the bits in the mask (the
 * supported link modes, the changeable features) with their values; without one it lists the
 * bits that are set.
 */
export interface EthtoolBitset {
  /** The number of bits. */
  size: number;
  /** Whether the bitset is a plain list of set bits. */
  nomask: boolean;
  /** The bits (see above), by index. */
  bits: EthtoolBit[];
}

type BitsetView = TypedView<typeof ETHTOOL_A_BITSET>;
type BitView = TypedView<typeof ETHTOOL_A_BITSET_BIT>;

function wordBit(words: Uint8Array, i: number): boolean {
  const byte = i >> 3;
  return byte < words.length && (words[byte] & (1 << (i & 7))) !== 0;
}

/**
 * Decodes a bitset nest. `names` names the bits of a compact bitset (the string set the bitset
 * indexes: features, link modes, …).
 */
export function decodeBitset(view: AttrView, names: readonly string[] = []): EthtoolBitset {
  const v = view as BitsetView;
  const nomask = v.nomask === true;
  const size = v.size ?? 0;
  const bits: EthtoolBit[] = [];
  const list = v.bits as BitView[] | undefined;
  if (list !== undefined) {
    for (const b of list) {
      const index = b.index;
      if (index === undefined) throw new DecodeError("ethtool bitset: a bit without its index");
      bits.push({
        index,
        name: b.name ?? names[index] ?? "",
        value: nomask || b.value === true,
      });
    }
    return { size, nomask, bits };
  }
  const value = v.value;
  const mask = v.mask;
  if (value === undefined) return { size, nomask, bits };
  const limit = Math.min(size, value.length * 8);
  for (let i = 0; i < limit; i++) {
    const on = wordBit(value, i);
    if (nomask ? !on : mask === undefined || !wordBit(mask, i)) continue;
    bits.push({ index: i, name: names[i] ?? "", value: on });
  }
  return { size, nomask, bits };
}

/** A bitset as `{ name: value }` (bits without a name are left out). */
export function bitsetRecord(b: EthtoolBitset): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const bit of b.bits) {
    if (bit.name === "") continue;
    // defineProperty: a bit named "__proto__" is an own key like any other.
    Object.defineProperty(out, bit.name, {
      value: bit.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** The names of the set bits. */
export function bitsetNames(b: EthtoolBitset): string[] {
  return b.bits.filter((x) => x.value && x.name !== "").map((x) => x.name);
}

/**
 * The verbose request form of a bitset: with `nomask` the bits listed are the bits set (and
 * the rest clear); without it only the bits listed change, to the value given.
 */
export function bitsetSpec(
  bits: Readonly<Record<string, boolean>> | readonly string[],
  nomask: boolean,
): Record<string, unknown> {
  const list = Array.isArray(bits)
    ? (bits as readonly string[]).map((name) => ({ name, value: true }))
    : Object.entries(bits as Record<string, boolean>).map(([name, value]) => ({ name, value }));
  const out: Record<string, unknown> = {};
  if (nomask) out.nomask = true;
  // A nomask bitset lists its set bits by name alone (as ethtool writes it).
  out.bits = nomask
    ? list.filter((b) => b.value).map(({ name }) => ({ name }))
    : list.map(({ name, value }) => (value ? { name, value: true } : { name }));
  return out;
}
