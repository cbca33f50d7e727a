/**
 * Static bridge forwarding entries in the document: `{ dev, lladdr, master, vlan? }` (`bridge
 * fdb add LLADDR dev PORT master static`). Left out of snapshots: learned entries, the kernel's
 * own (permanent entries of the ports' addresses, the ports' multicast entries) and entries of
 * devices themselves (`self`); those with a remote (vxlan's `dst`) are listed as unmanaged.
 *
 * @module
 */

import type { FdbEntry } from "../rtnl/bridge.ts";
import { compact, entry, entryKeys, ifname, int, mac, sameJson } from "./check.ts";
import type { FdbState } from "./document.ts";
import type { Kind, NamespaceContext, Request } from "./kind.ts";
import { PHASE } from "./kind.ts";
import { simpleKind } from "./simple.ts";
import type { SimpleKind } from "./simple.ts";

const KEYS = entryKeys(["dev", "lladdr", "master", "vlan"]);

const NUD_NOARP = 0x40;
const NUD_PERMANENT = 0x80;
const NTF_SELF = 0x02;

function check(v: unknown, path: string): FdbState {
  const o = entry(v, path, KEYS);
  if (o.master === undefined) throw new TypeError(`${path}.master: the bridge is needed`);
  return compact({
    dev: ifname(o.dev, `${path}.dev`),
    lladdr: mac(o.lladdr, `${path}.lladdr`),
    master: ifname(o.master, `${path}.master`),
    vlan: o.vlan === undefined ? undefined : int(o.vlan, `${path}.vlan`, 1, 4094),
  });
}

/** An fdb message as a document entry (undefined: not a static bridge entry). */
function fdbEntry(v: FdbEntry, nameOf: (i: number) => string | undefined): FdbState | undefined {
  const g = v as unknown as Record<string, unknown>;
  const state = g.state as number, flags = g.flags as number;
  if (!(state & NUD_NOARP) || (state & NUD_PERMANENT) || (flags & NTF_SELF) || !g.master) {
    return undefined;
  }
  const dev = nameOf(g.ifindex as number), master = nameOf(g.master as number);
  if (dev === undefined || master === undefined) return undefined;
  return compact({ dev, lladdr: g.lladdr as string, master, vlan: g.vlan as number | undefined });
}

async function read(ns: NamespaceContext): Promise<FdbState[]> {
  const out: FdbState[] = [];
  for (const v of await ns.db.ip.getFdb()) {
    const e = fdbEntry(v, ns.nameOf);
    if (e) out.push(e);
    const g = v as unknown as Record<string, unknown>;
    // A device's own entry with a remote (vxlan's `bridge fdb append … dst`) is made by people.
    if ((g.flags as number) & NTF_SELF && g.dst !== undefined) {
      const dev = ns.nameOf(g.ifindex as number);
      ns.unmanaged.add(compact({
        kind: "fdb" as const,
        dev,
        object: `fdb ${g.lladdr} dst ${g.dst} self`,
        reason: "entries of a device itself (self) are not modelled",
      }));
    }
  }
  return out.sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

function key(e: FdbState): string {
  return `${e.dev} ${e.lladdr} vlan ${e.vlan ?? 0}`;
}

function spec(e: FdbState, cmd: string): Request {
  const s: Record<string, unknown> = compact({
    lladdr: e.lladdr,
    vlan: e.vlan,
    state: cmd === "del" ? undefined : "static",
    flags: ["master"],
  });
  return { call: "fdb", cmd, spec: s, refs: { ifindex: e.dev } };
}

const SIMPLE: SimpleKind<FdbState> = {
  name: "fdb",
  label: "fdb",
  key,
  show: (e) =>
    `${e.lladdr} dev ${e.dev} master ${e.master}${e.vlan ? ` vlan ${e.vlan}` : ""} static`,
  add: (e) => spec(e, "add"),
  del: (e) => spec(e, "del"),
  same: sameJson,
  phases: { create: PHASE.neighbourCreate, delete: PHASE.neighbourDelete },
};

/** Bridge forwarding entries: see the module documentation. */
export const FDB: Kind<FdbState> = simpleKind(SIMPLE, { check, read });
