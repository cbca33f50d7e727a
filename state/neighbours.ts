/**
 * Permanent neighbour entries in the document: `{ dev, dst, lladdr }` (ARP and NDP). Left out
 * of snapshots: every entry the kernel learned or made (reachable, stale, the NOARP multicast
 * entries), and bridge forwarding entries (in `fdb`). Proxy entries are listed as unmanaged.
 *
 * @module
 */

import type { Neigh } from "../rtnl/neigh.ts";
import { compact, entry, entryKeys, ifname, ip, mac, sameJson } from "./check.ts";
import type { NeighbourState } from "./document.ts";
import type { Kind, NamespaceContext, Request } from "./kind.ts";
import { PHASE } from "./kind.ts";
import { simpleKind } from "./simple.ts";
import type { SimpleKind } from "./simple.ts";

const KEYS = entryKeys(["dev", "dst", "lladdr"]);

const NUD_PERMANENT = 0x80;
const NTF_PROXY = 0x08;

function check(v: unknown, path: string): NeighbourState {
  const o = entry(v, path, KEYS);
  return {
    dev: ifname(o.dev, `${path}.dev`),
    dst: ip(o.dst, `${path}.dst`),
    lladdr: mac(o.lladdr, `${path}.lladdr`),
  };
}

/** A neighbour message as a document entry (undefined: not a permanent IP neighbour). */
export function neighbourEntry(v: Neigh, dev: string | undefined): NeighbourState | undefined {
  const g = v as unknown as Record<string, unknown>;
  if (g.family !== 2 && g.family !== 10) return undefined;
  if (!((g.state as number) & NUD_PERMANENT) || ((g.flags as number) & NTF_PROXY)) return undefined;
  if (dev === undefined || typeof g.dst !== "string" || typeof g.lladdr !== "string") {
    return undefined;
  }
  return { dev, dst: g.dst, lladdr: g.lladdr };
}

async function read(ns: NamespaceContext): Promise<NeighbourState[]> {
  const out: NeighbourState[] = [];
  for (const v of await ns.db.ip.getNeighbours()) {
    const e = neighbourEntry(v, ns.nameOf((v as unknown as { ifindex: number }).ifindex));
    if (e) out.push(e);
  }
  // Proxy entries (answered for, `ip neigh add proxy`) are made by people, not modelled here.
  for (const v of await ns.db.ip.getNeighbours({ proxy: true })) {
    const g = v as unknown as Record<string, unknown>;
    const dev = g.ifindex ? ns.nameOf(g.ifindex as number) : undefined;
    ns.unmanaged.add(compact({
      kind: "neighbours" as const,
      dev,
      object: `neigh proxy ${g.dst}`,
      reason: "proxy entries are not modelled",
    }));
  }
  return out.sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

function key(e: NeighbourState): string {
  return `${e.dev} ${e.dst}`;
}

function spec(e: NeighbourState, cmd: string): Request {
  const s: Record<string, unknown> = { dst: e.dst };
  if (cmd !== "del") Object.assign(s, { lladdr: e.lladdr, state: "permanent" });
  return { call: "neigh", cmd, spec: s, refs: { ifindex: e.dev } };
}

const SIMPLE: SimpleKind<NeighbourState> = {
  name: "neighbours",
  label: "neighbour",
  key,
  show: (e) => `${e.dst} dev ${e.dev} lladdr ${e.lladdr}`,
  add: (e) => spec(e, "add"),
  del: (e) => spec(e, "del"),
  replace: (e) => spec(e, "replace"),
  same: sameJson,
  phases: { create: PHASE.neighbourCreate, delete: PHASE.neighbourDelete },
};

/** Neighbours: see the module documentation. */
export const NEIGHBOURS: Kind<NeighbourState> = simpleKind(SIMPLE, { check, read });
