/**
 * The type of link specs, mapped from the schema tables: the shortcuts every spec takes, every
 * IFLA attribute a spec may give directly, port settings (`brport_*`, `bond_slave_*`,
 * `vrf_port_*`), and a union discriminated by `kind` whose members take their kind's
 * `IFLA_INFO_DATA` keys. A key of another kind, or a typo, does not compile:
 *
 * ```ts ignore
 * ip.link("add", { ifname: "vx0", kind: "vxlan", vxlan_id: 42 }); // compiles
 * ip.link("add", { ifname: "vx0", kind: "vxlan", vxlan_idd: 42 }); // error: vxlan_idd
 * ip.link("add", { ifname: "br0", kind: "bridge", vxlan_id: 42 }); // error: not bridge data
 * ```
 *
 * @module
 */

import type {
  ArrayCodec,
  AttrSchema,
  EnumCodec,
  NestCodec,
  ShortName,
  StructCodec,
} from "../netlink/schema.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import type { IFLA } from "./schemas/link.ts";
import type {
  BOND_SLAVE,
  BRPORT,
  LinkKind,
  LinkKindSchemas,
  VRF_PORT,
} from "./schemas/linkinfo.ts";

/**
 * What a spec key of codec `C` takes: numbers (or their names, a numeric string, or
 * `{ bit_name: boolean }` for flag words), booleans for one-byte switches and flags, text for
 * names and addresses, objects for structs and nests.
 */
export type SpecValue<C> = C extends "u8" ? number | boolean | string
  : C extends "flag" ? boolean
  : C extends
    | "u16"
    | "u32"
    | "u64"
    | "s8"
    | "s16"
    | "s32"
    | "s64"
    | "be16"
    | "be32"
    | "be64" ? number | string | Readonly<Record<string, boolean>>
  : C extends "string" | "ipaddr" | "lladdr" | "hex" ? string
  : C extends "binary" ? Uint8Array | string
  : C extends EnumCodec ? number | string
  : C extends StructCodec ? Readonly<Record<string, unknown>> | readonly number[]
  : C extends ArrayCodec ? readonly unknown[]
  : C extends NestCodec ? Readonly<Record<string, unknown>>
  : unknown;

/** The spec keys of an attribute schema: each short name, with the value its codec takes. */
export type AttrSpec<S> = S extends AttrSchema<infer P, infer T> ? {
    -readonly [K in keyof T as ShortName<K, P>]?: ShortName<K, P> extends IndexKey ? InterfaceRef
      : SpecValue<T[K][1]>;
  }
  : never;

/** Keys that take an interface (index, name or interface object). */
export type IndexKey =
  | "master"
  | "link"
  | "vxlan_link"
  | "gre_link"
  | "iptun_link"
  | "vti_link"
  | "bond_active_slave"
  | "bond_primary"
  | "brport_backup_port";

/** The shortcuts every link spec takes (see the module documentation of the link verbs). */
export interface LinkSpecCommon {
  /** Interface index, a name to look up, or an interface object (its `index`). */
  index?: InterfaceRef;
  /** Interface name (for add; for set, the new name when `index` is given). */
  ifname?: string;
  /** Administrative state. */
  state?: "up" | "down";
  /** MAC address. */
  address?: string;
  /** MTU. */
  mtu?: number;
  /** Master device (index, name or interface object); 0 to detach. */
  master?: InterfaceRef;
  /** Detach from the master (the same as `master: 0`). */
  nomaster?: true;
  /** The parent device (IFLA_LINK; index or name): a vlan's or macvlan's lower device. */
  link?: InterfaceRef;
  /** Transmit queue length. */
  txqlen?: number;
  /** Alias (IFLA_IFALIAS). */
  ifalias?: string;
  /** Same as `ifalias`. */
  alias?: string;
  /** Alternative names to add (set, property_add) or remove (del, property_del). */
  altnames?: string | readonly string[];
  /** One alternative name, or several (pyroute2's `altname: [a, b]`). */
  altname?: string | readonly string[];
  /** Device group (a number, or "default" for 0). */
  group?: number | "default";
  /** Promiscuous mode. */
  promisc?: boolean;
  /** ARP on (false sets IFF_NOARP). */
  arp?: boolean;
  /** pyroute2's spelling: true sets IFF_NOARP (the same as `arp: false`). */
  noarp?: boolean;
  /** Multicast on. */
  multicast?: boolean;
  /** Receive all multicast. */
  allmulticast?: boolean;
  /** Move the link into this namespace (one you own). */
  netns?: NetnsTarget;
  /** Bridge port settings (`brport_*` keys) sent as IFLA_PROTINFO over AF_BRIDGE. */
  protinfo?: AttrSpec<typeof BRPORT>;
  /**
   * IFF_* flags to set (with `change`), or pyroute2's names (`["IFF_UP", "!IFF_NOARP"]`: each
   * named bit changes, `!` clears it).
   */
  flags?: number | readonly string[];
  /** IFF_* flags to change (a number or names). */
  change?: number | readonly string[];
  /** pyroute2's name of `netns`: the namespace to move the link (or a veth peer) into. */
  net_ns_fd?: NetnsTarget | number;
  /** 0, or 7 (AF_BRIDGE) to address a bridge port's settings. */
  family?: number;
  /** RTEXT_FILTER_* bits of a `get`. */
  ext_mask?: number;
}

