/**
 * Netfilter against its tools, in one run, interleaved run by run:
 *
 * - conntrack: a namespace holds N entries created through ctnetlink (pipelined creates);
 *   `conntrack -L` in it, output to /dev/null, timed around the process; ours, warm, in this
 *   process: `ct.dump()` (lazy views, nothing read), and the same with the original tuple of
 *   every entry read (`e.orig`: addresses, protocol, ports).
 * - nftables: M elements added to an (emptied) set in one transaction: `nft -f` of a file
 *   holding `add element … { M elements }`, timed around the process; ours:
 *   `nft.transaction((tx) => tx.addElements(…))`, warm, in this process.
 *
 *     sudo deno task bench:netfilter [--entries=100000] [--elements=10000] [--runs=7]
 *
 * Prints medians and ratios as Markdown with the CPU model. The namespace is removed at the end,
 * also on failure or SIGINT.
 *
 * @module
 */

import { Conntrack, NFTables } from "../netfilter/mod.ts";
import { CT_MESSAGE, IPCTNL_MSG_CT } from "../netfilter/conntrack/schema.ts";
import { entryRequest } from "../netfilter/conntrack/spec.ts";
import { NFNL_SUBSYS, nfnlType } from "../netfilter/nfnetlink.ts";
import { NLM_F } from "../netlink/constants.ts";
import { median, removedAtExit, shSync, timeProcess } from "./util.ts";

const arg = (name: string, fallback: number) => {
  const a = Deno.args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : fallback;
};
const ENTRIES = arg("entries", 100000);
const ELEMENTS = arg("elements", 10000);
const RUNS = arg("runs", 7);
const ns = `nlbench-nf-${Deno.pid}`;

// Removes the namespace at the end, on failure, and on SIGINT/SIGTERM.
const cleanup = removedAtExit([ns]);

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const cpu = new TextDecoder().decode(
  new Deno.Command("sh", { args: ["-c", "grep -m1 'model name' /proc/cpuinfo"], stdout: "piped" })
    .outputSync().stdout,
).split(":")[1]?.trim();

function table(title: string, rows: [string, number[]][], ref: string): string {
  const base = median(rows.find(([n]) => n === ref)![1]);
  const lines = [
    `### ${title}`,
    "",
    `| what | median ms | × ${ref} | runs |`,
    "| --- | --- | --- | --- |",
  ];
  for (const [n, xs] of rows) {
    lines.push(
      `| ${n} | ${median(xs).toFixed(1)} | ${(median(xs) / base).toFixed(2)} | ${xs.length} |`,
    );
  }
  return lines.join("\n");
}

try {
  shSync("ip", ["netns", "add", ns]);
  // --- conntrack: N entries, created through ctnetlink, pipelined ---
  using ct = new Conntrack({ netns: ns });
  const requests: Uint8Array[] = [];
  for (let i = 0; i < ENTRIES; i++) {
    const req = entryRequest({
      tuple_orig: {
        saddr: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        daddr: "192.0.2.1",
        proto: "tcp",
        sport: 1024 + (i % 60000),
        dport: 443,
      },
      timeout: 3600,
      protoinfo: { tcp: { state: "ESTABLISHED" } },
    }, true);
    requests.push(
      ct.nfnl.build(CT_MESSAGE, {
        type: nfnlType(NFNL_SUBSYS.CTNETLINK, IPCTNL_MSG_CT.NEW),
        flags: NLM_F.CREATE | NLM_F.EXCL,
        header: req.header,
        attrs: req.attrs,
      }, "IPCTNL_MSG_CT_NEW").bytes,
    );
  }
  const results = await ct.nfnl.engine.pipeline(requests, { ackEach: false });
  const failed = results.filter((r) => r instanceof Error);
  if (failed.length) throw failed[0] as Error;
  const count = await ct.count();
  if (count !== ENTRIES) throw new Error(`${count} entries, expected ${ENTRIES}`);
  const ctRows: [string, number[]][] = [
    ["conntrack -L > /dev/null", []],
    ["ours: ct.dump() (lazy views)", []],
    ["ours: ct.dump() + e.orig of every entry", []],
  ];
  await ct.dump(); // warm
  for (let r = 0; r < RUNS; r++) {
    ctRows[0][1].push(await timeProcess("ip", ["netns", "exec", ns, "conntrack", "-L"]));
    ctRows[1][1].push(
      await time(async () => {
        const all = await ct.dump();
        if (all.length !== ENTRIES) throw new Error(`dumped ${all.length}`);
      }),
    );
    ctRows[2][1].push(
      await time(async () => {
        let ports = 0;
        for (const e of await ct.dump()) ports += e.orig?.sport ?? 0;
        if (ports === 0) throw new Error("no ports read");
      }),
    );
  }
  await ct.flush({ all: true });

  // --- nftables: M elements in one transaction ---
  using nft = new NFTables({ netns: ns });
  await nft.transaction((tx) => {
    tx.addTable({ family: "inet", name: "b" });
    tx.addSet({ family: "inet", table: "b", name: "s", type: "ipv4_addr" });
  });
  const elements = Array.from(
    { length: ELEMENTS },
    (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  );
  const file = await Deno.makeTempFile({ suffix: ".nft" });
  await Deno.writeTextFile(file, `add element inet b s { ${elements.join(", ")} }\n`);
  const nftRows: [string, number[]][] = [
    [`nft -f (add element … { ${ELEMENTS} elements })`, []],
    ["ours: one transaction (addElements)", []],
  ];
  const flush = () =>
    nft.transaction((tx) => void tx.flushSet({ family: "inet", table: "b", set: "s" }));
  try {
    for (let r = 0; r < RUNS; r++) {
      await flush();
      nftRows[0][1].push(await timeProcess("ip", ["netns", "exec", ns, "nft", "-f", file]));
      await flush();
      nftRows[1][1].push(
        await time(() =>
          nft.transaction((tx) =>
            void tx.addElements({ family: "inet", table: "b", set: "s", elements })
          )
        ),
      );
    }
    const got = await nft.getElements({ family: "inet", table: "b", set: "s" });
    if (got.length !== ELEMENTS) throw new Error(`${got.length} elements, expected ${ELEMENTS}`);
  } finally {
    await Deno.remove(file);
  }
  console.log(`CPU: ${cpu} (${navigator.hardwareConcurrency} CPUs), Deno ${Deno.version.deno}\n`);
  console.log(table(`conntrack: dump of ${ENTRIES} entries`, ctRows, "conntrack -L > /dev/null"));
  console.log();
  console.log(
    table(`nftables: ${ELEMENTS} set elements in one transaction`, nftRows, nftRows[0][0]),
  );
} finally {
  cleanup();
}
