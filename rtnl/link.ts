/**
 * Link verbs: `link("add" | "set" | "del" | "get" | "property_add" | "property_del", spec)`,
 * dumps and lookups.
 *
 * A spec uses the schema's short names (`ifname`, `mtu`, `txqlen`, `ifalias`, …) and the kind's
 * data keys (`vxlan_id`, `br_stp_state`, `bond_mode`, …), plus the shortcuts users write:
 *
 * - `kind`: the link kind (`IFLA_INFO_KIND`); `"tuntap"` makes a tun/tap device (./tuntap.ts).
 * - `index`: the link, by index or name; `ifname` then renames it.
 * - `state: "up" | "down"`, `promisc`, `arp`, `multicast`, `allmulticast`: interface flags.
 * - `master` (index or name; `0` or `nomaster: true` detaches), `link` (the parent device), and
 *   every data key that
 *   holds an ifindex (`vxlan_link`, `bond_primary`, …) take names too.
 * - `netns`: move the link into a namespace (a name under /run/netns, a path, or `{ pid }`).
 * - `peer`: a veth peer's name, or a spec of its own (`{ ifname, netns, mtu, … }`).
 * - `alias` (for `ifalias`), `altnames` / `altname` (alternative names, RTM_NEWLINKPROP /
 *   RTM_DELLINKPROP), `protinfo` (bridge port settings over AF_BRIDGE, as `bridge link set`).
 * - Bridge-port, bond-port and VRF-port keys (`brport_*`, `bond_slave_*`, `vrf_port_*`) go to
 *   `IFLA_INFO_SLAVE_DATA`, as `ip link set … type bridge_slave …` sends them.
 * - Names for enumerations (`macvlan_mode: "bridge"`, `vlan_protocol: "802.1ad"`,
 *   `bond_mode: "802.3ad"`; see LINK_VALUE_NAMES), `{ name: boolean }` for flag structs
 *   (`vlan_flags: { reorder_hdr: false }`), booleans for u8 switches, an IPv6 `vxlan_group` or
 *   `vxlan_local` for their `*6` attributes, and `{ from, to }` lists for VLAN QoS maps.
 *
 * Every check runs before anything is sent: bad input is a TypeError or RangeError naming the
 * field; interface names are looked up only once everything else passed.
 *
 * @module
 */

import type { MessageList } from "../netlink/list.ts";
import { linkFlagsOf } from "./flags.ts";
import { describeValue, parseIp } from "../netlink/addr.ts";
import { decorateView } from "../netlink/view.ts";
import type { AttrView, TypedMessage } from "../netlink/view.ts";
import { NLM_F } from "../netlink/constants.ts";
import { writeAttr, writeAttrs } from "../netlink/encoder.ts";
import type { Writer } from "../netlink/encoder.ts";
import type { AttrSchema, Codec } from "../netlink/schema.ts";
import { closeFd, openFd } from "../ffi/netns.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import { AF, IFF, RTM } from "./constants.ts";
import { checkIfname } from "./core.ts";
import type { Built, RtnlCore } from "./core.ts";
import { IFLA, LINK_MESSAGE, LINKINFO } from "./schemas/link.ts";
import {
  BOND_SLAVE,
  BRPORT,
  LINK_FLAG_BITS,
  LINK_KINDS,
  LINK_VALUE_NAMES,
  LINKINFO_DATA,
  VRF_PORT,
} from "./schemas/linkinfo.ts";
import { createTuntap } from "./tuntap.ts";
import { runSteps } from "./steps.ts";
import type { Step } from "./steps.ts";
import type { LinkSpec } from "./link_spec.ts";
import { unwrapIndex, withoutSignal } from "./spec.ts";
import { lookupName, suggestion } from "../netlink/strict.ts";
import type { WithSignal } from "./spec.ts";
import { filterKeys, passes, readFilter } from "./filter.ts";
import type { FilterCommon, FilterValue, MessageFilter } from "./filter.ts";

/**
 * A link message view. Besides the IFLA attributes: `kind` (`linkinfo.info_kind`), `altnames`
 * (the alternative names of `prop_list`) and `state` ("up" when IFF_UP is set, else "down").
 */
export type Link = TypedMessage<typeof LINK_MESSAGE> & {
  readonly kind?: string;
  readonly altnames: string[];
  readonly state: "up" | "down";
};

// Computed properties, answered by `get()` too: `link.get("state")`, `link.get("kind")`, and
// inside the link info `link.get(["linkinfo", "kind"])`.
decorateView(LINK_MESSAGE, {
  kind: (v) => v.get(["linkinfo", "info_kind"]),
  altnames: (v) => ((v.get("prop_list") as AttrView | undefined)?.getAll("alt_ifname") ?? []),
  state: (v) => (((v.get("flags") as number | undefined) ?? 0) & IFF.UP) ? "up" : "down",
});
decorateView(LINKINFO, { kind: (v) => v.get("info_kind") });

/** Link commands (`property_add` / `property_del` change alternative names, as pyroute2's). */
export type LinkCommand = "add" | "set" | "del" | "get" | "property_add" | "property_del";

export type { LinkSpec };

/** A link spec as the verbs read it: any key (the public {@link LinkSpec} type is exact). */
export interface LooseLinkSpec {
  /** Interface index, or a name to look up. */
  index?: number | string;
  /** Interface name. */
  ifname?: string;
  /** Link kind. */
  kind?: string;
  /** veth: the peer's name, or a spec for the peer. */
  peer?: string | LooseLinkSpec;
  /** Any other key. */
  [key: string]: unknown;
}

const COMMANDS: Readonly<Record<LinkCommand, true>> = {
  add: true,
  set: true,
  del: true,
  get: true,
  property_add: true,
  property_del: true,
};

/** Interface flags users set by name. */
const FLAG_KEYS: Readonly<Record<string, { bit: number; invert?: boolean }>> = {
  promisc: { bit: IFF.PROMISC },
  arp: { bit: IFF.NOARP, invert: true },
  multicast: { bit: IFF.MULTICAST },
  allmulticast: { bit: IFF.ALLMULTI },
};

