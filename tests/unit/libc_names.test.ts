/**
 * The C library is found under glibc's or musl's name; when neither opens, the error says what
 * is needed and what was tried.
 */

import assert from "node:assert/strict";
import { LIBC_NAMES, openLibc } from "../../ffi/libc.ts";

Deno.test("libc: glibc's name first, then musl's for this architecture", () => {
  assert.equal(LIBC_NAMES[0], "libc.so.6");
  assert.ok(LIBC_NAMES.includes(`libc.musl-${Deno.build.arch}.so.1`));
});

Deno.test("libc: a clear error when no C library opens", () => {
  assert.throws(
    () => openLibc(["libc.so.no-such-version", "libc.musl-none.so.1"]),
    (e: Error) => {
      assert.match(e.message, /needs Linux with glibc \(libc\.so\.6\) or musl/);
      assert.match(e.message, /tried libc\.so\.no-such-version: .*; libc\.musl-none\.so\.1: /);
      return true;
    },
  );
});

Deno.test("libc: this machine's opens", () => {
  const lib = openLibc();
  assert.equal(typeof lib.symbols.getpid(), "number");
  lib.close();
});
