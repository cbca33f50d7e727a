/**
 * The rtnetlink schema tables and constants: one table per message family (`IFLA`, `IFA`, `RTA`,
 * `FRA`, `NDA`, `NHA`, `TCA`, …, each with its `*_TABLE` as written and its `*_MESSAGE` schema),
 * and the kernel's numbers by name (`RTM`, `RTNLGRP`, `IFF`, `RT_TABLE`, `RTPROT`, …). For code
 * that builds or decodes messages itself with the `@denonet/netlink/netlink` layer; the user API
 * (`IPRoute`) needs none of it.
 *
 * @example
 * ```ts
 * import { IFLA, RTM } from "@denonet/netlink/schemas";
 * console.log(IFLA.byName.get("mtu")?.type, RTM.NEWLINK); // 4 16
 * ```
 *
 * @module
 */

export * from "../constants.ts";
export { IFINFOMSG, IFLA, IFLA_TABLE, LINK_MESSAGE, LINKINFO, LINKINFO_TABLE } from "./link.ts";
export * from "./linkinfo.ts";
export { ADDR_MESSAGE, IFA, IFA_F, IFA_TABLE, IFADDRMSG } from "./addr.ts";
export {
  LWTUNNEL_ENCAP,
  ROUTE_MESSAGE,
  RTA,
  RTA_TABLE,
  RTAX,
  RTAX_TABLE,
  RTM_F,
  RTMSG,
} from "./route.ts";
export { FIB_RULE, FIB_RULE_HDR, FR_ACT, FRA, FRA_TABLE, RULE_MESSAGE } from "./rule.ts";
export { NDA, NDA_TABLE, NDMSG, NEIGH_MESSAGE, NTF, NTF_EXT } from "./neigh.ts";
export { NEXTHOP_GRP_TYPE, NEXTHOP_MESSAGE, NHA, NHA_TABLE, NHMSG, RTNH_F } from "./nexthop.ts";
export {
  BRIDGE_IFLA,
  BRIDGE_IFLA_TABLE,
  BRIDGE_LINK_MESSAGE,
  BRIDGE_VLAN_INFO_F,
} from "./bridge.ts";
export {
  TC_MESSAGE,
  TC_QDISC_MESSAGE,
  TCA,
  TCA_QDISC,
  TCA_QDISC_TABLE,
  TCA_TABLE,
  TCMSG,
} from "./tc.ts";
export { NETNSA, NETNSA_TABLE, NSID_MESSAGE, RTGENMSG } from "./nsid.ts";
export { IFLA_VF, IFLA_VF_TABLE, VFINFO_LIST } from "./vf.ts";
export { SCHEMA_BY_TYPE } from "./registry.ts";
