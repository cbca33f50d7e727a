/**
 * An `ethtool`-style tool on the library's Ethtool class, printing what ethtool 6.1 prints:
 *
 * ```sh
 * deno run --allow-ffi examples/ethtool.ts [-n NS] DEV            # link settings
 * deno run --allow-ffi examples/ethtool.ts [-n NS] [--json] -k DEV # features
 * deno run --allow-ffi examples/ethtool.ts -n NS -K DEV tso off gro on
 * deno run --allow-ffi examples/ethtool.ts -n NS -l DEV | -L DEV rx 2 tx 2
 * deno run --allow-ffi examples/ethtool.ts -n NS -g|-c|-a|--show-eee|--show-priv-flags|-T DEV
 * deno run --allow-ffi examples/ethtool.ts -n NS [--json] -S DEV --all-groups | --groups eth-mac
 * deno run --allow-ffi examples/ethtool.ts -n NS --monitor
 * ```
 *
 * `-n NS` (an extension) works in a named network namespace, as `ip netns exec NS ethtool`.
 *
 * @module
 */

import { Ethtool, ethtoolFeatureLine, ethtoolFeatureRows, ethtoolReply } from "../ethtool/mod.ts";
import { NetlinkError } from "../mod.ts";

/** Where the tool writes. */
export interface Out {
  /** Standard output. */
  out(text: string): void;
  /** Standard error. */
  err(text: string): void;
}

const na = (v: number | undefined) => (v === undefined ? "n/a" : String(v));

function onOff(v: boolean | undefined): string {
  return v === undefined ? "n/a" : v ? "on" : "off";
}

