/**
 * Holds N TCP sockets for bench/diag_compare.ts: one listener on 127.0.0.1 and (N-1)/2
 * connections to it (both ends open). Prints "ready COUNT" and holds them until stdin closes.
 * Run it with a raised open-file limit (`ulimit -n`).
 *
 * @module
 */

const want = Number(Deno.args[0] ?? "10000");
const port = Number(Deno.args[1] ?? "9000");
const listener = Deno.listen({ hostname: "127.0.0.1", port });
const conns: Deno.Conn[] = [];
const pairs = Math.floor((want - 1) / 2);
for (let done = 0; done < pairs;) {
  // In batches, so the accept queue never overflows.
  const n = Math.min(256, pairs - done);
  const connecting = Array.from({ length: n }, () => Deno.connect({ hostname: "127.0.0.1", port }));
  // One accept at a time (the runtime allows no more); the connections wait in the backlog.
  for (let i = 0; i < n; i++) conns.push(await listener.accept());
  conns.push(...await Promise.all(connecting));
  done += n;
}
console.log(`ready ${1 + conns.length}`);
for await (const _ of Deno.stdin.readable) { /* hold */ }
for (const c of conns) c.close();
listener.close();
