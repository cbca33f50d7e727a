/**
 * Network namespaces, compatible with `ip netns` both ways: a named namespace is a bind mount of
 * a namespace file under `/run/netns`, so `ip netns add blue` is visible to `netns.list()` and
 * `netns.create("blue")` to `ip netns list`.
 *
 * Entering a namespace never moves the process: a network namespace belongs to a thread, so the
 * main thread `setns`es, runs one synchronous step (creating a socket), and `setns`es back before
 * any other JavaScript runs.
 *
 * @example
 * ```ts
 * import * as netns from "@denonet/netlink/netns";
 * const ns = `nldoc-netns-${Deno.pid}`; // a name no other process uses
 * netns.create(ns);
 * console.log(netns.list()); // [ns, …]
 * netns.remove(ns);
 * ```
 *
 * @module
 */

import { cstring, errno, libc } from "./libc.ts";
import { SyscallError } from "./errors.ts";

/** Where `ip netns` keeps named namespaces. */
export const NETNS_RUN_DIR = "/run/netns";

/**
 * Which namespace: a name under /run/netns, an absolute path to a namespace file, a pid's, or an
 * open descriptor of a namespace file (`{ fd }`: the namespace held, whatever its name becomes).
 */
export type NetnsTarget = string | { pid: number } | { fd: number };

const CLONE_NEWNET = 0x40000000;
/** ioctl on a namespace file: its CLONE_NEW* type (linux/nsfs.h). */
const NS_GET_NSTYPE = 0xb703;
/** fstat's system call number by architecture. */
const SYS_FSTAT: Readonly<Record<string, number>> = { x86_64: 5, aarch64: 80 };
const O_RDONLY = 0;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_CLOEXEC = 0o2000000;
const MS_BIND = 4096;
const MS_REC = 16384;
const MS_SHARED = 1 << 20;
const MNT_DETACH = 2;
const EEXIST = 17;
const EINVAL = 22;
const ENOENT = 2;
/** What creating or removing a name under /run/netns needs besides CAP_SYS_ADMIN. */
const RUN_DIR_ACCESS = `write access to ${NETNS_RUN_DIR} (root)`;

/** Checks a namespace name as `ip netns` would accept it; throws TypeError naming the field. */
export function validateName(name: unknown, field = "netns"): string {
  if (typeof name !== "string") {
    throw new TypeError(`${field}: expected a namespace name (string), got ${typeof name}`);
  }
  if (name === "" || name === "." || name === "..") {
    throw new TypeError(`${field}: invalid namespace name ${JSON.stringify(name)}`);
  }
  if (name.includes("/") || name.includes("\0")) {
    throw new TypeError(
      `${field}: namespace name must not contain "/" or NUL: ${JSON.stringify(name)}`,
    );
  }
  if (new TextEncoder().encode(name).length > 255) {
    throw new TypeError(`${field}: namespace name longer than 255 bytes`);
  }
  return name;
}

/** A value for a message, its type shown: `"1" (a string)`, `1.5`, `undefined`. */
function shown(v: unknown): string {
  if (typeof v === "string") return `${JSON.stringify(v)} (a string)`;
  if (typeof v === "number" || typeof v === "bigint") return `${v} (a ${typeof v})`;
  if (v === null || v === undefined) return String(v);
  return `a ${typeof v}`;
}

/** The namespace file of a target: /run/netns/NAME, the path itself, or /proc/PID/ns/net. */
export function netnsPath(target: NetnsTarget): string {
  if (typeof target === "object" && target !== null && "fd" in target) {
    if (!Number.isInteger(target.fd) || target.fd < 0) {
      throw new RangeError(`netns.fd: expected a descriptor number, got ${target.fd}`);
    }
    // The descriptor itself, reopened: never looked up again by name.
    return `/proc/self/fd/${target.fd}`;
  }
  if (typeof target === "object" && target !== null) {
    const pid: unknown = target.pid;
    if (typeof pid !== "number") {
      throw new TypeError(`netns.pid: expected a positive integer, got ${shown(pid)}`);
    }
    if (!Number.isInteger(pid) || pid <= 0) {
      throw new RangeError(`netns.pid: expected a positive integer, got ${shown(pid)}`);
    }
    return `/proc/${target.pid}/ns/net`;
  }
  if (typeof target === "string" && target.startsWith("/")) return target;
  return `${NETNS_RUN_DIR}/${validateName(target)}`;
}

function describe(target: NetnsTarget): string {
  if (typeof target !== "object") return JSON.stringify(target);
  return "fd" in target ? `held by descriptor ${target.fd}` : `of pid ${target.pid}`;
}

/**
 * Opens a namespace file; a missing one is an error naming the namespace. Another process's
 * namespace file opens only with ptrace access to it (EACCES otherwise): the same user and no
 * fewer capabilities than that process, or CAP_SYS_PTRACE.
 */
