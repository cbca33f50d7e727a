/**
 * Small file reads through libc, so reading configuration needs only --allow-ffi.
 *
 * @module
 */

import { cstring, libc } from "./libc.ts";

const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000;

/** A whole text file, or null when it cannot be opened. */
export function readTextFile(path: string): string | null {
  const c = libc();
  const fd = c.open(cstring(path), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return null;
  try {
    const chunks: Uint8Array[] = [];
    for (;;) {
      const buf = new Uint8Array(65536);
      const n = Number(c.read(fd, buf, BigInt(buf.length)));
      if (n <= 0) break;
      chunks.push(buf.subarray(0, n));
    }
    const all = new Uint8Array(chunks.reduce((a, b) => a + b.length, 0));
    let off = 0;
    for (const ch of chunks) {
      all.set(ch, off);
      off += ch.length;
    }
    return new TextDecoder().decode(all);
  } finally {
    c.close(fd);
  }
}
