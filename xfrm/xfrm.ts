/**
 * The XFRM class: IPsec states (SAs) and policies over NETLINK_XFRM, as `ip xfrm` manages them,
 * per network namespace; SPI allocation, SAD/SPD information, and events.
 *
 * @module
 */

import { NETLINK, NetlinkSocket } from "../ffi/socket.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import { describeValue } from "../netlink/addr.ts";
import { encodeMessage } from "../netlink/encoder.ts";
import { NetlinkEngine } from "../netlink/engine.ts";
import type { Decoder } from "../netlink/engine.ts";
import type { MessageSchema } from "../netlink/schema.ts";
import { checkKeys, KeySet, REFUSE_UNDEFINED } from "../netlink/strict.ts";
import { Subscription } from "../netlink/subscription.ts";
import { messageViewClass } from "../netlink/view.ts";
import type { MessageView } from "../netlink/view.ts";
import { MessageWalk } from "../netlink/walk.ts";
import {
  xfrmAcquireOf,
  xfrmHard,
  xfrmPolicyOf,
  xfrmSadInfoOf,
  xfrmSpdInfoOf,
  xfrmStateOf,
} from "./decode.ts";
import type { XfrmAcquire, XfrmPolicy, XfrmSadInfo, XfrmSpdInfo, XfrmState } from "./decode.ts";
import { nameToNumber, XFRM_POLICY_TYPE, XFRM_PROTO } from "./names.ts";
import {
  XFRM_ATTRS_MESSAGE,
  XFRM_FLUSHSA_MESSAGE,
  XFRM_MSG,
  XFRM_POLICY_ID_MESSAGE,
  XFRM_POLICY_MESSAGE,
  XFRM_SA_ID_MESSAGE,
  XFRM_SA_MESSAGE,
  XFRM_SADINFO_MESSAGE,
  XFRM_SPDINFO_MESSAGE,
  XFRM_SPI_MESSAGE,
  xfrmMsgName,
  XFRMNLGRP,
  xfrmSchemaOf,
} from "./schema.ts";
import {
  allocSpiRequest,
  policyIdRequest,
  policyRequest,
  stateIdRequest,
  stateRequest,
} from "./spec.ts";
import type {
  XfrmAllocSpiSpec,
  XfrmPolicyIdSpec,
  XfrmPolicySpec,
  XfrmRequest,
  XfrmStateIdSpec,
  XfrmStateSpec,
} from "./spec.ts";

/** Options of {@link XFRM}. */
export interface XFRMOptions {
  /** Work in this network namespace: a name under /run/netns, a path, or `{ pid }`. */
  netns?: NetnsTarget;
  /** Receive buffer in bytes (default 1 MiB). */
  rcvbuf?: number;
}

/** A multicast group name of {@link XFRMNLGRP}. */
export type XfrmGroup = keyof typeof XFRMNLGRP;

/** Options of {@link XFRM.monitor}. */
export interface XfrmMonitorOptions {
  /** Groups to join (default: acquire, expire, sa, policy). */
  groups?: readonly XfrmGroup[];
  /** Receive buffer of the monitor's socket (default 1 MiB). */
  rcvbuf?: number;
}

// The keys of the options and filters (`key: undefined` is refused: leave the key out).
const OPTION_KEYS = new KeySet("key", ["netns", "rcvbuf"], {}, REFUSE_UNDEFINED);
const STATE_FILTER_KEYS = new KeySet("key", ["proto"], {}, REFUSE_UNDEFINED);
const POLICY_FILTER_KEYS = new KeySet("key", ["ptype"], {}, REFUSE_UNDEFINED);
const MONITOR_KEYS = new KeySet("key", ["groups", "rcvbuf"], {}, REFUSE_UNDEFINED);

/**
 * What {@link XFRM.monitor} yields: the message's type name (`XFRM_MSG_*` lower-cased) with
 * its decoded content, the message view itself, or an overrun.
 */
export type XfrmEvent =
  | { type: "newsa" | "updsa" | "delsa"; state: XfrmState; message: MessageView }
  | { type: "expire"; state: XfrmState; hard: boolean; message: MessageView }
  | { type: "newpolicy" | "updpolicy" | "delpolicy"; policy: XfrmPolicy; message: MessageView }
  | { type: "polexpire"; policy: XfrmPolicy; hard: boolean; message: MessageView }
  | { type: "acquire"; acquire: XfrmAcquire; message: MessageView }
  | { type: "flushsa"; proto: number; message: MessageView }
  | { type: "flushpolicy"; message: MessageView }
  | { type: "newae" | "report" | "migrate" | "mapping" | `msg_${number}`; message: MessageView }
  | { type: "overrun"; message?: undefined };