/** Spec keys that take an interface index or name. */
const IFINDEX_KEYS = new Set([
  "master",
  "link",
  "vxlan_link",
  "gre_link",
  "iptun_link",
  "vti_link",
  "bond_active_slave",
  "bond_primary",
  "brport_backup_port",
]);

/** IFLA attributes a spec may not give directly (they have shortcuts). */
const NOT_DIRECT = new Set(["linkinfo", "prop_list", "protinfo", "alt_ifname"]);

/** Slave data by key prefix: the `*_slave` kind iproute2 sends and the schema. */
const SLAVE_PREFIXES: readonly (readonly [string, string, AttrSchema])[] = [
  ["brport_", "bridge_slave", BRPORT],
  ["bond_slave_", "bond_slave", BOND_SLAVE],
  ["vrf_port_", "vrf_slave", VRF_PORT],
];

/** Kinds whose tunnel endpoints are of one family. */
const TUNNEL_FAMILY: Readonly<Record<string, 4 | 6>> = {
  gre: 4,
  gretap: 4,
  erspan: 4,
  ipip: 4,
  sit: 4,
  vti: 4,
  ip6gre: 6,
  ip6gretap: 6,
  ip6erspan: 6,
  ip6tnl: 6,
  vti6: 6,
};
const ENDPOINT_KEY = /^(gre|iptun|vti)_(local|remote)$/;

/** Data attributes the kernel reports as a u8 but takes as a flag (NLA_FLAG policy). */
const FLAG_ON_WIRE: Readonly<Record<string, string>> = { vxlan_ttl_inherit: "28" };

/** Attributes for IPv4 addresses whose IPv6 form is another attribute. */
const IPV6_TWIN: Readonly<Record<string, string>> = {
  vxlan_group: "vxlan_group6",
  vxlan_local: "vxlan_local6",
  geneve_remote: "geneve_remote6",
};

const IFLA_LINKINFO = 18;
const IFLA_PROTINFO = 12;
const IFLA_PROP_LIST = 52;
const IFLA_ALT_IFNAME = 53;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const IFLA_INFO_SLAVE_DATA = 5;
const ALTIFNAMSIZ = 128;
const RTEXT_FILTER_VF = 1;

/** Data keys of a `set` without `kind`, waiting for the link's kind. */
interface Guess {
  entries: [key: string, value: unknown][];
}

/** A deferred name lookup: where the index goes, and how to get it. */
interface Ref {
  target: Record<string, unknown>;
  key: string;
  lookup: () => number | Promise<number>;
}

/** One request in the making: everything checked, names not yet looked up. */
interface Draft {
  type: number;
  flags: number;
  header: Record<string, unknown>;
  attrs: Record<string, unknown>;
  /** Link info written by hand (the slave-data selector is not an attribute of the request). */
  linkinfo?: {
    kind: string;
    data?: Record<string, unknown>;
    dataCodec?: Codec;
    slave?: Record<string, unknown>;
    slaveSchema?: AttrSchema;
  };
  protinfo?: Record<string, unknown>;
  altnames?: string[];
  /** The draft whose link this one addresses (its index is known only after lookups). */
  sameLinkAs?: Draft;
  describe: string;
}

/** Work shared by the drafts of one command: name lookups and namespace descriptors. */
interface Context {
  core: RtnlCore;
  refs: Ref[];
  fds: number[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Checks an interface index or name now; its lookup runs after every check passed. */
function deferIndex(
  ctx: Context,
  target: Record<string, unknown>,
  key: string,
  value: unknown,
  field: string,
  allowZero = false,
): void {
  value = unwrapIndex(value);
  if (allowZero && (value === 0 || value === null)) {
    target[key] = 0;
    return;
  }
  if (typeof value === "number") {
    target[key] = ctx.core.ifindex(value, field) as number;
    return;
  }
  if (typeof value === "string") {
    checkIfname(value, field);
    target[key] = 1; // placeholder for the checking encode
    ctx.refs.push({ target, key, lookup: () => ctx.core.ifindex(value, field) });
    return;
  }
  throw new TypeError(
    `${field}: expected an interface index or name${allowZero ? " (or 0)" : ""}, got ${
      describeValue(value)
    }`,
  );
}

function checkAltname(v: unknown, field: string): string {
  if (typeof v !== "string") {
    throw new TypeError(`${field}: expected an interface name, got ${describeValue(v)}`);
  }
  if (v === "" || v === "." || v === ".." || /[/:\s\0]/.test(v)) {
    throw new TypeError(`${field}: invalid alternative name ${JSON.stringify(v)}`);
  }
  if (new TextEncoder().encode(v).length >= ALTIFNAMSIZ) {
    throw new RangeError(`${field}: alternative name longer than ${ALTIFNAMSIZ - 1} bytes`);
  }
  return v;
}

function altnamesOf(spec: LooseLinkSpec): { names: string[]; field: string } | undefined {
  if (spec.altnames !== undefined && spec.altname !== undefined) {
    throw new TypeError("altname: give altnames or altname, not both");
  }
  const field = spec.altnames !== undefined ? "altnames" : "altname";
  const v = spec.altnames ?? spec.altname;
  if (v === undefined) return undefined;
  const list = typeof v === "string" ? [v] : v;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(`${field}: expected a name or a non-empty list of names`);
  }
  return { names: list.map((n, i) => checkAltname(n, `${field}[${i}]`)), field };
}

/** A name of `table` (as written, or case-insensitively) or the value itself. */
function byName(value: unknown, table: Readonly<Record<string, number>>, field: string): unknown {
  if (typeof value !== "string") return value;
  return lookupName(table, value, field, "value", { anyCase: true });
}

/** `{ name: boolean }` → the flags struct (`{ flags, mask }`) or the plain bits. */
function flagBits(
  value: unknown,
  bits: Readonly<Record<string, number>>,
  field: string,
  asStruct: boolean,
): unknown {
  if (!isObject(value) || "flags" in value || "mask" in value) return value;
  let flags = 0, mask = 0;
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (!Object.hasOwn(bits, k)) {
      throw new TypeError(
        `${field}.${k}: unknown flag${suggestion(k, Object.keys(bits))} (one of ${
          Object.keys(bits).join(", ")
        })`,
      );
    }
    if (typeof v !== "boolean") {
      throw new TypeError(`${field}.${k}: expected true or false, got ${describeValue(v)}`);
    }
    mask |= bits[k];
    if (v) flags |= bits[k];
  }
  return asStruct ? { flags, mask } : flags;
}

