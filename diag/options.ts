/**
 * Options objects of SockDiag, ProcEvents and Uevents are checked against the keys each method
 * accepts, with the library's strict-input helpers: an unknown key is a TypeError naming it
 * and the nearest accepted key, so a typo never passes silently.
 *
 * @module
 */

import { checkKeys, KeySet } from "../netlink/strict.ts";

const sets = new Map<string, KeySet>();

/**
 * Checks an options object (`what` names it in errors, e.g. "inet query option"): undefined
 * is `{}`; anything but a plain object, or a key not in `allowed`, is a TypeError. Keys whose
 * value is undefined count as absent.
 */
export function checkOptions<T extends object>(
  value: T | undefined,
  allowed: readonly string[],
  what: string,
): Partial<T> {
  if (value === undefined) return {};
  const id = `${what}\0${allowed.join(",")}`;
  let keys = sets.get(id);
  if (!keys) sets.set(id, keys = new KeySet(what, allowed));
  checkKeys(value, keys, what);
  return value;
}
