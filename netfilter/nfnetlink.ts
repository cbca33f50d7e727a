/**
 * nfnetlink, the transport every netfilter subsystem shares (linux/netfilter/nfnetlink.h): the
 * `nfgenmsg` header, message types split into an 8-bit subsystem and an 8-bit operation,
 * multicast groups, and `NFNL_MSG_BATCH_BEGIN` … `END` transactions; plus the connection the
 * Conntrack, IPSet and NFTables classes share (a NETLINK_NETFILTER socket and its engine).
 *
 * @module
 */

import { NETLINK, NetlinkSocket } from "../ffi/socket.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import { NetlinkEngine } from "../netlink/engine.ts";
import type { DumpOptions, Transport } from "../netlink/engine.ts";
import { encodeMessage } from "../netlink/encoder.ts";
import type { MessageSpec } from "../netlink/encoder.ts";
import { NLM_F } from "../netlink/constants.ts";
import type { MessageSchema } from "../netlink/schema.ts";
import { attrs, message } from "../netlink/schema.ts";
import { checkOptionalKeys, KeySet } from "../netlink/strict.ts";
import { messageViewClass } from "../netlink/view.ts";
import type { TypedMessage } from "../netlink/view.ts";

/** `struct nfgenmsg`: the header after nlmsghdr of every nfnetlink message. */
export const NFGENMSG = {
  kind: "struct",
  fields: [["family", "u8"], ["version", "u8"], ["res_id", "be16"]],
} as const;

/** `NFNETLINK_V0`, the only nfgenmsg version. */
export const NFNETLINK_V0 = 0;

/** Subsystem ids (`NFNL_SUBSYS_*`): the high byte of an nfnetlink message type. */
export const NFNL_SUBSYS = {
  NONE: 0,
  CTNETLINK: 1,
  CTNETLINK_EXP: 2,
  QUEUE: 3,
  ULOG: 4,
  OSF: 5,
  IPSET: 6,
  ACCT: 7,
  CTNETLINK_TIMEOUT: 8,
  CTHELPER: 9,
  NFTABLES: 10,
  NFT_COMPAT: 11,
  HOOK: 12,
} as const;

/** `NFNL_MSG_BATCH_BEGIN` (`NLMSG_MIN_TYPE`): opens a transaction. */
export const NFNL_MSG_BATCH_BEGIN = 0x10;
/** `NFNL_MSG_BATCH_END`: closes (commits) a transaction. */
export const NFNL_MSG_BATCH_END = 0x11;

/** nfnetlink multicast groups (`NFNLGRP_*`). */
export const NFNLGRP = {
  conntrack_new: 1,
  conntrack_update: 2,
  conntrack_destroy: 3,
  conntrack_exp_new: 4,
  conntrack_exp_update: 5,
  conntrack_exp_destroy: 6,
  nftables: 7,
  acct_quota: 8,
  nftrace: 9,
} as const;

/** Address families of nfgenmsg (`NFPROTO_*`). */
export const NFPROTO = {
  unspec: 0,
  inet: 1,
  ipv4: 2,
  arp: 3,
  netdev: 5,
  bridge: 7,
  ipv6: 10,
} as const;

/** A family name of {@link NFPROTO}. */
export type FamilyName = keyof typeof NFPROTO;

/** The nfnetlink message type of operation `msg` in subsystem `subsys`. */
export function nfnlType(subsys: number, msg: number): number {
  return ((subsys & 0xff) << 8) | (msg & 0xff);
}

/** The subsystem of an nfnetlink message type (`NFNL_SUBSYS_ID`). */
export function nfnlSubsys(type: number): number {
  return (type >> 8) & 0xff;
}

/** The operation of an nfnetlink message type (`NFNL_MSG_TYPE`). */
export function nfnlMsg(type: number): number {
  return type & 0xff;
}

/** A family by name or number; TypeError naming `field` otherwise. */
export function familyId(value: unknown, field = "family"): number {
  if (typeof value === "number" && Object.values(NFPROTO).includes(value as 0)) return value;
  if (typeof value === "string" && Object.hasOwn(NFPROTO, value)) {
    return NFPROTO[value as FamilyName];
  }
  throw new TypeError(
    `${field}: expected one of ${Object.keys(NFPROTO).join(", ")}, got ${JSON.stringify(value)}`,
  );
}

/** The name of a family number (the number itself when unknown). */
export function familyName(n: number): FamilyName | number {
  for (const [k, v] of Object.entries(NFPROTO)) if (v === n) return k as FamilyName;
  return n;
}

