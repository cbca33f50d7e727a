/**
 * Options objects are checked against the keys a method accepts: an unknown key is a
 * TypeError naming it (and the nearest accepted key), so a typo never passes silently.
 *
 * @module
 */

import { describeValue } from "../netlink/addr.ts";

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The accepted key nearest to `key` (within two edits), for "did you mean" hints. */
export function nearest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of allowed) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

/**
 * Checks an options object: undefined is `{}`; anything but a plain object, or a key not in
 * `allowed`, is a TypeError naming `what` and the key. Keys whose value is undefined count as
 * absent.
 */
export function checkOptions<T extends object>(
  value: T | undefined,
  allowed: readonly string[],
  what: string,
): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${what}: expected an options object, got ${describeValue(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    const hint = nearest(key, allowed);
    throw new TypeError(
      `${what}: unknown option "${key}"${hint ? ` (did you mean "${hint}"?)` : ""}; ` +
        `accepted: ${allowed.join(", ")}`,
    );
  }
  return value;
}
