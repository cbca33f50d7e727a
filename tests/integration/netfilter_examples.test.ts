/**
 * examples/conntrack.ts and examples/nft.ts run their demos (each in a namespace it makes and
 * removes) and print what they should.
 */

import assert from "node:assert/strict";
import { isRoot } from "../helpers.ts";
import { skipUnless } from "./netfilter_fixture.ts";

async function demo(example: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-ffi",
      new URL(`../../examples/${example}`, import.meta.url).pathname,
      "demo",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.ok(out.success, text);
  return text;
}

Deno.test({
  name: "examples/conntrack.ts demo: a table like conntrack -L, flushed by address",
  ignore: !isRoot,
  fn: async () => {
    const text = await demo("conntrack.ts");
    assert.match(
      text,
      /tcp +6 +\d+ ESTABLISHED src=10\.0\.0\.1 dst=10\.0\.0\.100 sport=40001 dport=443/,
    );
    assert.match(text, /4 flow entries have been shown/);
    assert.match(text, /2 flow entries have been deleted/);
    assert.match(text, /2 flow entries have been shown/);
  },
});

const skip = skipUnless();
Deno.test({
  name: "examples/nft.ts demo: a small firewall applied atomically and printed",
  ignore: skip !== undefined,
  fn: async () => {
    const text = await demo("nft.ts");
    assert.match(text, /table inet demo_fw/);
    assert.match(text, /chain input \{ type filter hook input priority 0; policy drop;/);
    assert.match(text, /\[ masq \]/);
    assert.match(text, /set web \{ type inet_service;.*elements = \{ (80, 443|443, 80) \}/);
  },
});
