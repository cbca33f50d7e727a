/**
 * XFRM without a kernel: every `ip xfrm` request of tests/golden/families/xfrm.json (captured
 * with strace; ip sends state requests before this kernel refuses them) is what the XFRM class
 * sends for the same command: the fixed struct byte for byte (x86_64 layout, padding
 * included), the attributes as a set (ip writes some in command-line order); the kernel's
 * captured answers print as ip printed them; bad input is refused before anything is sent.
 *
 * @module
 */

import assert from "node:assert/strict";
import { decodeXfrmEvents, XFRM } from "../../xfrm/mod.ts";
import type { XfrmState, XfrmStateSpec } from "../../xfrm/mod.ts";
import { structSize } from "../../netlink/schema.ts";
import { xfrmSchemaOf } from "../../xfrm/schema.ts";
import { formatXfrmPolicy, formatXfrmState } from "../../examples/ip/xfrm.ts";
import { NetlinkError } from "../../netlink/errors.ts";
import { captures } from "./replay.ts";
import { ReplayTransport } from "./replay.ts";
import { NetlinkEngine } from "../../netlink/engine.ts";
import { hex, toHex } from "../helpers.ts";

const CAP = captures("xfrm");
const K16 = "0x000102030405060708090a0b0c0d0e0f";
const K20 = "0x000102030405060708090a0b0c0d0e0f10111213";
const K32 = "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const nameOf = (i: number) => `if${i}`;

/**
 * A request as a comparable text: netlink header (seq, pid zeroed; REQUEST|ACK, no ACK on
 * dumps; the length rounded up to 4), the fixed struct as hex, then the attributes sorted by
 * type, each with its padding zeroed.
 */
function canon(b: Uint8Array): string {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const len = dv.getUint32(0, true);
  const type = dv.getUint16(4, true);
  let flags = dv.getUint16(6, true) | 0x5;
  if (flags & 0x300) flags &= ~0x4;
  const fixed = (structSize(xfrmSchemaOf(type)!.header) + 3) & ~3;
  const body = new Uint8Array((len + 3) & ~3);
  body.set(b.subarray(0, len));
  const attrs: [number, string][] = [];
  for (let p = 16 + fixed; p + 4 <= body.length;) {
    const alen = dv.getUint16(p, true);
    if (alen < 4) break;
    attrs.push([dv.getUint16(p + 2, true), toHex(body.subarray(p + 4, p + alen))]);
    p += (alen + 3) & ~3;
  }
  attrs.sort((x, y) => x[0] - y[0]);
  return `type=${type.toString(16)} flags=${flags.toString(16)} fixed=${
    toHex(body.subarray(16, 16 + fixed))
  }\n` + attrs.map(([t, h]) => `  ${t}: ${h}`).join("\n");
}

async function replay<T>(
  name: string,
  fn: (x: XFRM) => Promise<T>,
): Promise<{ result?: T; error?: unknown; t: ReplayTransport }> {
  using x = new XFRM();
  const t = new ReplayTransport(CAP[name], false);
  Object.defineProperty(x, "engine", { value: new NetlinkEngine(t) });
  try {
    return { result: await fn(x), t };
  } catch (error) {
    return { error, t };
  }
}

function same(t: ReplayTransport): void {
  assert.equal(t.sent.length, 1, "one request");
  const [s] = t.sent;
  assert.ok(s.theirs.length > 0, "ip made the same request");
  assert.equal(canon(s.ours), canon(s.theirs));
}

const ESP_TUNNEL: XfrmStateSpec = {
  src: "192.0.2.1",
  dst: "192.0.2.2",
  proto: "esp",
  spi: 0x1000,
  reqid: 1,
  mode: "tunnel",
  crypt: { name: "cbc(aes)", key: K16 },
  auth_trunc: { name: "hmac(sha256)", key: K32, trunc_len: 128 },
};

