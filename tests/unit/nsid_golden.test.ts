/**
 * Namespace id requests against iproute2 6.1's bytes (strace of `ip netns set NAME 99`,
 * `ip netns set NAME auto`, `ip netns list` and `ip netns list-id [target-nsid 99] [nsid 5]`,
 * where the namespace file was descriptor 6), replies decoded, and bad input refused before
 * anything is opened or sent.
 */

import assert from "node:assert/strict";
import { hex } from "../helpers.ts";
import { buildNsid } from "../../rtnl/nsid.ts";
import type { Nsid, NsidCommand, NsidSpec } from "../../rtnl/nsid.ts";
import { NSID_MESSAGE } from "../../rtnl/schemas/nsid.ts";
import { messageViewClass } from "../../netlink/view.ts";
import { canon, fakeIPRoute } from "./rtnl_golden.ts";

/** iproute2's requests; bytes 8..15 (seq, pid) zeroed. */
const GOLDEN: Record<string, [NsidCommand, NsidSpec, string]> = {
  "ip netns set NAME 99": [
    "set",
    { fd: 6, nsid: 99 },
    "24000000580005000000000000000000 00000000 0800030006000000 0800010063000000",
  ],
  "ip netns set NAME auto": [
    "set",
    { fd: 6, nsid: "auto" },
    "24000000580005000000000000000000 00000000 0800030006000000 08000100ffffffff",
  ],
  "ip netns list (the id of NAME)": [
    "get",
    { fd: 6 },
    "1c0000005a0001000000000000000000 00000000 0800030006000000",
  ],
  "ip netns list-id target-nsid 99 nsid 5": [
    "get",
    { nsid: 5, target_nsid: 99 },
    "240000005a0001000000000000000000 00000000 0800010005000000 0800040063000000",
  ],
};

for (const [command, [cmd, spec, bytes]] of Object.entries(GOLDEN)) {
  Deno.test(`nsid golden: ${command}`, () => {
    const { ip, sent } = fakeIPRoute();
    const built = buildNsid(ip, cmd, spec);
    assert.equal(canon(built.bytes, 4), canon(hex(bytes), 4));
    assert.equal(sent.length, 0);
  });
}

/** The dump request `getNsids` sends (its answer never comes from the fake transport). */
async function dumpRequest(filter?: { target_nsid?: number }): Promise<Uint8Array> {
  const { ip, sent } = fakeIPRoute();
  await ip.getNsids(filter).catch(() => {});
  assert.equal(sent.length, 1);
  return sent[0];
}

Deno.test("nsid golden: ip netns list-id (a dump)", async () => {
  const want = "140000005a0001030000000000000000 00000000";
  assert.equal(canon(await dumpRequest(), 4), canon(hex(want), 4));
});

Deno.test("nsid golden: ip netns list-id target-nsid 99 (a dump with a target)", async () => {
  const want = "1c0000005a0001030000000000000000 00000000 0800040063000000";
  assert.equal(canon(await dumpRequest({ target_nsid: 99 }), 4), canon(hex(want), 4));
});

function view(bytes: Uint8Array): Nsid {
  const buf = bytes.slice().buffer;
  const C = messageViewClass(NSID_MESSAGE);
  return new C(new DataView(buf), new Uint8Array(buf), 0, bytes.length) as unknown as Nsid;
}

Deno.test("nsid: replies decode (an id, none, and the id seen from a target)", () => {
  const one = view(hex("1c000000580000000000000000000000 00000000 0800010063000000"));
  assert.equal(one.nsid, 99);
  const none = view(hex("1c000000580000000000000000000000 00000000 08000100ffffffff"));
  assert.equal(none.nsid, -1);
  const both = view(
    hex("24000000580000000000000000000000 00000000 0800010005000000 0800050007000000"),
  );
  assert.equal(both.nsid, 5);
  assert.equal(both.current_nsid, 7);
  assert.deepEqual(both.toJSON(), { family: 0, nsid: 5, current_nsid: 7 });
});

Deno.test("nsid: bad input is refused naming the field, before anything is opened", () => {
  const { ip } = fakeIPRoute();
  const bad: [NsidCommand, unknown, ErrorConstructor, RegExp][] = [
    ["set", { fd: 6 }, TypeError, /^nsid: required/],
    ["set", { fd: 6, nsid: -2 }, RangeError, /^nsid: -2 is out of range/],
    ["set", { fd: 6, nsid: 1.5 }, TypeError, /^nsid: expected an integer/],
    ["set", { nsid: 1 }, TypeError, /^netns: set needs exactly one of netns, fd or pid/],
    ["set", { fd: 6, pid: 1, nsid: 1 }, TypeError, /^netns: set needs exactly one/],
    ["set", { fd: 6, nsid: 1, target_nsid: 2 }, TypeError, /^target_nsid: only get/],
    ["get", {}, TypeError, /^netns: get needs exactly one of netns, fd, pid or nsid/],
    ["get", { fd: 6, nsid: 1 }, TypeError, /^netns: get needs exactly one/],
    ["get", { nsid: "auto" }, TypeError, /^nsid: "auto" is for set/],
    ["get", { fd: 6, colour: 1 }, TypeError, /^colour: /],
    ["get", { netns: "no/such" }, TypeError, /^netns: /],
    ["bogus" as NsidCommand, { fd: 6 }, TypeError, /^command: unknown nsid command/],
  ];
  for (const [cmd, spec, E, msg] of bad) {
    assert.throws(() => buildNsid(ip, cmd, spec as NsidSpec), (e: Error) => {
      assert.ok(e instanceof E, `${JSON.stringify(spec)}: ${e}`);
      assert.match(e.message, msg);
      return true;
    });
  }
});
