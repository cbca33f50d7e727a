/**
 * The NETLINK_XFRM tables (linux/xfrm.h): message types, multicast groups, the attributes
 * (`XFRMA_*`, and those of SAD/SPD information), and the message schema of each message type
 * (each has its own fixed struct before the attributes).
 *
 * @module
 */

import { attrs, message } from "../netlink/schema.ts";
import type { AttrSchema, MessageSchema, StructCodec } from "../netlink/schema.ts";
import {
  XFRM_ADDRESS_FILTER,
  XFRM_AEVENT_ID,
  XFRM_ENCAP_TMPL,
  XFRM_FLAGS_HEADER,
  XFRM_MARK,
  XFRM_NO_HEADER,
  XFRM_REPLAY_STATE,
  XFRM_USER_ACQUIRE,
  XFRM_USER_EXPIRE,
  XFRM_USER_MAPPING,
  XFRM_USER_OFFLOAD,
  XFRM_USER_POLEXPIRE,
  XFRM_USER_REPORT,
  XFRM_USERPOLICY_DEFAULT,
  XFRM_USERPOLICY_ID,
  XFRM_USERPOLICY_INFO,
  XFRM_USERPOLICY_TYPE,
  XFRM_USERSA_FLUSH,
  XFRM_USERSA_ID,
  XFRM_USERSA_INFO,
  XFRM_USERSPI_INFO,
  XFRMU_SADHINFO,
  XFRMU_SPDHINFO,
  XFRMU_SPDHTHRESH,
  XFRMU_SPDINFO,
} from "./structs.ts";

/** `XFRM_MSG_*`: message types. */
export const XFRM_MSG = {
  NEWSA: 0x10,
  DELSA: 0x11,
  GETSA: 0x12,
  NEWPOLICY: 0x13,
  DELPOLICY: 0x14,
  GETPOLICY: 0x15,
  ALLOCSPI: 0x16,
  ACQUIRE: 0x17,
  EXPIRE: 0x18,
  UPDPOLICY: 0x19,
  UPDSA: 0x1a,
  POLEXPIRE: 0x1b,
  FLUSHSA: 0x1c,
  FLUSHPOLICY: 0x1d,
  NEWAE: 0x1e,
  GETAE: 0x1f,
  REPORT: 0x20,
  MIGRATE: 0x21,
  NEWSADINFO: 0x22,
  GETSADINFO: 0x23,
  NEWSPDINFO: 0x24,
  GETSPDINFO: 0x25,
  MAPPING: 0x26,
  SETDEFAULT: 0x27,
  GETDEFAULT: 0x28,
} as const;

/** `XFRMNLGRP_*`: multicast groups, by the lower-cased name. */
export const XFRMNLGRP = {
  acquire: 1,
  expire: 2,
  sa: 3,
  policy: 4,
  aevents: 5,
  report: 6,
  migrate: 7,
  mapping: 8,
} as const;