const STATES: [string, (x: XFRM) => Promise<unknown>][] = [
  ["state_esp_tunnel", (x) => x.state("add", ESP_TUNNEL)],
  ["state_update", (x) => x.state("update", ESP_TUNNEL)],
  [
    "state_esp_aead",
    (x) =>
      x.state("add", {
        src: "192.0.2.1",
        dst: "192.0.2.2",
        proto: "esp",
        spi: 0x2000,
        reqid: 2,
        mode: "transport",
        aead: { name: "rfc4106(gcm(aes))", key: K20, icv_len: 128 },
        replay_window: 32,
        flags: ["esn"],
      }),
  ],
  [
    "state_esp_full",
    (x) =>
      x.state("add", {
        src: "192.0.2.1",
        dst: "192.0.2.2",
        proto: "esp",
        spi: 0x3000,
        reqid: 3,
        mode: "tunnel",
        replay_window: 64,
        flags: ["noecn", "wildrecv"],
        crypt: { name: "cbc(aes)", key: K32 },
        auth: { name: "hmac(sha1)", key: K20 },
        sel: { src: "10.0.0.0/24", dst: "10.1.0.0/24", proto: "tcp", dport: 443 },
        lifetime: { hard_add_expires_seconds: 3600, soft_byte_limit: 1000000 },
        encap: { type: "espinudp", sport: 4500, dport: 4500, oa: "0.0.0.0" },
        mark: { value: 7, mask: 0xff },
        if_id: 9,
        set_mark: 0x10,
      }),
  ],
  [
    "state_ah",
    (x) =>
      x.state("add", {
        src: "192.0.2.1",
        dst: "192.0.2.2",
        proto: "ah",
        spi: 0x4000,
        mode: "transport",
        auth: { name: "hmac(sha256)", key: K32 },
      }),
  ],
  [
    "state_comp",
    (x) =>
      x.state("add", {
        src: "192.0.2.1",
        dst: "192.0.2.2",
        proto: "comp",
        spi: 0x5000,
        mode: "tunnel",
        comp: { name: "deflate" },
      }),
  ],
  [
    "state_v6",
    (x) =>
      x.state("add", {
        src: "2001:db8::1",
        dst: "2001:db8::2",
        proto: "esp",
        spi: 0x6000,
        mode: "transport",
        crypt: { name: "cbc(aes)", key: K16 },
        auth_trunc: { name: "hmac(sha256)", key: K32, trunc_len: 128 },
        tfcpad: 64,
        extra_flags: ["dont-encap-dscp"],
      }),
  ],
];

Deno.test("xfrm golden: state requests equal ip xfrm state add/update's", async (t) => {
  for (const [name, call] of STATES) {
    await t.step(name, async () => {
      const r = await replay(name, call);
      same(r.t);
      // This kernel has no ESP/AH/IPcomp: the kernel's refusal, as ip printed it.
      assert.ok(r.error instanceof NetlinkError, String(r.error));
      assert.equal(`Error: ${r.error.extack.msg}.`, CAP[name].stderr);
    });
  }
});

Deno.test("xfrm golden: state get, delete, flush, allocspi, dump and count", async (t) => {
  const id = { src: "192.0.2.1", dst: "192.0.2.2", proto: "esp" as const, spi: 0x1000 };
  await t.step("get and delete (ESRCH: no such SA)", async () => {
    for (const [name, cmd] of [["state_get", "get"], ["state_delete", "delete"]] as const) {
      const r = await replay(name, (x) => x.state(cmd, id));
      same(r.t);
      assert.ok(r.error instanceof NetlinkError && r.error.code === "ESRCH");
      assert.equal(CAP[name].stderr, "RTNETLINK answers: No such process");
    }
  });
  await t.step("flush, all and one protocol", async () => {
    same((await replay("state_flush", (x) => x.flushStates())).t);
    same((await replay("state_flush_esp", (x) => x.flushStates({ proto: "esp" }))).t);
  });
  await t.step("allocspi: the larval SA prints as ip printed it", async () => {
    const r = await replay(
      "state_allocspi",
      (x) =>
        x.allocSpi({
          src: "192.0.2.1",
          dst: "192.0.2.2",
          proto: "esp",
          mode: "tunnel",
          reqid: 5,
          min: 0x1000,
          max: 0x2000,
        }),
    );
    same(r.t);
    const s = r.result as XfrmState;
    assert.ok(s.spi >= 0x1000 && s.spi <= 0x2000);
    assert.equal(formatXfrmState(s, nameOf), CAP.state_allocspi.stdout);
  });
  await t.step("dump: every SA prints as ip xfrm state printed it", async () => {
    const r = await replay("state_list", (x) => x.getStates());
    same(r.t);
    const states = r.result as XfrmState[];
    assert.equal(states.length, 2);
    assert.equal(states.map((s) => formatXfrmState(s, nameOf)).join(""), CAP.state_list.stdout);
  });
  await t.step("SAD count", async () => {
    const r = await replay("state_count", (x) => x.getSadInfo());
    same(r.t);
    assert.equal(`\t SAD count ${r.result?.count}\n`, CAP.state_count.stdout);
  });
});

const POLICY = {
  sel: { src: "10.0.0.0/24", dst: "10.1.0.0/24" },
  dir: "out",
  priority: 100,
  tmpl: [{ src: "192.0.2.1", dst: "192.0.2.2", proto: "esp", reqid: 1, mode: "tunnel" }],
} as const;

