/**
 * The Ethtool class: what `ethtool` reads and changes over netlink (the `ethtool` generic
 * netlink family), per network namespace.
 *
 * @module
 */

import { align4 } from "../netlink/constants.ts";
import { describeValue } from "../netlink/addr.ts";
import { checkInt } from "../netlink/encoder.ts";
import { GenericNetlink } from "../netlink/genl.ts";
import type { GenlFamily } from "../netlink/genl.ts";
import { NetlinkError } from "../netlink/errors.ts";
import type { MessageSchema } from "../netlink/schema.ts";
import { checkKeys, KeySet, REFUSE_UNDEFINED } from "../netlink/strict.ts";
import { Subscription } from "../netlink/subscription.ts";
import { messageViewClass } from "../netlink/view.ts";
import type { AttrView, MessageView, TypedMessage, TypedView } from "../netlink/view.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import { bitsetNames, bitsetRecord, bitsetSpec, decodeBitset } from "./bitset.ts";
import type { EthtoolBitset } from "./bitset.ts";
import { resolveFeatureChanges } from "./features.ts";
import type { EthtoolFeatures } from "./features.ts";
import {
  ETH_SS,
  ETHTOOL_CHANNELS_MESSAGE,
  ETHTOOL_COALESCE_MESSAGE,
  ETHTOOL_EEE_MESSAGE,
  ETHTOOL_FEATURES_MESSAGE,
  ETHTOOL_FLAG,
  ETHTOOL_GENL_NAME,
  ETHTOOL_LINKINFO_MESSAGE,
  ETHTOOL_LINKMODES_MESSAGE,
  ETHTOOL_LINKSTATE_MESSAGE,
  ETHTOOL_MCGRP_MONITOR_NAME,
  ETHTOOL_MSG,
  ETHTOOL_MSG_KERNEL,
  ETHTOOL_PAUSE_MESSAGE,
  ETHTOOL_PRIVFLAGS_MESSAGE,
  ETHTOOL_RINGS_MESSAGE,
  ETHTOOL_STATS_MESSAGE,
  ETHTOOL_STRSET_MESSAGE,
  ETHTOOL_TSINFO_MESSAGE,
  ethtoolSchemaOf,
} from "./schema.ts";
import type { ETHTOOL_A_STATS_GRP, ETHTOOL_A_STRINGSET } from "./schema.ts";

/** A device: its name or its interface index. */
export type EthtoolDevice = string | number;

/** Options of {@link Ethtool}. */
export interface EthtoolOptions {
  /** Work in this network namespace: a name under /run/netns, a path, or `{ pid }`. */
  netns?: NetnsTarget;
}

/** Link information (`ETHTOOL_A_LINKINFO_*`). */
export interface EthtoolLinkInfo {
  /** Physical connector type (`PORT_*`: 0 TP, 3 FIBRE, 0xef NONE, 0xff OTHER). */
  port?: number;
  /** MDIO address of the PHY. */
  phyaddr?: number;
  /** MDI(-X) status. */
  tp_mdix?: number;
  /** MDI(-X) control. */
  tp_mdix_ctrl?: number;
  /** Transceiver (`XCVR_*`). */
  transceiver?: number;
}

/** Link modes (`ETHTOOL_A_LINKMODES_*`): speed, duplex, autonegotiation and modes. */
export interface EthtoolLinkModes {
  /** Autonegotiation on. */
  autoneg?: boolean;
  /** Speed in Mb/s (0xffffffff: unknown). */
  speed?: number;
  /** `DUPLEX_*`: 0 half, 1 full, 0xff unknown. */
  duplex?: number;
  /** Lanes. */
  lanes?: number;
  /** Master/slave configuration. */
  master_slave_cfg?: number;
  /** Master/slave state. */
  master_slave_state?: number;
  /** Rate matching. */
  rate_matching?: number;
  /** Our link modes: the supported ones (mask) and the advertised ones (set). */
  ours?: EthtoolBitset;
  /** The link partner's advertised modes. */
  peer?: EthtoolBitset;
}

/** Link state (`ETHTOOL_A_LINKSTATE_*`). */
export interface EthtoolLinkState {
  /** Whether the link is up ("Link detected"). */
  link?: boolean;
  /** Signal quality index. */
  sqi?: number;
  /** Its maximum. */
  sqi_max?: number;
  /** Extended state (why the link is down). */
  ext_state?: number;
  /** Extended substate. */
  ext_substate?: number;
  /** Link down events. */
  ext_down_cnt?: number;
}

/** Ring sizes (`ETHTOOL_A_RINGS_*`). */
export interface EthtoolRings {
  /** Maximum RX ring size. */
  rx_max?: number;
  /** Maximum RX mini ring size. */
  rx_mini_max?: number;
  /** Maximum RX jumbo ring size. */
  rx_jumbo_max?: number;
  /** Maximum TX ring size. */
  tx_max?: number;
  /** RX ring size. */
  rx?: number;
  /** RX mini ring size. */
  rx_mini?: number;
  /** RX jumbo ring size. */
  rx_jumbo?: number;
  /** TX ring size. */
  tx?: number;
  /** RX buffer length. */
  rx_buf_len?: number;
  /** TCP header/data split (0 unknown, 1 off, 2 on). */
  tcp_data_split?: number;
  /** Completion queue entry size. */
  cqe_size?: number;
  /** TX push. */
  tx_push?: boolean;
  /** RX push. */
  rx_push?: boolean;
  /** TX push buffer length. */
  tx_push_buf_len?: number;
  /** Its maximum. */
  tx_push_buf_len_max?: number;
  /** Header-data split threshold. */
  hds_thresh?: number;
  /** Its maximum. */
  hds_thresh_max?: number;
}

