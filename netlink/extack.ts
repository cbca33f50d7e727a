/**
 * Reading the kernel's error answers: the extended ack of an `NLMSG_ERROR` or `NLMSG_DONE`
 * (`NLMSGERR_ATTR_*`), and naming the request attribute an ext-ack offset points at.
 *
 * @module
 */

import { align4, NLA_HDRLEN, NLM_F, NLMSG_HDRLEN, NLMSGERR_ATTR } from "./constants.ts";
import type { ExtAck } from "./errors.ts";
import type { AttrDef, AttrSchema, Codec, MessageSchema } from "./schema.ts";
import { structSize } from "./schema.ts";
import { decodeString } from "./view.ts";

function parseTlvs(dv: DataView, u8: Uint8Array, start: number, end: number): ExtAck {
  const out: ExtAck = {};
  for (let p = start; p + NLA_HDRLEN <= end;) {
    const alen = dv.getUint16(p, true);
    if (alen < NLA_HDRLEN || p + alen > end) break;
    const t = dv.getUint16(p + 2, true) & 0x3fff;
    const plen = alen - NLA_HDRLEN;
    if (t === NLMSGERR_ATTR.MSG) out.msg = decodeString(u8, p + NLA_HDRLEN, plen);
    else if (t === NLMSGERR_ATTR.OFFS && plen >= 4) out.offset = dv.getUint32(p + NLA_HDRLEN, true);
    else if (t === NLMSGERR_ATTR.MISS_TYPE && plen >= 4) {
      out.missingType = dv.getUint32(p + NLA_HDRLEN, true);
    }
    p += align4(alen);
  }
  return out;
}

/** Parses the extended ack of an NLMSG_ERROR message at `off`. */
export function parseExtAck(
  dv: DataView,
  u8: Uint8Array,
  off: number,
  len: number,
  flags: number,
): ExtAck {
  if (!(flags & NLM_F.ACK_TLVS)) return {};
  // error (4) + the original header, and its payload unless the kernel capped it.
  let p = off + NLMSG_HDRLEN + 4;
  if (p + NLMSG_HDRLEN > off + len) return {};
  // The echoed request's length is a u32 from the wire: it must lie within this message.
  const origLen = flags & NLM_F.CAPPED ? NLMSG_HDRLEN : dv.getUint32(p, true);
  if (origLen < NLMSG_HDRLEN || origLen > off + len - p) return {};
  p += origLen + ((4 - (origLen & 3)) & 3);
  return parseTlvs(dv, u8, p, off + len);
}

/** Parses the extended ack of an NLMSG_DONE message at `off` (a dump that failed). */
export function parseDoneExtAck(
  dv: DataView,
  u8: Uint8Array,
  off: number,
  len: number,
  flags: number,
): ExtAck {
  if (!(flags & NLM_F.ACK_TLVS)) return {};
  return parseTlvs(dv, u8, off + NLMSG_HDRLEN + 4, off + len);
}

/**
 * Names the attribute that starts at byte `offset` of an encoded request, walking nests (also
 * arrays of nests, nests with a fixed header, and nests selected by a sibling such as
 * `IFLA_INFO_DATA`). Bytes that do not parse leave the deepest attribute found so far.
 */
export function attributeAt(
  schema: MessageSchema,
  request: Uint8Array,
  offset: number,
): string | number | undefined {
  if (request.byteLength < NLMSG_HDRLEN) return undefined;
  const dv = new DataView(request.buffer, request.byteOffset, request.byteLength);
  let start = NLMSG_HDRLEN + align4(structSize(schema.header));
  let end = Math.min(dv.getUint32(0, true), request.byteLength);
  // The current level: a schema, or the element codec of an array (elements are numbered).
  let level: { attrs?: AttrSchema; element?: Codec } = { attrs: schema.attrs };
  let found: string | number | undefined;
  for (let depth = 0; depth < 16; depth++) {
    let next = false;
    for (let p = start; p + NLA_HDRLEN <= end;) {
      const alen = dv.getUint16(p, true);
      if (alen < NLA_HDRLEN || p + alen > end) return found;
      const t = dv.getUint16(p + 2, true) & 0x3fff;
      const def: AttrDef | undefined = level.attrs?.byType[t];
      const name: string | number = def?.kernelName ?? (level.element ? `[${t}]` : t);
      if (p === offset) return name;
      if (offset > p && offset < p + alen) {
        found = name;
        const codec = def?.codec ?? level.element;
        const inner = codec ? nestedLevel(codec, dv, level.attrs, start, end) : undefined;
        if (!inner) return found;
        level = inner.level;
        start = p + NLA_HDRLEN + inner.skip;
        end = p + alen;
        next = true;
        break;
      }
      p += align4(alen);
    }
    if (!next) return found;
  }
  return found;
}

/** The level inside an attribute of `codec` whose siblings lie in `[start, end)`. */
function nestedLevel(
  codec: Codec,
  dv: DataView,
  siblings: AttrSchema | undefined,
  start: number,
  end: number,
): { level: { attrs?: AttrSchema; element?: Codec }; skip: number } | undefined {
  if (typeof codec === "string") return undefined;
  switch (codec.kind) {
    case "nest":
      return {
        level: { attrs: codec.schema() },
        skip: codec.header ? align4(structSize(codec.header)) : 0,
      };
    case "array":
      return { level: { element: codec.of }, skip: 0 };
    case "select": {
      const by = siblings?.byName.get(codec.by);
      if (!by) return undefined;
      for (let p = start; p + NLA_HDRLEN <= end;) {
        const alen = dv.getUint16(p, true);
        if (alen < NLA_HDRLEN || p + alen > end) return undefined;
        if ((dv.getUint16(p + 2, true) & 0x3fff) === by.type) {
          const key = by.codec === "string"
            ? decodeString(new Uint8Array(dv.buffer, dv.byteOffset), p + NLA_HDRLEN, alen - 4)
            : alen >= 8
            ? dv.getUint32(p + NLA_HDRLEN, true)
            : alen >= 6
            ? dv.getUint16(p + NLA_HDRLEN, true)
            : undefined;
          const choices = codec.choices();
          const chosen = key !== undefined && Object.hasOwn(choices, key)
            ? choices[key]
            : undefined;
          return chosen === undefined ? undefined : nestedLevel(chosen, dv, siblings, start, end);
        }
        p += align4(alen);
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