/** Applies the conveniences of data keys: names, flag objects, booleans for u8, address family. */
function dataValue(key: string, value: unknown, codec: Codec, kind: string | undefined): unknown {
  const names = LINK_VALUE_NAMES[key];
  if (names) value = byName(value, names, key);
  const bits = LINK_FLAG_BITS[key];
  if (bits) value = flagBits(value, bits, key, typeof codec !== "string");
  if (typeof value === "boolean" && codec === "u8") return value ? 1 : 0;
  if (Array.isArray(value) && key.endsWith("_port_range") && value.length === 2) {
    return { low: value[0], high: value[1] };
  }
  const m = ENDPOINT_KEY.exec(key);
  const family = kind ? TUNNEL_FAMILY[kind] : undefined;
  if (m && family && typeof value === "string") {
    const b = parseIp(value, key);
    if ((b.length === 4 ? 4 : 6) !== family) {
      throw new TypeError(
        `${key}: kind ${JSON.stringify(kind)} takes an IPv${family} address, got ${
          JSON.stringify(value)
        }`,
      );
    }
  }
  return value;
}

/** The IFLA_INFO_DATA schema of a kind, when it has one. */
function dataSchemaOf(kind: string | undefined): { codec: Codec; schema: AttrSchema } | undefined {
  const codec = kind === undefined || !Object.hasOwn(LINKINFO_DATA, kind)
    ? undefined
    : LINKINFO_DATA[kind];
  if (codec === undefined || typeof codec === "string" || codec.kind !== "nest") return undefined;
  return { codec, schema: codec.schema() };
}

function checkKind(kind: unknown, field: string): string {
  if (typeof kind !== "string") {
    throw new TypeError(`${field}: expected a link kind (string), got ${describeValue(kind)}`);
  }
  if (
    kind !== "tuntap" && !(LINK_KINDS as readonly string[]).includes(kind) &&
    !SLAVE_PREFIXES.some(([, k]) => k === kind)
  ) {
    throw new TypeError(`${field}: unknown link kind ${JSON.stringify(kind)}`);
  }
  return kind;
}

/** The keys of the spec's shortcuts (see the module documentation). */
const SHORTCUT_KEYS = [
  "index",
  "ifname",
  "kind",
  "state",
  "flags",
  "change",
  "family",
  "netns",
  "peer",
  "protinfo",
  "alias",
  "group",
  "nomaster",
  "noarp",
  "altname",
  "altnames",
  ...Object.keys(FLAG_KEYS),
];

/** Every key a link spec may hold, for suggestions: shortcuts, IFLA names, the kind's data. */
function linkSpecNames(data: AttrSchema | undefined): string[] {
  const out = [...SHORTCUT_KEYS];
  for (const d of IFLA.byType) if (d && !NOT_DIRECT.has(d.name)) out.push(d.name);
  for (const d of data?.byType ?? []) if (d) out.push(d.name);
  for (const [, , schema] of SLAVE_PREFIXES) for (const d of schema.byType) if (d) out.push(d.name);
  return out;
}

const TUNTAP_KEYS = ["mode", "owner", "uid", "gid", "persistent", "multi_queue", "vnet_hdr", "pi"];

/**
 * Throws unless every key of `spec` is one a link spec of its kind takes (the shortcuts, IFLA
 * attributes, port settings, the kind's data): the keys alone, checked at once; values are
 * checked when the spec is sent.
 */
export function checkLinkKeys(spec: unknown, field = "spec"): void {
  if (!isObject(spec)) {
    throw new TypeError(`${field}: expected an object, got ${describeValue(spec)}`);
  }
  const kind = typeof spec.kind === "string" ? spec.kind : undefined;
  const names = new Set(linkSpecNames(dataSchemaOf(kind)?.schema));
  if (kind === "tuntap") { for (const k of TUNTAP_KEYS) names.add(k); }
  for (const k of Object.keys(spec)) {
    if (names.has(k)) continue;
    const owners = kindsWithKey(k);
    throw new TypeError(
      `${k}: unknown link attribute${kind ? ` for kind ${JSON.stringify(kind)}` : ""}${
        owners.length ? ` (it belongs to kind ${owners.join("/")})` : suggestion(k, names)
      }`,
    );
  }
}

/** Kinds (with data schemas) that have the data key `key`. */
function kindsWithKey(key: string): string[] {
  const out: string[] = [];
  for (const kind of Object.keys(LINKINFO_DATA)) {
    if (dataSchemaOf(kind)?.schema.byName.has(key)) out.push(kind);
  }
  return out;
}

/** Reads one link's kind from the kernel (for `set` with data keys but no `kind`). */
async function kindOf(core: RtnlCore, draft: Draft): Promise<string | undefined> {
  const built = core.build(LINK_MESSAGE, {
    type: RTM.GETLINK,
    flags: 0,
    header: { family: 0, index: draft.header.index ?? 0 },
    attrs: draft.header.index === undefined
      ? { ifname: draft.attrs.ifname, ext_mask: RTEXT_FILTER_VF }
      : { ext_mask: RTEXT_FILTER_VF },
  });
  const [link] = await core.send(built) as Link[];
  return link?.kind;
}

/**
 * The main RTM_NEWLINK/DELLINK/GETLINK draft of a spec (and its protinfo and alternative
 * names, sent as requests of their own).
 */
