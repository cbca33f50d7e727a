/**
 * Records the datagrams the kernel multicasts on the xfrm groups (new, updated and deleted
 * policies, SPI allocations, flushes, an ACQUIRE for real traffic) in a fresh namespace that is
 * always removed, for the decoder tests and the fuzzer's corpus:
 *
 *     sudo deno run -A tests/golden/families/capture_xfrm_events.ts
 *
 * writes tests/golden/families/xfrm_events.json.
 *
 * @module
 */

import { NETLINK, NetlinkSocket } from "../../../ffi/socket.ts";
import * as netns from "../../../ffi/netns.ts";

const HERE = new URL(".", import.meta.url).pathname;
const ns = `gold-xfrmev-${Deno.pid}`;

function sh(...args: string[]): void {
  const r = new Deno.Command(args[0], { args: args.slice(1), stderr: "piped" }).outputSync();
  if (!r.success) throw new Error(`${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
}

netns.create(ns);
try {
  const ip = (cmd: string) => sh("ip", "-n", ns, ...cmd.split(" "));
  ip("link set lo up");
  ip("link add v0 type veth peer name v1");
  ip("addr add 10.0.0.1/24 dev v0");
  ip("link set v0 up");
  ip("link set v1 up");
  using sock = new NetlinkSocket(NETLINK.XFRM, { netns: ns, groups: [1, 2, 3, 4] });
  ip("xfrm policy add src 10.0.0.1/32 dst 10.0.0.2/32 dir out tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 7");
  ip("xfrm policy add src 2001:db8:1::/64 dst 2001:db8:2::/64 dir fwd priority 9 mark 1 mask 0xff if_id 3 tmpl src 2001:db8::1 dst 2001:db8::2 proto esp mode tunnel tmpl src 2001:db8::1 dst 2001:db8::2 proto comp mode tunnel level use");
  ip("xfrm policy update src 2001:db8:1::/64 dst 2001:db8:2::/64 dir fwd priority 10 mark 1 mask 0xff if_id 3");
  ip("xfrm policy delete src 2001:db8:1::/64 dst 2001:db8:2::/64 dir fwd mark 1 mask 0xff if_id 3");
  ip("xfrm state allocspi src 192.0.2.1 dst 192.0.2.2 proto esp min 0x100 max 0x100");
  sh(
    "ip",
    "netns",
    "exec",
    ns,
    "python3",
    "-c",
    "import socket\ns = socket.socket(2, 2)\ntry: s.sendto(b'x', ('10.0.0.2', 9))\nexcept OSError: pass\n",
  );
  ip("xfrm state flush");
  ip("xfrm policy flush");
  const datagrams: string[] = [];
  const hex = (b: ArrayBuffer) =>
    Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
  for (let i = 0; i < 50; i++) {
    const b = sock.receive();
    if (b) datagrams.push(hex(b));
    else await new Promise((r) => setTimeout(r, 20));
  }
  Deno.writeTextFileSync(
    `${HERE}xfrm_events.json`,
    JSON.stringify({ kernel: Deno.osRelease(), datagrams }, null, 1) + "\n",
  );
  console.log(`${datagrams.length} datagrams`);
} finally {
  netns.remove(ns);
}
