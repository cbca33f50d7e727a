/**
 * Which schema decodes which rtnetlink message type (for events and mixed streams).
 *
 * @module
 */

import type { MessageSchema } from "../../netlink/schema.ts";
import { RTM } from "../constants.ts";
import { ADDR_MESSAGE } from "./addr.ts";
import { LINK_MESSAGE } from "./link.ts";
import { NEIGH_MESSAGE } from "./neigh.ts";
import { NEXTHOP_MESSAGE } from "./nexthop.ts";
import { NSID_MESSAGE } from "./nsid.ts";
import { ROUTE_MESSAGE } from "./route.ts";
import { RULE_MESSAGE } from "./rule.ts";
import { TC_MESSAGE, TC_QDISC_MESSAGE } from "./tc.ts";

/** Message type → schema. */
export const SCHEMA_BY_TYPE: ReadonlyMap<number, MessageSchema> = new Map<number, MessageSchema>([
  [RTM.NEWLINK, LINK_MESSAGE],
  [RTM.DELLINK, LINK_MESSAGE],
  [RTM.NEWADDR, ADDR_MESSAGE],
  [RTM.DELADDR, ADDR_MESSAGE],
  [RTM.NEWROUTE, ROUTE_MESSAGE],
  [RTM.DELROUTE, ROUTE_MESSAGE],
  [RTM.NEWNEIGH, NEIGH_MESSAGE],
  [RTM.DELNEIGH, NEIGH_MESSAGE],
  [RTM.NEWRULE, RULE_MESSAGE],
  [RTM.DELRULE, RULE_MESSAGE],
  [RTM.NEWQDISC, TC_QDISC_MESSAGE],
  [RTM.DELQDISC, TC_QDISC_MESSAGE],
  [RTM.NEWTCLASS, TC_MESSAGE],
  [RTM.DELTCLASS, TC_MESSAGE],
  [RTM.NEWTFILTER, TC_MESSAGE],
  [RTM.DELTFILTER, TC_MESSAGE],
  [RTM.NEWNEXTHOP, NEXTHOP_MESSAGE],
  [RTM.DELNEXTHOP, NEXTHOP_MESSAGE],
  [RTM.NEWNSID, NSID_MESSAGE],
  [RTM.DELNSID, NSID_MESSAGE],
]);
