/**
 * WireGuard without WireGuard: this kernel cannot load the module, so the codec is checked
 * against bytes built here by hand from linux/wireguard.h's layout (attribute numbers, nests
 * of type 0, `sockaddr_in`/`sockaddr_in6` endpoints, `__kernel_timespec`), and the family's
 * absence must be a clear error. Where the kernel has WireGuard, a live test sets and reads a
 * device in a namespace.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  WG_MESSAGE,
  wgDeviceOf,
  wgEndpoint,
  wgEndpointText,
  wgKey,
  wgKeyText,
  wgSetMessages,
  WireGuard,
} from "../../wireguard/mod.ts";
import type { WgPeerSpec } from "../../wireguard/mod.ts";
import { encodeMessage } from "../../netlink/encoder.ts";
import { messageViewClass } from "../../netlink/view.ts";
import type { TypedMessage } from "../../netlink/view.ts";
import { GenericNetlink, NetlinkError } from "../../netlink/mod.ts";
import { ipCmd, isRoot, withNetns } from "../helpers.ts";

// --- A minimal, independent netlink writer: only what wireguard.h describes. -----------------

const NESTED = 0x8000;
const pad4 = (n: number) => (n + 3) & ~3;

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), o += p.length;
  return out;
}

function attr(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(pad4(4 + payload.length));
  new DataView(out.buffer).setUint16(0, 4 + payload.length, true);
  new DataView(out.buffer).setUint16(2, type, true);
  out.set(payload, 4);
  return out;
}
const nest = (type: number, ...kids: Uint8Array[]) => attr(type | NESTED, cat(...kids));
const u16 = (t: number, v: number) => attr(t, new Uint8Array(new Uint16Array([v]).buffer));
const u32 = (t: number, v: number) => attr(t, new Uint8Array(new Uint32Array([v]).buffer));
const u64 = (t: number, v: number) =>
  attr(t, new Uint8Array(new BigUint64Array([BigInt(v)]).buffer));
const u8 = (t: number, v: number) => attr(t, Uint8Array.of(v));
const str = (t: number, s: string) => attr(t, new TextEncoder().encode(s + "\0"));

function genl(type: number, cmd: number, body: Uint8Array, flags = 0): Uint8Array {
  const msg = cat(new Uint8Array(16), Uint8Array.of(cmd, 1, 0, 0), body);
  const dv = new DataView(msg.buffer);
  dv.setUint32(0, msg.length, true);
  dv.setUint16(4, type, true);
  dv.setUint16(6, flags, true);
  return msg;
}

/** struct sockaddr_in: family (host order), port (network order), address, 8 zero bytes. */
function sockaddrIn(a: number[], port: number): Uint8Array {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint16(0, 2, true);
  new DataView(b.buffer).setUint16(2, port, false);
  b.set(a, 4);
  return b;
}

/** struct sockaddr_in6: family, port, flowinfo, 16 address bytes, scope id. */
function sockaddrIn6(a: number[], port: number): Uint8Array {
  const b = new Uint8Array(28);
  new DataView(b.buffer).setUint16(0, 10, true);
  new DataView(b.buffer).setUint16(2, port, false);
  b.set(a, 8);
  return b;
}

const KEY_A = Uint8Array.from({ length: 32 }, (_, i) => i);
const KEY_B = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
const KEY_C = Uint8Array.from({ length: 32 }, (_, i) => (i * 7) & 255);
const V6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

// WGDEVICE_A_*: IFINDEX 1, IFNAME 2, PRIVATE_KEY 3, PUBLIC_KEY 4, FLAGS 5, LISTEN_PORT 6,
// FWMARK 7, PEERS 8. WGPEER_A_*: PUBLIC_KEY 1, PRESHARED_KEY 2, FLAGS 3, ENDPOINT 4,
// PERSISTENT_KEEPALIVE_INTERVAL 5, LAST_HANDSHAKE_TIME 6, RX_BYTES 7, TX_BYTES 8,
// ALLOWEDIPS 9, PROTOCOL_VERSION 10. WGALLOWEDIP_A_*: FAMILY 1, IPADDR 2, CIDR_MASK 3.
const allowed4 = (a: number[], mask: number) =>
  nest(0, u16(1, 2), attr(2, Uint8Array.from(a)), u8(3, mask));