Deno.test("xfrm golden: policy requests equal ip xfrm policy's", async (t) => {
  const cases: [string, (x: XFRM) => Promise<unknown>][] = [
    ["policy_add", (x) => x.policy("add", POLICY)],
    ["policy_update", (x) => x.policy("update", { ...POLICY, priority: 200 })],
    [
      "policy_add_full",
      (x) =>
        x.policy("add", {
          sel: { src: "10.0.0.0/24", dst: "10.1.0.0/24", proto: "tcp", sport: 1000, dport: 443 },
          dir: "in",
          action: "block",
          priority: 5,
          index: 0,
          flags: ["localok"],
          ptype: "main",
          mark: { value: 3, mask: 0xf },
          if_id: 2,
          lifetime: { soft_add_expires_seconds: 60 },
        }),
    ],
    [
      "policy_add_v6_two_tmpl",
      (x) =>
        x.policy("add", {
          sel: { src: "2001:db8:1::/64", dst: "2001:db8:2::/64" },
          dir: "fwd",
          tmpl: [
            { src: "2001:db8::1", dst: "2001:db8::2", proto: "esp", reqid: 1, mode: "tunnel" },
            {
              src: "2001:db8::1",
              dst: "2001:db8::2",
              proto: "comp",
              mode: "tunnel",
              optional: true,
            },
          ],
        }),
    ],
    [
      "policy_add_icmp",
      (x) =>
        x.policy("add", {
          sel: { src: "10.0.0.1", dst: "10.0.0.2", proto: "icmp", type: 8, code: 0 },
          dir: "out",
        }),
    ],
    ["policy_delete", (x) => x.policy("delete", { sel: POLICY.sel, dir: "out" })],
    ["policy_flush", (x) => x.flushPolicies()],
  ];
  for (const [name, call] of cases) {
    await t.step(name, async () => {
      const r = await replay(name, call);
      assert.equal(r.error, undefined);
      same(r.t);
    });
  }
  await t.step("get: the policy prints as ip printed it", async () => {
    const r = await replay("policy_get", (x) => x.policy("get", { sel: POLICY.sel, dir: "out" }));
    same(r.t);
    assert.equal(formatXfrmPolicy(r.result!, nameOf), CAP.policy_get.stdout);
  });
  await t.step("dump: every policy prints as ip xfrm policy printed it", async () => {
    const r = await replay("policy_list", (x) => x.getPolicies());
    same(r.t);
    assert.equal(r.result!.length, 4);
    assert.equal(
      r.result!.map((p) => formatXfrmPolicy(p, nameOf)).join(""),
      CAP.policy_list.stdout,
    );
  });
  await t.step("SPD count", async () => {
    const r = await replay("policy_count", (x) => x.getSpdInfo());
    same(r.t);
    const i = r.result!;
    assert.equal(
      `\t SPD IN  ${i.incnt} OUT ${i.outcnt} FWD ${i.fwdcnt}\n`,
      CAP.policy_count.stdout,
    );
  });
});

