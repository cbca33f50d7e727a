/**
 * The foundation against the real kernel: namespaces compatible with `ip netns` both ways,
 * links and addresses dumped in them compared with `ip -j`, generic netlink resolution, the
 * socket's options. Each test works in namespaces it creates and removes.
 */

import assert from "node:assert/strict";
import { GenericNetlink, IPRoute, NetlinkError, netns, SyscallError } from "../../mod.ts";
import { NetlinkSocket } from "../../netlink/mod.ts";
import { IFF } from "../../rtnl/constants.ts";
import { ipCmd, ipJson, isRoot, nsName, run, withNetns } from "../helpers.ts";
import { gate } from "../features.ts";

const ignore = !isRoot;

const FLAG_NAMES: [number, string][] = [
  [IFF.LOOPBACK, "LOOPBACK"],
  [IFF.BROADCAST, "BROADCAST"],
  [IFF.POINTOPOINT, "POINTOPOINT"],
  [IFF.MULTICAST, "MULTICAST"],
  [IFF.NOARP, "NOARP"],
  [IFF.ALLMULTI, "ALLMULTI"],
  [IFF.PROMISC, "PROMISC"],
  [IFF.MASTER, "MASTER"],
  [IFF.SLAVE, "SLAVE"],
  [IFF.UP, "UP"],
  [IFF.LOWER_UP, "LOWER_UP"],
];

