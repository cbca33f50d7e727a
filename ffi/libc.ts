/**
 * The libc symbol table: the only place that calls `Deno.dlopen`.
 *
 * The library is opened once per process, on first use, so importing the module needs no
 * permission; the first call without `--allow-ffi` throws an error naming the flag.
 *
 * @module
 */

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  sendto: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"],
    result: "isize",
  },
  recvfrom: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "buffer"],
    result: "isize",
  },
  close: { parameters: ["i32"], result: "i32" },
  // The one blocking wait of the process: see ffi/poller.ts.
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  setns: { parameters: ["i32", "i32"], result: "i32" },
  unshare: { parameters: ["i32"], result: "i32" },
  mount: { parameters: ["buffer", "buffer", "buffer", "u64", "pointer"], result: "i32" },
  umount2: { parameters: ["buffer", "i32"], result: "i32" },
  mkdir: { parameters: ["buffer", "u32"], result: "i32" },
  unlink: { parameters: ["buffer"], result: "i32" },
  readlink: { parameters: ["buffer", "buffer", "usize"], result: "isize" },
  opendir: { parameters: ["buffer"], result: "pointer" },
  readdir: { parameters: ["pointer"], result: "pointer" },
  closedir: { parameters: ["pointer"], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  ioctl_int: { name: "ioctl", parameters: ["i32", "u64", "u64"], result: "i32" },
  getpid: { parameters: [], result: "i32" },
  // Watching /run/netns (ffi/inotify.ts).
  inotify_init1: { parameters: ["i32"], result: "i32" },
  inotify_add_watch: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  inotify_rm_watch: { parameters: ["i32", "i32"], result: "i32" },
  // Closing an inotify descriptor waits for an RCU grace period (milliseconds, more on a busy
  // machine): done on a thread of its own so the event loop goes on meanwhile.
  close_async: { name: "close", parameters: ["i32"], result: "i32", nonblocking: true },
  // bpf(2) has no libc wrapper: ffi/bpf.ts calls it through syscall(2).
  syscall_bpf: { name: "syscall", parameters: ["i64", "i64", "buffer", "u64"], result: "i64" },
  // fstat(2) through syscall(2): glibc exports `fstat` only since 2.33.
  syscall_fstat: { name: "syscall", parameters: ["i64", "i64", "buffer"], result: "i64" },
  strerror: { parameters: ["i32"], result: "pointer" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

/** The bound libc functions. */
export type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let lib: Deno.DynamicLibrary<typeof SYMBOLS> | undefined;
let errnoView: Deno.UnsafePointerView | undefined;

/** Thrown when the process may not load libc: the message names the missing flag. */
export class PermissionError extends Error {
  /** The error name. */
  override name = "PermissionError";
}

/**
 * The C library's names, tried in order: glibc's, then musl's (Alpine names it after the
 * architecture; `Deno.build.arch` is "x86_64" or "aarch64", as musl spells them).
 */
export const LIBC_NAMES: readonly string[] = [
  "libc.so.6",
  `libc.musl-${Deno.build.arch}.so.1`,
  `ld-musl-${Deno.build.arch}.so.1`,
];

/**
 * Opens the first C library of `names` that loads; a clear error (what is needed, what was
 * tried) when none does, and a {@link PermissionError} without `--allow-ffi`.
 */
export function openLibc(
  names: readonly string[] = LIBC_NAMES,
): Deno.DynamicLibrary<typeof SYMBOLS> {
  const failures: string[] = [];
  for (const name of names) {
    try {
      return Deno.dlopen(name, SYMBOLS);
    } catch (e) {
      if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
        throw new PermissionError(
          "netlink needs the FFI permission to call libc: run deno with --allow-ffi",
          { cause: e },
        );
      }
      failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new Error(
    `netlink could not load the C library: it needs Linux with glibc (libc.so.6) or musl ` +
      `(libc.musl-${Deno.build.arch}.so.1); tried ${failures.join("; ")}`,
  );
}

/** The libc symbols, loading libc on first use. */
export function libc(): Libc {
  if (lib) return lib.symbols;
  lib = openLibc();
  const loc = lib.symbols.__errno_location();
  if (loc === null) throw new Error("__errno_location returned NULL");
  errnoView = new Deno.UnsafePointerView(loc);
  return lib.symbols;
}

/**
 * The calling thread's errno. Read it right after the failing sync call: it is not reliable
 * across an `await` or after a `nonblocking` call (those run on another thread).
 */
export function errno(): number {
  return errnoView!.getInt32();
}

/** libc's text for an errno ("File exists"). */
export function strerror(code: number): string {
  const p = libc().strerror(code);
  return p === null ? `errno ${code}` : Deno.UnsafePointerView.getCString(p);
}

const encoder = new TextEncoder();

/** A NUL-terminated C string in a fresh buffer. */
export function cstring(s: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(s.length * 3 + 1);
  const { written } = encoder.encodeInto(s, bytes);
  return bytes.subarray(0, written + 1);
}
