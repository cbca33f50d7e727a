/**
 * IPDB under fire: for a bounded time (3 s; 20 s under `deno task stress`), random IPDB commits
 * (link attributes, up/down, addresses, routes, rules, bridges created and removed) race random
 * outside `ip` changes to the same objects (attributes, addresses, routes appended, prepended and
 * replaced, nexthop objects with their routes deleted and flushed, links deleted and recreated
 * with the same index), and floods of route changes against a small receive buffer (overruns).
 * Commits may fail (CommitError: the outside changed things under them); nothing else may.
 * Afterwards `db.verify()` must find no difference between the database and the kernel.
 *
 * The run is seeded: NETLINK_SEED=n replays one (the seed is in every failure message).
 *
 * @module
 */

import assert from "node:assert/strict";
import { CommitError, IPDB } from "../../mod.ts";
import type { IPDBRoute } from "../../mod.ts";
import { seeded, withNetns } from "../helpers.ts";
import { gate } from "../features.ts";
import { STRESS } from "./util.ts";

const SECONDS = STRESS ? 20 : 3;

/**
 * `ip -force -batch FILE`: every line is tried; refusals (expected: the outside races IPDB) are
 * not read, so a long batch never blocks on a full pipe.
 */
async function ipBatch(ns: string, lines: string[]): Promise<void> {
  const file = await Deno.makeTempFile({ suffix: ".batch" });
  try {
    await Deno.writeTextFile(file, lines.join("\n") + "\n");
    await new Deno.Command("ip", {
      args: ["-n", ns, "-force", "-batch", file],
      stdout: "null",
      stderr: "null",
    }).output();
  } finally {
    await Deno.remove(file);
  }
}

const LINKS = ["a0", "b0", "c0"];
const SUBNET: Record<string, number> = { a0: 1, b0: 2, c0: 3 };