/** `XFRMA_*`: the attributes of SA and policy messages. Struct payloads are decoded by xfrm/. */
export const XFRMA_TABLE = {
  XFRMA_ALG_AUTH: [1, "binary"], // struct xfrm_algo + key
  XFRMA_ALG_CRYPT: [2, "binary"], // struct xfrm_algo + key
  XFRMA_ALG_COMP: [3, "binary"], // struct xfrm_algo
  XFRMA_ENCAP: [4, XFRM_ENCAP_TMPL],
  XFRMA_TMPL: [5, "binary"], // struct xfrm_user_tmpl, repeated
  XFRMA_SA: [6, XFRM_USERSA_INFO],
  XFRMA_POLICY: [7, XFRM_USERPOLICY_INFO],
  XFRMA_SEC_CTX: [8, "binary"], // struct xfrm_user_sec_ctx + context
  XFRMA_LTIME_VAL: [9, "binary"], // struct xfrm_lifetime_cur
  XFRMA_REPLAY_VAL: [10, XFRM_REPLAY_STATE],
  XFRMA_REPLAY_THRESH: [11, "u32"],
  XFRMA_ETIMER_THRESH: [12, "u32"],
  XFRMA_SRCADDR: [13, "binary"], // xfrm_address_t
  XFRMA_COADDR: [14, "binary"], // xfrm_address_t
  XFRMA_LASTUSED: [15, "u64"],
  XFRMA_POLICY_TYPE: [16, XFRM_USERPOLICY_TYPE],
  XFRMA_MIGRATE: [17, "binary"],
  XFRMA_ALG_AEAD: [18, "binary"], // struct xfrm_algo_aead + key
  XFRMA_KMADDRESS: [19, "binary"],
  XFRMA_ALG_AUTH_TRUNC: [20, "binary"], // struct xfrm_algo_auth + key
  XFRMA_MARK: [21, XFRM_MARK],
  XFRMA_TFCPAD: [22, "u32"],
  XFRMA_REPLAY_ESN_VAL: [23, "binary"], // struct xfrm_replay_state_esn + bitmap
  XFRMA_SA_EXTRA_FLAGS: [24, "u32"],
  XFRMA_PROTO: [25, "u8"],
  XFRMA_ADDRESS_FILTER: [26, XFRM_ADDRESS_FILTER],
  XFRMA_PAD: [27, "binary"],
  XFRMA_OFFLOAD_DEV: [28, XFRM_USER_OFFLOAD],
  XFRMA_SET_MARK: [29, "u32"],
  XFRMA_SET_MARK_MASK: [30, "u32"],
  XFRMA_IF_ID: [31, "u32"],
  XFRMA_MTIMER_THRESH: [32, "u32"],
  XFRMA_SA_DIR: [33, "u8"],
  XFRMA_NAT_KEEPALIVE_INTERVAL: [34, "u32"],
  XFRMA_SA_PCPU: [35, "u32"],
  XFRMA_IPTFS_DROP_TIME: [36, "u32"],
  XFRMA_IPTFS_REORDER_WINDOW: [37, "u16"],
  XFRMA_IPTFS_DONT_FRAG: [38, "flag"],
  XFRMA_IPTFS_INIT_DELAY: [39, "u32"],
  XFRMA_IPTFS_MAX_QSIZE: [40, "u32"],
  XFRMA_IPTFS_PKT_SIZE: [41, "u32"],
} as const;

/** The compiled XFRMA table. */
export const XFRMA: AttrSchema<"XFRMA_", typeof XFRMA_TABLE> = attrs("XFRMA_", XFRMA_TABLE);

/** `XFRMA_SAD_*`: the attributes of SAD information (`ip xfrm state count`). */
export const XFRMA_SAD_TABLE = {
  XFRMA_SAD_CNT: [1, "u32"],
  XFRMA_SAD_HINFO: [2, XFRMU_SADHINFO],
} as const;

/** The compiled XFRMA_SAD table. */
export const XFRMA_SAD: AttrSchema<"XFRMA_SAD_", typeof XFRMA_SAD_TABLE> = attrs(
  "XFRMA_SAD_",
  XFRMA_SAD_TABLE,
);

/** `XFRMA_SPD_*`: the attributes of SPD information (`ip xfrm policy count`). */
export const XFRMA_SPD_TABLE = {
  XFRMA_SPD_INFO: [1, XFRMU_SPDINFO],
  XFRMA_SPD_HINFO: [2, XFRMU_SPDHINFO],
  XFRMA_SPD_IPV4_HTHRESH: [3, XFRMU_SPDHTHRESH],
  XFRMA_SPD_IPV6_HTHRESH: [4, XFRMU_SPDHTHRESH],
} as const;

/** The compiled XFRMA_SPD table. */
export const XFRMA_SPD: AttrSchema<"XFRMA_SPD_", typeof XFRMA_SPD_TABLE> = attrs(
  "XFRMA_SPD_",
  XFRMA_SPD_TABLE,
);

