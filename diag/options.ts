/**
 * Options objects of SockDiag, ProcEvents and Uevents are checked against the keys each method
 * accepts, with the library's strict-input helpers: an unknown key is a TypeError naming it
 * and the nearest accepted key, so a typo never passes silently.
 *
 * @module
 */

import { checkOptionalKeys } from "../netlink/strict.ts";
import type { KeySet } from "../netlink/strict.ts";

/**
 * Checks an options object against `keys` (whose `what` names it in errors, e.g. "inet query
 * option"): undefined is `{}`; anything but a plain object, or a key not in `keys`, is a
 * TypeError. Keys whose value is undefined count as absent.
 */
export function checkOptions<T extends object>(value: T | undefined, keys: KeySet): Partial<T> {
  return checkOptionalKeys(value, keys, keys.what) as Partial<T>;
}
