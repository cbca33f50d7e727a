/**
 * nf_tables like nft(8): print the ruleset, or apply a small firewall atomically.
 *
 * ```sh
 * sudo deno run --allow-ffi examples/nft.ts list [--netns NS]     # like nft list ruleset
 * sudo deno run --allow-ffi examples/nft.ts firewall --netns NS   # one transaction
 * sudo deno run --allow-ffi examples/nft.ts demo                  # both, in a new namespace
 * ```
 *
 * `firewall` replaces table `inet demo_fw` with: established/related and loopback accepted,
 * SSH and HTTP(S) accepted, ICMP rate-limited, everything else dropped and counted; and
 * masquerading of 10.0.0.0/8 out of `eth0`. It is one transaction: all of it applies, or
 * (when any part is refused) nothing.
 *
 * @module
 */

import { netns } from "../mod.ts";
import { NFTables, rules } from "../netfilter/mod.ts";
import type { NftExpr, NftRawExpr, NftTableInfo } from "../netfilter/mod.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** One expression as nft --debug=netlink prints it, roughly. */
function exprText(e: NftExpr | NftRawExpr): string {
  const parts = Object.entries(e).filter(([k]) => k !== "kind").map(([k, v]) => {
    if (v instanceof Uint8Array) return `${k} 0x${hex(v)}`;
    if (v && typeof v === "object") {
      const d = v as { value?: Uint8Array; verdict?: { code: string; chain?: string } };
      if (d.value) return `${k} 0x${hex(d.value)}`;
      if (d.verdict) return `${d.verdict.code}${d.verdict.chain ? ` ${d.verdict.chain}` : ""}`;
    }
    return `${k} ${v}`;
  });
  return `[ ${e.kind}${parts.length ? " " + parts.join(" ") : ""} ]`;
}

/** Prints a ruleset read with NFTables.ruleset(). */
export function printRuleset(tables: NftTableInfo[]): void {
  for (const t of tables) {
    console.log(`table ${t.family} ${t.name} { # handle ${t.handle}`);
    for (const o of t.objects) console.log(`\t${o.type} ${o.name} ${JSON.stringify(o.data)}`);
    for (const s of t.sets) {
      const els = s.elements.filter((e) => !e.intervalEnd).map((e) =>
        e.data === undefined ? `${e.key}` : `${e.key} : ${JSON.stringify(e.data)}`
      );
      console.log(
        `\tset ${s.name} { type ${s.type}${s.map ? ` : ${s.map}` : ""}; flags ${
          s.flags.join(",")
        }; elements = { ${els.join(", ")} } }`,
      );
    }
    for (const c of t.chains) {
      const base = c.hook === undefined
        ? ""
        : ` type ${c.type} hook ${c.hook} priority ${c.priority}; policy ${c.policy};`;
      console.log(`\tchain ${c.name} {${base} # handle ${c.handle}`);
      for (const r of c.rules) {
        console.log(`\t\t${r.expr.map(exprText).join(" ")} # handle ${r.handle}`);
      }
      console.log("\t}");
    }
    console.log("}");
  }
}

/** Replaces table inet demo_fw (and ip demo_nat) in one transaction. */
export async function applyFirewall(nft: NFTables): Promise<void> {
  const fw = { family: "inet", table: "demo_fw" } as const;
  const nat = { family: "ip", table: "demo_nat" } as const;
  const existing = await nft.getTables();
  await nft.transaction((tx) => {
    for (const t of existing) {
      if (t.name === "demo_fw" || t.name === "demo_nat") {
        tx.deleteTable({ family: t.family === 1 ? "inet" : "ip", name: t.name });
      }
    }
    tx.addTable({ family: "inet", name: "demo_fw" });
    tx.addObject({ ...fw, name: "dropped", type: "counter" });
    tx.addSet({ ...fw, name: "web", type: "inet_service", elements: [80, 443] });
    tx.addChain({ ...fw, name: "input", hook: "input", priority: "filter", policy: "drop" });
    const input = (expr: NftExpr[]) => tx.addRule({ ...fw, chain: "input", expr });
    input(rules.accept({ ctState: ["established", "related"] }));
    input(rules.accept({ iifname: "lo" }));
    input(rules.accept({ proto: "tcp", dport: 22 }));
    input(rules.accept({ proto: "tcp", dport: "@web" }));
    input(rules.accept({ proto: "icmp", limit: { rate: 10, per: "second" } }));
    input([...rules.match({ counter: true }), {
      kind: "objref",
      imm_type: 1,
      imm_name: "dropped",
    }]);
    tx.addTable({ family: "ip", name: "demo_nat" });
    tx.addChain({ ...nat, name: "post", type: "nat", hook: "postrouting", priority: "srcnat" });
    tx.addRule({
      ...nat,
      chain: "post",
      expr: rules.masquerade({ family: "ip", saddr: "10.0.0.0/8", oifname: "eth0" }),
    });
  });
}

async function list(nft: NFTables): Promise<void> {
  const gen = await nft.getGen();
  console.log(`# generation ${gen.id}${gen.proc_name ? ` (last change by ${gen.proc_name})` : ""}`);
  printRuleset(await nft.ruleset());
}

if (import.meta.main) {
  const args = [...Deno.args];
  const at = args.indexOf("--netns");
  const target = at >= 0 ? args.splice(at, 2)[1] : undefined;
  const [cmd = "demo"] = args;
  if (cmd === "demo") {
    const ns = `nft-demo-${Deno.pid}`;
    netns.create(ns);
    try {
      using nft = new NFTables({ netns: ns });
      await applyFirewall(nft);
      await list(nft);
    } finally {
      netns.remove(ns);
    }
  } else if (cmd === "list") {
    using nft = new NFTables(target ? { netns: target } : {});
    await list(nft);
  } else if (cmd === "firewall" && target) {
    using nft = new NFTables({ netns: target });
    await applyFirewall(nft);
    await list(nft);
  } else {
    console.error("usage: examples/nft.ts list [--netns NS] | firewall --netns NS | demo");
    Deno.exit(2);
  }
}
