/**
 * Fairness: how the engine shares the event loop with the rest of the program.
 *
 * A netlink receive is a synchronous call, and a reply to a request sent a moment ago is
 * already queued (the kernel answers during `sendmsg`), so a busy engine can go on receiving
 * and resolving promises without the event loop ever turning: timers, I/O and abort signals
 * would wait until the kernel has nothing left to say. The engine therefore asks
 * {@link starving} before each receive and, when a slice of {@link SLICE_MS} has passed without
 * a turn of the event loop, waits for {@link nextTurn} first.
 *
 * A turn is noticed by an immediate callback scheduled when a slice starts: if anything else
 * lets the loop turn (a wait for readability, the caller's own I/O), the slice starts afresh
 * and nothing is spent on yielding.
 *
 * @module
 */

import { setImmediate } from "node:timers";

/** The longest the engine works without letting the event loop turn, in milliseconds. */
export const SLICE_MS = 4;

// When the current slice began, or -1 when the event loop turned since (a new slice starts at
// the next call). The clock is read every 16th call: a call stands for at most one datagram.
// Once the slice is over, every call says so until the loop has turned.
let sliceStart = -1;
let calls = 0;
let due = false;

function turned(): void {
  sliceStart = -1;
  due = false;
}

/**
 * Whether the event loop has not turned for {@link SLICE_MS}: the caller should then await
 * {@link nextTurn} before doing more synchronous work.
 */
export function starving(): boolean {
  if (sliceStart < 0) {
    sliceStart = performance.now();
    calls = 0;
    setImmediate(turned);
    return false;
  }
  if (due) return true;
  if ((++calls & 15) !== 0) return false;
  due = performance.now() - sliceStart >= SLICE_MS;
  return due;
}

/** Resolves after one turn of the event loop (timers, I/O and other callbacks had their go). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