/** Channel counts (`ETHTOOL_A_CHANNELS_*`). */
export interface EthtoolChannels {
  /** Maximum RX channels. */
  rx_max?: number;
  /** Maximum TX channels. */
  tx_max?: number;
  /** Maximum other channels. */
  other_max?: number;
  /** Maximum combined channels. */
  combined_max?: number;
  /** RX channels. */
  rx_count?: number;
  /** TX channels. */
  tx_count?: number;
  /** Other channels. */
  other_count?: number;
  /** Combined channels. */
  combined_count?: number;
}

/** Interrupt coalescing (`ETHTOOL_A_COALESCE_*`); booleans for the `use_*` switches. */
export interface EthtoolCoalesce {
  /** µs before an RX interrupt. */
  rx_usecs?: number;
  /** Frames before an RX interrupt. */
  rx_max_frames?: number;
  /** `rx_usecs` while an interrupt is serviced. */
  rx_usecs_irq?: number;
  /** `rx_max_frames` while an interrupt is serviced. */
  rx_max_frames_irq?: number;
  /** µs before a TX interrupt. */
  tx_usecs?: number;
  /** Frames before a TX interrupt. */
  tx_max_frames?: number;
  /** `tx_usecs` while an interrupt is serviced. */
  tx_usecs_irq?: number;
  /** `tx_max_frames` while an interrupt is serviced. */
  tx_max_frames_irq?: number;
  /** Statistics block update interval in µs. */
  stats_block_usecs?: number;
  /** Adaptive RX coalescing. */
  use_adaptive_rx?: boolean;
  /** Adaptive TX coalescing. */
  use_adaptive_tx?: boolean;
  /** Low packet rate threshold. */
  pkt_rate_low?: number;
  /** `rx_usecs` below it. */
  rx_usecs_low?: number;
  /** `rx_max_frames` below it. */
  rx_max_frames_low?: number;
  /** `tx_usecs` below it. */
  tx_usecs_low?: number;
  /** `tx_max_frames` below it. */
  tx_max_frames_low?: number;
  /** High packet rate threshold. */
  pkt_rate_high?: number;
  /** `rx_usecs` above it. */
  rx_usecs_high?: number;
  /** `rx_max_frames` above it. */
  rx_max_frames_high?: number;
  /** `tx_usecs` above it. */
  tx_usecs_high?: number;
  /** `tx_max_frames` above it. */
  tx_max_frames_high?: number;
  /** Rate sampling interval in seconds. */
  rate_sample_interval?: number;
  /** CQE mode for TX. */
  use_cqe_mode_tx?: boolean;
  /** CQE mode for RX. */
  use_cqe_mode_rx?: boolean;
  /** TX aggregation: maximum bytes. */
  tx_aggr_max_bytes?: number;
  /** TX aggregation: maximum frames. */
  tx_aggr_max_frames?: number;
  /** TX aggregation: time in µs. */
  tx_aggr_time_usecs?: number;
}

/** Pause frames (`ETHTOOL_A_PAUSE_*`). */
export interface EthtoolPause {
  /** Pause autonegotiation. */
  autoneg?: boolean;
  /** Receive pause frames. */
  rx?: boolean;
  /** Send pause frames. */
  tx?: boolean;
  /** Counters (with `{ stats: true }`, when the driver has them). */
  stats?: { tx_frames?: number; rx_frames?: number };
}

/** Energy-efficient Ethernet (`ETHTOOL_A_EEE_*`). */
export interface EthtoolEee {
  /** Our EEE link modes: supported (mask) and advertised (set). */
  modes_ours?: EthtoolBitset;
  /** The link partner's. */
  modes_peer?: EthtoolBitset;
  /** EEE is active on the link. */
  active?: boolean;
  /** EEE is enabled. */
  enabled?: boolean;
  /** TX low-power idle is enabled. */
  tx_lpi_enabled?: boolean;
  /** TX low-power idle timer in µs. */
  tx_lpi_timer?: number;
}

/** Timestamping capabilities (`ETHTOOL_A_TSINFO_*`), as names. */
export interface EthtoolTsInfo {
  /** `SOF_TIMESTAMPING_*` capabilities. */
  timestamping: string[];
  /** Hardware TX timestamp modes. */
  tx_types: string[];
  /** Hardware RX filter modes. */
  rx_filters: string[];
  /** The PTP hardware clock, if any. */
  phc_index?: number;
}

/** One histogram bucket of a statistics group. */
export interface EthtoolHistBucket {
  /** Lowest frame length. */
  low: number;
  /** Highest frame length. */
  high: number;
  /** Frames. */
  value: number;
}

