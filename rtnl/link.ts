/**
 * Link verbs: `link("add" | "set" | "del" | "get", spec)`, dumps and lookups.
 *
 * A spec uses the schema's short names (`ifname`, `mtu`, `txqlen`, …) plus the shortcuts users
 * write: `kind` and the kind's data keys (`vxlan_id`, `br_stp_state`, `peer` for veth),
 * `state: "up" | "down"`, `master` by name, `netns` to move a link, `promisc`, `arp`.
 *
 * @module
 */

import { describeValue, parseMac } from "../netlink/addr.ts";
import { messageViewClass } from "../netlink/view.ts";
import type { TypedMessage } from "../netlink/view.ts";
import { NLM_F } from "../netlink/constants.ts";
import type { Codec } from "../netlink/schema.ts";
import { closeFd, openFd } from "../ffi/netns.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import { IFF, RTM } from "./constants.ts";
import { checkIfname } from "./core.ts";
import type { Built, RtnlCore } from "./core.ts";
import { IFLA, LINK_MESSAGE } from "./schemas/link.ts";
import { LINKINFO_DATA } from "./schemas/linkinfo.ts";
import { createTuntap } from "./tuntap.ts";

/** A link message view; `kind` is the shortcut for `linkinfo.info_kind`. */
export type Link = TypedMessage<typeof LINK_MESSAGE> & { readonly kind?: string };

Object.defineProperty(messageViewClass(LINK_MESSAGE).prototype, "kind", {
  get(this: TypedMessage<typeof LINK_MESSAGE>) {
    return this.linkinfo?.info_kind;
  },
  configurable: true,
});

/** Link commands. */
export type LinkCommand = "add" | "set" | "del" | "get";

/** A link spec: IFLA short names plus the shortcuts described in the module doc. */
export interface LinkSpec {
  /** Interface index, or a name to look up. */
  index?: number | string;
  /** Interface name (for add; for set, the new name when `index` is given). */
  ifname?: string;
  /** Link kind for add ("veth", "bridge", "vxlan", …). */
  kind?: string;
  /** Administrative state. */
  state?: "up" | "down";
  /** MAC address. */
  address?: string;
  /** MTU. */
  mtu?: number;
  /** Master device (index or name); 0 to detach. */
  master?: number | string;
  /** Transmit queue length. */
  txqlen?: number;
  /** Alias (IFLA_IFALIAS). */
  ifalias?: string;
  /** Promiscuous mode. */
  promisc?: boolean;
  /** ARP on (false sets IFF_NOARP). */
  arp?: boolean;
  /** Move the link into this namespace (one you own). */
  netns?: NetnsTarget;
  /** veth: the peer's name, or a spec for the peer (`{ ifname, netns, … }`). */
  peer?: string | LinkSpec;
  /** Any other IFLA attribute or kind data key. */
  [key: string]: unknown;
}

const COMMANDS: Record<LinkCommand, number> = {
  add: RTM.NEWLINK,
  set: RTM.NEWLINK,
  del: RTM.DELLINK,
  get: RTM.GETLINK,
};

/** Keys handled here rather than passed through as attributes. */
const SHORTCUTS = new Set([
  "index",
  "kind",
  "state",
  "promisc",
  "arp",
  "netns",
  "peer",
  "flags",
  "change",
  "family",
]);

function kindSchema(kind: string): Codec | undefined {
  return LINKINFO_DATA[kind];
}

/**
 * Splits a spec into header, attributes, and link-info data; resolves names. `fds` collects
 * namespace descriptors to close after sending.
 */
async function encodeSpec(
  core: RtnlCore,
  spec: LinkSpec,
  cmd: LinkCommand,
  fds: number[],
  field = "",
): Promise<{ header: Record<string, unknown>; attrs: Record<string, unknown> }> {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new TypeError(`${field || "spec"}: expected an object, got ${describeValue(spec)}`);
  }
  const header: Record<string, unknown> = { family: 0 };
  const attrs: Record<string, unknown> = {};
  let flags = 0, change = 0;
  const p = (k: string) => (field ? `${field}.${k}` : k);

  if (spec.index !== undefined) header.index = await core.ifindex(spec.index, p("index"));
  if (spec.ifname !== undefined) attrs.ifname = checkIfname(spec.ifname, p("ifname"));
  if (spec.state !== undefined) {
    if (spec.state !== "up" && spec.state !== "down") {
      throw new TypeError(
        `${p("state")}: expected "up" or "down", got ${describeValue(spec.state)}`,
      );
    }
    change |= IFF.UP;
    if (spec.state === "up") flags |= IFF.UP;
  }
  if (spec.promisc !== undefined) {
    if (typeof spec.promisc !== "boolean") {
      throw new TypeError(`${p("promisc")}: expected a boolean`);
    }
    change |= IFF.PROMISC;
    if (spec.promisc) flags |= IFF.PROMISC;
  }
  if (spec.arp !== undefined) {
    if (typeof spec.arp !== "boolean") throw new TypeError(`${p("arp")}: expected a boolean`);
    change |= IFF.NOARP;
    if (!spec.arp) flags |= IFF.NOARP;
  }
  if (spec.flags !== undefined) flags |= spec.flags as number;
  if (spec.change !== undefined) change |= spec.change as number;
  header.flags = flags;
  header.change = change;
  if (spec.netns !== undefined) {
    const fd = openFd(spec.netns);
    fds.push(fd);
    attrs.net_ns_fd = fd;
  }

  const kind = spec.kind;
  if (kind !== undefined && typeof kind !== "string") {
    throw new TypeError(`${p("kind")}: expected a string, got ${describeValue(kind)}`);
  }
  const dataCodec = kind ? kindSchema(kind) : undefined;
  const dataSchema = dataCodec && typeof dataCodec !== "string" && dataCodec.kind === "nest"
    ? dataCodec.schema()
    : undefined;
  const data: Record<string, unknown> = {};

  for (const [key, value] of Object.entries(spec)) {
    if (value === undefined || SHORTCUTS.has(key) || key === "ifname") continue;
    if (key === "master") {
      attrs.master = value === 0 || value === null ? 0 : await core.ifindex(value, p("master"));
      continue;
    }
    if (key === "address" || key === "broadcast") {
      attrs[key] = parseMac(value, p(key));
      continue;
    }
    if (dataSchema?.byName.has(key)) {
      data[key] = value;
      continue;
    }
    if (IFLA.byName.has(key)) {
      attrs[key] = value;
      continue;
    }
    if (kind && !dataCodec) {
      throw new TypeError(
        `${p(key)}: unknown attribute (kind ${JSON.stringify(kind)} has no data schema)`,
      );
    }
    throw new TypeError(
      `${p(key)}: unknown link attribute${kind ? ` for kind ${JSON.stringify(kind)}` : ""}`,
    );
  }

  if (kind === "veth" && spec.peer !== undefined) {
    const peerSpec: LinkSpec = typeof spec.peer === "string" ? { ifname: spec.peer } : spec.peer;
    const peer = await encodeSpec(core, peerSpec, cmd, fds, p("peer"));
    const { index: _i, ...peerHeader } = peer.header;
    data.peer = { header: peerHeader, ...peer.attrs };
  } else if (spec.peer !== undefined) {
    throw new TypeError(`${p("peer")}: only a veth has a peer`);
  }

  if (kind !== undefined) {
    if (!/^[a-z0-9_]{1,15}$/.test(kind)) {
      throw new TypeError(`${p("kind")}: invalid link kind ${JSON.stringify(kind)}`);
    }
    attrs.linkinfo = Object.keys(data).length > 0
      ? { info_kind: kind, info_data: data }
      : { info_kind: kind };
  }
  return { header, attrs };
}

