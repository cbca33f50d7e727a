/**
 * Privilege: a child process without any capability (setpriv drops them all, inside the test's
 * namespace) can read links, addresses, routes and rules, while every change fails with the
 * CAP_NET_ADMIN message and changes nothing; with CAP_NET_ADMIN alone, entering or creating a
 * namespace names CAP_SYS_ADMIN and opening another process's namespace CAP_SYS_PTRACE; without
 * --allow-ffi the error names the flag.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ipCmd, ipJson, isRoot, run, withNetns } from "../helpers.ts";

const ignore = !isRoot;
const CHILD = new URL("./priv_child.ts", import.meta.url).pathname;

type Outcome = { ok: true; value: unknown } | { ok: false; name: string; message: string };

async function child(args: string[]): Promise<Record<string, Outcome>> {
  const [cmd, ...rest] = args;
  const out = await new Deno.Command(cmd, { args: rest, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout).trim();
  assert.ok(text.startsWith("{"), `child printed ${text}: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(text);
}

Deno.test({
  name: "privilege: without CAP_NET_ADMIN reads work, changes fail with the CAP_NET_ADMIN message",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      await ipCmd(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
      await ipCmd(ns, "link", "set", "lo", "up");
      const before = JSON.stringify([
        await ipJson(ns, "link", "show"),
        await ipJson(ns, "addr", "show"),
        await ipJson(ns, "route", "show", "table", "all"),
      ]);
      const never = `${ns}-x`;
      const r = await child([
        "ip",
        "netns",
        "exec",
        ns,
        "setpriv",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--ambient-caps=-all",
        "--",
        Deno.execPath(),
        "run",
        "-A",
        CHILD,
        never,
      ]);
      // Reads.
      for (const k of ["open", "links", "addrs", "routes", "rules", "get", "genl"]) {
        assert.equal(r[k].ok, true, `${k}: ${JSON.stringify(r[k])}`);
      }
      assert.deepEqual((r.links as { value: string[] }).value.sort(), ["lo", "v0", "v1"]);
      assert.equal((r.get as { value: string }).value, "lo");
      // Changes: refused by the kernel, with the message saying what is missing.
      for (const k of ["linkAdd", "linkSet", "addrAdd", "routeAdd"]) {
        const o = r[k];
        assert.equal(o.ok, false, k);
        if (!o.ok) {
          assert.equal(o.name, "NetlinkError", k);
          assert.match(o.message, /EPERM/, k);
          assert.match(o.message, /CAP_NET_ADMIN/, k);
        }
      }
      // Namespace calls name what they need, which is not CAP_NET_ADMIN.
      for (
        const [k, needs] of [["openOtherNs", /CAP_SYS_PTRACE/], ["netnsCreate", /CAP_SYS_ADMIN/]]
      ) {
        const o = r[k as string];
        assert.equal(o.ok, false, k as string);
        if (!o.ok) {
          assert.match(o.message, needs as RegExp, `${k}: ${o.message}`);
          assert.doesNotMatch(o.message, /CAP_NET_ADMIN/, `${k}: ${o.message}`);
        }
      }
      // Nothing changed, nothing created.
      const after = JSON.stringify([
        await ipJson(ns, "link", "show"),
        await ipJson(ns, "addr", "show"),
        await ipJson(ns, "route", "show", "table", "all"),
      ]);
      assert.equal(after, before);
      assert.ok(!(await run("ip", ["netns", "list"])).includes(never));
    }, "rpriv"),
});

Deno.test({
  name:
    "privilege: with CAP_NET_ADMIN alone, namespace calls name CAP_SYS_ADMIN or CAP_SYS_PTRACE; a pid given as a string says so",
  ignore,
  fn: () =>
    withNetns(async (ns) => {
      const never = `${ns}-x`;
      const keep = "-all,+net_admin";
      const r = await child([
        "ip",
        "netns",
        "exec",
        ns,
        "setpriv",
        `--inh-caps=${keep}`,
        `--ambient-caps=${keep}`,
        `--bounding-set=${keep}`,
        "--",
        Deno.execPath(),
        "run",
        "-A",
        CHILD,
        never,
        ns,
      ]);
      assert.equal(r.open.ok, true, JSON.stringify(r.open));
      const failed = (k: string) => {
        const o = r[k];
        assert.equal(o.ok, false, `${k}: ${JSON.stringify(o)}`);
        return o as { ok: false; name: string; message: string };
      };
      // setns into the test's own namespace, unshare/mount for a new one: CAP_SYS_ADMIN.
      for (const k of ["openNamed", "netnsCreate"]) {
        const o = failed(k);
        assert.equal(o.name, "SyscallError", k);
        assert.match(o.message, /EPERM.*CAP_SYS_ADMIN/, `${k}: ${o.message}`);
        assert.doesNotMatch(o.message, /CAP_NET_ADMIN/, `${k}: ${o.message}`);
      }
      // /proc/1/ns/net: ptrace access to pid 1 (EACCES), which CAP_NET_ADMIN does not give.
      const other = failed("openOtherNs");
      assert.match(other.message, /EACCES.*CAP_SYS_PTRACE/, other.message);
      assert.doesNotMatch(other.message, /CAP_NET_ADMIN/, other.message);
      const pid = failed("pidString");
      assert.equal(pid.name, "TypeError");
      assert.match(pid.message, /netns\.pid: .*"1" \(a string\)/);
      assert.ok(!(await run("ip", ["netns", "list"])).includes(never));
    }, "rpriv2"),
});

Deno.test("privilege: without --allow-ffi the error names the flag", async () => {
  const r = await child([
    Deno.execPath(),
    "run",
    "--no-prompt",
    "--allow-read",
    "--allow-env",
    "--allow-sys",
    CHILD,
    "nlt-never",
  ]);
  for (const k of ["open", "openOtherNs", "netnsCreate"]) {
    const o = r[k];
    assert.equal(o.ok, false, k);
    if (!o.ok) {
      assert.equal(o.name, "PermissionError", k);
      assert.match(o.message, /--allow-ffi/, k);
    }
  }
});