/** One statistics group: counters by name, and RMON histograms. */
export interface EthtoolStatsGroup {
  /** Counters by their string-set names. */
  stats: Record<string, number>;
  /** RMON RX histogram. */
  hist_rx?: EthtoolHistBucket[];
  /** RMON TX histogram. */
  hist_tx?: EthtoolHistBucket[];
}

/** What {@link Ethtool.setFeatures} reports: where the result differs from the request. */
export interface EthtoolFeatureChanges {
  /** Features not set as requested: name → the value that was asked for. */
  notApplied: Record<string, boolean>;
  /** Features whose state changed: name → now. */
  changed: Record<string, boolean>;
}

/** The name of a message the kernel sends: `ETHTOOL_MSG_*` lower-cased, prefix dropped. */
export type EthtoolMessageName =
  | Lowercase<keyof typeof ETHTOOL_MSG_KERNEL>
  | `cmd_${number}`;

/** A notification: its `ETHTOOL_MSG_*_NTF` name (lower-cased, prefix dropped), device and message. */
export type EthtoolEvent =
  | {
    type: EthtoolMessageName;
    /** The device's index and name (from the message header). */
    dev: { index?: number; name?: string };
    /** The message, decoded with its kind's schema. */
    message: MessageView;
  }
  | { type: "overrun"; dev?: undefined; message?: undefined };

/** Options of {@link Ethtool.monitor}. */
export interface EthtoolMonitorOptions {
  /** Receive buffer of the monitor's socket in bytes (default 1 MiB). */
  rcvbuf?: number;
}

const KERNEL_NAMES = new Map<number, EthtoolMessageName>(
  Object.entries(ETHTOOL_MSG_KERNEL).map(([k, v]) => [v, k.toLowerCase() as EthtoolMessageName]),
);

/** The request header of a device; TypeError/RangeError naming `dev` for bad values. */
export function ethtoolHeader(dev: EthtoolDevice, flags = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof dev === "number") {
    if (!Number.isInteger(dev) || dev <= 0 || dev > 0x7fffffff) {
      throw new RangeError(`dev: interface index must be a positive integer, got ${dev}`);
    }
    out.dev_index = dev;
  } else if (typeof dev === "string") {
    if (dev === "" || new TextEncoder().encode(dev).length > 15 || /[/:\s]/.test(dev)) {
      throw new TypeError(`dev: invalid interface name ${JSON.stringify(dev)}`);
    }
    out.dev_name = dev;
  } else {
    throw new TypeError(`dev: expected an interface name or index, got ${describeValue(dev)}`);
  }
  if (flags) out.flags = flags;
  return out;
}

/**
 * Settable attributes of each kind: name → codec ("bool": a u8 switch given as a boolean),
 * in the order ethtool writes them (its parameter tables).
 */
const SETTABLE = {
  linkinfo: { port: "u8", tp_mdix_ctrl: "u8", phyaddr: "u8", transceiver: "u8" },
  linkmodes: {
    speed: "u32",
    lanes: "u32",
    duplex: "u8",
    autoneg: "bool",
    master_slave_cfg: "u8",
  },
  rings: {
    rx: "u32",
    rx_mini: "u32",
    rx_jumbo: "u32",
    tx: "u32",
    rx_buf_len: "u32",
    tcp_data_split: "u8",
    cqe_size: "u32",
    tx_push: "bool",
    rx_push: "bool",
    tx_push_buf_len: "u32",
    hds_thresh: "u32",
  },
  channels: { rx_count: "u32", tx_count: "u32", other_count: "u32", combined_count: "u32" },
  coalesce: {
    rx_usecs: "u32",
    rx_max_frames: "u32",
    rx_usecs_irq: "u32",
    rx_max_frames_irq: "u32",
    tx_usecs: "u32",
    tx_max_frames: "u32",
    tx_usecs_irq: "u32",
    tx_max_frames_irq: "u32",
    stats_block_usecs: "u32",
    use_adaptive_rx: "bool",
    use_adaptive_tx: "bool",
    pkt_rate_low: "u32",
    rx_usecs_low: "u32",
    rx_max_frames_low: "u32",
    tx_usecs_low: "u32",
    tx_max_frames_low: "u32",
    pkt_rate_high: "u32",
    rx_usecs_high: "u32",
    rx_max_frames_high: "u32",
    tx_usecs_high: "u32",
    tx_max_frames_high: "u32",
    rate_sample_interval: "u32",
    use_cqe_mode_tx: "bool",
    use_cqe_mode_rx: "bool",
    tx_aggr_max_bytes: "u32",
    tx_aggr_max_frames: "u32",
    tx_aggr_time_usecs: "u32",
  },
  pause: { autoneg: "bool", rx: "bool", tx: "bool" },
  eee: { enabled: "bool", tx_lpi_enabled: "bool", tx_lpi_timer: "u32" },
} as const;

/** The kinds with plain get/set (numbers and u8 booleans). */
type Kind = keyof typeof SETTABLE;

