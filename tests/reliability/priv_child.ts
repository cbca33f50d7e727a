/**
 * The unprivileged side of privilege.test.ts: run without any capability (setpriv) inside the
 * test's namespace (ip netns exec). Reads, then tries changes, and prints one JSON line of what
 * happened. Arguments: a namespace name it tries (and must fail) to create, and optionally an
 * existing namespace (the test's own) it tries to open a connection in.
 *
 * @module
 */

import { GenericNetlink, IPRoute, netns } from "../../mod.ts";

const out: Record<string, unknown> = {};
async function attempt(name: string, fn: () => Promise<unknown> | unknown): Promise<void> {
  try {
    const v = await fn();
    out[name] = { ok: true, value: v };
  } catch (e) {
    out[name] = { ok: false, name: (e as Error).name, message: (e as Error).message };
  }
}

let ip: IPRoute | undefined;
await attempt("open", () => {
  ip = new IPRoute();
  return true;
});
if (ip) {
  await attempt("links", async () => (await ip!.getLinks()).map((l) => l.ifname));
  await attempt("addrs", async () => (await ip!.getAddr()).map((a) => a.address));
  await attempt("routes", async () => (await ip!.getRoutes()).length);
  await attempt("rules", async () => (await ip!.getRules()).length);
  await attempt("get", async () => (await ip!.link("get", { index: 1 }))[0].ifname);
  await attempt("linkAdd", () => ip!.link("add", { ifname: "p0", kind: "veth", peer: "p1" }));
  await attempt("linkSet", () => ip!.link("set", { index: 1, mtu: 1280 }));
  await attempt("addrAdd", () => ip!.addr("add", { index: 1, address: "10.9.9.9/32" }));
  await attempt("routeAdd", () => ip!.route("add", { dst: "10.8.0.0/16", oif: 1 }));
  ip.close();
  await attempt("genl", async () => {
    using g = new GenericNetlink();
    return (await g.resolve("nlctrl")).id;
  });
}
await attempt("openOtherNs", () => {
  new IPRoute({ netns: { pid: 1 } }).close();
  return true;
});
if (Deno.args[1]) {
  await attempt("openNamed", () => {
    new IPRoute({ netns: Deno.args[1] }).close();
    return true;
  });
}
await attempt("pidString", () => {
  new IPRoute({ netns: { pid: "1" as unknown as number } }).close();
  return true;
});
await attempt("netnsCreate", () => netns.create(Deno.args[0] ?? "nlt-priv-never"));
console.log(JSON.stringify(out));