/** Decodes one event message (as the monitor does). */
export function xfrmEvent(m: MessageView): XfrmEvent {
  const type = m.nlmsgType;
  const name = xfrmMsgName(type);
  switch (type) {
    case XFRM_MSG.NEWSA:
    case XFRM_MSG.UPDSA:
    case XFRM_MSG.DELSA:
      return { type: name as "newsa", state: xfrmStateOf(m), message: m };
    case XFRM_MSG.EXPIRE:
      return { type: "expire", state: xfrmStateOf(m), hard: xfrmHard(m), message: m };
    case XFRM_MSG.NEWPOLICY:
    case XFRM_MSG.UPDPOLICY:
    case XFRM_MSG.DELPOLICY:
      return { type: name as "newpolicy", policy: xfrmPolicyOf(m), message: m };
    case XFRM_MSG.POLEXPIRE:
      return { type: "polexpire", policy: xfrmPolicyOf(m), hard: xfrmHard(m), message: m };
    case XFRM_MSG.ACQUIRE:
      return { type: "acquire", acquire: xfrmAcquireOf(m), message: m };
    case XFRM_MSG.FLUSHSA:
      return { type: "flushsa", proto: Number(m.headerField("proto") ?? 0), message: m };
    case XFRM_MSG.FLUSHPOLICY:
      return { type: "flushpolicy", message: m };
  }
  return { type: (name ?? `msg_${type}`) as "newae", message: m };
}

/** A decoder of the messages of any xfrm type (others are skipped). */
function anyDecoder(): Decoder<MessageView> {
  return (dv, u8, off, len, type) => {
    const schema = xfrmSchemaOf(type);
    return schema ? new (messageViewClass(schema))(dv, u8, off, len) : undefined;
  };
}

/**
 * IPsec over NETLINK_XFRM: states (SAs) and policies, SPI allocation, SAD/SPD counts and
 * events, in one network namespace. See the module documentation for an example.
 */
export class XFRM implements Disposable {
  /** The NETLINK_XFRM socket. */
  readonly socket: NetlinkSocket;
  /** The request engine over it. */
  readonly engine: NetlinkEngine;
  readonly #options: XFRMOptions;
  readonly #subs = new Set<Subscription<XfrmEvent>>();

  /** Opens a NETLINK_XFRM socket (in `options.netns` when given). */
  constructor(options: XFRMOptions = {}) {
    checkKeys(options, OPTION_KEYS, "options", "options.");
    this.#options = { ...options };
    this.socket = new NetlinkSocket(NETLINK.XFRM, {
      netns: options.netns,
      rcvbuf: options.rcvbuf ?? 1 << 20,
    });
    this.engine = new NetlinkEngine(this.socket);
  }

