/**
 * inotify(7): events about files of watched directories, read without blocking from one
 * descriptor that waits for readability through the process's shared poll (ffi/poller.ts).
 * Only `--allow-ffi` is needed (`Deno.watchFs` would need `--allow-read`).
 *
 * @module
 */

import { cstring, errno, libc } from "./libc.ts";
import { SyscallError } from "./errors.ts";
import { cancelWaits, waitReadable } from "./poller.ts";

/** inotify event bits (linux/inotify.h), the `IN_` prefix dropped. */
export const IN = {
  CREATE: 0x100,
  DELETE: 0x200,
  DELETE_SELF: 0x400,
  MOVE_SELF: 0x800,
  MOVED_FROM: 0x40,
  MOVED_TO: 0x80,
  UNMOUNT: 0x2000,
  Q_OVERFLOW: 0x4000,
  IGNORED: 0x8000,
  ONLYDIR: 0x01000000,
  ISDIR: 0x40000000,
} as const;

const IN_NONBLOCK = 0o4000;
const IN_CLOEXEC = 0o2000000;
const EAGAIN = 11;
const EINTR = 4;
/** struct inotify_event without its name: wd, mask, cookie, len. */
const HEADER = 16;

/** One inotify event: the watch, what happened, and the entry's name (empty for the watched file itself). */
export interface InotifyEvent {
  /** The watch descriptor (`-1` for a queue overflow). */
  wd: number;
  /** The event bits ({@link IN}). */
  mask: number;
  /** Pairs a MOVED_FROM with its MOVED_TO. */
  cookie: number;
  /** The name of the directory entry, "" when the event is about the watched object. */
  name: string;
}

const decoder = new TextDecoder();

/**
 * The events in what one `read()` of an inotify descriptor returned (`struct inotify_event`
 * records, each name NUL-padded). A record cut short ends the list; nothing throws.
 */
export function parseInotifyEvents(bytes: Uint8Array): InotifyEvent[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: InotifyEvent[] = [];
  for (let off = 0; off + HEADER <= bytes.length;) {
    const len = dv.getUint32(off + 12, true);
    if (len > bytes.length - off - HEADER) break;
    const raw = bytes.subarray(off + HEADER, off + HEADER + len);
    const nul = raw.indexOf(0);
    out.push({
      wd: dv.getInt32(off, true),
      mask: dv.getUint32(off + 4, true),
      cookie: dv.getUint32(off + 8, true),
      name: decoder.decode(nul < 0 ? raw : raw.subarray(0, nul)),
    });
    off += HEADER + len;
  }
  return out;
}

/** Thrown by operations on a closed {@link Inotify}. */
export class InotifyClosedError extends Error {
  /** The error name. */
  override name = "InotifyClosedError";
  /** The error for an operation on a closed inotify descriptor. */
  constructor() {
    super("the inotify descriptor is closed");
  }
}

/** An inotify instance: `add()` watches, `read()` what happened, `readable()` waits. */
export class Inotify implements AsyncDisposable {
  #fd: number;
  #closing?: Promise<void>;
  readonly #buf = new Uint8Array(64 * 1024);

  /** Opens a non-blocking, close-on-exec inotify descriptor. */
  constructor() {
    const fd = libc().inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) throw new SyscallError("inotify_init1", errno());
    this.#fd = fd;
  }

  /** Whether {@link close} has been called. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  #check(): number {
    if (this.#fd < 0) throw new InotifyClosedError();
    return this.#fd;
  }

  /**
   * Watches `path` for the events of `mask`; returns the watch descriptor. A missing path is a
   * SyscallError with code ENOENT.
   */
  add(path: string, mask: number): number {
    const wd = libc().inotify_add_watch(this.#check(), cstring(path), mask >>> 0);
    if (wd < 0) throw new SyscallError("inotify_add_watch", errno(), path);
    return wd;
  }

  /** Stops a watch (its IGNORED event follows); a watch already gone is no error. */
  remove(wd: number): void {
    libc().inotify_rm_watch(this.#check(), wd);
  }

  /** The events queued now (an empty list when there are none). */
  read(): InotifyEvent[] {
    const fd = this.#check();
    const c = libc();
    const out: InotifyEvent[] = [];
    for (;;) {
      const n = Number(c.read(fd, this.#buf, BigInt(this.#buf.length)));
      if (n < 0) {
        const e = errno();
        if (e === EINTR) continue;
        if (e === EAGAIN) return out;
        throw new SyscallError("read", e, "inotify");
      }
      if (n === 0) return out;
      out.push(...parseInotifyEvents(this.#buf.subarray(0, n)));
    }
  }

  /** Resolves when events may be queued; rejects when closed or when `signal` aborts. */
  readable(signal?: AbortSignal): Promise<void> {
    return waitReadable(this.#check(), signal);
  }

  /**
   * Closes the descriptor (every watch ends); pending waits reject at once. The kernel's part
   * (an RCU grace period: milliseconds) runs on another thread; the promise resolves when the
   * descriptor is closed. Closing twice is harmless.
   */
  close(): Promise<void> {
    if (this.#fd < 0) return this.#closing ?? Promise.resolve();
    const fd = this.#fd;
    this.#fd = -1;
    cancelWaits(fd, new InotifyClosedError());
    this.#closing = libc().close_async(fd).then(() => {});
    return this.#closing;
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
