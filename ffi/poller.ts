/**
 * Waiting for readability, shared by every socket of the process.
 *
 * One `nonblocking` `poll` call watches every fd somebody waits on, plus an eventfd that wakes
 * it when the set changes. The call is pending only while somebody waits, so an idle process
 * holds no pending call and can exit. Deno's blocking pool is small and shared with file I/O:
 * never one blocking call per socket.
 *
 * @module
 */

import { errno, libc } from "./libc.ts";
import { SyscallError } from "./errors.ts";

const POLLIN = 0x1;
const EFD_CLOEXEC = 0x80000;
const EFD_NONBLOCK = 0x800;

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  cleanup?: () => void;
}

const waiters = new Map<number, Set<Waiter>>();
let eventFd = -1;
let polling = false;
const one = new Uint8Array(new BigUint64Array([1n]).buffer);
const drain = new Uint8Array(8);

function wake(): void {
  if (polling) libc().write(eventFd, one, 8n);
}

/** Rejects everybody waiting (the shared poll cannot go on). */
function failAll(reason: unknown): void {
  const all = [...waiters.values()];
  waiters.clear();
  for (const set of all) {
    for (const w of set) {
      w.cleanup?.();
      w.reject(reason);
    }
  }
}

async function loop(): Promise<void> {
  const c = libc();
  polling = true;
  // poll() fails with EINTR now and then; failing on every call (EINVAL: more descriptors than
  // RLIMIT_NOFILE, ENOMEM) must not spin for ever with every waiter stuck.
  let failures = 0;
  try {
    while (waiters.size > 0) {
      const fds = [eventFd, ...waiters.keys()];
      // A fresh array per call: the pending call owns its buffer until it returns.
      const pfd = new Int32Array(fds.length * 2);
      for (let i = 0; i < fds.length; i++) {
        pfd[i * 2] = fds[i];
        pfd[i * 2 + 1] = POLLIN;
      }
      const bytes = new Uint8Array(pfd.buffer);
      let n: number;
      try {
        n = await c.poll(bytes, BigInt(fds.length), -1);
      } catch (e) {
        failAll(e);
        break;
      }
      if (n < 0) {
        // Most likely EINTR (errno is not readable after a nonblocking call): poll again.
        if (++failures < 100) continue;
        failAll(
          new Error(`poll() failed ${failures} times in a row watching ${fds.length} descriptors`),
        );
        break;
      }
      failures = 0;
      if ((pfd[1] >>> 16) !== 0) c.read(eventFd, drain, 8n);
      for (let i = 1; i < fds.length; i++) {
        // revents is the high half of the second int; any event (IN, ERR, HUP, NVAL) wakes.
        if ((pfd[i * 2 + 1] >>> 16) === 0) continue;
        const set = waiters.get(fds[i]);
        if (!set) continue;
        waiters.delete(fds[i]);
        for (const w of set) {
          w.cleanup?.();
          w.resolve();
        }
      }
    }
  } finally {
    polling = false;
  }
}

/**
 * Resolves when `fd` is readable (or has an error pending), or rejects with the signal's reason.
 * A wake-up may be spurious: callers read with MSG_DONTWAIT and wait again on EAGAIN.
 */
export function waitReadable(fd: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  const c = libc();
  if (eventFd < 0) {
    eventFd = c.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (eventFd < 0) throw new SyscallError("eventfd", errno());
  }
  return new Promise<void>((resolve, reject) => {
    const w: Waiter = { resolve, reject };
    let set = waiters.get(fd);
    if (!set) waiters.set(fd, set = new Set());
    set.add(w);
    if (signal) {
      const onAbort = () => {
        remove(fd, w);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      w.cleanup = () => signal.removeEventListener("abort", onAbort);
    }
    if (polling) wake();
    else loop().catch(failAll);
  });
}

function remove(fd: number, w: Waiter): void {
  const set = waiters.get(fd);
  if (!set) return;
  set.delete(w);
  w.cleanup?.();
  if (set.size === 0) {
    waiters.delete(fd);
    wake();
  }
}

/** Rejects everybody waiting on `fd` (the socket is closing) and stops watching it. */
export function cancelWaits(fd: number, reason: unknown): void {
  const set = waiters.get(fd);
  if (!set) return;
  waiters.delete(fd);
  for (const w of set) {
    w.cleanup?.();
    w.reject(reason);
  }
  wake();
}