/** The keys each set* method's values accept. */
const SETTABLE_KEYS = Object.fromEntries(
  Object.entries(SETTABLE).map((
    [kind, t],
  ) => [kind, new KeySet(`${kind} key`, Object.keys(t), {}, REFUSE_UNDEFINED)]),
) as Record<Kind, KeySet>;
const OPTION_KEYS = new KeySet("Ethtool option", ["netns"], {}, REFUSE_UNDEFINED);
const PAUSE_OPTION_KEYS = new KeySet("getPause option", ["stats"], {}, REFUSE_UNDEFINED);
const STATS_OPTION_KEYS = new KeySet("getStats option", ["groups"], {}, REFUSE_UNDEFINED);
const MONITOR_OPTION_KEYS = new KeySet("monitor option", ["rcvbuf"], {}, REFUSE_UNDEFINED);

const KIND: Record<Kind, { get: number; set: number; schema: MessageSchema }> = {
  linkinfo: {
    get: ETHTOOL_MSG.LINKINFO_GET,
    set: ETHTOOL_MSG.LINKINFO_SET,
    schema: ETHTOOL_LINKINFO_MESSAGE,
  },
  linkmodes: {
    get: ETHTOOL_MSG.LINKMODES_GET,
    set: ETHTOOL_MSG.LINKMODES_SET,
    schema: ETHTOOL_LINKMODES_MESSAGE,
  },
  rings: { get: ETHTOOL_MSG.RINGS_GET, set: ETHTOOL_MSG.RINGS_SET, schema: ETHTOOL_RINGS_MESSAGE },
  channels: {
    get: ETHTOOL_MSG.CHANNELS_GET,
    set: ETHTOOL_MSG.CHANNELS_SET,
    schema: ETHTOOL_CHANNELS_MESSAGE,
  },
  coalesce: {
    get: ETHTOOL_MSG.COALESCE_GET,
    set: ETHTOOL_MSG.COALESCE_SET,
    schema: ETHTOOL_COALESCE_MESSAGE,
  },
  pause: { get: ETHTOOL_MSG.PAUSE_GET, set: ETHTOOL_MSG.PAUSE_SET, schema: ETHTOOL_PAUSE_MESSAGE },
  eee: { get: ETHTOOL_MSG.EEE_GET, set: ETHTOOL_MSG.EEE_SET, schema: ETHTOOL_EEE_MESSAGE },
};

/** The u8 attributes that are switches (booleans in plain replies), per kind. */
const BOOLEANS = {
  linkinfo: new Set<string>(),
  linkmodes: new Set(["autoneg"]),
  linkstate: new Set(["link"]),
  rings: new Set(["tx_push", "rx_push"]),
  channels: new Set<string>(),
  coalesce: new Set(["use_adaptive_rx", "use_adaptive_tx", "use_cqe_mode_tx", "use_cqe_mode_rx"]),
  pause: new Set(["autoneg", "rx", "tx"]),
  eee: new Set(["active", "enabled", "tx_lpi_enabled"]),
} as const;

/**
 * A reply as plain data: the header left out, u8 switches as booleans (`rx` of pause, not of
 * rings), bitsets decoded, nests as objects.
 */
function plainReply(m: MessageView, booleans: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const def of m.schema.byType) {
    if (!def || def.name === "header") continue;
    const v = m.get(def.name);
    if (v === undefined) continue;
    const codec = def.codec;
    if (typeof codec !== "string" && codec.kind === "nest") {
      const inner = codec.schema();
      out[def.name] = inner.prefix === "ETHTOOL_A_BITSET_"
        ? decodeBitset(v as AttrView)
        : (v as AttrView).toJSON();
    } else if (booleans.has(def.name) && typeof v === "number") out[def.name] = v !== 0;
    else out[def.name] = v;
  }
  return out;
}

/**
 * ethtool over netlink: link information, modes and state, features, rings, channels,
 * coalescing, pause, EEE, private flags, string sets, standard statistics and notifications,
 * for devices of one network namespace. See the module documentation for an example.
 */
export class Ethtool implements Disposable {
  /** The generic netlink socket requests go through. */
  readonly genl: GenericNetlink;
  readonly #options: EthtoolOptions;
  #family?: GenlFamily;
  readonly #globalSets = new Map<number, string[]>();
  readonly #subs = new Set<Subscription<EthtoolEvent>>();

  /** Opens a generic netlink socket (in `options.netns` when given); the family resolves on first use. */
  constructor(options: EthtoolOptions = {}) {
    checkKeys(options, OPTION_KEYS);
    this.#options = { ...options };
    this.genl = new GenericNetlink(options.netns === undefined ? {} : { netns: options.netns });
  }

  /** The resolved `ethtool` family; a kernel without it is a NetlinkError saying so. */
  async family(): Promise<GenlFamily> {
    if (this.#family) return this.#family;
    try {
      this.#family = await this.genl.resolve(ETHTOOL_GENL_NAME);
    } catch (e) {
      if (e instanceof NetlinkError && e.code === "ENOENT") {
        throw new NetlinkError(e.errno, {
          ...e.extack,
          msg: `the generic netlink family "${ETHTOOL_GENL_NAME}" is not available in this ` +
            "kernel (built without CONFIG_ETHTOOL_NETLINK?)",
        }, `resolve family ${ETHTOOL_GENL_NAME}`);
      }
      throw e;
    }
    return this.#family;
  }

  async #request<M extends MessageSchema>(
    cmd: number,
    schema: M,
    attrValues: Record<string, unknown>,
  ): Promise<TypedMessage<M>[]> {
    const fam = await this.family();
    return await this.genl.command(fam, cmd, attrValues, { schema });
  }

