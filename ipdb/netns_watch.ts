/**
 * Watching /run/netns, where `ip netns` and `netns.create()` name namespaces: inotify tells
 * which names were created, removed or renamed, without polling and with only `--allow-ffi`.
 * When /run/netns does not exist yet, /run is watched until it appears. A lost event (the
 * inotify queue overflowed) or a replaced directory asks for a full rescan.
 *
 * @module
 */

import { IN, Inotify } from "../ffi/inotify.ts";
import { NETNS_RUN_DIR } from "../ffi/netns.ts";

/** Names touched under /run/netns, or `"all"` when every name must be looked at again. */
export type NetnsTouched = ReadonlySet<string> | "all";

const PARENT = NETNS_RUN_DIR.slice(0, NETNS_RUN_DIR.lastIndexOf("/")) || "/";
const BASENAME = NETNS_RUN_DIR.slice(NETNS_RUN_DIR.lastIndexOf("/") + 1);
const DIR_EVENTS = IN.CREATE | IN.DELETE | IN.MOVED_FROM | IN.MOVED_TO | IN.DELETE_SELF |
  IN.MOVE_SELF | IN.ONLYDIR;
const PARENT_EVENTS = IN.CREATE | IN.MOVED_TO | IN.ONLYDIR;
/** The directory itself went away (or its file system): its watch is over. */
const GONE = IN.DELETE_SELF | IN.MOVE_SELF | IN.UNMOUNT | IN.IGNORED;

/**
 * Follows the names under /run/netns: `onTouched` gets the names of every batch of events (and
 * `"all"` once at the start, after a lost event, and when the directory appears or is
 * replaced). It runs until {@link close}; failures go to `onError` and end the watch.
 */
export class NetnsWatch {
  readonly #inotify: Inotify;
  readonly #stop = new AbortController();
  readonly #onTouched: (touched: NetnsTouched) => void;
  readonly #onError: (error: Error) => void;
  #dirWd = -1;
  #parentWd = -1;
  readonly #loop: Promise<void>;

  /** Starts watching (the watch is in place when this returns). */
  constructor(onTouched: (touched: NetnsTouched) => void, onError: (error: Error) => void) {
    this.#onTouched = onTouched;
    this.#onError = onError;
    this.#inotify = new Inotify();
    try {
      this.#place();
    } catch (e) {
      this.#inotify.close().catch(() => {});
      throw e;
    }
    this.#loop = this.#run();
  }

  /** Watches /run/netns, or /run until /run/netns exists. */
  #place(): void {
    try {
      this.#dirWd = this.#inotify.add(NETNS_RUN_DIR, DIR_EVENTS);
    } catch (e) {
      if ((e as { code?: string }).code !== "ENOENT") throw e;
      this.#dirWd = -1;
      if (this.#parentWd < 0) this.#parentWd = this.#inotify.add(PARENT, PARENT_EVENTS);
      // It may have appeared between the two calls.
      try {
        this.#dirWd = this.#inotify.add(NETNS_RUN_DIR, DIR_EVENTS);
      } catch (e2) {
        if ((e2 as { code?: string }).code !== "ENOENT") throw e2;
        return;
      }
    }
    if (this.#parentWd >= 0) {
      this.#inotify.remove(this.#parentWd);
      this.#parentWd = -1;
    }
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        await this.#inotify.readable(signal);
      } catch {
        return; // closed
      }
      if (signal.aborted) return;
      let touched: Set<string> | "all" = new Set();
      try {
        for (const ev of this.#inotify.read()) {
          if (ev.mask & IN.Q_OVERFLOW) touched = "all";
          else if (ev.wd === this.#dirWd && this.#dirWd >= 0) {
            if (ev.mask & GONE) {
              this.#dirWd = -1;
              touched = "all";
            } else if (touched !== "all" && ev.name) touched.add(ev.name);
          } else if (ev.wd === this.#parentWd && ev.name === BASENAME) touched = "all";
        }
        if (this.#dirWd < 0) {
          const before = this.#dirWd;
          this.#place();
          if (this.#dirWd !== before) touched = "all";
        }
      } catch (e) {
        if (signal.aborted) return;
        this.#onError(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      if (touched === "all" || touched.size > 0) this.#onTouched(touched);
    }
  }

  /** Stops watching; resolves when the watch loop has ended. Closing twice is harmless. */
  async close(): Promise<void> {
    this.#stop.abort();
    await Promise.all([this.#inotify.close(), this.#loop]);
  }
}
