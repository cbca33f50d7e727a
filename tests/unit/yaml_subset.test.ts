/**
 * examples/yaml_subset.ts: the YAML subset netstate reads (a desired-state document in block
 * and flow style gives the same value as its JSON; what is outside the subset names its line).
 */

import assert from "node:assert/strict";
import { parseYaml, YamlError } from "../../examples/yaml_subset.ts";

Deno.test("yaml subset: a desired-state document", () => {
  const yaml = `
# a desired state
version: 1
namespaces:
  blue:
    links:
      - ifname: v0
        kind: veth
        peer: v1     # same namespace
        mtu: 1400
      - { ifname: br0, kind: bridge, data: { br_stp_state: 1 } }
      - ifname: x0
        peer:
          ifname: x1
          netns: "red"
    addresses:
    - dev: v0
      address: 2001:db8::1/64
      flags: [nodad, noprefixroute]
    routes:
      - dst: ::/0
        gateway: fe80::1
      - dst: 10.5.0.0/16
        multipath:
          - gateway: 10.0.0.2
            weight: 3
          - {gateway: 10.0.0.3, dev: v0}
    rules: []
    tc:
      - handle: "800::800"
        parent: '1:'
        options: {keys: ["0a000000/ff000000+16"], classid: "1:10"}
        priority: 0x10
        skip: false
  "":
    links: ~
`;
  assert.deepStrictEqual(parseYaml(yaml), {
    version: 1,
    namespaces: {
      blue: {
        links: [
          { ifname: "v0", kind: "veth", peer: "v1", mtu: 1400 },
          { ifname: "br0", kind: "bridge", data: { br_stp_state: 1 } },
          { ifname: "x0", peer: { ifname: "x1", netns: "red" } },
        ],
        addresses: [{ dev: "v0", address: "2001:db8::1/64", flags: ["nodad", "noprefixroute"] }],
        routes: [
          { dst: "::/0", gateway: "fe80::1" },
          {
            dst: "10.5.0.0/16",
            multipath: [{ gateway: "10.0.0.2", weight: 3 }, { gateway: "10.0.0.3", dev: "v0" }],
          },
        ],
        rules: [],
        tc: [{
          handle: "800::800",
          parent: "1:",
          options: { keys: ["0a000000/ff000000+16"], classid: "1:10" },
          priority: 16,
          skip: false,
        }],
      },
      "": { links: null },
    },
  });
  // JSON is in the subset when written on one line.
  assert.deepStrictEqual(parseYaml('{"a": [1, "x"]}'), { a: [1, "x"] });
});

Deno.test("yaml subset: what is outside it is an error naming the line", () => {
  const bad: [string, RegExp][] = [
    ["a:\n\tb: 1", /line 2: tabs/],
    ["a: &x 1", /line 1: "&" \(anchors/],
    ["a: 1\na: 2", /line 2: the key "a" again/],
    ["a: |\n  x", /line 1: "\|"/],
    ["a:\n  b: 1\n c: 2", /line 3: unexpected indentation/],
    ["a: [1, 2", /line 1: expected , or \]/],
    ["a: 'x", /line 1: unterminated single-quoted/],
    ["a: 1\n---\nb: 2", /line 2: several documents/],
    ["just text\nmore", /line 1: expected "key: value"/],
  ];
  for (const [text, re] of bad) {
    assert.throws(() => parseYaml(text), (e: Error) => {
      assert.ok(e instanceof YamlError, String(e));
      assert.match(e.message, re);
      return true;
    });
  }
});