function draftLink(
  ctx: Context,
  cmd: LinkCommand,
  spec: LooseLinkSpec,
  field = "",
): { draft: Draft; guessKind?: Guess } {
  const p = (k: string) => (field ? `${field}.${k}` : k);
  if (!isObject(spec)) {
    throw new TypeError(`${field || "spec"}: expected an object, got ${describeValue(spec)}`);
  }
  const header: Record<string, unknown> = { family: AF.UNSPEC };
  const attrs: Record<string, unknown> = {};
  const draft: Draft = {
    type: cmd === "del" ? RTM.DELLINK : cmd === "get" ? RTM.GETLINK : RTM.NEWLINK,
    flags: cmd === "add" ? NLM_F.CREATE | NLM_F.EXCL : 0,
    header,
    attrs,
    describe: `link ${cmd}`,
  };

  const kind = spec.kind === undefined ? undefined : checkKind(spec.kind, p("kind"));
  const slaveKind = kind !== undefined && kind.endsWith("_slave") ? kind : undefined;
  const ownKind = slaveKind ? undefined : kind;
  const data = dataSchemaOf(ownKind);
  if (ownKind === "tun") {
    throw new TypeError(
      `${p("kind")}: tun/tap devices cannot be made over rtnetlink; use kind "tuntap"`,
    );
  }
  const dataValues: Record<string, unknown> = {};
  let slave: { kind: string; schema: AttrSchema; values: Record<string, unknown> } | undefined;
  const unknownKeys: [string, unknown][] = [];
  let flags = 0, change = 0;

  if (spec.index !== undefined) deferIndex(ctx, header, "index", spec.index, p("index"));
  if (spec.ifname !== undefined) attrs.ifname = checkIfname(spec.ifname, p("ifname"));

  for (const [key, value] of Object.entries(spec)) {
    if (value === undefined) continue;
    switch (key) {
      case "altname":
      case "altnames":
        if (field) throw new TypeError(`${p(key)}: add alternative names to the peer afterwards`);
        continue;
      case "index":
      case "ifname":
      case "kind":
        continue;
      case "state":
        if (value !== "up" && value !== "down") {
          throw new TypeError(
            `${p("state")}: expected "up" or "down", got ${describeValue(value)}`,
          );
        }
        change |= IFF.UP;
        if (value === "up") flags |= IFF.UP;
        continue;
      case "flags":
      case "change": {
        // A number, or pyroute2's names (`["IFF_UP", "!IFF_NOARP"]`: each named bit changes).
        const f = linkFlagsOf(value, p(key));
        if (key === "flags") {
          flags |= f.flags;
          change |= f.change;
        } else change |= f.named ? f.change : f.flags;
        continue;
      }
      case "noarp":
        // pyroute2's spelling of `arp: false`.
        if (typeof value !== "boolean") {
          throw new TypeError(`${p(key)}: expected true or false, got ${describeValue(value)}`);
        }
        if (spec.arp !== undefined) throw new TypeError(`${p(key)}: give arp or noarp, not both`);
        change |= IFF.NOARP;
        if (value) flags |= IFF.NOARP;
        continue;
      case "family":
        if (value !== 0 && value !== AF.BRIDGE) {
          throw new RangeError(
            `${p("family")}: expected 0 or 7 (AF_BRIDGE), got ${describeValue(value)}`,
          );
        }
        header.family = value;
        continue;
      case "net_ns_fd":
        // pyroute2's key: a namespace name (or path, `{ pid }`); a number is a descriptor as is.
        if (typeof value === "number") break;
        if (spec.netns !== undefined) {
          throw new TypeError(`${p(key)}: give netns or net_ns_fd, not both`);
        }
        // falls through
      case "netns": {
        const fd = openFd(value as NetnsTarget);
        ctx.fds.push(fd);
        attrs.net_ns_fd = fd;
        continue;
      }
      case "peer":
        if (ownKind !== "veth") throw new TypeError(`${p("peer")}: only a veth has a peer`);
        continue; // below
      case "protinfo":
        if (field) throw new TypeError(`${p("protinfo")}: not allowed here`);
        if (!isObject(value)) {
          throw new TypeError(
            `protinfo: expected an object of brport_* keys, got ${describeValue(value)}`,
          );
        }
        draft.protinfo = value;
        continue;
      case "alias":
        if (spec.ifalias !== undefined) {
          throw new TypeError(`${p("alias")}: give ifalias or alias, not both`);
        }
        attrs.ifalias = value;
        continue;
      case "group":
        attrs.group = value === "default" ? 0 : value;
        continue;
      case "nomaster":
        if (value !== true) throw new TypeError(`${p("nomaster")}: expected true`);
        if (spec.master !== undefined) {
          throw new TypeError(`${p("nomaster")}: give master or nomaster, not both`);
        }
        attrs.master = 0;
        continue;
      case "mtu":
        if (typeof value === "number" && Number.isInteger(value) && value > 0x7fffffff) {
          throw new RangeError(`${p("mtu")}: ${value} is out of range 0..2147483647`);
        }
        attrs.mtu = value;
        continue;
    }
    const flag = FLAG_KEYS[key];
    if (flag) {
      if (typeof value !== "boolean") {
        throw new TypeError(`${p(key)}: expected true or false, got ${describeValue(value)}`);
      }
      change |= flag.bit;
      if (value !== !!flag.invert) flags |= flag.bit;
      continue;
    }
    // Data of the kind itself.
    const dataDef = data?.schema.byName.get(key);
    if (dataDef) {
      if (IFINDEX_KEYS.has(dataDef.name)) {
        deferIndex(ctx, dataValues, dataDef.name, value, p(key), true);
        continue;
      }
      const flagType = FLAG_ON_WIRE[dataDef.name];
      if (flagType !== undefined) {
        if (typeof value !== "boolean") {
          throw new TypeError(`${p(key)}: expected true or false, got ${describeValue(value)}`);
        }
        if (value) dataValues[flagType] = new Uint8Array(0);
        continue;
      }
      // An IPv6 address for an attribute that has an IPv6 twin (vxlan_group → vxlan_group6).
      const twin = IPV6_TWIN[dataDef.name];
      const name = twin && typeof value === "string" && value.includes(":") ? twin : dataDef.name;
      if (name !== dataDef.name && dataValues[name] !== undefined) {
        throw new TypeError(`${p(key)}: ${name} is given too`);
      }
      dataValues[name] = dataValue(dataDef.name, value, dataDef.codec, ownKind);
      continue;
    }
    // Port data for the master's kind.
    const sp = SLAVE_PREFIXES.find(([prefix]) => key.startsWith(prefix));
    if (sp) {
      const def = sp[2].byName.get(key);
      if (!def) throw new TypeError(`${p(key)}: unknown ${sp[1]} attribute`);
      if (slaveKind !== undefined && slaveKind !== sp[1]) {
        throw new TypeError(`${p(key)}: not an attribute of kind ${JSON.stringify(slaveKind)}`);
      }
      if (slave && slave.kind !== sp[1]) {
        throw new TypeError(`${p(key)}: mixes ${slave.kind} and ${sp[1]} attributes`);
      }
      slave ??= { kind: sp[1], schema: sp[2], values: {} };
      if (IFINDEX_KEYS.has(def.name)) deferIndex(ctx, slave.values, def.name, value, p(key), true);
      else slave.values[def.name] = dataValue(def.name, value, def.codec, undefined);
      continue;
    }
    // IFLA attributes.
    const def = IFLA.byName.get(key);
    if (def && !NOT_DIRECT.has(def.name)) {
      if (IFINDEX_KEYS.has(def.name)) {
        deferIndex(ctx, attrs, def.name, value, p(key), true);
      } else if (typeof value === "boolean" && def.codec === "u8") attrs[def.name] = value ? 1 : 0;
      else attrs[def.name] = value;
      continue;
    }
    if (def) throw new TypeError(`${p(key)}: not settable directly (see the LinkSpec shortcuts)`);
    if (kind === undefined && cmd === "set" && !field && kindsWithKey(key).length > 0) {
      unknownKeys.push([key, value]);
      continue;
    }
    const owners = kindsWithKey(key);
    throw new TypeError(
      `${p(key)}: unknown link attribute${ownKind ? ` for kind ${JSON.stringify(ownKind)}` : ""}${
        owners.length
          ? ` (it belongs to kind ${owners.join("/")})`
          : suggestion(key, linkSpecNames(data?.schema))
      }`,
    );
  }

  if (spec.ifalias !== undefined && typeof spec.ifalias !== "string") {
    throw new TypeError(`${p("ifalias")}: expected a string, got ${describeValue(spec.ifalias)}`);
  }
  header.flags = flags;
  header.change = change;

  if (ownKind === "veth" && spec.peer !== undefined) {
    const peerSpec: LooseLinkSpec = typeof spec.peer === "string"
      ? { ifname: spec.peer }
      : spec.peer;
    if (isObject(peerSpec) && peerSpec.state === "up") {
      // veth_open() of the peer runs before its own peer exists: the kernel answers ENOTCONN.
      throw new TypeError(
        `${
          p("peer")
        }.state: a new veth peer cannot be brought up in the request that makes it; set it up afterwards`,
      );
    }
    if (isObject(peerSpec) && peerSpec.kind !== undefined) {
      throw new TypeError(`${p("peer")}.kind: a veth peer is a veth`);
    }
    const { draft: peer } = draftLink(ctx, cmd, peerSpec, p("peer"));
    if (peer.header.index !== undefined) {
      throw new TypeError(`${p("peer")}.index: a new peer has no index`);
    }
    if (peer.linkinfo) {
      throw new TypeError(`${p("peer")}: port settings do not apply to a new veth peer`);
    }
    const { index: _i, ...peerHeader } = peer.header;
    dataValues.peer = { header: peerHeader, ...peer.attrs };
  }

  if (ownKind !== undefined && ownKind !== "tuntap") {
    const hasData = Object.keys(dataValues).length > 0;
    draft.linkinfo = {
      kind: ownKind,
      data: hasData ? dataValues : undefined,
      dataCodec: hasData ? data!.codec : undefined,
    };
  }
  if (slave) {
    if (cmd === "add" && !field) {
      throw new TypeError(
        `${Object.keys(slave.values)[0]}: port settings apply to an existing port (use "set")`,
      );
    }
    draft.linkinfo ??= { kind: slave.kind };
    draft.linkinfo.slave = slave.values;
    draft.linkinfo.slaveSchema = slave.schema;
  } else if (slaveKind !== undefined) {
    draft.linkinfo = { kind: slaveKind };
  }

  return {
    draft,
    guessKind: unknownKeys.length ? { entries: unknownKeys } : undefined,
  };
}