const allowed6 = (a: number[], mask: number) =>
  nest(0, u16(1, 10), attr(2, Uint8Array.from(a)), u8(3, mask));

const FAMILY = 0x30;

Deno.test("wireguard: keys, endpoints", () => {
  const text = wgKeyText(KEY_A);
  assert.equal(text, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  assert.deepEqual(wgKey(text, "k"), KEY_A);
  assert.deepEqual(wgEndpoint("192.0.2.1:51820", "e"), sockaddrIn([192, 0, 2, 1], 51820));
  assert.deepEqual(wgEndpoint("[2001:db8::1]:443", "e"), sockaddrIn6(V6, 443));
  assert.equal(wgEndpointText(sockaddrIn6(V6, 443)), "[2001:db8::1]:443");
  assert.equal(wgEndpointText(sockaddrIn([10, 0, 0, 1], 1)), "10.0.0.1:1");
});

Deno.test("wireguard: SET_DEVICE is the bytes wireguard.h lays out", () => {
  const [msg] = wgSetMessages("wg0", {
    private_key: KEY_A,
    listen_port: 51820,
    fwmark: 0x42,
    replace_peers: true,
    peers: [
      {
        public_key: wgKeyText(KEY_B),
        preshared_key: KEY_C,
        endpoint: "192.0.2.1:51820",
        persistent_keepalive_interval: 25,
        allowedips: ["10.0.0.0/24", "2001:db8::1/128"],
        replace_allowedips: true,
      },
      { public_key: KEY_C, remove: true },
    ],
  });
  const ours = encodeMessage(WG_MESSAGE, {
    type: FAMILY,
    flags: 0,
    header: { cmd: 1, version: 1 },
    attrs: msg,
  });
  const expected = genl(
    FAMILY,
    1,
    cat(
      str(2, "wg0"),
      u32(5, 1), // WGDEVICE_F_REPLACE_PEERS
      attr(3, KEY_A),
      u16(6, 51820),
      u32(7, 0x42),
      nest(
        8,
        nest(
          0,
          attr(1, KEY_B),
          u32(3, 2), // WGPEER_F_REPLACE_ALLOWEDIPS
          attr(2, KEY_C),
          attr(4, sockaddrIn([192, 0, 2, 1], 51820)),
          u16(5, 25),
          nest(9, allowed4([10, 0, 0, 0], 24), allowed6(V6, 128)),
        ),
        nest(0, attr(1, KEY_C), u32(3, 1)), // WGPEER_F_REMOVE_ME
      ),
    ),
  );
  assert.deepEqual(ours, expected);
});

Deno.test("wireguard: a device dump split over messages is coalesced", () => {
  const ts = cat(new Uint8Array(new BigInt64Array([1700000000n, 5n]).buffer));
  const m1 = genl(
    FAMILY,
    0,
    cat(
      u32(1, 7),
      str(2, "wg0"),
      attr(3, KEY_A),
      attr(4, KEY_B),
      u16(6, 51820),
      u32(7, 0),
      nest(
        8,
        nest(
          0,
          attr(1, KEY_C),
          attr(2, new Uint8Array(32)), // no preshared key
          attr(4, sockaddrIn6(V6, 51821)),
          u16(5, 0),
          attr(6, ts),
          u64(7, 1234),
          u64(8, 5678),
          u32(10, 1),
          nest(9, allowed4([10, 0, 0, 0], 24)),
        ),
      ),
    ),
    2,
  );
  // The kernel continues the same peer's allowed IPs, then the next peer, in a new message.
  const m2 = genl(
    FAMILY,
    0,
    cat(
      str(2, "wg0"),
      nest(
        8,
        nest(0, attr(1, KEY_C), nest(9, allowed6(V6, 128))),
        nest(0, attr(1, KEY_A), attr(2, KEY_B), nest(9, allowed4([192, 168, 0, 0], 16))),
      ),
    ),
    2,
  );
  const C = messageViewClass(WG_MESSAGE);
  const views = [m1, m2].map((m) =>
    new C(new DataView(m.buffer), m, 0, m.length) as TypedMessage<typeof WG_MESSAGE>
  );
  assert.deepEqual(wgDeviceOf(views), {
    ifindex: 7,
    ifname: "wg0",
    private_key: wgKeyText(KEY_A),
    public_key: wgKeyText(KEY_B),
    listen_port: 51820,
    fwmark: 0,
    peers: [
      {
        public_key: wgKeyText(KEY_C),
        endpoint: "[2001:db8::1]:51821",
        persistent_keepalive_interval: 0,
        last_handshake_time: 1700000000,
        rx_bytes: 1234,
        tx_bytes: 5678,
        protocol_version: 1,
        allowedips: ["10.0.0.0/24", "2001:db8::1/128"],
      },
      {
        public_key: wgKeyText(KEY_A),
        preshared_key: wgKeyText(KEY_B),
        persistent_keepalive_interval: 0,
        last_handshake_time: 0,
        rx_bytes: 0,
        tx_bytes: 0,
        allowedips: ["192.168.0.0/16"],
      },
    ],
  });
});

Deno.test("wireguard: a large configuration is split, and reads back whole", () => {
  const peers: WgPeerSpec[] = Array.from({ length: 300 }, (_, i) => ({
    public_key: Uint8Array.from({ length: 32 }, (_, j) => (i + j) & 255),
    endpoint: `192.0.2.${i % 250}:${1000 + i}`,
    allowedips: Array.from(
      { length: i === 7 ? 2000 : 3 },
      (_, k) => `10.${i % 256}.${k >> 8}.${k & 255}/32`,
    ),
  }));
  const msgs = wgSetMessages("wg0", { replace_peers: true, listen_port: 1, peers });
  assert.ok(msgs.length > 3, `${msgs.length} messages`);
  assert.equal(msgs[0].flags, 1);
  for (const m of msgs.slice(1)) {
    assert.deepEqual(Object.keys(m).sort(), ["ifname", "peers"]); // no flags, no device settings
  }
  const C = messageViewClass(WG_MESSAGE);
  const views = msgs.map((m) => {
    const bytes = encodeMessage(WG_MESSAGE, {
      type: FAMILY,
      flags: 0,
      header: { cmd: 1 },
      attrs: m,
    });
    assert.ok(bytes.length < 65536, `a message of ${bytes.length} bytes`);
    return new C(new DataView(bytes.buffer), bytes, 0, bytes.length) as TypedMessage<
      typeof WG_MESSAGE
    >;
  });
  const dev = wgDeviceOf(views);
  assert.equal(dev.peers.length, 300);
  assert.equal(dev.peers[7].allowedips.length, 2000);
  assert.deepEqual(dev.peers[7].allowedips, peers[7].allowedips);
  assert.equal(dev.peers[299].endpoint, "192.0.2.49:1299");
});

Deno.test("wireguard bad input: TypeError/RangeError naming the field", () => {
  const ok = { public_key: KEY_A };
  const cases: [string, () => unknown, RegExp][] = [
    ["short key", () => wgSetMessages("wg0", { private_key: new Uint8Array(31) }), /^private_key/],
    ["bad base64", () => wgSetMessages("wg0", { private_key: "not a key" }), /^private_key/],
    [
      "peer without key",
      () => wgSetMessages("wg0", { peers: [{} as WgPeerSpec] }),
      /^peers\[0\]\.public_key/,
    ],
    [
      "endpoint without port",
      () => wgSetMessages("wg0", { peers: [{ ...ok, endpoint: "192.0.2.1" }] }),
      /^peers\[0\]\.endpoint/,
    ],
    [
      "v6 endpoint without brackets",
      () => wgSetMessages("wg0", { peers: [{ ...ok, endpoint: "2001:db8::1:80" }] }),
      /^peers\[0\]\.endpoint/,
    ],
    [
      "port out of range",
      () => wgSetMessages("wg0", { peers: [{ ...ok, endpoint: "192.0.2.1:70000" }] }),
      /^peers\[0\]\.endpoint port/,
    ],
    [
      "allowed ip without prefix",
      () => wgSetMessages("wg0", { peers: [{ ...ok, allowedips: ["10.0.0.1"] }] }),
      /^peers\[0\]\.allowedips\[0\]/,
    ],
    [
      "bad allowed ip",
      () => wgSetMessages("wg0", { peers: [{ ...ok, allowedips: ["10.0.0.0/33"] }] }),
      /^peers\[0\]\.allowedips\[0\]/,
    ],
    ["unknown key", () => wgSetMessages("wg0", { listenport: 1 } as never), /^device\.listenport/],
    [
      "unknown peer key",
      () => wgSetMessages("wg0", { peers: [{ ...ok, keepalive: 25 } as never] }),
      /^peers\[0\]\.keepalive/,
    ],
    [
      "protocol version 2",
      () => wgSetMessages("wg0", { peers: [{ ...ok, protocol_version: 2 }] }),
      /^peers\[0\]\.protocol_version/,
    ],
    ["listen port", () => wgSetMessages("wg0", { listen_port: -1 }), /^listen_port/],
    ["device", () => wgSetMessages("", {}), /^dev/],
  ];
  for (const [name, call, field] of cases) {
    assert.throws(
      call,
      (e: Error) => (e instanceof TypeError || e instanceof RangeError) && field.test(e.message),
      name,
    );
  }
});

async function hasWireGuard(): Promise<boolean> {
  using g = new GenericNetlink();
  try {
    await g.resolve("wireguard");
    return true;
  } catch {
    return false;
  }
}

const present = await hasWireGuard();

Deno.test({
  name: `wireguard: a kernel without it gives a clear error${
    present ? " (skipped: this kernel has WireGuard)" : ""
  }`,
  ignore: present,
  fn: async () => {
    using wg = new WireGuard();
    await assert.rejects(wg.getDevice("wg0"), (e: NetlinkError) => {
      assert.ok(e instanceof NetlinkError);
      assert.equal(e.code, "ENOENT");
      assert.match(e.message, /family "wireguard" is not available in this kernel/);
      return true;
    });
    await assert.rejects(wg.setDevice("wg0", { listen_port: 1 }), /not available in this kernel/);
    // Bad input is still refused first.
    await assert.rejects(wg.setDevice("wg0", { listen_port: -1 }), RangeError);
  },
});

Deno.test({
  name: `wireguard: set and read a device in a namespace${
    present && isRoot ? "" : " (skipped: kernel lacks WireGuard)"
  }`,
  ignore: !present || !isRoot,
  fn: () =>
    withNetns(async (ns) => {
      await ipCmd(ns, "link", "add", "wg0", "type", "wireguard");
      using wg = new WireGuard({ netns: ns });
      await wg.setDevice("wg0", {
        private_key: KEY_A,
        listen_port: 51820,
        peers: [{ public_key: KEY_B, endpoint: "192.0.2.1:51820", allowedips: ["10.0.0.0/24"] }],
      });
      const dev = await wg.getDevice("wg0");
      assert.equal(dev.private_key, wgKeyText(KEY_A));
      assert.equal(dev.listen_port, 51820);
      assert.deepEqual(dev.peers.map((p) => [p.public_key, p.endpoint, p.allowedips]), [
        [wgKeyText(KEY_B), "192.0.2.1:51820", ["10.0.0.0/24"]],
      ]);
    }, "wg"),
});