function xfrmMessage(name: string, header: StructCodec): MessageSchema<StructCodec, typeof XFRMA> {
  return message(name, header, XFRMA);
}

/** NEWSA, UPDSA (and dump replies): `xfrm_usersa_info` + attributes. */
export const XFRM_SA_MESSAGE: MessageSchema<StructCodec, typeof XFRMA> = xfrmMessage(
  "xfrm sa",
  XFRM_USERSA_INFO,
);
/** GETSA, DELSA: `xfrm_usersa_id` + attributes (a DELSA event carries the SA in `XFRMA_SA`). */
export const XFRM_SA_ID_MESSAGE: MessageSchema<StructCodec, typeof XFRMA> = xfrmMessage(
  "xfrm sa id",
  XFRM_USERSA_ID,
);
/** ALLOCSPI: `xfrm_userspi_info` + attributes. */
export const XFRM_SPI_MESSAGE: MessageSchema<StructCodec, typeof XFRMA> = xfrmMessage(
  "xfrm allocspi",
  XFRM_USERSPI_INFO,
);
/** NEWPOLICY, UPDPOLICY (and dump replies): `xfrm_userpolicy_info` + attributes. */
export const XFRM_POLICY_MESSAGE: MessageSchema<StructCodec, typeof XFRMA> = xfrmMessage(
  "xfrm policy",
  XFRM_USERPOLICY_INFO,
);
/** GETPOLICY, DELPOLICY: `xfrm_userpolicy_id` + attributes (a DELPOLICY event carries `XFRMA_POLICY`). */
export const XFRM_POLICY_ID_MESSAGE: MessageSchema<StructCodec, typeof XFRMA> = xfrmMessage(
  "xfrm policy id",
  XFRM_USERPOLICY_ID,
);
/** ACQUIRE: `xfrm_user_acquire` + attributes (the policy's templates). */
export const XFRM_ACQUIRE_MESSAGE: MessageSchema<StructCodec, typeof XFRMA> = xfrmMessage(
  "xfrm acquire",
  XFRM_USER_ACQUIRE,
);
/** EXPIRE: `xfrm_user_expire` + attributes. */
export const XFRM_EXPIRE_MESSAGE: MessageSchema<StructCodec, typeof XFRMA> = xfrmMessage(
  "xfrm expire",
  XFRM_USER_EXPIRE,
);
/** POLEXPIRE: `xfrm_user_polexpire` + attributes. */
export const XFRM_POLEXPIRE_MESSAGE: MessageSchema<StructCodec, typeof XFRMA> = xfrmMessage(
  "xfrm polexpire",
  XFRM_USER_POLEXPIRE,
);
/** FLUSHSA: `xfrm_usersa_flush`. */
export const XFRM_FLUSHSA_MESSAGE: MessageSchema<StructCodec, typeof XFRMA> = xfrmMessage(
  "xfrm flushsa",
  XFRM_USERSA_FLUSH,
);
/**
 * Attributes only, no struct: FLUSHPOLICY (`XFRMA_POLICY_TYPE`) and the state and policy dump
 * requests (the kernel reads their filters, `XFRMA_ADDRESS_FILTER` and `XFRMA_PROTO`, right
 * after the netlink header).
 */
