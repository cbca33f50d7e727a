/**
 * A TCP peer for the netfilter tests, run inside a namespace (`ip netns exec NS deno run
 * --allow-net tcp_peer.ts …`): `server HOST PORT` prints "ready", echoes one connection until
 * the client closes it, and exits; `client HOST PORT` connects, sends a line, reads it back,
 * prints "connected", and closes when its stdin closes.
 *
 * @module
 */

const [role, host, port] = Deno.args;
const enc = new TextEncoder();

if (role === "server") {
  const listener = Deno.listen({ hostname: host, port: Number(port) });
  console.log("ready");
  const conn = await listener.accept();
  const buf = new Uint8Array(4096);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) break;
    await conn.write(buf.subarray(0, n));
  }
  conn.close();
  listener.close();
} else {
  const conn = await Deno.connect({ hostname: host, port: Number(port) });
  await conn.write(enc.encode("hello\n"));
  const buf = new Uint8Array(64);
  await conn.read(buf);
  console.log("connected");
  // Stay connected until the test closes our stdin.
  for await (const _ of Deno.stdin.readable) { /* wait */ }
  conn.close();
}
