/**
 * `struct tcp_info` (linux/tcp.h) and `struct mptcp_info` (linux/mptcp.h), decoded by their
 * length: each kernel release appended fields, so a field is present exactly when the kernel
 * sent the bytes it lies in (an old kernel's 104-byte `tcp_info` has no `pacing_rate`; a newer
 * one than this table knows keeps its extra bytes in `extra`).
 *
 * @module
 */

import { DecodeError } from "../netlink/errors.ts";
import { decodeStruct } from "../netlink/view.ts";
import type { StructValue } from "../netlink/schema.ts";

/**
 * `struct tcp_info` without the `tcpi_` prefix, fields at their offsets. Bytes 6 and 7 hold
 * bit fields, decoded separately (`snd_wscale`, `rcv_wscale`, `delivery_rate_app_limited`,
 * `fastopen_client_fail`).
 */
export const TCP_INFO = {
  kind: "struct",
  fields: [
    ["state", "u8"],
    ["ca_state", "u8"],
    ["retransmits", "u8"],
    ["probes", "u8"],
    ["backoff", "u8"],
    ["options", "u8"],
    ["_wscale", "u8"],
    ["_flags", "u8"],
    ["rto", "u32"],
    ["ato", "u32"],
    ["snd_mss", "u32"],
    ["rcv_mss", "u32"],
    ["unacked", "u32"],
    ["sacked", "u32"],
    ["lost", "u32"],
    ["retrans", "u32"],
    ["fackets", "u32"],
    ["last_data_sent", "u32"],
    ["last_ack_sent", "u32"],
    ["last_data_recv", "u32"],
    ["last_ack_recv", "u32"],
    ["pmtu", "u32"],
    ["rcv_ssthresh", "u32"],
    ["rtt", "u32"],
    ["rttvar", "u32"],
    ["snd_ssthresh", "u32"],
    ["snd_cwnd", "u32"],
    ["advmss", "u32"],
    ["reordering", "u32"],
    ["rcv_rtt", "u32"],
    ["rcv_space", "u32"],
    ["total_retrans", "u32"],
    ["pacing_rate", "u64", 104],
    ["max_pacing_rate", "u64"],
    ["bytes_acked", "u64"],
    ["bytes_received", "u64"],
    ["segs_out", "u32"],
    ["segs_in", "u32"],
    ["notsent_bytes", "u32"],
    ["min_rtt", "u32"],
    ["data_segs_in", "u32"],
    ["data_segs_out", "u32"],
    ["delivery_rate", "u64"],
    ["busy_time", "u64"],
    ["rwnd_limited", "u64"],
    ["sndbuf_limited", "u64"],
    ["delivered", "u32"],
    ["delivered_ce", "u32"],
    ["bytes_sent", "u64"],
    ["bytes_retrans", "u64"],
    ["dsack_dups", "u32"],
    ["reord_seen", "u32"],
    ["rcv_ooopack", "u32"],
    ["snd_wnd", "u32"],
    ["rcv_wnd", "u32"],
    ["rehash", "u32"],
    ["total_rto", "u16"],
    ["total_rto_recoveries", "u16"],
    ["total_rto_time", "u32"],
  ],
} as const;

/** The size of the newest `struct tcp_info` this table knows. */
export const TCP_INFO_SIZE = 248;

/** `TCPI_OPT_*`: bits of {@link TcpInfo.options}. */
export const TCPI_OPT = {
  timestamps: 1,
  sack: 2,
  wscale: 4,
  ecn: 8,
  ecn_seen: 16,
  syn_data: 32,
  usec_ts: 64,
  ecn_low: 128,
} as const;

/**
 * A decoded `struct tcp_info`: every field of linux/tcp.h by its name without `tcpi_`, present
 * when the kernel sent it. Times are microseconds (`rto`, `ato`, `rtt`, `rttvar`, `min_rtt`,
 * `rcv_rtt`, `busy_time`…) or milliseconds (`last_*`, `total_rto_time`), rates bytes per
 * second, as in linux/tcp.h.
 */