/** `NFNL_BATCH_*` attributes of a batch-begin message. */
export const NFNL_BATCH_TABLE = {
  NFNL_BATCH_GENID: [1, "be32"],
} as const;

/** A batch begin/end message: nfgenmsg (res_id = the subsystem) and NFNL_BATCH_GENID. */
export const BATCH_MESSAGE = message(
  "nfnl_batch",
  NFGENMSG,
  attrs("NFNL_BATCH_", NFNL_BATCH_TABLE),
);

/** The begin or end message of a batch for `subsys` (`res_id` names the subsystem). */
export function batchMessage(type: number, subsys: number, genid?: number): Uint8Array {
  return encodeMessage(BATCH_MESSAGE, {
    type,
    flags: NLM_F.REQUEST,
    header: { family: 0, version: NFNETLINK_V0, res_id: subsys },
    attrs: genid === undefined ? {} : { genid },
  });
}

/** Options shared by the netfilter classes. */
export interface NfnlOptions {
  /** Work in this network namespace: a name under /run/netns, a path, or `{ pid }`. */
  netns?: NetnsTarget;
  /** Receive buffer in bytes (default 4 MiB: dumps of 100k conntrack entries need room). */
  rcvbuf?: number;
  /** Send buffer in bytes (a batch must fit: it goes to the kernel in one datagram). */
  sndbuf?: number;
  /** Use this connection (its socket and namespace) instead of opening one; it stays open. */
  connection?: NfnlConnection;
}

/** The keys {@link NfnlOptions} accepts. */
export const NFNL_OPTION_KEYS: KeySet = new KeySet("key", [
  "netns",
  "rcvbuf",
  "sndbuf",
  "connection",
]);

/** The keys {@link NfnlConnection}'s constructor accepts (a connection is not shared with it). */
const SOCKET_KEYS = new KeySet("key", ["netns", "rcvbuf", "sndbuf"]);

/** The keys of a message spec ({@link MessageSpec}). */
const SPEC_KEYS = new KeySet("key", ["type", "flags", "header", "attrs", "extra"]);

/** The keys of a batch's options. */
const BATCH_KEYS = new KeySet("key", ["genid"]);

/** The keys of a dump's options ({@link DumpOptions}). */
const DUMP_KEYS = new KeySet("key", [
  "decoder",
  "schema",
  "describe",
  "signal",
  "maxErrno",
  "idempotent",
  "immediate",
  "retryInterrupted",
  "endOnError",
  "collect",
]);

/** A message ready to send: its bytes, its schema and a description for errors. */
export interface NfnlBuilt<M extends MessageSchema = MessageSchema> {
  /** The encoded message. */
  bytes: Uint8Array;
  /** Its schema (decodes replies, names attributes in errors). */
  schema: M;
  /** E.g. "IPCTNL_MSG_CT_NEW". */
  describe: string;
  /** The largest error number the subsystem answers with (ipset's own codes pass 4095). */
  maxErrno?: number;
}

/** One answer of a batch: the replies (echoed objects) or the kernel's refusal. */
export type BatchAnswer<M extends MessageSchema = MessageSchema> = TypedMessage<M>[] | Error;

/**
 * A NETLINK_NETFILTER socket and its request engine: requests, dumps (lazy views) and batch
 * transactions. The Conntrack, IPSet and NFTables classes each own one.
 */
export class NfnlConnection implements Disposable {
  /** The socket (or, in tests, a fake transport). */
  readonly socket: Transport;
  /** The request engine. */
  readonly engine: NetlinkEngine;
  /** The namespace it was opened in. */
  readonly netns?: NetnsTarget;

  /**
   * Opens a NETLINK_NETFILTER socket (in `options.netns` when given), or works over
   * `transport` (tests use a fake one that records what would be sent).
   */
  constructor(options: Omit<NfnlOptions, "connection"> = {}, transport?: Transport) {
    checkOptionalKeys(options, SOCKET_KEYS, "options", "options.");
    this.netns = options.netns;
    this.socket = transport ?? new NetlinkSocket(NETLINK.NETFILTER, {
      netns: options.netns,
      rcvbuf: options.rcvbuf ?? 4 << 20,
      sndbuf: options.sndbuf,
    });
    this.engine = new NetlinkEngine(this.socket);
  }