/** Writes IFLA_LINKINFO by hand: kind, data, and slave data with the schema picked here. */
function writeLinkinfo(w: Writer, li: NonNullable<Draft["linkinfo"]>): void {
  const at = w.beginNest(IFLA_LINKINFO);
  writeAttr(w, IFLA_INFO_KIND, "string", li.kind, "kind");
  if (li.data && li.dataCodec) writeAttr(w, IFLA_INFO_DATA, li.dataCodec, li.data, "");
  if (li.slave && li.slaveSchema) {
    const sat = w.beginNest(IFLA_INFO_SLAVE_DATA);
    writeAttrs(w, li.slaveSchema, li.slave);
    w.endNest(sat);
  }
  w.endNest(at);
}

function writeNames(w: Writer, names: readonly string[]): void {
  const at = w.beginNest(IFLA_PROP_LIST);
  for (const n of names) writeAttr(w, IFLA_ALT_IFNAME, "string", n, "altnames");
  w.endNest(at);
}

/** Encodes a draft (the checking pass, before lookups, and the real one after). */
function encodeDraft(core: RtnlCore, d: Draft): Built<typeof LINK_MESSAGE> {
  if (d.sameLinkAs) {
    const { header, attrs } = d.sameLinkAs;
    d.header.index = header.index;
    if (header.index === undefined) d.attrs.ifname = attrs.ifname;
  }
  const li = d.linkinfo;
  const names = d.altnames;
  const protinfo = d.protinfo;
  const built = core.build(LINK_MESSAGE, {
    type: d.type,
    flags: d.flags,
    header: d.header,
    attrs: d.attrs,
    extra: li || names || protinfo
      ? (w) => {
        if (li) writeLinkinfo(w, li);
        if (names) writeNames(w, names);
        if (protinfo) {
          writeAttr(w, IFLA_PROTINFO, { kind: "nest", schema: () => BRPORT }, protinfo, "protinfo");
        }
      }
      : undefined,
  });
  built.describe = d.describe;
  return built;
}