function openNs(target: NetnsTarget): number {
  const path = netnsPath(target);
  const fd = libc().open(cstring(path), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    const e = errno();
    throw new SyscallError(
      "open",
      e,
      e === ENOENT
        ? `network namespace ${describe(target)} (it does not exist)`
        : `network namespace ${describe(target)}`,
      path.startsWith("/proc/")
        ? "CAP_SYS_PTRACE (or the same user and capabilities as that process)"
        : `read access to ${path}`,
    );
  }
  return fd;
}

/**
 * Runs `fn` with the calling thread inside `target`'s network namespace and returns its result;
 * the thread is back in its own namespace when this returns or throws. `fn` must be synchronous.
 */
export function withNetns<T>(target: NetnsTarget | undefined, fn: () => T): T {
  if (target === undefined) return fn();
  const c = libc();
  const nsFd = openNs(target);
  const selfFd = c.open(cstring("/proc/thread-self/ns/net"), O_RDONLY | O_CLOEXEC, 0);
  if (selfFd < 0) {
    const e = errno();
    c.close(nsFd);
    throw new SyscallError("open", e, "/proc/thread-self/ns/net");
  }
  try {
    if (c.setns(nsFd, CLONE_NEWNET) < 0) {
      throw new SyscallError("setns", errno(), `network namespace ${describe(target)}`);
    }
    let result: T;
    try {
      result = fn();
    } catch (e) {
      restore(selfFd);
      throw e;
    }
    restore(selfFd);
    return result;
  } finally {
    c.close(selfFd);
    c.close(nsFd);
  }
}

function restore(selfFd: number): void {
  if (libc().setns(selfFd, CLONE_NEWNET) < 0) {
    // Continuing in the wrong namespace would silently change the wrong network.
    throw new SyscallError("setns", errno(), "back to the original namespace");
  }
}

function ensureRunDir(): void {
  const c = libc();
  const dir = cstring(NETNS_RUN_DIR);
  if (c.mkdir(dir, 0o755) < 0 && errno() !== EEXIST) {
    throw new SyscallError("mkdir", errno(), NETNS_RUN_DIR, RUN_DIR_ACCESS);
  }
  // As `ip netns` does: make the directory a shared mount so mounts propagate to other mount
  // namespaces; the first time it is not a mount point, so bind it onto itself.
  const none = cstring("none");
  const empty = cstring("");
  if (c.mount(empty, dir, none, BigInt(MS_SHARED | MS_REC), null) === 0) return;
  if (errno() !== EINVAL) {
    throw new SyscallError("mount", errno(), `--make-shared ${NETNS_RUN_DIR}`);
  }
  if (c.mount(dir, dir, none, BigInt(MS_BIND | MS_REC), null) < 0) {
    throw new SyscallError("mount", errno(), `--bind ${NETNS_RUN_DIR}`);
  }
  if (c.mount(empty, dir, none, BigInt(MS_SHARED | MS_REC), null) < 0) {
    throw new SyscallError("mount", errno(), `--make-shared ${NETNS_RUN_DIR}`);
  }
}

/** Creates the named network namespace (as `ip netns add NAME`). Nothing is left on failure. */
export function create(name: string): void {
  validateName(name, "name");
  const c = libc();
  ensureRunDir();
  const path = cstring(`${NETNS_RUN_DIR}/${name}`);
  const fd = c.open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (fd < 0) {
    const e = errno();
    throw new SyscallError(
      "open",
      e,
      e === EEXIST ? `network namespace "${name}" already exists` : `${NETNS_RUN_DIR}/${name}`,
      RUN_DIR_ACCESS,
    );
  }
  c.close(fd);
  const selfFd = c.open(cstring("/proc/thread-self/ns/net"), O_RDONLY | O_CLOEXEC, 0);
  if (selfFd < 0) {
    const e = errno();
    c.unlink(path);
    throw new SyscallError("open", e, "/proc/thread-self/ns/net");
  }
  try {
    if (c.unshare(CLONE_NEWNET) < 0) {
      const e = errno();
      c.unlink(path);
      throw new SyscallError("unshare", e, "CLONE_NEWNET");
    }
    const rc = c.mount(
      cstring("/proc/thread-self/ns/net"),
      path,
      cstring("none"),
      BigInt(MS_BIND),
      null,
    );
    const e = errno();
    if (c.setns(selfFd, CLONE_NEWNET) < 0) {
      throw new SyscallError("setns", errno(), "back to the original namespace");
    }
    if (rc < 0) {
      c.unlink(path);
      throw new SyscallError("mount", e, `--bind ${NETNS_RUN_DIR}/${name}`);
    }
  } finally {
    c.close(selfFd);
  }
}

