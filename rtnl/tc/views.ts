/**
 * What the generic views cannot decode from the schema tables alone, added to the view classes
 * of tc messages: a filter's `prio` and `protocol` (packed in `tcm_info`), u32 selectors, classic
 * BPF programs, and netem's struct before its attributes.
 *
 * @module
 */

import { NLA_HDRLEN } from "../../netlink/constants.ts";
import { DecodeError } from "../../netlink/errors.ts";
import type { AttrSchema } from "../../netlink/schema.ts";
import { structSize } from "../../netlink/schema.ts";
import { decodeStruct, decorateView } from "../../netlink/view.ts";
import type { AttrView, MessageView, ViewExtra } from "../../netlink/view.ts";
import { TC_MESSAGE, TC_QDISC_MESSAGE } from "../schemas/tc.ts";
import { BPF, U32 } from "../schemas/tc_filter.ts";
import { NETEM, TC_NETEM_QOPT } from "../schemas/tc_qdisc.ts";
import { htons } from "./handles.ts";
import { decodeU32Sel } from "./u32.ts";

/** Adds computed properties to the view class of `schema` (getters, and in toJSON). */
function decorate(schema: AttrSchema, extras: Record<string, ViewExtra>, first = false): void {
  decorateView(schema, extras, { json: true, first });
}

/** A classic BPF program: `struct sock_filter`s. */
export interface SockFilter {
  /** Opcode. */
  code: number;
  /** Jump if true. */
  jt: number;
  /** Jump if false. */
  jf: number;
  /** Constant. */
  k: number;
}

/** Decodes `struct sock_filter[]`. */
export function decodeSockFilters(b: Uint8Array): SockFilter[] {
  if (b.length % 8) throw new DecodeError(`TCA_BPF_OPS: ${b.length} bytes, not whole instructions`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: SockFilter[] = [];
  for (let p = 0; p < b.length; p += 8) {
    out.push({
      code: dv.getUint16(p, true),
      jt: dv.getUint8(p + 2),
      jf: dv.getUint8(p + 3),
      k: dv.getUint32(p + 4, true),
    });
  }
  return out;
}

decorate(U32, {
  sel: (v) => {
    const b = v.get("sel");
    return b instanceof Uint8Array ? decodeU32Sel(b) : undefined;
  },
});

decorate(BPF, {
  ops: (v) => {
    const b = v.get("ops");
    return b instanceof Uint8Array ? decodeSockFilters(b) : undefined;
  },
});

const QOPT = structSize(TC_NETEM_QOPT);

/** netem's `struct tc_netem_qopt`, which sits before the attributes of its view. */
function netemQopt(v: AttrView): Record<string, unknown> {
  // The nest view starts after the struct; the attribute header sits just before the struct.
  const at = v.start - QOPT - NLA_HDRLEN;
  const ok = at >= 0 && (v.dv.getUint16(at + 2, true) & 0x3fff) === 2 &&
    at + v.dv.getUint16(at, true) === v.end;
  if (!ok) throw new DecodeError("netem TCA_OPTIONS: shorter than struct tc_netem_qopt");
  return decodeStruct(v.dv, v.u8, TC_NETEM_QOPT, at + NLA_HDRLEN, QOPT);
}

decorate(
  NETEM,
  Object.fromEntries(
    ["latency", "limit", "loss", "gap", "duplicate", "jitter"].map((k) => [
      k,
      (v: AttrView) => netemQopt(v)[k],
    ]),
  ),
  true,
);

// A filter's priority and protocol are packed in tcm_info; get("prio") answers too.
for (const schema of [TC_MESSAGE, TC_QDISC_MESSAGE]) {
  decorateView(schema, {
    prio: (v) => ((v as MessageView).headerField("info") as number) >>> 16,
    protocol: (v) => htons(((v as MessageView).headerField("info") as number) & 0xffff),
  });
}