/** A draft of its own for the `protinfo` of a set: RTM_SETLINK over AF_BRIDGE. */
function protinfoDraft(ctx: Context, main: Draft, protinfo: Record<string, unknown>): Draft {
  return {
    type: RTM.SETLINK,
    flags: 0,
    header: { family: AF.BRIDGE },
    attrs: {},
    protinfo: protinfoValues(ctx, protinfo, {}),
    sameLinkAs: main,
    describe: "link set protinfo",
  };
}

/** Checks bridge port settings (`brport_*`) and writes them into `values`. */
function protinfoValues(
  ctx: Context,
  protinfo: Record<string, unknown>,
  values: Record<string, unknown>,
): Record<string, unknown> {
  for (const [k, v] of Object.entries(protinfo)) {
    const def = BRPORT.byName.get(k);
    if (!def) throw new TypeError(`protinfo.${k}: unknown bridge port attribute (brport_*)`);
    if (v === undefined) continue;
    if (values[def.name] !== undefined) {
      throw new TypeError(`protinfo.${k}: given twice (as ${def.name} too)`);
    }
    if (IFINDEX_KEYS.has(def.name)) deferIndex(ctx, values, def.name, v, `protinfo.${k}`, true);
    else values[def.name] = dataValue(def.name, v, def.codec, undefined);
  }
  return values;
}

/**
 * Makes `protinfo` part of the link's own RTM_NEWLINK, as bridge port data
 * (`IFLA_INFO_SLAVE_DATA`, the same `IFLA_BRPORT_*` attributes `bridge link set` sends as
 * `IFLA_PROTINFO`): one request instead of two, so the change is applied whole or not at all.
 */
function mergeProtinfo(ctx: Context, main: Draft, protinfo: Record<string, unknown>): void {
  const li = main.linkinfo;
  if (li?.slave && li.slaveSchema !== BRPORT) {
    throw new TypeError(
      "protinfo: bridge port settings cannot be combined with another kind's port settings",
    );
  }
  const values = li?.slave ?? {};
  protinfoValues(ctx, protinfo, values);
  if (li) {
    li.slave = values;
    li.slaveSchema = BRPORT;
  } else main.linkinfo = { kind: "bridge_slave", slave: values, slaveSchema: BRPORT };
}

/** A draft for alternative names: RTM_NEWLINKPROP or RTM_DELLINKPROP. */
function propDraft(main: Draft, names: string[], add: boolean): Draft {
  return {
    type: add ? RTM.NEWLINKPROP : RTM.DELLINKPROP,
    flags: add ? NLM_F.CREATE | NLM_F.EXCL : 0,
    header: { family: AF.UNSPEC },
    attrs: {},
    altnames: names,
    sameLinkAs: main,
    describe: add ? "link property_add" : "link property_del",
  };
}

const GET_KEYS = new Set(["index", "ifname", "altname", "altnames", "ext_mask", "family"]);
const DEL_KEYS = new Set(["index", "ifname", "altname", "altnames", "kind", "group"]);
const PROP_KEYS = new Set(["index", "ifname", "altname", "altnames"]);

/** Requests ready to send, and what to release once they are answered. */
interface Prepared {
  steps: Step<Built<typeof LINK_MESSAGE>>[];
  cleanup: () => void;
}

/**
 * Checks a command and its spec, looks names up, and encodes every request it takes (a `set`
 * with `altnames` takes more than one). Nothing is sent on bad input.
 */
async function prepare(
  core: RtnlCore,
  cmd: LinkCommand,
  spec: LooseLinkSpec,
): Promise<Prepared> {
  if (typeof cmd !== "string" || !Object.hasOwn(COMMANDS, cmd)) {
    throw new TypeError(
      `command: unknown link command ${describeValue(cmd)} (${Object.keys(COMMANDS).join(", ")})`,
    );
  }
  if (!isObject(spec)) throw new TypeError(`spec: expected an object, got ${describeValue(spec)}`);
  const ctx: Context = { core, refs: [], fds: [] };
  const cleanup = () => ctx.fds.splice(0).forEach(closeFd);
  try {
    const { steps, main, guessKind } = makeDrafts(ctx, cmd, spec);
    // The checking pass: every value encodes (placeholders stand in for names).
    for (const s of steps) {
      encodeDraft(core, s.request);
      if (s.undo) encodeDraft(core, s.undo);
    }
    for (const r of ctx.refs) r.target[r.key] = await r.lookup();
    if (guessKind) await applyGuessedKind(core, main!, guessKind);
    return {
      steps: steps.map((s) => ({
        request: encodeDraft(core, s.request),
        undo: s.undo && encodeDraft(core, s.undo),
      })),
      cleanup,
    };
  } catch (e) {
    cleanup();
    throw e;
  }
}