/** Removes the named network namespace (as `ip netns del NAME`). */
export function remove(name: string): void {
  validateName(name, "name");
  const c = libc();
  const path = cstring(`${NETNS_RUN_DIR}/${name}`);
  if (c.umount2(path, MNT_DETACH) < 0) {
    const e = errno();
    if (e === ENOENT) {
      throw new SyscallError("umount2", e, `network namespace "${name}" (it does not exist)`);
    }
    if (e !== EINVAL) throw new SyscallError("umount2", e, `${NETNS_RUN_DIR}/${name}`);
  }
  if (c.unlink(path) < 0) {
    throw new SyscallError("unlink", errno(), `${NETNS_RUN_DIR}/${name}`, RUN_DIR_ACCESS);
  }
}

/** Whether a namespace of that name exists under /run/netns. */
export function exists(name: string): boolean {
  validateName(name, "name");
  const c = libc();
  const fd = c.open(cstring(`${NETNS_RUN_DIR}/${name}`), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return false;
  c.close(fd);
  return true;
}

/** The names of the namespaces under /run/netns (as `ip netns list`), sorted. */
export function list(): string[] {
  const c = libc();
  const dir = c.opendir(cstring(NETNS_RUN_DIR));
  if (dir === null) return [];
  const names: string[] = [];
  try {
    for (let ent = c.readdir(dir); ent !== null; ent = c.readdir(dir)) {
      // struct dirent64: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name[]
      const name = Deno.UnsafePointerView.getCString(ent, 19);
      if (name !== "." && name !== "..") names.push(name);
    }
  } finally {
    c.closedir(dir);
  }
  return names.sort();
}

/** Opens a namespace file and returns its fd (for `IFLA_NET_NS_FD`); close it with {@link closeFd}. */
export function openFd(target: NetnsTarget): number {
  return openNs(target);
}

/** Closes a descriptor returned by {@link openFd}. */
export function closeFd(fd: number): void {
  libc().close(fd);
}

/** The target of a `/proc/…/ns/net` link (`net:[4026531833]`), or undefined when unreadable. */
function nsLink(path: string): string | undefined {
  const buf = new Uint8Array(64);
  const n = Number(libc().readlink(cstring(path), buf, BigInt(buf.length)));
  return n > 0 ? new TextDecoder().decode(buf.subarray(0, n)) : undefined;
}

/**
 * What a target is now: the namespace's identity (`"net:[4026532281]"`, the inode number the
 * kernel gives it, the same for every name and path of one namespace), or undefined when it
 * does not exist or is not (yet) a namespace: `ip netns add` and {@link create} make the file
 * under /run/netns before they bind the namespace onto it.
 */
export function identity(target: NetnsTarget): string | undefined {
  const c = libc();
  const fd = c.open(cstring(netnsPath(target)), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return undefined;
  try {
    if (c.ioctl_int(fd, BigInt(NS_GET_NSTYPE), 0n) !== CLONE_NEWNET) return undefined;
    const nr = SYS_FSTAT[Deno.build.arch];
    const stat = new BigUint64Array(32); // struct stat: 144 (x86_64) or 128 (aarch64) bytes
    if (nr === undefined || c.syscall_fstat(BigInt(nr), BigInt(fd), stat) < 0n) return undefined;
    return `net:[${stat[1]}]`; // st_ino, after st_dev on both architectures
  } finally {
    c.close(fd);
  }
}

/**
 * The initial network namespace's number on recent kernels (`NET_NS_INIT_INO` in linux/nsfs.h);
 * older ones number it like any other.
 */
const NET_NS_INIT_INO = 0xeffffff9;

/**
 * Whether the calling thread is in the machine's initial network namespace (the one the kernel
 * starts with): `true`, `false`, or `undefined` when it cannot tell. Some kernel features reach
 * only that namespace (taskstats exit records, the proc connector's events).
 *
 * Recent kernels give the initial namespace a fixed number; otherwise the thread's namespace is
 * compared with that of kthreadd (pid 2), a kernel thread that lives in the initial namespaces
 * (seen from the initial pid namespace, which those features need as well).
 */
export function isInitial(): boolean | undefined {
  const own = nsLink("/proc/thread-self/ns/net");
  if (own === undefined) return undefined;
  if (own === `net:[${NET_NS_INIT_INO}]`) return true;
  const comm = readFirstLine("/proc/2/comm");
  const ref = comm === "kthreadd" ? nsLink("/proc/2/ns/net") : undefined;
  return ref === undefined ? undefined : own === ref;
}

/** The first line of a small file, or undefined when it cannot be read. */
function readFirstLine(path: string): string | undefined {
  const c = libc();
  const fd = c.open(cstring(path), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return undefined;
  try {
    const buf = new Uint8Array(256);
    const n = Number(c.read(fd, buf, BigInt(buf.length)));
    return n > 0 ? new TextDecoder().decode(buf.subarray(0, n)).split("\n")[0] : undefined;
  } finally {
    c.close(fd);
  }
}