Deno.test("xfrm bad input: TypeError/RangeError naming the field, nothing sent", async (t) => {
  const base = ESP_TUNNEL as unknown as Record<string, unknown>;
  const state = (patch: Record<string, unknown>) => {
    const o: Record<string, unknown> = { ...base, ...patch };
    for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
    return o as unknown as XfrmStateSpec;
  };
  const cases: [string, (x: XFRM) => Promise<unknown>, RegExp][] = [
    [
      "wrong key length",
      (x) => x.state("add", state({ crypt: { name: "cbc(aes)", key: "0x0011" } })),
      /^crypt\.key: cbc\(aes\) takes a key of 128 or 192 or 256 bits, got 16/,
    ],
    [
      "unknown algorithm",
      (x) => x.state("add", state({ crypt: { name: "cbc(rot13)", key: K16 } })),
      /^crypt\.name: unknown crypt algorithm/,
    ],
    [
      "bad hex key",
      (x) => x.state("add", state({ crypt: { name: "cbc(aes)", key: "0xzz" } })),
      /^crypt\.key/,
    ],
    [
      "aead icv",
      (x) =>
        x.state(
          "add",
          state({
            crypt: undefined,
            auth_trunc: undefined,
            aead: { name: "rfc4106(gcm(aes))", key: K20, icv_len: 100 },
          }),
        ),
      /^aead\.icv_len/,
    ],
    [
      "auth trunc length",
      (x) =>
        x.state("add", state({ auth_trunc: { name: "hmac(sha256)", key: K32, trunc_len: 7 } })),
      /^auth_trunc\.trunc_len/,
    ],
    ["esp without crypt", (x) => x.state("add", state({ crypt: undefined })), /^crypt: esp needs/],
    ["ah with crypt", (x) => x.state("add", state({ proto: "ah" })), /^crypt: ah takes auth only/],
    ["no spi", (x) => x.state("add", state({ spi: undefined })), /^spi/],
    ["bad address", (x) => x.state("add", state({ dst: "192.0.2.300" })), /^dst/],
    ["mixed families", (x) => x.state("add", state({ dst: "2001:db8::2" })), /^src/],
    [
      "bad selector prefix",
      (x) => x.state("add", state({ sel: { src: "10.0.0.0/33" } })),
      /^sel\.src/,
    ],
    [
      "selector family mix",
      (x) => x.state("add", state({ sel: { src: "10.0.0.0/8", dst: "::/0" } })),
      /^sel/,
    ],
    [
      "selector unknown key",
      (x) => x.state("add", state({ sel: { srcport: 1 } as never })),
      /^sel\.srcport/,
    ],
    ["unknown state key", (x) => x.state("add", state({ spii: 1 })), /^state\.spii/],
    ["unknown mode", (x) => x.state("add", state({ mode: "tunel" })), /^mode/],
    ["unknown flag", (x) => x.state("add", state({ flags: ["esm"] })), /^flags\[0\]/],
    ["esn without window", (x) => x.state("add", state({ flags: ["esn"] })), /^replay_window/],
    ["window too big", (x) => x.state("add", state({ replay_window: 5000 })), /^replay_window/],
    [
      "negative lifetime",
      (x) => x.state("add", state({ lifetime: { hard_byte_limit: -1 } })),
      /^lifetime\.hard_byte_limit/,
    ],
    ["policy without dir", (x) => x.policy("add", { sel: POLICY.sel } as never), /^dir/],
    ["policy bad dir", (x) => x.policy("add", { dir: "up" as "in" }), /^dir/],
    [
      "template bad proto",
      (x) => x.policy("add", { dir: "out", tmpl: [{ proto: "gre" as "esp" }] }),
      /^tmpl\[0\]\.proto/,
    ],
    ["policy id without sel or index", (x) => x.policy("get", { dir: "out" }), /^sel/],
    [
      "comp spi too large",
      (x) => x.allocSpi({ src: "192.0.2.1", dst: "192.0.2.2", proto: "comp", max: 0x10000 }),
      /^max/,
    ],
    ["unknown command", (x) => x.state("replace" as "add", ESP_TUNNEL), /^command/],
  ];
  for (const [name, call, field] of cases) {
    await t.step(name, async () => {
      const r = await replay("state_esp_tunnel", call);
      assert.ok(
        (r.error instanceof TypeError || r.error instanceof RangeError) &&
          field.test(r.error.message),
        String(r.error),
      );
      assert.equal(r.t.sent.length, 0);
    });
  }
});

Deno.test("xfrm events: the kernel's multicast datagrams decode to their items", async () => {
  const url = new URL("../golden/families/xfrm_events.json", import.meta.url);
  const { datagrams } = JSON.parse(await Deno.readTextFile(url)) as { datagrams: string[] };
  const events = datagrams.flatMap((h) => decodeXfrmEvents(hex(h).buffer as ArrayBuffer));
  assert.deepEqual(events.map((e) => e.type), [
    "newpolicy",
    "newpolicy",
    "updpolicy",
    "delpolicy",
    "acquire",
    "flushsa",
    "flushpolicy",
  ]);
  const [a, b, upd, del, acq] = events;
  assert.ok(a.type === "newpolicy" && b.type === "newpolicy" && upd.type === "updpolicy");
  assert.equal(a.policy.tmpl[0].reqid, 7);
  assert.equal(b.policy.tmpl.length, 2);
  assert.equal(b.policy.tmpl[1].optional, 1);
  assert.deepEqual(b.policy.mark, { value: 1, mask: 0xff });
  assert.equal(b.policy.if_id, 3);
  assert.equal(upd.policy.priority, 10);
  assert.ok(del.type === "delpolicy");
  assert.equal(del.policy.sel.src, "2001:db8:1::/64");
  assert.equal(del.policy.priority, 10);
  assert.ok(acq.type === "acquire");
  assert.equal(acq.acquire.dst, "10.0.0.2");
  assert.equal(acq.acquire.src, "10.0.0.1");
  assert.equal(acq.acquire.sel.dport, 9);
  assert.equal(acq.acquire.policy.tmpl[0].reqid, 7);
  assert.equal(
    formatXfrmPolicy(b.policy, nameOf).split("\n")[0],
    "src 2001:db8:1::/64 dst 2001:db8:2::/64 ",
  );
});