export type TcpInfo = Partial<StructValue<typeof TCP_INFO["fields"]>> & {
  /** `TCP_ESTABLISHED`… (the same numbers as the socket's state). */
  state: number;
  /** Congestion avoidance state (`TCP_CA_Open` 0 … `TCP_CA_Loss` 4). */
  ca_state: number;
  /** Negotiated options: bits of {@link TCPI_OPT}. */
  options: number;
  /** Send window scale. */
  snd_wscale: number;
  /** Receive window scale. */
  rcv_wscale: number;
  /** Whether the delivery rate was limited by the application. */
  delivery_rate_app_limited: boolean;
  /** Why TCP fast open failed on the client (0: no failure). */
  fastopen_client_fail: number;
  /** Bytes beyond the fields this table knows (a newer kernel's). */
  extra?: Uint8Array;
};

/**
 * Decodes a `struct tcp_info` of any length the kernel sends (at least the 8 bytes of the
 * first fields; DecodeError for less).
 */
export function decodeTcpInfo(bytes: Uint8Array): TcpInfo {
  if (bytes.length < 8) throw new DecodeError(`tcp_info: ${bytes.length} bytes, expected 8+`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = decodeStruct(dv, bytes, TCP_INFO, 0, bytes.length) as Record<string, unknown>;
  const w = bytes[6], f = bytes[7];
  out.snd_wscale = w & 0xf;
  out.rcv_wscale = w >> 4;
  out.delivery_rate_app_limited = (f & 1) !== 0;
  out.fastopen_client_fail = (f >> 1) & 3;
  if (bytes.length > TCP_INFO_SIZE) out.extra = bytes.slice(TCP_INFO_SIZE);
  return out as TcpInfo;
}

/**
 * `struct mptcp_info` without the `mptcpi_` prefix. The holes after `add_addr_accepted_max`
 * and `csum_enabled` are the C layout's.
 */
export const MPTCP_INFO = {
  kind: "struct",
  fields: [
    ["subflows", "u8"],
    ["add_addr_signal", "u8"],
    ["add_addr_accepted", "u8"],
    ["subflows_max", "u8"],
    ["add_addr_signal_max", "u8"],
    ["add_addr_accepted_max", "u8"],
    ["flags", "u32", 8],
    ["token", "u32"],
    ["write_seq", "u64"],
    ["snd_una", "u64"],
    ["rcv_nxt", "u64"],
    ["local_addr_used", "u8"],
    ["local_addr_max", "u8"],
    ["csum_enabled", "u8"],
    ["retransmits", "u32", 44],
    ["bytes_retrans", "u64"],
    ["bytes_sent", "u64"],
    ["bytes_received", "u64"],
    ["bytes_acked", "u64"],
    ["subflows_total", "u8"],
    ["endp_laminar_max", "u8"],
    ["last_data_sent", "u32", 84],
    ["last_data_recv", "u32"],
    ["last_ack_recv", "u32"],
  ],
} as const;

/** The size of the newest `struct mptcp_info` this table knows. */
export const MPTCP_INFO_SIZE = 96;

/** A decoded `struct mptcp_info`: fields by name without `mptcpi_`, present when sent. */
export type MptcpInfo = Partial<StructValue<typeof MPTCP_INFO["fields"]>> & {
  /** Bytes beyond the fields this table knows (a newer kernel's). */
  extra?: Uint8Array;
};

/** Decodes a `struct mptcp_info` of any length. */
export function decodeMptcpInfo(bytes: Uint8Array): MptcpInfo {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = decodeStruct(dv, bytes, MPTCP_INFO, 0, bytes.length) as MptcpInfo;
  if (bytes.length > MPTCP_INFO_SIZE) out.extra = bytes.slice(MPTCP_INFO_SIZE);
  return out;
}
