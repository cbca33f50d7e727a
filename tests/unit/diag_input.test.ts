/**
 * Bad input to SockDiag, ProcEvents and Uevents: a TypeError/RangeError naming the field,
 * thrown before anything is sent (the socket's send is watched).
 *
 * @module
 */

import assert from "node:assert/strict";
import { SockDiag } from "../../diag/mod.ts";
import { compileFilter } from "../../diag/filter.ts";
import {
  inetDump,
  inetExact,
  netlinkRequest,
  packetRequest,
  unixRequest,
} from "../../diag/requests.ts";
import { ProcEvents } from "../../events/proc.ts";
import { Uevents } from "../../events/uevent.ts";

type Case = [what: string, run: () => unknown, error: RegExp];

const bad = (v: unknown) => v as never;

const REQUEST_CASES: Case[] = [
  [
    "unknown state",
    () => inetDump({ states: bad(["listen", "lisen"]) }),
    /^states\[1\]: unknown socket state "lisen"/,
  ],
  ["state not a string", () => inetDump({ states: bad(10) }), /^states: expected a state name/],
  ["empty states", () => inetDump({ states: [] }), /^states: expected a state name/],
  [
    "unknown option",
    () => inetDump(bad({ familly: "inet" })),
    /^familly: unknown inet query option \(did you mean "family"\?\)/,
  ],
  ["unknown family", () => inetDump({ family: bad("ipx") }), /^family: unknown family "ipx"/],
  [
    "unknown protocol",
    () => inetDump({ protocol: bad("sctp") }),
    /^protocol: unknown protocol "sctp"/,
  ],
  ["protocol number", () => inetDump({ protocol: bad(6) }), /^protocol: unknown protocol /],
  [
    "unknown extension",
    () => inetDump({ extensions: bad(["info", "tcpinfo"]) }),
    /^extensions\[1\]: unknown name "tcpinfo"/,
  ],
  [
    "rawProtocol without raw",
    () => inetDump({ rawProtocol: 1 }),
    /^rawProtocol: only for protocol "raw"/,
  ],
  [
    "rawProtocol out of range",
    () => inetDump({ protocol: "raw", rawProtocol: 256 }),
    /^rawProtocol: 256 is out of range/,
  ],
  ["signal not a signal", () => inetDump({ signal: bad("x") }), /^signal: expected an AbortSignal/],
  [
    "port out of range",
    () => inetDump({ filter: { sport: 65536 } }),
    /^filter\.sport: port 65536 is out of range/,
  ],
  [
    "negative port",
    () => inetDump({ filter: { dport: { ge: -1 } } }),
    /^filter\.dport\.ge: port -1 is out of range/,
  ],
  [
    "port not an integer",
    () => inetDump({ filter: { sport: bad("80") } }),
    /^filter\.sport: expected a port or/,
  ],
  [
    "unknown port condition",
    () => inetDump({ filter: { sport: bad({ gte: 1 }) } }),
    /^filter\.sport\.gte: unknown port condition/,
  ],
  [
    "empty port condition",
    () => inetDump({ filter: { sport: {} } }),
    /^filter\.sport: empty port condition/,
  ],
  [
    "unknown filter key",
    () => inetDump({ filter: bad({ spot: 80 }) }),
    /^filter\.spot: unknown filter key/,
  ],
  ["empty filter", () => inetDump({ filter: {} }), /^filter: empty filter/],
  [
    "empty and",
    () => inetDump({ filter: { and: [] } }),
    /^filter\.and: expected a non-empty array/,
  ],
  [
    "or not an array",
    () => inetDump({ filter: bad({ or: { sport: 1 } }) }),
    /^filter\.or: expected a non-empty array/,
  ],
  [
    "and with a sibling",
    () => inetDump({ filter: bad({ and: [{ sport: 1 }], dport: 2 }) }),
    /^filter: "and" must be the only key/,
  ],
  [
    "nested bad leaf",
    () => inetDump({ filter: { or: [{ sport: 1 }, { not: { dst: "10.0.0.300" } }] } }),
    /^filter\.or\[1\]\.not\.dst: invalid IP address/,
  ],
  [
    "bad prefix",
    () => inetDump({ filter: { src: "10.0.0.0/33" } }),
    /^filter\.src: prefix length 33 is out of range/,
  ],
  [
    "bad endpoint port",
    () => inetDump({ filter: { dst: "[::1]:70000" } }),
    /^filter\.dst: port 70000 is out of range/,
  ],
  [
    "endpoint key",
    () => inetDump({ filter: { dst: bad({ address: "::1" }) } }),
    /^filter\.dst\.address: unknown endpoint key/,
  ],
  [
    "undefined value",
    () => inetDump({ filter: { sport: undefined } }),
    /^filter\.sport: undefined/,
  ],
  ["mask without mark", () => inetDump({ filter: { mask: 0xff } }), /^filter\.mask: needs mark/],
  [
    "mark out of range",
    () => inetDump({ filter: { mark: 2 ** 32 } }),
    /^filter\.mark: 4294967296 is out of range/,
  ],
  [
    "autobound false",
    () => inetDump({ filter: bad({ autobound: false }) }),
    /^filter\.autobound: expected true/,
  ],
  [
    "filter not an object",
    () => compileFilter(bad("sport = :22")),
    /^filter: expected a filter object/,
  ],
  ["deep filter", () => compileFilter(deep(80)), /nested deeper than 64 levels/],
  [
    "tuple without ports",
    () => inetExact(20, { src: "10.0.0.1", dst: "10.0.0.2" }, 0),
    /^sport: expected an integer/,
  ],
  [
    "tuple families differ",
    () => inetExact(20, { src: "10.0.0.1", sport: 1, dst: "::1", dport: 2 }, 0),
    /^dst: src and dst must be addresses of one family/,
  ],
  [
    "tuple bad address",
    () => inetExact(20, { src: "nope", sport: 1, dst: "::1", dport: 2 }, 0),
    /^src: invalid IP address/,
  ],
  [
    "tuple unknown key",
    () => inetExact(20, { src: "::1", sport: 1, dst: "::1", dport: 2, port: 3 }, 0),
    /^port: unknown socket key \(did you mean "sport"\?\)/,
  ],
  [
    "tuple bad cookie",
    () => inetExact(20, { src: "::1", sport: 1, dst: "::1", dport: 2, cookie: -1 }, 0),
    /^cookie: expected a socket cookie/,
  ],
  [
    "unix show",
    () => unixRequest({ show: bad(["name", "names"]) }),
    /^show\[1\]: unknown name "names"/,
  ],
  ["unix inode", () => unixRequest({ inode: 1.5 }), /^inode: expected an integer/],
  [
    "packet option",
    () => packetRequest(bad({ shw: "all" })),
    /^shw: unknown packet query option \(did you mean "show"\?\)/,
  ],
  [
    "netlink protocol",
    () => netlinkRequest({ protocol: bad("routing") }),
    /^protocol: unknown netlink protocol "routing"/,
  ],
  [
    "netlink protocol number",
    () => netlinkRequest({ protocol: 255 }),
    /^protocol: 255 is out of range/,
  ],
];

