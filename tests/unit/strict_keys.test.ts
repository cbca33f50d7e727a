/**
 * One mechanism refuses unknown keys everywhere (netlink/strict.ts's `KeySet` + `checkKeys`):
 * its own behaviour (aliases, undefined values, inherited keys, optional objects), and the
 * families that had their own copies (netfilter, ethtool, MPTCP, WireGuard, XFRM, rtnl specs)
 * now name the nearest valid key the same way; NetlinkSocket's options are checked too. Only
 * the last test opens a socket (in the current namespace; nothing is sent).
 */

import assert from "node:assert/strict";
import { checkKeys, checkOptionalKeys, KeySet, REFUSE_UNDEFINED } from "../../netlink/strict.ts";
import { NETLINK, NetlinkSocket } from "../../ffi/socket.ts";
import { keyRequest } from "../../netfilter/conntrack/spec.ts";
import { stateRequest } from "../../xfrm/spec.ts";
import { wgSetMessages } from "../../wireguard/wireguard.ts";

function throwsMsg(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof TypeError, `${e.name}: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
}

const KEYS = new KeySet("test key", ["alpha", "beta"], { a: "alpha" });
const STRICT = new KeySet("key", ["alpha", "beta"], {}, REFUSE_UNDEFINED);

Deno.test("strict keys: checkKeys", async (t) => {
  await t.step("known names and aliases pass; the object is returned", () => {
    const o = { alpha: 1, a: 2, beta: undefined };
    assert.equal(checkKeys(o, KEYS), o);
    assert.ok(KEYS.has("a") && KEYS.has("alpha") && !KEYS.has("gamma"));
    assert.equal(KEYS.canonical("a"), "alpha");
  });
  await t.step("an unknown key: its path, what it is not, the nearest name", () => {
    throwsMsg(
      () => checkKeys({ alpah: 1 }, KEYS),
      /^alpah: unknown test key \(did you mean "alpha"\?\)$/,
    );
    throwsMsg(
      () => checkKeys({ bta: 1 }, KEYS, "spec", "entries[2]."),
      /^entries\[2\]\.bta: unknown test key \(did you mean "beta"\?\)$/,
    );
    throwsMsg(() => checkKeys({ zzbogus: 1 }, KEYS), /^zzbogus: unknown test key$/);
  });
  await t.step("not a plain object: names the field", () => {
    throwsMsg(() => checkKeys([], KEYS, "spec"), /^spec: expected an object/);
    throwsMsg(() => checkKeys(new Map(), KEYS, "opts"), /^opts: expected an object/);
    throwsMsg(() => checkKeys(undefined, KEYS), /^options: expected an object/);
  });
  await t.step("REFUSE_UNDEFINED: `key: undefined` is refused, naming it", () => {
    throwsMsg(
      () => checkKeys({ alpha: 1, beta: undefined }, STRICT, "device", "device."),
      /^device\.beta: undefined \(leave the key out instead\)$/,
    );
    assert.ok(STRICT.with(["gamma"]).refuseUndefined);
    assert.ok(!KEYS.with(["gamma"]).refuseUndefined);
  });
  await t.step("a key inherited from a polluted Object.prototype is not the caller's", () => {
    const proto = Object.prototype as Record<string, unknown>;
    Object.defineProperty(proto, "zzpolluted", { value: 1, enumerable: true, configurable: true });
    try {
      assert.doesNotThrow(() => checkKeys({ alpha: 1 }, KEYS));
      throwsMsg(() => checkKeys({ zzpolluted: 1 }, KEYS), /^zzpolluted: unknown/);
    } finally {
      delete proto.zzpolluted;
    }
  });
  await t.step("checkOptionalKeys: undefined is a fresh {}", () => {
    const a = checkOptionalKeys(undefined, KEYS);
    assert.deepEqual(a, {});
    assert.notEqual(a, checkOptionalKeys(undefined, KEYS));
    throwsMsg(() => checkOptionalKeys(null, KEYS, "filter"), /^filter: expected an object/);
  });
});

Deno.test("strict keys: the families name the nearest key (they had their own checks)", async (t) => {
  await t.step("conntrack", () => {
    throwsMsg(
      () => keyRequest({ tuple_orgi: {} }),
      /^spec\.tuple_orgi: unknown key \(did you mean "tuple_orig"\?\)$/,
    );
    throwsMsg(() => keyRequest({ zone: undefined }), /^spec\.zone: undefined \(leave the key/);
  });
  await t.step("xfrm", () => {
    throwsMsg(
      () => stateRequest({ src: "10.0.0.1", dst: "10.0.0.2", proto: "esp", spii: 1 } as never),
      /^state\.spii: unknown key \(did you mean "spi"\?\)$/,
    );
  });
  await t.step("wireguard", () => {
    throwsMsg(
      () => wgSetMessages("wg0", { listenport: 1 } as never),
      /^device\.listenport: unknown key \(did you mean "listen_port"\?\)$/,
    );
    throwsMsg(
      () => wgSetMessages("wg0", { fwmark: undefined }),
      /^device\.fwmark: undefined \(leave the key out instead\)$/,
    );
  });
});

Deno.test("strict keys: NetlinkSocket's options (ffi/, below strict.ts: its own check)", () => {
  // Refused before a socket is opened: nothing to close.
  throwsMsg(
    () => new NetlinkSocket(NETLINK.ROUTE, { rcvbuff: 1 << 20 } as never),
    /^rcvbuff: unknown socket option \(one of groups, rcvbuf, sndbuf, netns, strict, userGroups\)$/,
  );
  throwsMsg(() => new NetlinkSocket(NETLINK.ROUTE, null as never), /^options: expected an object/);
  using s = new NetlinkSocket(NETLINK.ROUTE, { rcvbuf: 1 << 16, strict: true });
  assert.ok(s.portId > 0);
});