function makeDrafts(
  ctx: Context,
  cmd: LinkCommand,
  spec: LooseLinkSpec,
): { steps: Step<Draft>[]; main?: Draft; guessKind?: Guess } {
  const alt = altnamesOf(spec);
  if (cmd === "get" || cmd === "del" || cmd === "property_add" || cmd === "property_del") {
    const allowed = cmd === "get" ? GET_KEYS : cmd === "del" ? DEL_KEYS : PROP_KEYS;
    for (const k of Object.keys(spec)) {
      if (spec[k] !== undefined && !allowed.has(k)) {
        throw new TypeError(`${k}: not used by link ${cmd} (${[...allowed].join(", ")})`);
      }
    }
    if (spec.kind !== undefined) checkKind(spec.kind, "kind");
  }
  if (cmd === "get") {
    const header: Record<string, unknown> = { family: spec.family ?? AF.UNSPEC };
    const attrs: Record<string, unknown> = { ext_mask: spec.ext_mask ?? RTEXT_FILTER_VF };
    if (spec.index !== undefined) deferIndex(ctx, header, "index", spec.index, "index");
    if (spec.ifname !== undefined) attrs.ifname = checkIfname(spec.ifname, "ifname");
    if (alt) {
      if (alt.names.length !== 1) throw new TypeError(`${alt.field}: get takes one name`);
      attrs.alt_ifname = alt.names[0];
    }
    if (spec.index === undefined && spec.ifname === undefined && !alt) {
      throw new TypeError("index: required to get a link (or ifname, or altname)");
    }
    return {
      steps: [{ request: { type: RTM.GETLINK, flags: 0, header, attrs, describe: "link get" } }],
    };
  }
  if (cmd === "property_add" || cmd === "property_del") {
    if (!alt) throw new TypeError(`altname: required for link ${cmd}`);
  }
  if (cmd !== "add" && spec.index === undefined && spec.ifname === undefined) {
    throw new TypeError(`index: required to ${cmd} a link (or ifname)`);
  }
  if (cmd === "add") {
    if (spec.kind === undefined) throw new TypeError("kind: required to add a link");
    if (spec.ifname === undefined) throw new TypeError("ifname: required to add a link");
    if (spec.index !== undefined) throw new TypeError("index: a new link has no index yet");
  }
  if (cmd === "del" || cmd === "property_add" || cmd === "property_del") {
    const header: Record<string, unknown> = { family: AF.UNSPEC };
    const attrs: Record<string, unknown> = {};
    if (spec.index !== undefined) deferIndex(ctx, header, "index", spec.index, "index");
    if (spec.ifname !== undefined) attrs.ifname = checkIfname(spec.ifname, "ifname");
    if (spec.group !== undefined) attrs.group = spec.group === "default" ? 0 : spec.group;
    const main: Draft = { type: RTM.DELLINK, flags: 0, header, attrs, describe: "link del" };
    if (alt) return { steps: propSteps(main, alt.names, cmd === "property_add") };
    return { steps: [{ request: main }] };
  }
  const { draft, guessKind } = draftLink(ctx, cmd, spec);
  const protinfo = draft.protinfo;
  draft.protinfo = undefined;
  // A set of only protinfo or altnames needs no RTM_NEWLINK (ifname alone is the selector).
  const selectorOnly = Object.keys(draft.attrs).every((k) =>
    k === "ifname" && draft.header.index === undefined
  );
  const onlySide = (protinfo || alt) && selectorOnly && !draft.linkinfo && !guessKind &&
    !draft.header.flags && !draft.header.change;
  if (cmd === "add") {
    if (protinfo) throw new TypeError("protinfo: port settings apply to an existing port");
    if (alt && draft.attrs.net_ns_fd !== undefined) {
      throw new TypeError(
        `${alt.field}: a link made in another namespace takes its alternative names there`,
      );
    }
    // The link first; should a name then be refused, the link goes again (a veth's peer too).
    const undo: Draft = {
      type: RTM.DELLINK,
      flags: 0,
      header: { family: AF.UNSPEC },
      attrs: { ifname: draft.attrs.ifname },
      describe: "link del (undoing link add)",
    };
    const steps: Step<Draft>[] = [{ request: draft, undo }];
    if (alt) steps.push(...propSteps(draft, alt.names, true).map((s) => ({ request: s.request })));
    return { steps, main: draft, guessKind };
  }
  // A set: the alternative names first, each undone should a later request fail; the link's own
  // changes last, in one request (protinfo becomes its bridge port data).
  const steps: Step<Draft>[] = alt ? propSteps(draft, alt.names, true) : [];
  if (onlySide) {
    if (protinfo) steps.push({ request: protinfoDraft(ctx, draft, protinfo) });
    return { steps, guessKind };
  }
  if (protinfo) mergeProtinfo(ctx, draft, protinfo);
  steps.push({ request: draft });
  return { steps, main: draft, guessKind };
}

/**
 * One request per alternative name (the kernel applies a list of names in order and stops at
 * the first refused, keeping the others), each undone by its opposite.
 */
function propSteps(main: Draft, names: readonly string[], add: boolean): Step<Draft>[] {
  return names.map((n) => ({
    request: propDraft(main, [n], add),
    undo: propDraft(main, [n], !add),
  }));
}

/** Picks the kind of a `set` with data keys but no `kind` from the link itself. */
async function applyGuessedKind(core: RtnlCore, draft: Draft, guess: Guess): Promise<void> {
  const kind = await kindOf(core, draft);
  const data = dataSchemaOf(kind);
  const values: Record<string, unknown> = {};
  for (const [key, value] of guess.entries) {
    const def = data?.schema.byName.get(key);
    if (!def) {
      throw new TypeError(
        `${key}: not an attribute of this link's kind (${kind ?? "none"}); it belongs to kind ${
          kindsWithKey(key).join("/")
        }`,
      );
    }
    values[def.name] = IFINDEX_KEYS.has(def.name)
      ? (value === 0 ? 0 : await core.ifindex(value, key))
      : dataValue(def.name, value, def.codec, kind);
  }
  draft.linkinfo = { ...draft.linkinfo, kind: kind!, data: values, dataCodec: data!.codec };
  encodeDraft(core, draft); // checks the guessed values before anything is sent
}

/** Checks a command and spec as `link()` would (names are looked up) without sending it. */
export async function checkLinkSpec(
  core: RtnlCore,
  cmd: LinkCommand,
  spec: LooseLinkSpec,
): Promise<void> {
  (await prepare(core, cmd, spec)).cleanup();
}

/** Builds one link request (for batches); a spec that needs several requests is refused. */
export async function buildLink(
  core: RtnlCore,
  cmd: LinkCommand,
  spec: LinkSpec | LooseLinkSpec,
): Promise<Built<typeof LINK_MESSAGE>> {
  if (cmd === "add" && isObject(spec) && spec.kind === "tuntap") {
    throw new TypeError('kind: "tuntap" is made through /dev/net/tun, not in a batch');
  }
  const { steps, cleanup } = await prepare(core, cmd, spec as LooseLinkSpec);
  if (steps.length !== 1) {
    cleanup();
    throw new TypeError(
      "spec: takes several requests (altnames with other changes); use ip.link()",
    );
  }
  const built = steps[0].request;
  built.cleanup = cleanup;
  return built;
}

