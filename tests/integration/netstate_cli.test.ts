/**
 * examples/netstate.ts: show, plan and apply in a namespace the test makes; exit codes; the
 * confirmation prompt (ENTER keeps the state; no answer undoes it).
 */

import assert from "node:assert/strict";
import { main, parseArgs, parseDuration } from "../../examples/netstate.ts";
import { ipCmd, ipJson, withNetns } from "../helpers.ts";

const root = Deno.uid?.() === 0;

/** Runs the tool in this process; its exit code and what it printed. */
async function netstate(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const code = await main(argv, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/**
 * Runs `netstate apply FILE --confirm-within WITHIN` in a child process (the prompt reads its
 * own standard input): `answer` is written to it, or it reads nothing.
 */
async function applyInChild(
  file: string,
  within: string,
  answer?: string,
): Promise<Deno.CommandOutput> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-check",
      "-A",
      "examples/netstate.ts",
      "apply",
      file,
      "--confirm-within",
      within,
    ],
    stdin: answer === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (answer !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(answer));
    await w.close();
  }
  return await child.output();
}

Deno.test("netstate: arguments and durations", () => {
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("2m"), 120_000);
  assert.equal(parseDuration("1.5"), 1500);
  assert.throws(() => parseDuration("soon"), /--confirm-within: expected a duration/);
  assert.deepEqual(parseArgs(["apply", "f.json", "--prune", "--confirm-within", "10s"]), {
    command: "apply",
    file: "f.json",
    prune: true,
    confirmWithin: 10_000,
  });
  assert.deepEqual(parseArgs(["show", "--netns", "a,b"]), {
    command: "show",
    netns: ["a", "b"],
    prune: false,
  });
  assert.throws(() => parseArgs(["plan"]), /plan: needs a FILE/);
  assert.throws(() => parseArgs(["show", "--prune"]), /unexpected argument "--prune"/);
  assert.throws(() => parseArgs(["frob"]), /unknown command "frob"/);
});

Deno.test({
  name: "netstate: show, plan, apply, --confirm-within; exit codes",
  ignore: !root,
  fn: async () => {
    await withNetns(async (ns) => {
      const dir = await Deno.makeTempDir();
      try {
        await ipCmd(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
        const shown = await netstate("show", "--netns", ns);
        assert.equal(shown.code, 0, shown.err);
        const doc = JSON.parse(shown.out);
        assert.deepEqual(Object.keys(doc.namespaces), [ns]);
        const file = `${dir}/state.json`;
        doc.namespaces[ns].links.find((l: { ifname: string }) => l.ifname === "v0").mtu = 1300;
        doc.namespaces[ns].addresses.push({ dev: "v0", address: "10.0.0.1/24" });
        await Deno.writeTextFile(file, JSON.stringify(doc));
        const p = await netstate("plan", file);
        assert.equal(p.code, 0, p.err);
        assert.match(p.out, /~ link v0: mtu 1500 -> 1300/);
        assert.match(p.out, /\+ address 10\.0\.0\.1\/24 dev v0\n2 steps$/);
        // Not confirmed (nothing on standard input): undone, exit 3.
        const child = await applyInChild(file, "300ms");
        assert.equal(child.code, 3, new TextDecoder().decode(child.stderr));
        assert.match(new TextDecoder().decode(child.stdout), /not confirmed: undone/);
        assert.equal((await ipJson(ns, "link", "show", "v0"))[0].mtu, 1500);
        // ENTER in time: kept.
        const k = await applyInChild(file, "20s", "\n");
        assert.equal(k.code, 0, new TextDecoder().decode(k.stderr));
        assert.match(
          new TextDecoder().decode(k.stdout),
          /applied 2 steps\npress ENTER .*\nkept\n$/,
        );
        assert.equal((await ipJson(ns, "link", "show", "v0"))[0].mtu, 1300);
        assert.equal((await netstate("apply", file)).out, "no changes");
        assert.equal((await netstate("apply", "-", "--confirm-within", "1s")).code, 2);
        // The same state in YAML (the subset of examples/yaml_subset.ts).
        const yamlFile = `${dir}/state.yaml`;
        await Deno.writeTextFile(
          yamlFile,
          `version: 1\nnamespaces:\n  ${ns}:\n    links:\n      - ifname: v0\n        mtu: 1300\n` +
            `    addresses: [{ dev: v0, address: 10.0.0.1/24 }]  # as applied above\n`,
        );
        assert.equal((await netstate("plan", yamlFile)).out, "no changes");
        await Deno.writeTextFile(yamlFile, "version: 1\nnamespaces: &a {}\n");
        const y = await netstate("plan", yamlFile);
        assert.equal(y.code, 2);
        assert.match(y.err, /state\.yaml: line 2: "&"/);
        // A refused step: exit 1, the kernel's words, undone.
        doc.namespaces[ns].routes.push({ dst: "10.9.0.0/16", gateway: "192.0.2.1" });
        doc.namespaces[ns].links.find((l: { ifname: string }) => l.ifname === "v0").mtu = 1400;
        await Deno.writeTextFile(file, JSON.stringify(doc));
        const r = await netstate("apply", file);
        assert.equal(r.code, 1);
        assert.match(r.err, /\+ route 10\.9\.0\.0\/16 via 192\.0\.2\.1: .*ENETUNREACH/);
        assert.equal((await ipJson(ns, "link", "show", "v0"))[0].mtu, 1300);
        // A bad document: exit 2, nothing sent.
        doc.namespaces[ns].routes[0].gatewy = "10.0.0.2";
        await Deno.writeTextFile(file, JSON.stringify(doc));
        const bad = await netstate("apply", file);
        assert.equal(bad.code, 2);
        assert.match(bad.err, /routes\[0\]\.gatewy: unknown key \(did you mean "gateway"\?\)/);
        await Deno.writeTextFile(file, "{");
        assert.equal((await netstate("plan", file)).code, 2);
        assert.equal((await netstate("plan", `${dir}/absent.json`)).code, 2);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }, "cli");
  },
});
