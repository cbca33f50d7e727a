/**
 * ipset wants its numbers flagged: the kernel refuses a big-endian attribute (a port, a
 * timeout, an IPv4 address) without NLA_F_NET_BYTEORDER (`-IPSET_ERR_PROTOCOL`). The encoder
 * writes them big-endian; this pass sets the flag on each, guided by the schema.
 *
 * @module
 */

import { align4, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLMSG_HDRLEN } from "../../netlink/constants.ts";
import { structSize } from "../../netlink/schema.ts";
import type { AttrSchema, Codec, MessageSchema } from "../../netlink/schema.ts";

const NET = new Set(["be16", "be32", "be64", "ipaddr"]);

function mark(u8: Uint8Array, dv: DataView, start: number, end: number, level: AttrSchema): void {
  for (let p = start; p + NLA_HDRLEN <= end;) {
    const len = dv.getUint16(p, true);
    if (len < NLA_HDRLEN || p + len > end) return;
    const raw = dv.getUint16(p + 2, true);
    const def = level.byType[raw & 0x3fff];
    if (def) walk(u8, dv, p, len, raw, def.codec);
    p += align4(len);
  }
}

function walk(u8: Uint8Array, dv: DataView, p: number, len: number, raw: number, codec: Codec) {
  if (typeof codec === "string") {
    if (NET.has(codec)) dv.setUint16(p + 2, raw | NLA_F_NET_BYTEORDER, true);
    return;
  }
  if (codec.kind === "nest") mark(u8, dv, p + NLA_HDRLEN, p + len, codec.schema());
  else if (codec.kind === "array") {
    for (let q = p + NLA_HDRLEN; q + NLA_HDRLEN <= p + len;) {
      const l = dv.getUint16(q, true);
      if (l < NLA_HDRLEN || q + l > p + len) return;
      walk(u8, dv, q, l, dv.getUint16(q + 2, true), codec.of);
      q += align4(l);
    }
  }
}

/** Sets NLA_F_NET_BYTEORDER on every big-endian and address attribute of an encoded message. */
export function markNetOrder(bytes: Uint8Array, schema: MessageSchema): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = NLMSG_HDRLEN + align4(structSize(schema.header));
  mark(bytes, dv, start, Math.min(dv.getUint32(0, true), bytes.byteLength), schema.attrs);
  return bytes;
}