async function populate(ns: string): Promise<void> {
  await ipCmd(ns, "link", "set", "lo", "up");
  await ipCmd(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
  await ipCmd(ns, "link", "set", "v0", "up");
  await ipCmd(ns, "link", "set", "v1", "up");
  await ipCmd(ns, "link", "set", "v0", "mtu", "1400");
  await ipCmd(ns, "addr", "add", "10.9.0.1/24", "dev", "v0");
  await ipCmd(ns, "addr", "add", "10.9.0.2/24", "dev", "v0");
  await ipCmd(ns, "addr", "add", "2001:db8::1/64", "dev", "v0", "nodad");
}

async function compareWithIp(ns: string): Promise<void> {
  using ip = new IPRoute({ netns: ns });
  const links = await ip.getLinks();
  const theirs = await ipJson(ns, "link", "show");
  assert.equal(links.length, theirs.length);
  for (const t of theirs) {
    const l = links.find((x) => x.index === t.ifindex);
    assert.ok(l, `link ${t.ifname}`);
    assert.equal(l.ifname, t.ifname);
    assert.equal(l.mtu, t.mtu);
    assert.equal(l.address, t.address);
    const flags = FLAG_NAMES.filter(([bit]) => l.flags & bit).map(([, n]) => n).sort();
    // iproute2 adds derived words (NO-CARRIER, M-DOWN) that are not kernel flags.
    const kernelFlags = (t.flags as string[]).filter((f) => f !== "NO-CARRIER" && f !== "M-DOWN");
    assert.deepEqual(flags, kernelFlags.sort(), `flags of ${t.ifname}`);
  }
  const addrs = await ip.getAddr();
  const theirAddrs = (await ipJson(ns, "addr", "show")).flatMap((l) =>
    (l.addr_info as Record<string, unknown>[]).map((a): Record<string, unknown> => ({
      index: l.ifindex,
      ...a,
    }))
  );
  assert.equal(addrs.length, theirAddrs.length);
  for (const t of theirAddrs) {
    const a = addrs.find((x) => x.index === t.index && (x.local ?? x.address) === t.local);
    assert.ok(a, `address ${t.local}`);
    assert.equal(a.prefixlen, t.prefixlen);
    assert.equal(a.family === 2 ? "inet" : "inet6", t.family);
  }
}

Deno.test({
  name: "netns: namespaces made here are visible to ip netns, and the other way",
  ignore,
}, async () => {
  const mine = nsName("mine");
  const theirs = nsName("theirs");
  netns.create(mine);
  try {
    assert.ok(netns.exists(mine));
    assert.ok((await run("ip", ["netns", "list"])).includes(mine));
    await run("ip", ["netns", "add", theirs]);
    try {
      assert.ok(netns.list().includes(theirs));
      assert.ok(netns.exists(theirs));
    } finally {
      await run("ip", ["netns", "del", theirs]);
    }
    assert.ok(!netns.list().includes(theirs));
  } finally {
    netns.remove(mine);
  }
  assert.ok(!netns.exists(mine));
  assert.ok(!(await run("ip", ["netns", "list"])).includes(mine));
});

Deno.test({
  name: "netns: links and addresses in a namespace made by netns.create match ip -j",
  ignore,
}, async () => {
  await withNetns(async (ns) => {
    await populate(ns);
    await compareWithIp(ns);
  }, "fc");
});

Deno.test({
  name: "netns: links and addresses in a namespace made by ip netns add match ip -j",
  ignore,
}, async () => {
  const ns = nsName("ipadd");
  await run("ip", ["netns", "add", ns]);
  try {
    await populate(ns);
    await compareWithIp(ns);
  } finally {
    await run("ip", ["netns", "del", ns]);
  }
});

Deno.test(
  { name: "netns: a socket opened in a namespace leaves the process where it was", ignore },
  async () => {
    const before = await Deno.readLink("/proc/thread-self/ns/net");
    await withNetns(async (ns) => {
      using ip = new IPRoute({ netns: ns });
      const links = await ip.getLinks();
      assert.deepEqual(links.map((l) => l.ifname), ["lo"]);
      assert.equal(await Deno.readLink("/proc/thread-self/ns/net"), before);
    });
    // A pid's namespace: our own, read-only.
    using self = new IPRoute({ netns: { pid: Deno.pid } });
    assert.ok((await self.getLinks()).length >= 1);
  },
);

Deno.test("netns: invalid names are TypeErrors before anything is touched", () => {
  for (const bad of ["", ".", "..", "a/b", "x".repeat(256), "a\0b"]) {
    assert.throws(() => netns.create(bad), TypeError, JSON.stringify(bad));
    assert.throws(() => netns.remove(bad), TypeError);
  }
  assert.throws(() => netns.create(5 as unknown as string), TypeError);
  assert.throws(() => new IPRoute({ netns: "a/b" }), TypeError);
});

Deno.test({
  name: "netns: a missing namespace is an error naming it; creating twice fails cleanly",
  ignore,
}, () => {
  const missing = nsName("missing");
  assert.throws(
    () => new IPRoute({ netns: missing }),
    (e: Error) => e instanceof SyscallError && e.message.includes(missing) && e.code === "ENOENT",
  );
  assert.throws(() => netns.remove(missing), (e: Error) => e.message.includes(missing));
  const ns = nsName("twice");
  netns.create(ns);
  try {
    assert.throws(
      () => netns.create(ns),
      (e: Error) =>
        e instanceof SyscallError && e.code === "EEXIST" && e.message.includes("already exists"),
    );
    assert.ok(netns.exists(ns));
  } finally {
    netns.remove(ns);
  }
});

Deno.test({
  ...(await gate(
    "genl: resolves nlctrl and TASKSTATS, lists families, names a missing one",
    "genl:TASKSTATS",
  )),
}, async () => {
  using genl = new GenericNetlink();
  const ctrl = await genl.resolve("nlctrl");
  assert.equal(ctrl.id, 0x10);
  assert.ok(ctrl.ops.length > 0);
  assert.ok("notify" in ctrl.groups);
  const ts = await genl.resolve("TASKSTATS");
  assert.ok(ts.id > 0x10);
  assert.ok(ts.version >= 1);
  assert.equal(await genl.resolve("TASKSTATS"), ts, "cached");
  const names = (await genl.listFamilies()).map((f) => f.name);
  assert.ok(names.includes("nlctrl") && names.includes("TASKSTATS"));
  await assert.rejects(
    genl.resolve("nosuchfamily"),
    (e: Error) => e instanceof NetlinkError && /nosuchfamily/.test(e.message),
  );
});

Deno.test({ name: "socket: groups above 31, receive buffer, idempotent close", ignore }, () => {
  const s = new NetlinkSocket(0, { groups: [1, 33], rcvbuf: 1 << 20 });
  assert.ok(s.portId > 0);
  assert.ok(s.rcvbuf >= 1 << 20);
  assert.equal(s.receive(), null);
  s.close();
  s.close();
  assert.ok(s.closed);
  assert.throws(() => s.receive(), /closed/);
});

Deno.test("ffi: without --allow-ffi the error names the flag", async () => {
  const code = `import { IPRoute } from "${new URL("../../mod.ts", import.meta.url).href}";
try { new IPRoute(); } catch (e) { console.log(String(e)); }`;
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(file, code);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", file],
    stdout: "piped",
    stderr: "piped",
  })
    .output()
    .finally(() => Deno.remove(file));
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.match(text, /--allow-ffi/);
});