  async #send(
    schema: MessageSchema,
    type: number,
    flags: number,
    req: XfrmRequest,
  ): Promise<MessageView[]> {
    const bytes = encodeMessage(schema, { type, flags, header: req.header, attrs: req.attrs });
    return await this.engine.request(bytes, {
      decoder: anyDecoder(),
      schema,
      describe: `XFRM_MSG_${xfrmMsgName(type)?.toUpperCase()}`,
    });
  }

  async #dump(schema: MessageSchema, type: number, req: XfrmRequest): Promise<MessageView[]> {
    const bytes = encodeMessage(schema, { type, flags: 0, header: req.header, attrs: req.attrs });
    return await this.engine.dumpAll(bytes, {
      decoder: anyDecoder(),
      schema,
      describe: `XFRM_MSG_${xfrmMsgName(type)?.toUpperCase()} dump`,
      retryInterrupted: 3,
    });
  }

  /**
   * States (`ip xfrm state`): `"add"` (fails if it exists), `"update"` (changes an existing
   * SA), both with a {@link XfrmStateSpec}; `"get"` (resolves with the SA) and `"delete"`,
   * with a {@link XfrmStateIdSpec}.
   */
  async state(
    command: "add" | "update" | "get" | "delete",
    spec: XfrmStateSpec | XfrmStateIdSpec,
  ): Promise<XfrmState | undefined> {
    switch (command) {
      case "add":
      case "update": {
        const req = stateRequest(spec as XfrmStateSpec);
        const add = command === "add";
        // The type says add or update; no NLM_F_CREATE/EXCL (ip sends none either).
        await this.#send(XFRM_SA_MESSAGE, add ? XFRM_MSG.NEWSA : XFRM_MSG.UPDSA, 0, req);
        return undefined;
      }
      case "get":
      case "delete": {
        const req = stateIdRequest(spec as XfrmStateIdSpec);
        const get = command === "get";
        const [m] = await this.#send(
          XFRM_SA_ID_MESSAGE,
          get ? XFRM_MSG.GETSA : XFRM_MSG.DELSA,
          0,
          req,
        );
        return get && m ? xfrmStateOf(m) : undefined;
      }
      default:
        throw new TypeError(
          `command: unknown state command ${describeValue(command)} (add, update, get, delete)`,
        );
    }
  }

  /** Every SA (`ip xfrm state`), or those of one protocol (filtered by the kernel). */
  async getStates(filter: { proto?: keyof typeof XFRM_PROTO | number } = {}): Promise<XfrmState[]> {
    checkKeys(filter, STATE_FILTER_KEYS, "filter", "filter.");
    // As ip sends it: an address filter that matches everything (family 0), and the protocol.
    const attrs: Record<string, unknown> = { address_filter: {} };
    if (filter.proto !== undefined) {
      attrs.proto = nameToNumber(XFRM_PROTO, filter.proto, "u8", "filter.proto");
    }
    const all = await this.#dump(XFRM_ATTRS_MESSAGE, XFRM_MSG.GETSA, { header: {}, attrs });
    return all.filter((m) => m.nlmsgType === XFRM_MSG.NEWSA).map(xfrmStateOf);
  }

  /** Removes every SA (`ip xfrm state flush`), or those of one protocol (`proto esp`). */
  async flushStates(filter: { proto?: keyof typeof XFRM_PROTO | number } = {}): Promise<void> {
    checkKeys(filter, STATE_FILTER_KEYS, "filter", "filter.");
    // 0 matches every protocol (as ip sends it).
    const proto = filter.proto === undefined
      ? 0
      : nameToNumber(XFRM_PROTO, filter.proto, "u8", "filter.proto");
    await this.#send(XFRM_FLUSHSA_MESSAGE, XFRM_MSG.FLUSHSA, 0, { header: { proto }, attrs: {} });
  }

  /**
   * Allocates an SPI (`ip xfrm state allocspi`): the kernel makes a larval SA with a free SPI
   * in `[min, max]` and resolves with it.
   */
  async allocSpi(spec: XfrmAllocSpiSpec): Promise<XfrmState> {
    const req = allocSpiRequest(spec);
    const [m] = await this.#send(XFRM_SPI_MESSAGE, XFRM_MSG.ALLOCSPI, 0, req);
    if (!m) throw new Error("the kernel sent no SA for the SPI allocation");
    return xfrmStateOf(m);
  }

  /**
   * Policies (`ip xfrm policy`): `"add"` (fails if it exists), `"update"` (adds or replaces),
   * both with a {@link XfrmPolicySpec}; `"get"` (resolves with the policy) and `"delete"`,
   * with a {@link XfrmPolicyIdSpec} (selector and direction, or index and direction).
   */
  async policy(
    command: "add" | "update" | "get" | "delete",
    spec: XfrmPolicySpec | XfrmPolicyIdSpec,
  ): Promise<XfrmPolicy | undefined> {
    switch (command) {
      case "add":
      case "update": {
        const req = policyRequest(spec as XfrmPolicySpec);
        const add = command === "add";
        await this.#send(
          XFRM_POLICY_MESSAGE,
          add ? XFRM_MSG.NEWPOLICY : XFRM_MSG.UPDPOLICY,
          0,
          req,
        );
        return undefined;
      }
      case "get":
      case "delete": {
        const req = policyIdRequest(spec as XfrmPolicyIdSpec);
        const get = command === "get";
        const [m] = await this.#send(
          XFRM_POLICY_ID_MESSAGE,
          get ? XFRM_MSG.GETPOLICY : XFRM_MSG.DELPOLICY,
          0,
          req,
        );
        return get && m ? xfrmPolicyOf(m) : undefined;
      }
      default:
        throw new TypeError(
          `command: unknown policy command ${describeValue(command)} (add, update, get, delete)`,
        );
    }
  }

  /** Every policy (`ip xfrm policy`), socket policies included. */
  async getPolicies(): Promise<XfrmPolicy[]> {
    const all = await this.#dump(XFRM_ATTRS_MESSAGE, XFRM_MSG.GETPOLICY, {
      header: {},
      attrs: {},
    });
    return all.filter((m) => m.nlmsgType === XFRM_MSG.NEWPOLICY).map(xfrmPolicyOf);
  }

  /** Removes every policy (`ip xfrm policy flush [ptype main|sub]`). */
  async flushPolicies(
    filter: { ptype?: keyof typeof XFRM_POLICY_TYPE | number } = {},
  ): Promise<void> {
    checkKeys(filter, POLICY_FILTER_KEYS, "filter", "filter.");
    const attrs: Record<string, unknown> = {};
    if (filter.ptype !== undefined) {
      attrs.policy_type = {
        type: nameToNumber(XFRM_POLICY_TYPE, filter.ptype, "u8", "filter.ptype"),
      };
    }
    await this.#send(XFRM_ATTRS_MESSAGE, XFRM_MSG.FLUSHPOLICY, 0, { header: {}, attrs });
  }

  /** SAD information (`ip xfrm state count`): how many SAs, hash buckets. */
  async getSadInfo(): Promise<XfrmSadInfo> {
    const bytes = encodeMessage(XFRM_SADINFO_MESSAGE, {
      type: XFRM_MSG.GETSADINFO,
      flags: 0,
      header: { flags: 0xffffffff },
    });
    const [m] = await this.engine.request(bytes, {
      decoder: anyDecoder(),
      schema: XFRM_SADINFO_MESSAGE,
      describe: "XFRM_MSG_GETSADINFO",
    });
    if (!m) throw new Error("the kernel sent no SAD information");
    return xfrmSadInfoOf(m);
  }

  /** SPD information (`ip xfrm policy count`): policies per direction, hash buckets, thresholds. */
  async getSpdInfo(): Promise<XfrmSpdInfo> {
    const bytes = encodeMessage(XFRM_SPDINFO_MESSAGE, {
      type: XFRM_MSG.GETSPDINFO,
      flags: 0,
      header: { flags: 0xffffffff },
    });
    const [m] = await this.engine.request(bytes, {
      decoder: anyDecoder(),
      schema: XFRM_SPDINFO_MESSAGE,
      describe: "XFRM_MSG_GETSPDINFO",
    });
    if (!m) throw new Error("the kernel sent no SPD information");
    return xfrmSpdInfoOf(m);
  }

  /**
   * Subscribes to xfrm events (`ip xfrm monitor`) on a socket of its own, joined to the groups
   * when this returns: new, updated, deleted and flushed SAs and policies, acquires, expires
   * (and with their groups aevents, reports, migrations, NAT mappings). `{ type: "overrun" }`
   * says the kernel dropped events. Joining needs CAP_NET_ADMIN.
   */
  monitor(options: XfrmMonitorOptions = {}): Subscription<XfrmEvent> {
    checkKeys(options, MONITOR_KEYS, "monitor", "monitor.");
    const names = options.groups ?? ["acquire", "expire", "sa", "policy"];
    if (!Array.isArray(names) || names.length === 0) {
      throw new TypeError(`groups: expected group names, got ${describeValue(names)}`);
    }
    const groups = names.map((g, i) => {
      if (typeof g !== "string" || !Object.hasOwn(XFRMNLGRP, g)) {
        throw new TypeError(
          `groups[${i}]: unknown xfrm group ${describeValue(g)} (${
            Object.keys(XFRMNLGRP).join(", ")
          })`,
        );
      }
      return XFRMNLGRP[g as XfrmGroup];
    });
    const socket = new NetlinkSocket(NETLINK.XFRM, {
      netns: this.#options.netns,
      groups,
      rcvbuf: options.rcvbuf ?? 1 << 20,
    });
    const engine = new NetlinkEngine(socket);
    const events = (async function* (): AsyncGenerator<XfrmEvent> {
      for await (const item of engine.datagrams()) {
        if (item === "overrun") {
          yield { type: "overrun" };
          continue;
        }
        for (const e of decodeXfrmEvents(item)) yield e;
      }
    })();
    const sub: Subscription<XfrmEvent> = new Subscription(events, () => {
      this.#subs.delete(sub);
      socket.close();
    });
    this.#subs.add(sub);
    return sub;
  }

  /** Closes the socket and every subscription; pending requests reject. Twice is harmless. */
  close(): void {
    for (const s of [...this.#subs]) s.close();
    if (this.socket.closed) return;
    this.engine.failAll(new Error("XFRM was closed while the request was pending"));
    this.socket.close();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** Decodes every xfrm message of one event datagram (unknown types are left out). */
export function decodeXfrmEvents(buf: ArrayBuffer): XfrmEvent[] {
  const dv = new DataView(buf);
  const u8 = new Uint8Array(buf);
  const out: XfrmEvent[] = [];
  const walk = new MessageWalk(dv);
  while (walk.next()) {
    const schema = xfrmSchemaOf(walk.type);
    if (schema) {
      out.push(xfrmEvent(new (messageViewClass(schema))(dv, u8, walk.offset, walk.length)));
    }
  }
  return out;
}