/** An interface: its index, its name, or an object with its `index` (a link message, an IPDB interface). */
export type InterfaceRef = number | string | { readonly index: number };

/** IFLA attributes a spec may give directly (those with shortcuts are set through them). */
export type LinkAttrSpec = Omit<
  AttrSpec<typeof IFLA>,
  keyof LinkSpecCommon | "linkinfo" | "prop_list" | "protinfo" | "alt_ifname"
>;

/** The same attributes by their kernel names, as pyroute2 also takes them (`IFLA_IFNAME`). */
export type LinkKernelSpec = {
  [
    K in
      | keyof LinkAttrSpec
      | "ifname"
      | "address"
      | "mtu"
      | "txqlen"
      | "ifalias" as `IFLA_${Uppercase<K & string>}`
  ]?: K extends keyof LinkAttrSpec ? LinkAttrSpec[K] : K extends "mtu" | "txqlen" ? number
  : string;
};

/** Port settings: bridge port (`brport_*`), bond port (`bond_slave_*`), VRF port. */
export type PortSpec =
  & AttrSpec<typeof BRPORT>
  & AttrSpec<typeof BOND_SLAVE>
  & AttrSpec<typeof VRF_PORT>;

/** A veth's peer given as a spec: its name, namespace, MTU, address, … (a veth too). */
export type VethPeerSpec = LinkSpecCommon & LinkAttrSpec & { kind?: "veth" };

/** The `IFLA_INFO_DATA` keys of kind `K` (a veth's `peer`: a name or a spec of its own). */
export type LinkKindData<K extends keyof LinkKindSchemas> = K extends "veth"
  ? { peer?: string | VethPeerSpec }
  : AttrSpec<LinkKindSchemas[K]>;

/** The intersection of the members of union `U`. */
export type Intersect<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;

/** Kinds with a data schema that a spec can name (tun/tap is made as kind "tuntap"). */
export type DataKind = Exclude<keyof LinkKindSchemas, "tun">;

/** The tun/tap keys of pyroute2's kind "tuntap" (made through /dev/net/tun). */
export interface TuntapKeys {
  /** "tuntap". */
  kind: "tuntap";
  /** A layer-3 tun or a layer-2 tap device. */
  mode: "tun" | "tap";
  /** Owning user id. */
  owner?: number;
  /** Same as `owner`. */
  uid?: number;
  /** Same as `group` (the owning group id). */
  gid?: number;
  /** Keep the device when the creating descriptor closes (default true). */
  persistent?: boolean;
  /** Several queues (IFF_MULTI_QUEUE). */
  multi_queue?: boolean;
  /** virtio-net headers (IFF_VNET_HDR). */
  vnet_hdr?: boolean;
  /** Packet information header (default false: IFF_NO_PI). */
  pi?: boolean;
}

/** The kind part of a link spec: a kind and its data, or no kind (a `set` of any kind's data). */
export type LinkKindSpec =
  | { [K in DataKind]: { kind: K } & LinkKindData<K> }[DataKind]
  | { kind: Exclude<LinkKind, keyof LinkKindSchemas> | "bridge_slave" | "bond_slave" | "vrf_slave" }
  | TuntapKeys
  | ({ kind?: undefined } & Partial<Intersect<LinkKindData<DataKind>>>);

/**
 * A link spec: the shortcuts of {@link LinkSpecCommon}, IFLA attributes by short name, port
 * settings, and `kind` with its data keys (`{ kind: "vxlan", vxlan_id: 42 }`); without `kind`
 * (a `set`), the data keys of the link's own kind.
 */
export type LinkSpec = LinkSpecCommon & LinkAttrSpec & LinkKernelSpec & PortSpec & LinkKindSpec;