  /** Encodes one message. */
  build<M extends MessageSchema>(schema: M, spec: MessageSpec, describe: string): NfnlBuilt<M> {
    checkOptionalKeys(spec, SPEC_KEYS, "spec", "spec.");
    return { bytes: encodeMessage(schema, spec), schema, describe };
  }

  /** Sends one request, waits for its ack, and returns the replies as views. */
  async send<M extends MessageSchema>(
    built: NfnlBuilt<M>,
    signal?: AbortSignal,
  ): Promise<TypedMessage<M>[]> {
    const C = messageViewClass(built.schema);
    return await this.engine.request<TypedMessage<M>>(built.bytes, {
      decoder: (dv, u8, off, len) => new C(dv, u8, off, len) as TypedMessage<M>,
      schema: built.schema,
      describe: built.describe,
      maxErrno: built.maxErrno,
      signal,
    });
  }

  /** Dumps with a built request: every message whose type `accept` takes, as a lazy view. */
  dump<M extends MessageSchema>(
    built: NfnlBuilt<M>,
    accept: (type: number) => boolean,
    opts: DumpOptions<TypedMessage<M>> = {},
  ): Promise<TypedMessage<M>[]> {
    checkOptionalKeys(opts, DUMP_KEYS, "opts", "opts.");
    const C = messageViewClass(built.schema);
    return this.engine.dumpAll<TypedMessage<M>>(built.bytes, {
      decoder: (dv, u8, off, len, type) =>
        accept(type) ? new C(dv, u8, off, len) as TypedMessage<M> : undefined,
      schema: built.schema,
      describe: `${built.describe} dump`,
      maxErrno: built.maxErrno,
      ...opts,
    });
  }

  /** Dumps as an async iterator (for tables too large to hold). */
  dumpIter<M extends MessageSchema>(
    built: NfnlBuilt<M>,
    accept: (type: number) => boolean,
    opts: DumpOptions<TypedMessage<M>> = {},
  ): AsyncGenerator<TypedMessage<M>> {
    checkOptionalKeys(opts, DUMP_KEYS, "opts", "opts.");
    const C = messageViewClass(built.schema);
    return this.engine.dump<TypedMessage<M>>(built.bytes, {
      decoder: (dv, u8, off, len, type) =>
        accept(type) ? new C(dv, u8, off, len) as TypedMessage<M> : undefined,
      schema: built.schema,
      describe: `${built.describe} dump`,
      maxErrno: built.maxErrno,
      ...opts,
    });
  }

  /**
   * Sends `messages` as one transaction of subsystem `subsys`: `NFNL_MSG_BATCH_BEGIN`, the
   * messages (each asking for an ack), `NFNL_MSG_BATCH_END`, in one datagram. The kernel applies
   * all or none. The result has one answer per message: the objects the kernel echoed (for
   * messages flagged `NLM_F_ECHO`) as views, or the refusal of a refused message. A refusal of
   * the batch itself (a bad generation id) is thrown.
   */
  async batch(
    subsys: number,
    messages: readonly NfnlBuilt[],
    opts: { genid?: number } = {},
  ): Promise<BatchAnswer[]> {
    checkOptionalKeys(opts, BATCH_KEYS, "opts", "opts.");
    const answers = await this.engine.requestDatagram([
      {
        bytes: batchMessage(NFNL_MSG_BATCH_BEGIN, subsys, opts.genid),
        ack: false,
        schema: BATCH_MESSAGE,
        describe: "NFNL_MSG_BATCH_BEGIN",
      },
      ...messages.map((m) => {
        const C = messageViewClass(m.schema);
        return {
          bytes: m.bytes,
          schema: m.schema,
          describe: m.describe,
          maxErrno: m.maxErrno,
          decoder: (dv: DataView, u8: Uint8Array, off: number, len: number) =>
            new C(dv, u8, off, len),
        };
      }),
      {
        bytes: batchMessage(NFNL_MSG_BATCH_END, subsys),
        ack: false,
        schema: BATCH_MESSAGE,
        describe: "NFNL_MSG_BATCH_END",
      },
    ]);
    const begin = answers[0];
    if (begin instanceof Error) throw begin;
    const end = answers[answers.length - 1];
    if (end instanceof Error) throw end;
    return answers.slice(1, -1) as BatchAnswer[];
  }

  /** Closes the socket; pending requests reject. Closing twice is harmless. */
  close(): void {
    if (this.socket.closed) return;
    this.engine.failAll(new Error("the netfilter socket was closed while a request was pending"));
    this.socket.close();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