function deep(n: number): never {
  let f: unknown = { sport: 1 };
  for (let i = 0; i < n; i++) f = { not: f };
  return f as never;
}

Deno.test("diag input: every bad request is a TypeError/RangeError naming the field", async (t) => {
  for (const [what, run, error] of REQUEST_CASES) {
    await t.step(what, () => {
      assert.throws(run, (e: unknown) => {
        assert.ok(e instanceof TypeError || e instanceof RangeError, `${what}: ${e}`);
        assert.match((e as Error).message, error);
        return true;
      });
    });
  }
});

Deno.test({
  name: "diag input: SockDiag methods throw before sending anything",
  ignore: Deno.permissions.querySync({ name: "ffi" }).state !== "granted",
  fn: async () => {
    // Reading the initial namespace's sockets is allowed; nothing here even reads.
    using diag = new SockDiag();
    let sent = 0;
    const send = diag.socket.send.bind(diag.socket);
    diag.socket.send = (b: Uint8Array) => {
      sent++;
      return send(b);
    };
    await assert.rejects(diag.inet({ states: bad(["nope"]) }), TypeError);
    await assert.rejects(diag.inet({ filter: { dport: 1e6 } }), RangeError);
    await assert.rejects(diag.get(bad({ src: "1.2.3.4" })), TypeError);
    await assert.rejects(
      diag.destroy(bad({ src: "1.2.3.4", sport: 1, dst: "::", dport: 1 })),
      TypeError,
    );
    await assert.rejects(diag.unix({ states: bad("listening!") }), TypeError);
    await assert.rejects(diag.packet(bad({ show: ["x"] })), TypeError);
    await assert.rejects(diag.netlink({ protocol: bad(-1) }), RangeError);
    await assert.rejects(
      diag.get(bad({ src: "::1", sport: 1, dst: "::1", dport: 1 }), bad({ ext: [] })),
      TypeError,
    );
    // @ts-expect-error: a second argument is refused, not dropped
    await assert.rejects(diag.inet({}, { states: "listen" }), /inet: takes 1 argument, got 2/);
    assert.equal(sent, 0);
    assert.throws(
      () => new SockDiag(bad({ namespace: "x" })),
      /namespace: unknown SockDiag option/,
    );
    assert.throws(() => new SockDiag({ rcvbuf: -1 }), RangeError);
  },
});

Deno.test({
  name: "events input: bad options are TypeErrors before any socket is opened",
  ignore: Deno.permissions.querySync({ name: "ffi" }).state !== "granted",
  fn: () => {
    assert.throws(
      () => new ProcEvents(bad({ rcvbuff: 1 })),
      /rcvbuff: unknown ProcEvents option \(did you mean "rcvbuf"\?\)/,
    );
    assert.throws(() => new ProcEvents(bad({ signal: {} })), /signal: expected an AbortSignal/);
    assert.throws(
      () => new Uevents({ groups: bad(["kernel", "systemd"]) }),
      /groups\[1\]: unknown uevent group "systemd"/,
    );
    assert.throws(() => new Uevents({ groups: [] }), /groups: expected a non-empty array/);
    assert.throws(
      () => new Uevents(bad({ group: ["udev"] })),
      /group: unknown Uevents option \(did you mean "groups"\?\)/,
    );
  },
});