Deno.test({
  ...(await gate(
    `ipdb random: commits race outside changes, floods and deletions for ${SECONDS} s; ` +
      `then verify() finds no difference`,
    "link:bridge",
    "nexthop",
  )),
  fn: () =>
    withNetns(async (ns) => {
      const seed = Number(Deno.env.get("NETLINK_SEED") ?? (Date.now() % 1e9));
      const rnd = seeded(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
      const int = (n: number) => Math.floor(rnd() * n);
      const ctx = `(seed ${seed}; replay with NETLINK_SEED=${seed})`;

      const setup = ["link set lo up"];
      for (const l of LINKS) {
        const peer = l.replace("0", "1");
        setup.push(
          `link add ${l} type veth peer name ${peer}`,
          `link set ${l} up`,
          `link set ${peer} up`,
          `addr add 10.${SUBNET[l]}.0.1/24 dev ${l}`,
          `-6 addr add 2001:db8:${SUBNET[l]}::1/64 dev ${l} nodad`,
        );
      }
      setup.push("link add d0 type veth peer name d1");
      await ipBatch(ns, setup);
      await using db = await IPDB.open({ netns: ns, rcvbuf: 64 * 1024, timeout: 1000 });

      const end = Date.now() + SECONDS * 1000;
      const unexpected: string[] = [];
      let commits = 0, refused = 0, outside = 0, floods = 0;

      // IPDB's side: one random change per commit, some in explicit transactions.
      const committer = async () => {
        while (Date.now() < end) {
          const l = pick(LINKS);
          const sub = SUBNET[l];
          try {
            const op = int(8);
            const i = db.interfaces[l]!;
            if (op === 0 && i) {
              i.mtu = pick([1280, 1400, 1450, 1500]);
              if (rnd() < 0.5) i.ifalias = pick(["x", "y", "z"]);
              await i.commit();
            } else if (op === 1 && i) {
              if (rnd() < 0.5) i.down();
              else i.up();
              await i.commit();
            } else if (op === 2 && i) {
              const a = `10.${sub}.${int(4)}.${2 + int(5)}/24`;
              if (i.ipaddr.has(a)) i.ipaddr.remove(a);
              else i.ipaddr.add(a);
              await i.commit();
            } else if (op === 3) {
              const dst = `10.50.${int(8)}.0/24`;
              const r: IPDBRoute | undefined = db.routes[dst];
              if (!r) {
                await db.routes.add({ dst, gateway: `10.${sub}.0.${2 + int(3)}` }).commit();
              } else if (rnd() < 0.5) await r.remove().commit();
              else {
                r.gateway = `10.${sub}.0.${2 + int(3)}`;
                await r.commit();
              }
            } else if (op === 4) {
              const dst = `10.60.${int(4)}.0/24`;
              const r = db.routes[dst];
              if (r) await r.remove().commit();
              else {
                await db.routes.add({
                  dst,
                  multipath: [{ gateway: "10.1.0.2" }, { gateway: "10.2.0.2", oif: "b0" }],
                }).commit();
              }
            } else if (op === 5) {
              const priority = 1000 + int(4);
              const [rule] = db.rules.find({ priority });
              if (rule) await rule.remove().commit();
              else await db.rules.add({ priority, table: 100 + int(3) }).commit();
            } else if (op === 6) {
              const br = db.interfaces.br9!;
              if (br) await br.remove().commit();
              else await db.create({ kind: "bridge", ifname: "br9" }).commit();
            } else if (i) {
              await db.transaction(() => {
                i.txqlen = pick([500, 1000]);
                i.ipaddr.add(`10.${sub}.9.1/24`);
                db.routes.add({ dst: `10.70.${int(4)}.0/24`, oif: l });
              });
            }
            commits++;
          } catch (e) {
            if (e instanceof CommitError) refused++;
            else unexpected.push(String(e));
            // Leave nothing pending for the next round.
            for (const x of db.interfaces) x.rollback();
          }
          await new Promise((r) => setTimeout(r, int(3)));
        }
      };

      // The outside's side: random `ip` commands on the same objects.
      const outsider = async () => {
        while (Date.now() < end) {
          const lines: string[] = [];
          for (let n = 1 + int(4); n > 0; n--) {
            const l = pick(LINKS), sub = SUBNET[l];
            switch (int(10)) {
              case 0:
                lines.push(`link set ${l} mtu ${pick([1300, 1400, 1500])}`);
                break;
              case 1:
                lines.push(`link set ${l} ${pick(["up", "down", "up"])}`);
                break;
              case 2:
                lines.push(
                  `addr ${pick(["add", "del"])} 10.${sub}.${int(4)}.${2 + int(5)}/24 dev ${l}`,
                );
                break;
              case 3:
                lines.push(
                  `route ${pick(["append", "prepend", "replace", "del"])} 10.50.${int(8)}.0/24 ` +
                    `via 10.${sub}.0.${2 + int(3)}`,
                );
                break;
              case 4:
                lines.push(`route append 10.80.${int(4)}.0/24 dev ${l}`);
                if (rnd() < 0.5) lines.push(`route del 10.80.${int(4)}.0/24 dev ${l}`);
                break;
              case 5: {
                const id = 1 + int(3);
                lines.push(
                  `nexthop replace id ${id} via 10.${sub}.0.2 dev ${l}`,
                  `route replace 10.90.${id}.0/24 nhid ${id}`,
                );
                if (rnd() < 0.4) lines.push(pick([`nexthop del id ${id}`, "nexthop flush"]));
                break;
              }
              case 6:
                lines.push(
                  pick([
                    "link del d0",
                    "link add d0 type veth peer name d1",
                    "link set d0 up",
                    "link set d1 up",
                  ]),
                );
                break;
              case 7:
                lines.push(`rule ${pick(["add", "del"])} priority ${1000 + int(4)} table 101`);
                break;
              case 8:
                // IPv6 routes per device, and next hops joining and leaving multipath routes.
                lines.push(
                  rnd() < 0.3
                    ? `-6 route ${pick(["add", "del"])} 2001:db8:a${int(4)}::/64 dev ${l}`
                    : `-6 route ${pick(["append", "append", "del", "replace"])} ` +
                      `2001:db8:b${int(3)}::/64 via 2001:db8:${sub}::${2 + int(3)}`,
                );
                break;
              default:
                // (Not an alias: the kernel does not announce one set on a link that is down.)
                lines.push(`link set ${l} txqlen ${pick([600, 700])}`);
            }
          }
          await ipBatch(ns, lines);
          outside++;
          await new Promise((r) => setTimeout(r, int(5)));
        }
      };

      // Floods: thousands of route changes at once, more than the receive buffer holds.
      const flooder = async () => {
        while (Date.now() < end) {
          await new Promise((r) => setTimeout(r, 300 + int(700)));
          const n = 1000 + int(2000);
          const lines: string[] = [];
          for (let i = 0; i < n; i++) lines.push(`route add 10.200.${i >> 8}.${i & 255}/32 dev a0`);
          if (rnd() < 0.7) {
            for (let i = 0; i < n; i++) {
              lines.push(`route del 10.200.${i >> 8}.${i & 255}/32 dev a0`);
            }
          }
          await ipBatch(ns, lines);
          floods++;
        }
      };

      await Promise.all([committer(), outsider(), flooder()]);
      assert.deepEqual(unexpected, [], `errors other than CommitError ${ctx}`);
      assert.ok(commits + refused > 0 && outside > 0 && floods > 0, `nothing ran ${ctx}`);
      const diffs = await db.verify();
      assert.deepEqual(
        diffs,
        [],
        `the database differs from the kernel after ${commits} commits (${refused} refused), ` +
          `${outside} outside batches, ${floods} floods, ${db.stats.overruns} overruns ${ctx}`,
      );
    }, "ipdb-rnd"),
});