/** Runs one command line; resolves with the exit code. */
export async function main(argv: string[], io: Out): Promise<number> {
  const args = [...argv];
  let netns: string | undefined;
  let json = false;
  for (;;) {
    if (args[0] === "-n") {
      args.shift();
      netns = args.shift();
    } else if (args[0] === "--json") {
      args.shift();
      json = true;
    } else break;
  }
  using et = new Ethtool(netns === undefined ? {} : { netns });
  const [cmd, dev, ...rest] = args;
  const p = (s: string) => io.out(s + "\n");
  try {
    switch (cmd) {
      case undefined:
        io.err("ethtool: bad command line argument(s)\n");
        return 1;
      case "-k":
      case "--show-features": {
        const rows = ethtoolFeatureRows(await et.getFeatures(dev));
        if (json) {
          const obj: Record<string, unknown> = { ifname: dev };
          for (const r of rows) {
            obj[r.name] = { active: r.active, fixed: r.fixed, requested: r.requested };
          }
          p(JSON.stringify([obj], null, 4));
          return 0;
        }
        p(`Features for ${dev}:`);
        for (const r of rows) p(ethtoolFeatureLine(r));
        return 0;
      }
      case "-K":
      case "--features": {
        const changes: Record<string, boolean> = {};
        for (let i = 0; i < rest.length; i += 2) changes[rest[i]] = rest[i + 1] === "on";
        const r = await et.setFeatures(dev, changes);
        const wrong = Object.entries(r.notApplied);
        if (wrong.length > 0) {
          p("Actual changes:");
          for (const [k, v] of wrong) {
            p(`${k}: ${v ? "off" : "on"} [requested ${v ? "on" : "off"}]`);
          }
          io.err("Could not change any device features\n");
          return 1;
        }
        return 0;
      }
      case "-l":
      case "--show-channels": {
        const c = await et.getChannels(dev);
        p(`Channel parameters for ${dev}:`);
        p("Pre-set maximums:");
        p(`RX:\t\t${na(c.rx_max)}\nTX:\t\t${na(c.tx_max)}`);
        p(`Other:\t\t${na(c.other_max)}\nCombined:\t${na(c.combined_max)}`);
        p("Current hardware settings:");
        p(`RX:\t\t${na(c.rx_count)}\nTX:\t\t${na(c.tx_count)}`);
        p(`Other:\t\t${na(c.other_count)}\nCombined:\t${na(c.combined_count)}`);
        return 0;
      }
      case "-L":
      case "--set-channels": {
        const names: Record<string, string> = {
          rx: "rx_count",
          tx: "tx_count",
          other: "other_count",
          combined: "combined_count",
        };
        const values: Record<string, number> = {};
        for (let i = 0; i < rest.length; i += 2) {
          values[names[rest[i]] ?? rest[i]] = Number(rest[i + 1]);
        }
        await et.setChannels(dev, values);
        return 0;
      }
      case "-g":
      case "-c":
      case "-a":
      case "--show-eee":
      case "--show-priv-flags": {
        const v = cmd === "-g"
          ? await et.getRings(dev)
          : cmd === "-c"
          ? await et.getCoalesce(dev)
          : cmd === "-a"
          ? await et.getPause(dev)
          : cmd === "--show-eee"
          ? await et.getEee(dev)
          : await et.getPrivFlags(dev);
        for (const [k, x] of Object.entries(v)) {
          p(`${k}: ${typeof x === "boolean" ? onOff(x) : JSON.stringify(x)}`);
        }
        return 0;
      }
      case "-T":
      case "--show-time-stamping": {
        const ts = await et.getTsInfo(dev);
        p(`Time stamping parameters for ${dev}:`);
        p("Capabilities:");
        for (const c of ts.timestamping) p(`\t${c}`);
        p(`PTP Hardware Clock: ${ts.phc_index ?? "none"}`);
        p(`Hardware Transmit Timestamp Modes:${ts.tx_types.length ? "" : " none"}`);
        for (const t of ts.tx_types) p(`\t${t}`);
        p(`Hardware Receive Filter Modes:${ts.rx_filters.length ? "" : " none"}`);
        for (const f of ts.rx_filters) p(`\t${f}`);
        return 0;
      }
      case "-S": {
        const groups = rest[0] === "--groups" ? rest.slice(1) : undefined;
        const stats = await et.getStats(dev, groups ? { groups } : {});
        if (json) {
          const obj: Record<string, unknown> = { ifname: dev };
          for (const [g, v] of Object.entries(stats)) obj[g] = v.stats;
          p(JSON.stringify([obj], null, 4));
          return 0;
        }
        p(`Standard stats for ${dev}:`);
        for (const [g, v] of Object.entries(stats)) {
          for (const [k, x] of Object.entries(v.stats)) p(`${g}-${k}: ${x}`);
        }
        return 0;
      }
      case "--monitor": {
        using events = await et.monitor();
        p("listening...");
        for await (const ev of events) {
          if (ev.type === "overrun") p("(events lost)");
          else p(`${ev.type} for ${ev.dev.name}: ${JSON.stringify(ethtoolReply(ev.message))}`);
        }
        return 0;
      }
      default: {
        const [info, modes, state] = await Promise.all([
          et.getLinkInfo(cmd),
          et.getLinkModes(cmd),
          et.getLinkState(cmd),
        ]);
        p(`Settings for ${cmd}:`);
        p(`\tSpeed: ${modes.speed === 0xffffffff ? "Unknown!" : `${modes.speed}Mb/s`}`);
        p(`\tDuplex: ${modes.duplex === 1 ? "Full" : modes.duplex === 0 ? "Half" : "Unknown!"}`);
        p(`\tAuto-negotiation: ${onOff(modes.autoneg)}`);
        p(`\tPHYAD: ${info.phyaddr}`);
        p(`\tLink detected: ${state.link ? "yes" : "no"}`);
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof NetlinkError) {
      if (e.extack.msg) io.err(`netlink error: ${e.extack.msg}\n`);
      io.err(`netlink error: ${e.message.replace(/^.*: (.*) \(E[A-Z]+\).*$/, "$1")}\n`);
      return 1;
    }
    if (e instanceof TypeError || e instanceof RangeError) {
      io.err(`ethtool: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (import.meta.main) {
  const enc = new TextEncoder();
  Deno.exit(
    await main(Deno.args, {
      out: (t) => Deno.stdout.writeSync(enc.encode(t)),
      err: (t) => Deno.stderr.writeSync(enc.encode(t)),
    }),
  );
}