/**
 * Runs a link command; `get` resolves with the link, the others with an empty list. `signal`
 * stops waiting for the kernel's answer. A command of several requests (alternative names with
 * other changes) is applied whole or not at all: when one request fails, or the signal aborts
 * between two, those already applied are undone, and the error is thrown.
 */
export async function linkCommand(
  core: RtnlCore,
  cmd: LinkCommand,
  spec: (LinkSpec | LooseLinkSpec) & WithSignal,
): Promise<Link[]> {
  const [rest, signal] = withoutSignal(spec as LooseLinkSpec);
  if (cmd === "add" && isObject(rest) && rest.kind === "tuntap") {
    return await createTuntap(core, rest);
  }
  const { steps, cleanup } = await prepare(core, cmd, rest);
  try {
    if (steps.length === 1) return await core.send(steps[0].request, signal) as Link[];
    return await runSteps(core, steps, signal) as Link[];
  } finally {
    cleanup();
  }
}

/**
 * Filter of {@link getLinks}: any IFLA attribute or header field, compared for equality, and
 * `kind`, `state`, `altname`; a function as a value tests the link's value of that name
 * (`{ mtu: (m) => m > 1500 }`); `match` tests the whole message.
 */
export type LinkFilter =
  & Omit<MessageFilter<typeof LINK_MESSAGE>, "master" | "link" | "family">
  & FilterCommon<Link>
  & {
    /** 0 (default), 7 (AF_BRIDGE: bridge ports with `protinfo`) or 10 (the IPv6 view). */
    family?: number;
    /** The link kind (`linkinfo.info_kind`). */
    kind?: FilterValue<string, string | undefined>;
    /** "up" or "down" (IFF_UP). */
    state?: FilterValue<"up" | "down">;
    /** One of the alternative names. */
    altname?: string;
    /** The master's index or name. */
    master?: FilterValue<number | string, number>;
    /** The parent device's index or name (IFLA_LINK). */
    link?: FilterValue<number | string, number>;
  };

const FILTER_KEYS = filterKeys("link filter key", LINK_MESSAGE, [
  "kind",
  "state",
  "altname",
  "altnames",
]);

/**
 * Dumps links, optionally filtered: `kind` matches `linkinfo.info_kind`, `altname` any
 * alternative name, `address` case-insensitively, `master` and `link` also by name, `family: 7`
 * dumps bridge ports (AF_BRIDGE, with `protinfo`).
 */
export async function getLinks(
  core: RtnlCore,
  filter?: LinkFilter,
): Promise<MessageList<Link>> {
  const f = readFilter(filter, FILTER_KEYS);
  const family = f.values.family ?? AF.UNSPEC;
  // AF_INET6 asks for the IPv6 view of each link (what `ip -6 link` shows); AF_BRIDGE for ports.
  if (family !== AF.UNSPEC && family !== AF.BRIDGE && family !== AF.INET && family !== AF.INET6) {
    throw new RangeError(
      `family: expected 0, 2, 7 (AF_BRIDGE) or 10 (AF_INET6), got ${describeValue(family)}`,
    );
  }
  const links = await core.dumpList(LINK_MESSAGE, {
    type: RTM.GETLINK,
    flags: 0,
    header: { family },
    // The inet6 dump takes no attributes under strict checking.
    attrs: family === AF.INET6 ? {} : { ext_mask: RTEXT_FILTER_VF },
  }, { retryInterrupted: 3, signal: f.signal }) as MessageList<Link>;
  const keys = Object.entries(f.values).filter(([k]) => k !== "family");
  if (keys.length === 0 && f.tests.length === 0) return links;
  const byName = new Map(links.map((l) => [l.ifname, l.index]));
  return links.filter((l) =>
    keys.every(([k, v]) => matchLink(l, k, v, byName)) && passes(f.tests, l)
  ) as MessageList<Link>;
}

function matchLink(
  l: Link,
  key: string,
  value: unknown,
  byName: ReadonlyMap<string | undefined, number>,
): boolean {
  if (key === "kind") return l.kind === value;
  if (key === "altname") return l.altnames.includes(value as string);
  if (key === "state") return l.state === value;
  if (key === "address" && typeof value === "string") {
    return (l.address ?? "").toLowerCase() === value.toLowerCase();
  }
  if ((key === "master" || key === "link") && typeof value === "string") {
    const index = byName.get(value);
    return index !== undefined && l.get(key) === index;
  }
  return l.get(key) === value;
}

/**
 * Indexes of links matching a filter. `{ ifname }` or `{ altname }` alone is a kernel `get`
 * (not a dump); other keys (index, address, kind, master, …) filter a dump.
 */
export async function linkLookup(core: RtnlCore, filter: LinkFilter): Promise<number[]> {
  const f = readFilter(filter, FILTER_KEYS);
  const keys = Object.keys(f.values);
  if (
    keys.length === 1 && f.tests.length === 0 && (keys[0] === "ifname" || keys[0] === "altname")
  ) {
    const key = keys[0];
    const value = key === "ifname"
      ? checkIfname(f.values.ifname, "ifname")
      : checkAltname(f.values.altname, "altname");
    try {
      const [link] = await linkCommand(core, "get", { [key]: value, signal: f.signal });
      return link ? [link.index] : [];
    } catch (e) {
      if ((e as { code?: string }).code === "ENODEV") return [];
      throw e;
    }
  }
  return (await getLinks(core, filter)).map((l) => l.index);
}

/** The protinfo view of an AF_BRIDGE link message (bridge port settings), if any. */
export function protinfoOf(link: Link): AttrView | undefined {
  const v = link.get("protinfo");
  return v && typeof v === "object" && "get" in v ? v as AttrView : undefined;
}