  async #get<M extends MessageSchema>(
    cmd: number,
    schema: M,
    dev: EthtoolDevice,
    flags = 0,
    extra: Record<string, unknown> = {},
  ): Promise<TypedMessage<M>> {
    const replies = await this.#request(cmd, schema, {
      header: ethtoolHeader(dev, flags),
      ...extra,
    });
    if (replies.length === 0) throw new NetlinkError(61, { msg: "the kernel sent no reply" });
    return replies[0];
  }

  /**
   * The strings of string set `set` (an `ETH_SS_*` id or its lower-cased name: `"features"`,
   * `"link_modes"`, `"stats_std"`, …); with `dev`, the device's own set (`"stats"`,
   * `"priv_flags"`), else the kernel's global one.
   */
  async getStringSet(set: number | string, dev?: EthtoolDevice): Promise<string[]> {
    const id = typeof set === "number"
      ? checkInt(set, "u32", "set")
      : (ETH_SS as Record<string, number>)[typeof set === "string" ? set.toUpperCase() : ""];
    if (
      id === undefined || (typeof set === "string" && !Object.hasOwn(ETH_SS, set.toUpperCase()))
    ) {
      throw new TypeError(
        `set: unknown string set ${describeValue(set)} (${
          Object.keys(ETH_SS).map((k) => k.toLowerCase()).join(", ")
        })`,
      );
    }
    if (dev === undefined) {
      const hit = this.#globalSets.get(id);
      if (hit) return hit;
    }
    const [m] = await this.#request(ETHTOOL_MSG.STRSET_GET, ETHTOOL_STRSET_MESSAGE, {
      header: dev === undefined ? {} : ethtoolHeader(dev),
      stringsets: [{ id }],
    });
    const out: string[] = [];
    for (const s of (m?.stringsets ?? []) as TypedView<typeof ETHTOOL_A_STRINGSET>[]) {
      if (s.id !== id) continue;
      for (const str of s.strings ?? []) {
        if (str.index !== undefined && str.index < 1 << 16) out[str.index] = str.value ?? "";
      }
    }
    for (let i = 0; i < out.length; i++) out[i] ??= "";
    if (dev === undefined) this.#globalSets.set(id, out);
    return out;
  }

  /** Link information (`ethtool DEV`: port, PHY address, transceiver, MDI-X). */
  async getLinkInfo(dev: EthtoolDevice): Promise<EthtoolLinkInfo> {
    const m = await this.#get(ETHTOOL_MSG.LINKINFO_GET, ETHTOOL_LINKINFO_MESSAGE, dev);
    return plainReply(m, BOOLEANS.linkinfo) as EthtoolLinkInfo;
  }

  /** Link modes (`ethtool DEV`: speed, duplex, autonegotiation, supported/advertised modes). */
  async getLinkModes(dev: EthtoolDevice): Promise<EthtoolLinkModes> {
    const m = await this.#get(ETHTOOL_MSG.LINKMODES_GET, ETHTOOL_LINKMODES_MESSAGE, dev);
    return plainReply(m, BOOLEANS.linkmodes) as EthtoolLinkModes;
  }

  /** Link state (`ethtool DEV`: "Link detected", signal quality, why it is down). */
  async getLinkState(dev: EthtoolDevice): Promise<EthtoolLinkState> {
    const m = await this.#get(ETHTOOL_MSG.LINKSTATE_GET, ETHTOOL_LINKSTATE_MESSAGE, dev);
    return plainReply(m, BOOLEANS.linkstate) as EthtoolLinkState;
  }

  /**
   * Features by kernel name, in the kernel's order (`ethtool -k`; {@link ethtoolFeatureRows}
   * gives the lines ethtool prints, legacy names included).
   */
  async getFeatures(dev: EthtoolDevice): Promise<EthtoolFeatures> {
    const m = await this.#get(ETHTOOL_MSG.FEATURES_GET, ETHTOOL_FEATURES_MESSAGE, dev);
    const read = (v: AttrView | undefined) => (v ? decodeBitset(v).bits : []);
    const hw = read(m.hw), wanted = read(m.wanted), active = read(m.active);
    const nochange = read(m.nochange);
    const on = (list: typeof hw) => {
      const s = new Set<number>();
      for (const b of list) if (b.value) s.add(b.index);
      return s;
    };
    const sHw = on(hw), sWanted = on(wanted), sActive = on(active), sNo = on(nochange);
    // HW is sent with every feature in its mask (the others list only the bits set).
    const out: EthtoolFeatures = {};
    for (const b of [...hw].sort((a, z) => a.index - z.index)) {
      if (b.name === "") continue;
      Object.defineProperty(out, b.name, {
        value: {
          active: sActive.has(b.index),
          requested: sWanted.has(b.index),
          fixed: !sHw.has(b.index) || sNo.has(b.index),
        },
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }

  /**
   * Changes features (`ethtool -K DEV tso off rx-gro-list on`): names as ethtool takes them
   * (kernel names, legacy short and long names), checked against the device's feature names
   * first. Resolves with where the result differs from the request (a fixed feature stays as
   * it was: `notApplied`), and the features that changed.
   */
  async setFeatures(
    dev: EthtoolDevice,
    changes: Readonly<Record<string, boolean>>,
  ): Promise<EthtoolFeatureChanges> {
    const header = ethtoolHeader(dev, ETHTOOL_FLAG.COMPACT_BITSETS);
    const names = await this.getStringSet(ETH_SS.FEATURES);
    const wanted = resolveFeatureChanges(changes, names);
    const [m] = await this.#request(ETHTOOL_MSG.FEATURES_SET, ETHTOOL_FEATURES_MESSAGE, {
      header,
      wanted: bitsetSpec(wanted, false),
    });
    const result: EthtoolFeatureChanges = { notApplied: {}, changed: {} };
    if (m?.wanted) result.notApplied = bitsetRecord(decodeBitset(m.wanted, names));
    if (m?.active) result.changed = bitsetRecord(decodeBitset(m.active, names));
    return result;
  }

  async #getKind(kind: Kind, dev: EthtoolDevice, flags = 0): Promise<Record<string, unknown>> {
    const k = KIND[kind];
    const m = await this.#get(k.get, k.schema, dev, flags);
    const out = plainReply(m, BOOLEANS[kind]);
    if (kind === "pause" && out.stats) {
      const s = out.stats as Record<string, unknown>;
      delete s.pad;
    }
    return out;
  }

  async #setKind(kind: Kind, dev: EthtoolDevice, values: object): Promise<void> {
    const table = SETTABLE[kind] as Readonly<Record<string, string>>;
    const header = ethtoolHeader(dev);
    checkKeys(values, SETTABLE_KEYS[kind], kind);
    const entries = Object.entries(values as Record<string, unknown>);
    if (entries.length === 0) throw new TypeError(`${kind}: nothing to change`);
    const k = KIND[kind];
    const attrs: [number, string, number][] = entries.map(([name, v]) => {
      const codec = table[name];
      let n: number;
      if (codec === "bool") {
        if (typeof v !== "boolean") {
          throw new TypeError(`${name}: expected true or false, got ${describeValue(v)}`);
        }
        n = v ? 1 : 0;
      } else n = checkInt(v, codec, name);
      return [k.schema.attrs.byName.get(name)!.type, name, n];
    });
    // In the table's order, as ethtool writes them.
    const order = Object.keys(table);
    attrs.sort((a, z) => order.indexOf(a[1]) - order.indexOf(z[1]));
    const spec: Record<string, unknown> = { header };
    for (const [, name, n] of attrs) spec[name] = n;
    await this.#request(k.set, k.schema, spec);
  }

  /**
   * Changes link modes (`ethtool -s DEV speed 1000 duplex full autoneg off`:
   * `{ speed: 1000, duplex: 1, autoneg: false }`; duplex 0 half, 1 full).
   */
  setLinkModes(
    dev: EthtoolDevice,
    values: Pick<EthtoolLinkModes, "speed" | "lanes" | "duplex" | "autoneg" | "master_slave_cfg">,
  ): Promise<void> {
    return this.#setKind("linkmodes", dev, values);
  }

  /**
   * Changes link information (`ethtool -s DEV port tp mdix on`: `{ port: 0, tp_mdix_ctrl: 2 }`;
   * ports `PORT_*`: 0 TP, 1 AUI, 2 BNC, 3 MII, 4 FIBRE; MDI-X control 1 off, 2 on, 3 auto).
   */
  setLinkInfo(
    dev: EthtoolDevice,
    values: Pick<EthtoolLinkInfo, "port" | "tp_mdix_ctrl" | "phyaddr" | "transceiver">,
  ): Promise<void> {
    return this.#setKind("linkinfo", dev, values);
  }

  /** Ring sizes (`ethtool -g`). */
  async getRings(dev: EthtoolDevice): Promise<EthtoolRings> {
    return await this.#getKind("rings", dev) as EthtoolRings;
  }

  /** Changes ring sizes (`ethtool -G DEV rx 512`). */
  setRings(
    dev: EthtoolDevice,
    values: Omit<EthtoolRings, `${string}_max`>,
  ): Promise<void> {
    return this.#setKind("rings", dev, values);
  }

  /** Channel counts (`ethtool -l`). */
  async getChannels(dev: EthtoolDevice): Promise<EthtoolChannels> {
    return await this.#getKind("channels", dev) as EthtoolChannels;
  }

  /** Changes channel counts (`ethtool -L DEV rx 2 tx 2`: `{ rx_count: 2, tx_count: 2 }`). */
  setChannels(dev: EthtoolDevice, values: Omit<EthtoolChannels, `${string}_max`>): Promise<void> {
    return this.#setKind("channels", dev, values);
  }

  /** Interrupt coalescing (`ethtool -c`). */
  async getCoalesce(dev: EthtoolDevice): Promise<EthtoolCoalesce> {
    return await this.#getKind("coalesce", dev) as EthtoolCoalesce;
  }

  /** Changes interrupt coalescing (`ethtool -C DEV rx-usecs 10 adaptive-rx on`). */
  setCoalesce(dev: EthtoolDevice, values: EthtoolCoalesce): Promise<void> {
    return this.#setKind("coalesce", dev, values);
  }

  /** Pause frame settings (`ethtool -a`; `{ stats: true }` asks for the counters, `-I`). */
  async getPause(dev: EthtoolDevice, opts: { stats?: boolean } = {}): Promise<EthtoolPause> {
    checkKeys(opts, PAUSE_OPTION_KEYS, "opts");
    return await this.#getKind("pause", dev, opts.stats ? ETHTOOL_FLAG.STATS : 0) as EthtoolPause;
  }

  /** Changes pause settings (`ethtool -A DEV rx on tx off`). */
  setPause(dev: EthtoolDevice, values: Omit<EthtoolPause, "stats">): Promise<void> {
    return this.#setKind("pause", dev, values);
  }

  /** Energy-efficient Ethernet (`ethtool --show-eee`). */
  async getEee(dev: EthtoolDevice): Promise<EthtoolEee> {
    return await this.#getKind("eee", dev) as EthtoolEee;
  }

  /** Changes EEE (`ethtool --set-eee DEV eee on tx-timer 100`: `{ enabled: true, tx_lpi_timer: 100 }`). */
  setEee(
    dev: EthtoolDevice,
    values: Pick<EthtoolEee, "enabled" | "tx_lpi_enabled" | "tx_lpi_timer">,
  ): Promise<void> {
    return this.#setKind("eee", dev, values);
  }

  /** The driver's private flags by name (`ethtool --show-priv-flags`). */
  async getPrivFlags(dev: EthtoolDevice): Promise<Record<string, boolean>> {
    const m = await this.#get(ETHTOOL_MSG.PRIVFLAGS_GET, ETHTOOL_PRIVFLAGS_MESSAGE, dev);
    return m.flags ? bitsetRecord(decodeBitset(m.flags)) : {};
  }

  /** Changes private flags (`ethtool --set-priv-flags DEV name on`). */
  async setPrivFlags(dev: EthtoolDevice, flags: Readonly<Record<string, boolean>>): Promise<void> {
    const header = ethtoolHeader(dev);
    if (typeof flags !== "object" || flags === null || Array.isArray(flags)) {
      throw new TypeError(`flags: expected { name: true | false }, got ${describeValue(flags)}`);
    }
    if (Object.keys(flags).length === 0) throw new TypeError("flags: nothing to change");
    for (const [k, v] of Object.entries(flags)) {
      if (typeof v !== "boolean") {
        throw new TypeError(`${k}: expected true or false, got ${describeValue(v)}`);
      }
    }
    await this.#request(ETHTOOL_MSG.PRIVFLAGS_SET, ETHTOOL_PRIVFLAGS_MESSAGE, {
      header,
      flags: bitsetSpec(flags, false),
    });
  }

  /** Timestamping capabilities (`ethtool -T`). */
  async getTsInfo(dev: EthtoolDevice): Promise<EthtoolTsInfo> {
    const m = await this.#get(ETHTOOL_MSG.TSINFO_GET, ETHTOOL_TSINFO_MESSAGE, dev);
    const names = (v: AttrView | undefined) => (v ? bitsetNames(decodeBitset(v)) : []);
    const out: EthtoolTsInfo = {
      timestamping: names(m.timestamping),
      tx_types: names(m.tx_types),
      rx_filters: names(m.rx_filters),
    };
    if (m.phc_index !== undefined) out.phc_index = m.phc_index;
    return out;
  }

  /**
   * Standard statistics by group (`ethtool -S DEV --groups eth-mac rmon`, or every group the
   * kernel knows with `--all-groups`): group name → counters by name. A group the driver does
   * not report is absent.
   */
  async getStats(
    dev: EthtoolDevice,
    opts: { groups?: readonly string[] } = {},
  ): Promise<Record<string, EthtoolStatsGroup>> {
    const header = ethtoolHeader(dev);
    checkKeys(opts, STATS_OPTION_KEYS, "opts");
    const std = await this.getStringSet(ETH_SS.STATS_STD);
    let groups: Record<string, unknown>;
    if (opts.groups === undefined) {
      // Every group, as ethtool --all-groups asks: a compact bitset of all the names.
      const words = new Uint8Array(((std.length + 31) >> 5) * 4);
      for (let i = 0; i < std.length; i++) words[i >> 3] |= 1 << (i & 7);
      groups = { nomask: true, size: std.length, value: words };
    } else {
      if (!Array.isArray(opts.groups) || opts.groups.length === 0) {
        throw new TypeError(`groups: expected group names, got ${describeValue(opts.groups)}`);
      }
      opts.groups.forEach((g, i) => {
        if (typeof g !== "string" || !std.includes(g)) {
          throw new TypeError(
            `groups[${i}]: unknown statistics group ${describeValue(g)} (${std.join(", ")})`,
          );
        }
      });
      groups = bitsetSpec(opts.groups, true);
    }
    const [m] = await this.#request(ETHTOOL_MSG.STATS_GET, ETHTOOL_STATS_MESSAGE, {
      header,
      groups,
    });
    const out: Record<string, EthtoolStatsGroup> = {};
    if (!m) return out;
    for (const g of m.getAll("grp") as TypedView<typeof ETHTOOL_A_STATS_GRP>[]) {
      const id = g.id ?? 0;
      const names = g.ss_id === undefined ? [] : await this.#namesOf(g.ss_id);
      const group: EthtoolStatsGroup = { stats: {} };
      for (const raw of g.getAll("stat") as Uint8Array[]) {
        for (const [type, value] of u64Attrs(raw)) {
          group.stats[names[type] || `stat_${type}`] = value;
        }
      }
      for (const which of ["hist_rx", "hist_tx"] as const) {
        const hist = g.getAll(which) as Uint8Array[];
        if (hist.length > 0) group[which] = hist.map(bucket);
      }
      out[std[id] || `group_${id}`] = group;
    }
    return out;
  }

  /** A statistics string set; a kernel without it leaves the counters numbered. */
  async #namesOf(id: number): Promise<string[]> {
    try {
      return await this.getStringSet(id);
    } catch (e) {
      if (e instanceof NetlinkError) return [];
      throw e;
    }
  }

  /**
   * Subscribes to ethtool's notifications (`ethtool --monitor`: features, channels, rings,
   * link modes… changed by anyone) on a socket of its own, already joined to the `monitor`
   * group when this resolves. Events are `{ type: "features_ntf", dev, message }`, and
   * `{ type: "overrun" }` when the kernel dropped some.
   */
  async monitor(options: EthtoolMonitorOptions = {}): Promise<Subscription<EthtoolEvent>> {
    checkKeys(options, MONITOR_OPTION_KEYS);
    const fam = await this.family();
    const genl = new GenericNetlink({
      ...(this.#options.netns === undefined ? {} : { netns: this.#options.netns }),
      rcvbuf: options.rcvbuf ?? 1 << 20,
    });
    try {
      await genl.subscribe(fam, ETHTOOL_MCGRP_MONITOR_NAME);
    } catch (e) {
      genl.close();
      throw e;
    }
    const source = genl.monitor({ family: fam, schema: ETHTOOL_STRSET_MESSAGE });
    const events = (async function* (): AsyncGenerator<EthtoolEvent> {
      for await (const ev of source) {
        if (ev.type === "overrun") {
          yield { type: "overrun" };
          continue;
        }
        yield ethtoolEvent(ev.message);
      }
    })();
    const sub: Subscription<EthtoolEvent> = new Subscription(events, () => {
      this.#subs.delete(sub);
      genl.close();
    });
    this.#subs.add(sub);
    return sub;
  }

  /** Closes the socket and every subscription. Closing twice is harmless. */
  close(): void {
    for (const s of [...this.#subs]) s.close();
    this.genl.close();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** A notification message as an event: its kind's name, device, and typed message. */
export function ethtoolEvent(m: MessageView): EthtoolEvent {
  const cmd = m.headerField("cmd") as number;
  const schema = ethtoolSchemaOf(cmd);
  const len = m.dv.getUint32(m.offset, true);
  const message = schema ? new (messageViewClass(schema))(m.dv, m.u8, m.offset, len) : m;
  const header = message.get("header") as AttrView | undefined;
  const dev: { index?: number; name?: string } = {};
  const index = header?.get("dev_index"), name = header?.get("dev_name");
  if (typeof index === "number") dev.index = index;
  if (typeof name === "string") dev.name = name;
  return { type: KERNEL_NAMES.get(cmd) ?? `cmd_${cmd}`, dev, message };
}

/**
 * Any reply or notification as plain data (header left out, u8 switches as booleans, bitsets
 * decoded), decoded by its command's schema.
 */
export function ethtoolReply(m: MessageView): Record<string, unknown> {
  const ev = ethtoolEvent(m);
  const kind = ev.type.replace(/_(get_reply|set_reply|ntf)$/, "");
  const booleans = (BOOLEANS as Record<string, ReadonlySet<string>>)[kind] ?? new Set<string>();
  return plainReply(ev.message!, booleans);
}

/** The u64 attributes of a `stat` nest payload: [type, value]. */
function u64Attrs(raw: Uint8Array): [number, number][] {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: [number, number][] = [];
  for (let p = 0; p + 4 <= raw.length;) {
    const len = dv.getUint16(p, true);
    if (len < 4 || p + len > raw.length) break;
    const type = dv.getUint16(p + 2, true) & 0x3fff;
    if (len === 12) {
      out.push([type, dv.getUint32(p + 8, true) * 4294967296 + dv.getUint32(p + 4, true)]);
    } else if (len === 8) out.push([type, dv.getUint32(p + 4, true)]);
    p += align4(len);
  }
  return out;
}

/** One histogram bucket nest payload. */
function bucket(raw: Uint8Array): EthtoolHistBucket {
  const b: EthtoolHistBucket = { low: 0, high: 0, value: 0 };
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let p = 0; p + 4 <= raw.length;) {
    const len = dv.getUint16(p, true);
    if (len < 4 || p + len > raw.length) break;
    const type = dv.getUint16(p + 2, true) & 0x3fff;
    if (type === 7 && len >= 8) b.low = dv.getUint32(p + 4, true);
    else if (type === 8 && len >= 8) b.high = dv.getUint32(p + 4, true);
    else if (type === 9 && len >= 12) {
      b.value = dv.getUint32(p + 8, true) * 4294967296 + dv.getUint32(p + 4, true);
    }
    p += align4(len);
  }
  return b;
}
