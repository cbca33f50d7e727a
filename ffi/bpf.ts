/**
 * The few bpf(2) commands traffic control needs: opening a program pinned in a bpf file
 * system (what `tc filter … bpf pinned PATH` does), pinning, and loading a program from raw
 * instructions.
 *
 * @module
 */

import { SyscallError } from "./errors.ts";
import { cstring, errno, libc } from "./libc.ts";

const SYS_BPF: Record<string, number> = { x86_64: 321, aarch64: 280 };

/** bpf(2) commands (linux/bpf.h). */
export const BPF_CMD = { PROG_LOAD: 5, OBJ_PIN: 6, OBJ_GET: 7 } as const;

/** Program types (`BPF_PROG_TYPE_*`) tc attaches. */
export const BPF_PROG_TYPE = { SCHED_CLS: 3, SCHED_ACT: 4 } as const;

function pointerOf(buf: Uint8Array<ArrayBuffer>): bigint {
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buf)));
}

function bpf(cmd: number, attr: Uint8Array<ArrayBuffer>, what: string): number {
  const nr = SYS_BPF[Deno.build.arch];
  if (nr === undefined) throw new Error(`bpf: unsupported architecture ${Deno.build.arch}`);
  const r = Number(libc().syscall_bpf(BigInt(nr), BigInt(cmd), attr, BigInt(attr.length)));
  if (r < 0) throw new SyscallError("bpf", errno(), what);
  return r;
}

/** Opens the object pinned at `path` (`BPF_OBJ_GET`); the caller closes the descriptor. */
export function bpfObjGet(path: string): number {
  const name = cstring(path);
  const attr = new Uint8Array(16);
  new DataView(attr.buffer).setBigUint64(0, pointerOf(name), true);
  const fd = bpf(BPF_CMD.OBJ_GET, attr, `OBJ_GET ${path}`);
  void name; // kept alive until the call returned
  return fd;
}

/**
 * Opens a pinned program for a request; errors are a TypeError naming `field` when the path
 * does not exist, else the SyscallError.
 */
export function openPinnedBpf(path: string, field: string): number {
  try {
    return bpfObjGet(path);
  } catch (e) {
    if (e instanceof SyscallError && e.code === "ENOENT") {
      throw new TypeError(`${field}: nothing is pinned at ${JSON.stringify(path)}`);
    }
    throw e;
  }
}

/** Pins the object `fd` at `path` (`BPF_OBJ_PIN`) in a bpf file system. */
export function bpfObjPin(fd: number, path: string): void {
  const name = cstring(path);
  const attr = new Uint8Array(16);
  const dv = new DataView(attr.buffer);
  dv.setBigUint64(0, pointerOf(name), true);
  dv.setUint32(8, fd, true);
  bpf(BPF_CMD.OBJ_PIN, attr, `OBJ_PIN ${path}`);
  void name;
}

/**
 * Loads a program (`BPF_PROG_LOAD`) from raw `struct bpf_insn`s and returns its descriptor;
 * the caller closes it.
 */
export function bpfProgLoad(
  type: number,
  insns: Uint8Array<ArrayBuffer>,
  license = "GPL",
  name = "",
): number {
  if (insns.length === 0 || insns.length % 8) {
    throw new RangeError("insns: expected whole 8-byte instructions");
  }
  const lic = cstring(license);
  const attr = new Uint8Array(128);
  const dv = new DataView(attr.buffer);
  dv.setUint32(0, type, true); // prog_type
  dv.setUint32(4, insns.length / 8, true); // insn_cnt
  dv.setBigUint64(8, pointerOf(insns), true); // insns
  dv.setBigUint64(16, pointerOf(lic), true); // license
  const n = new TextEncoder().encode(name).subarray(0, 15);
  attr.set(n, 48); // prog_name (after log_level, log_size, log_buf, kern_version, prog_flags)
  const fd = bpf(BPF_CMD.PROG_LOAD, attr, "PROG_LOAD");
  void lic;
  return fd;
}
