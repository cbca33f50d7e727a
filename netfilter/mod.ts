/**
 * Netfilter over nfnetlink: the connection tracking table ({@link Conntrack}), IP sets
 * ({@link IPSet}) and nf_tables ({@link NFTables}, with {@link rules} for common rules). Every class owns one NETLINK_NETFILTER socket, works in the
 * network namespace it is given, and returns lazy views of the kernel's messages.
 *
 * @example
 * ```ts
 * import { Conntrack } from "@denonet/netlink/netfilter";
 * import { netns } from "@denonet/netlink";
 *
 * const ns = `nldoc-netfilter-${Deno.pid}`; // a name no other process uses
 * netns.create(ns);
 * try {
 *   using ct = new Conntrack({ netns: ns });
 *   await ct.create({
 *     tuple_orig: { saddr: "10.0.0.1", daddr: "10.0.0.2", proto: "udp", sport: 5353, dport: 53 },
 *     timeout: 30,
 *   });
 *   console.log((await ct.dump()).map((e) => e.orig), await ct.count());
 * } finally {
 *   netns.remove(ns);
 * }
 * ```
 *
 * @module
 */

export { Conntrack } from "./conntrack/conntrack.ts";
export { IPSet, IpsetError } from "./ipset/ipset.ts";
export { decodeNftEvent, NFT_SCHEMAS, NFTables, NftTransactionError } from "./nftables/nftables.ts";
export type {
  NFTablesOptions,
  NftChain,
  NftChainInfo,
  NftEvent,
  NftFilter,
  NftObject,
  NftObjectInfo,
  NftRefusal,
  NftRule,
  NftRuleInfo,
  NftSet,
  NftSetInfo,
  NftTable,
  NftTableInfo,
  NftTransactionResult,
} from "./nftables/nftables.ts";
export { NftTransaction } from "./nftables/transaction.ts";
export type {
  NftChainSpec,
  NftElementsSpec,
  NftObjectSpec,
  NftRuleSpec,
  NftSetSpec,
  NftTableRef,
  NftTableSpec,
  ShapeLookup,
} from "./nftables/transaction.ts";
export { decodeExpr, encodeExpr, objectOf } from "./nftables/expr.ts";
export type {
  FieldInput,
  FieldsOf,
  NftData,
  NftExpr,
  NftRawExpr,
  NftVerdict,
  VerdictName,
} from "./nftables/expr.ts";
export type {
  ElementInput,
  ElementValue,
  NftElementInfo,
  NftElementSpec,
  SetShape,
} from "./nftables/elements.ts";
export * as rules from "./nftables/rules.ts";
export type { RuleMatch, RuleOptions, RuleStatements } from "./nftables/rules.ts";
export { NFT_FAMILY, NFT_HOOKS, NFT_PRIORITY, NFT_TYPES } from "./nftables/names.ts";
export type { NftDataType, NftFamily } from "./nftables/names.ts";
export * from "./nftables/schema.ts";
export * from "./nftables/expr_schema.ts";
export type { IpsetAddOptions, IpsetCreateSpec, IPSetOptions } from "./ipset/ipset.ts";
export type { EntryInput, IpsetEntry } from "./ipset/entry.ts";
export type { IpsetInfo } from "./ipset/info.ts";
export * from "./ipset/schema.ts";
export { SET_TYPES } from "./ipset/types.ts";
export type { Dimension } from "./ipset/types.ts";
export type {
  ConntrackEvent,
  ConntrackEventName,
  ConntrackMonitorOptions,
  ConntrackOptions,
  DumpFilter,
  FlushFilter,
} from "./conntrack/conntrack.ts";
export type {
  EntryFilter,
  EntryKey,
  EntrySpec,
  ExpectationSpec,
  TupleInput,
} from "./conntrack/spec.ts";
export type {
  ConntrackCpuStats,
  ConntrackEntry,
  ConntrackExtras,
  ConntrackGlobalStats,
  ExpectationCpuStats,
  ExpectationEntry,
  ExpectationExtras,
} from "./conntrack/views.ts";
export type { CtTuple, ProtoName } from "./conntrack/tuple.ts";
export { IPPROTO as CT_IPPROTO } from "./conntrack/tuple.ts";
export * from "./conntrack/schema.ts";
export {
  NFGENMSG,
  NFNL_MSG_BATCH_BEGIN,
  NFNL_MSG_BATCH_END,
  NFNL_SUBSYS,
  NfnlConnection,
  NFNLGRP,
  nfnlMsg,
  nfnlSubsys,
  nfnlType,
  NFPROTO,
} from "./nfnetlink.ts";
export type { BatchAnswer, FamilyName, NfnlBuilt, NfnlOptions } from "./nfnetlink.ts";
export { nfnlMonitor } from "./monitor.ts";
export type { EventDecoder, NfnlMonitor, NfnlMonitorOptions, Overrun } from "./monitor.ts";