/** Builds a link request. */
export async function buildLink(
  core: RtnlCore,
  cmd: LinkCommand,
  spec: LinkSpec,
): Promise<Built<typeof LINK_MESSAGE>> {
  const type = COMMANDS[cmd];
  if (type === undefined) {
    throw new TypeError(`command: unknown link command ${describeValue(cmd)} (add, set, del, get)`);
  }
  const fds: number[] = [];
  const cleanup = () => fds.splice(0).forEach(closeFd);
  try {
    const { header, attrs } = await encodeSpec(core, spec, cmd, fds);
    if (cmd === "add") {
      if (attrs.ifname === undefined && spec.kind !== "veth") {
        throw new TypeError("ifname: required to add a link");
      }
      if (spec.kind === undefined) throw new TypeError("kind: required to add a link");
    } else if (header.index === undefined && attrs.ifname === undefined) {
      throw new TypeError(`index: required to ${cmd} a link (or ifname)`);
    }
    const flags = cmd === "add" ? NLM_F.CREATE | NLM_F.EXCL : 0;
    const built = core.build(LINK_MESSAGE, { type, flags, header, attrs });
    built.describe = `link ${cmd}`;
    built.cleanup = cleanup;
    return built;
  } catch (e) {
    cleanup();
    throw e;
  }
}

/** Runs a link command; `get` returns the link, the others an empty list. */
export async function linkCommand(
  core: RtnlCore,
  cmd: LinkCommand,
  spec: LinkSpec,
): Promise<Link[]> {
  if (cmd === "add" && spec?.kind === "tuntap") return await createTuntap(core, spec);
  return await core.send(await buildLink(core, cmd, spec));
}

/** Filter of {@link getLinks}: any IFLA short name or header field, compared for equality. */
export type LinkFilter = Partial<Record<string, unknown>>;

/** Dumps links, optionally filtered (kind is matched on `linkinfo.info_kind`). */
export async function getLinks(core: RtnlCore, filter: LinkFilter = {}): Promise<Link[]> {
  const links = await core.dump(LINK_MESSAGE, {
    type: RTM.GETLINK,
    flags: 0,
    header: {},
    attrs: { ext_mask: 1 },
  }, { retryInterrupted: 3 });
  const keys = Object.entries(filter).filter(([, v]) => v !== undefined);
  if (keys.length === 0) return links;
  return links.filter((l) => keys.every(([k, v]) => matchLink(l, k, v)));
}

function matchLink(l: Link, key: string, value: unknown): boolean {
  if (key === "kind") return l.get(["linkinfo", "info_kind"]) === value;
  if (key === "altname") {
    return l.get("prop_list") !== undefined &&
      (l.prop_list!.getAll("alt_ifname") as string[]).includes(value as string);
  }
  if (key === "address" && typeof value === "string") {
    return (l.address ?? "").toLowerCase() === value.toLowerCase();
  }
  return l.get(key) === value;
}

/**
 * Indexes of links matching a filter. `{ ifname }` alone is a kernel `get` (not a dump);
 * other keys (index, address, altname, kind, …) filter a dump.
 */
export async function linkLookup(core: RtnlCore, filter: LinkFilter): Promise<number[]> {
  if (typeof filter !== "object" || filter === null) {
    throw new TypeError("filter: expected an object");
  }
  const keys = Object.keys(filter).filter((k) => filter[k] !== undefined);
  if (keys.length === 1 && keys[0] === "ifname") {
    checkIfname(filter.ifname, "ifname");
    try {
      return [await core.ifindex(filter.ifname, "ifname")];
    } catch (e) {
      if ((e as { code?: string }).code === "ENODEV") return [];
      throw e;
    }
  }
  return (await getLinks(core, filter)).map((l) => l.index);
}
