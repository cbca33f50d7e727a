/**
 * Which schema decodes an nfnetlink message, by message type (subsystem << 8 | operation), for
 * the subsystems this library speaks. Monitors and the fuzzer look types up here.
 *
 * @module
 */

import type { MessageSchema } from "../netlink/schema.ts";
import { NFNL_SUBSYS, nfnlType } from "./nfnetlink.ts";
import {
  CT_MESSAGE,
  EXP_MESSAGE,
  EXP_STATS_MESSAGE,
  IPCTNL_MSG_CT,
  IPCTNL_MSG_EXP,
  STATS_CPU_MESSAGE,
  STATS_MESSAGE,
} from "./conntrack/schema.ts";
import { IPSET_CMD, IPSET_ELEMENT_MESSAGE, IPSET_MESSAGE } from "./ipset/schema.ts";
import { NFT_SCHEMAS } from "./nftables/nftables.ts";
import { NFT_MSG } from "./nftables/schema.ts";

/** nfnetlink message type → the schema of its messages. */
export const NF_SCHEMA_BY_TYPE: Map<number, MessageSchema> = new Map();

function add(subsys: number, ops: readonly number[], schema: MessageSchema): void {
  for (const op of ops) NF_SCHEMA_BY_TYPE.set(nfnlType(subsys, op), schema);
}

add(
  NFNL_SUBSYS.CTNETLINK,
  [IPCTNL_MSG_CT.NEW, IPCTNL_MSG_CT.GET, IPCTNL_MSG_CT.DELETE],
  CT_MESSAGE,
);
add(NFNL_SUBSYS.CTNETLINK, [IPCTNL_MSG_CT.GET_STATS_CPU], STATS_CPU_MESSAGE);
add(NFNL_SUBSYS.CTNETLINK, [IPCTNL_MSG_CT.GET_STATS], STATS_MESSAGE);
add(
  NFNL_SUBSYS.CTNETLINK_EXP,
  [IPCTNL_MSG_EXP.NEW, IPCTNL_MSG_EXP.GET, IPCTNL_MSG_EXP.DELETE],
  EXP_MESSAGE,
);
add(NFNL_SUBSYS.CTNETLINK_EXP, [IPCTNL_MSG_EXP.GET_STATS_CPU], EXP_STATS_MESSAGE);
// The kernel answers an expectation statistics dump in the CTNETLINK subsystem with the EXP
// operation (0x0103, the number of IPCTNL_MSG_CT_GET_CTRZERO, which it never sends).
add(NFNL_SUBSYS.CTNETLINK, [IPCTNL_MSG_EXP.GET_STATS_CPU], EXP_STATS_MESSAGE);

for (const cmd of Object.values(IPSET_CMD)) {
  const element = cmd === IPSET_CMD.ADD || cmd === IPSET_CMD.DEL || cmd === IPSET_CMD.TEST;
  add(NFNL_SUBSYS.IPSET, [cmd], element ? IPSET_ELEMENT_MESSAGE : IPSET_MESSAGE);
}

for (const [op, schema] of NFT_SCHEMAS) add(NFNL_SUBSYS.NFTABLES, [op], schema);
// Requests for them: NFT_MSG_GETTABLE is NFT_MSG_NEWTABLE + 1, and so on.
for (const op of [NFT_MSG.NEWTABLE, NFT_MSG.NEWCHAIN, NFT_MSG.NEWRULE, NFT_MSG.NEWSET]) {
  add(NFNL_SUBSYS.NFTABLES, [op + 1], NFT_SCHEMAS.get(op)!);
}
for (const op of [NFT_MSG.NEWSETELEM, NFT_MSG.NEWGEN, NFT_MSG.NEWOBJ]) {
  add(NFNL_SUBSYS.NFTABLES, [op + 1], NFT_SCHEMAS.get(op)!);
}

/** Every netfilter message schema. */
export const NF_SCHEMAS: readonly MessageSchema[] = [...new Set(NF_SCHEMA_BY_TYPE.values())];