export const XFRM_ATTRS_MESSAGE: MessageSchema<StructCodec, typeof XFRMA> = xfrmMessage(
  "xfrm attributes",
  XFRM_NO_HEADER,
);
/** NEWAE, GETAE: `xfrm_aevent_id` + attributes. */
export const XFRM_AEVENT_MESSAGE: MessageSchema<StructCodec, typeof XFRMA> = xfrmMessage(
  "xfrm aevent",
  XFRM_AEVENT_ID,
);
/** REPORT: `xfrm_user_report` + attributes. */
export const XFRM_REPORT_MESSAGE: MessageSchema<StructCodec, typeof XFRMA> = xfrmMessage(
  "xfrm report",
  XFRM_USER_REPORT,
);
/** MAPPING: `xfrm_user_mapping`. */
export const XFRM_MAPPING_MESSAGE: MessageSchema<StructCodec, typeof XFRMA> = xfrmMessage(
  "xfrm mapping",
  XFRM_USER_MAPPING,
);
/** SETDEFAULT, GETDEFAULT: `xfrm_userpolicy_default`. */
export const XFRM_DEFAULT_MESSAGE: MessageSchema<StructCodec, typeof XFRMA> = xfrmMessage(
  "xfrm default",
  XFRM_USERPOLICY_DEFAULT,
);
/** NEWSADINFO, GETSADINFO: a u32 flags header + `XFRMA_SAD_*`. */
export const XFRM_SADINFO_MESSAGE: MessageSchema<StructCodec, typeof XFRMA_SAD> = message(
  "xfrm sadinfo",
  XFRM_FLAGS_HEADER,
  XFRMA_SAD,
);
/** NEWSPDINFO, GETSPDINFO: a u32 flags header + `XFRMA_SPD_*`. */
export const XFRM_SPDINFO_MESSAGE: MessageSchema<StructCodec, typeof XFRMA_SPD> = message(
  "xfrm spdinfo",
  XFRM_FLAGS_HEADER,
  XFRMA_SPD,
);

const M = XFRM_MSG;
const BY_TYPE: Record<number, MessageSchema> = {
  [M.NEWSA]: XFRM_SA_MESSAGE,
  [M.UPDSA]: XFRM_SA_MESSAGE,
  [M.DELSA]: XFRM_SA_ID_MESSAGE,
  [M.GETSA]: XFRM_SA_ID_MESSAGE,
  [M.ALLOCSPI]: XFRM_SPI_MESSAGE,
  [M.NEWPOLICY]: XFRM_POLICY_MESSAGE,
  [M.UPDPOLICY]: XFRM_POLICY_MESSAGE,
  [M.DELPOLICY]: XFRM_POLICY_ID_MESSAGE,
  [M.GETPOLICY]: XFRM_POLICY_ID_MESSAGE,
  [M.ACQUIRE]: XFRM_ACQUIRE_MESSAGE,
  [M.EXPIRE]: XFRM_EXPIRE_MESSAGE,
  [M.POLEXPIRE]: XFRM_POLEXPIRE_MESSAGE,
  [M.FLUSHSA]: XFRM_FLUSHSA_MESSAGE,
  [M.FLUSHPOLICY]: XFRM_ATTRS_MESSAGE,
  [M.NEWAE]: XFRM_AEVENT_MESSAGE,
  [M.GETAE]: XFRM_AEVENT_MESSAGE,
  [M.REPORT]: XFRM_REPORT_MESSAGE,
  [M.MIGRATE]: XFRM_POLICY_ID_MESSAGE,
  [M.NEWSADINFO]: XFRM_SADINFO_MESSAGE,
  [M.GETSADINFO]: XFRM_SADINFO_MESSAGE,
  [M.NEWSPDINFO]: XFRM_SPDINFO_MESSAGE,
  [M.GETSPDINFO]: XFRM_SPDINFO_MESSAGE,
  [M.MAPPING]: XFRM_MAPPING_MESSAGE,
  [M.SETDEFAULT]: XFRM_DEFAULT_MESSAGE,
  [M.GETDEFAULT]: XFRM_DEFAULT_MESSAGE,
};

/** The schema of an xfrm message type, or undefined. */
export function xfrmSchemaOf(type: number): MessageSchema | undefined {
  return Object.hasOwn(BY_TYPE, type) ? BY_TYPE[type] : undefined;
}

/** The lower-cased name of an xfrm message type (`XFRM_MSG_NEWSA` → `"newsa"`). */
export function xfrmMsgName(type: number): string | undefined {
  for (const [k, v] of Object.entries(XFRM_MSG)) if (v === type) return k.toLowerCase();
  return undefined;
}
