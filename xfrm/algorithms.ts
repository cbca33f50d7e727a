/**
 * IPsec algorithms: the names the kernel's crypto layer knows for each kind (authentication,
 * truncated authentication, encryption, AEAD, compression), the key lengths each takes, and the
 * payloads of `XFRMA_ALG_*` (`struct xfrm_algo`, `xfrm_algo_auth`, `xfrm_algo_aead`: a 64-byte
 * name, the key length in bits, a truncation or ICV length, then the key).
 *
 * An unknown name or a key of the wrong length is a TypeError naming the field, before anything
 * is sent. Key lengths are those of the algorithm's RFC (the kernel's own checks are looser for
 * some HMACs, and a kernel without the algorithm answers "Requested type not found").
 *
 * @module
 */

import { describeValue } from "../netlink/addr.ts";
import { checkKeys, KeySet } from "../netlink/strict.ts";
import { DecodeError } from "../netlink/errors.ts";
import { decodeString } from "../netlink/view.ts";

/** A kind of algorithm (`XFRMA_ALG_*`). */
export type XfrmAlgoKind = "auth" | "auth_trunc" | "crypt" | "aead" | "comp";

/** What an algorithm takes. */
export interface XfrmAlgoDef {
  /** Accepted key lengths in bits. */
  keyBits: readonly number[];
  /** Accepted truncation (auth) or ICV (aead) lengths in bits; the first is the default. */
  lenBits?: readonly number[];
}

const auth = (key: number, ...trunc: number[]): XfrmAlgoDef => ({
  keyBits: [key],
  lenBits: trunc,
});

/** Authentication algorithms (for `auth` and `auth_trunc`), with aliases the kernel accepts. */
export const XFRM_AUTH_ALGOS: Readonly<Record<string, XfrmAlgoDef>> = {
  "digest_null": auth(0, 0),
  "hmac(md5)": auth(128, 96, 128),
  "md5": auth(128, 96, 128),
  "hmac(sha1)": auth(160, 96, 160),
  "sha1": auth(160, 96, 160),
  "hmac(sha256)": auth(256, 128, 96, 256),
  "sha256": auth(256, 128, 96, 256),
  "hmac(sha384)": auth(384, 192, 384),
  "sha384": auth(384, 192, 384),
  "hmac(sha512)": auth(512, 256, 512),
  "sha512": auth(512, 256, 512),
  "hmac(rmd160)": auth(160, 96, 160),
  "rmd160": auth(160, 96, 160),
  "xcbc(aes)": auth(128, 96, 128),
  "cmac(aes)": auth(128, 96, 128),
  "hmac(sm3)": auth(256, 256),
  "sm3": auth(256, 256),
};

/** Encryption algorithms, with aliases the kernel accepts. */
export const XFRM_CRYPT_ALGOS: Readonly<Record<string, XfrmAlgoDef>> = {
  "ecb(cipher_null)": { keyBits: [0] },
  "cipher_null": { keyBits: [0] },
  "cbc(des)": { keyBits: [64] },
  "des": { keyBits: [64] },
  "cbc(des3_ede)": { keyBits: [192] },
  "des3_ede": { keyBits: [192] },
  "cbc(cast5)": { keyBits: [40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128] },
  "cast5": { keyBits: [40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128] },
  "cbc(blowfish)": { keyBits: Array.from({ length: 52 }, (_, i) => 40 + 8 * i) },
  "blowfish": { keyBits: Array.from({ length: 52 }, (_, i) => 40 + 8 * i) },
  "cbc(aes)": { keyBits: [128, 192, 256] },
  "aes": { keyBits: [128, 192, 256] },
  "cbc(serpent)": { keyBits: [128, 192, 256] },
  "serpent": { keyBits: [128, 192, 256] },
  "cbc(camellia)": { keyBits: [128, 192, 256] },
  "camellia": { keyBits: [128, 192, 256] },
  "cbc(twofish)": { keyBits: [128, 192, 256] },
  "twofish": { keyBits: [128, 192, 256] },
  // The key is followed by a 32-bit nonce.
  "rfc3686(ctr(aes))": { keyBits: [160, 224, 288] },
  "cbc(sm4)": { keyBits: [128] },
  "sm4": { keyBits: [128] },
};

/** AEAD algorithms: key lengths (key plus salt) and ICV lengths. */
export const XFRM_AEAD_ALGOS: Readonly<Record<string, XfrmAlgoDef>> = {
  "rfc4106(gcm(aes))": { keyBits: [160, 224, 288], lenBits: [128, 96, 64] },
  "rfc4309(ccm(aes))": { keyBits: [152, 216, 280], lenBits: [128, 96, 64] },
  "rfc4543(gcm(aes))": { keyBits: [160, 224, 288], lenBits: [128] },
  "rfc7539esp(chacha20,poly1305)": { keyBits: [288], lenBits: [128] },
};

/** Compression algorithms (no key). */
export const XFRM_COMP_ALGOS: Readonly<Record<string, XfrmAlgoDef>> = {
  deflate: { keyBits: [0] },
  lzs: { keyBits: [0] },
  lzjh: { keyBits: [0] },
};

const TABLES: Record<XfrmAlgoKind, Readonly<Record<string, XfrmAlgoDef>>> = {
  auth: XFRM_AUTH_ALGOS,
  auth_trunc: XFRM_AUTH_ALGOS,
  crypt: XFRM_CRYPT_ALGOS,
  aead: XFRM_AEAD_ALGOS,
  comp: XFRM_COMP_ALGOS,
};

/** An algorithm with its key: `{ name: "cbc(aes)", key: "0x…" }`. */
export interface XfrmAlgo {
  /** The kernel's algorithm name (`cbc(aes)`, `hmac(sha256)`, `rfc4106(gcm(aes))`, `deflate`). */
  name: string;
  /** The key: bytes, or hex text with or without `0x` (`ip xfrm`'s form). Absent for compression. */
  key?: Uint8Array | string;
  /** Truncation length in bits (`auth_trunc`; default per algorithm, e.g. 128 for hmac(sha256)). */
  trunc_len?: number;
  /** ICV length in bits (`aead`; default 128). */
  icv_len?: number;
}

/** A decoded algorithm attribute. */
export interface XfrmAlgoValue {
  /** Algorithm name. */
  name: string;
  /** The key. */
  key: Uint8Array;
  /** Truncation length in bits (`auth_trunc`). */
  trunc_len?: number;
  /** ICV length in bits (`aead`). */
  icv_len?: number;
}

/** Key bytes from `Uint8Array` or hex text (`0x00ff…`, as `ip xfrm` takes them). */
export function xfrmKey(key: unknown, field: string): Uint8Array {
  if (key instanceof Uint8Array) return key;
  if (typeof key === "string") {
    const hex = key.startsWith("0x") || key.startsWith("0X") ? key.slice(2) : key;
    if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
      throw new TypeError(
        `${field}: expected hex key bytes ("0x0011…"), got ${describeValue(key)}`,
      );
    }
    return Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
  }
  throw new TypeError(`${field}: expected key bytes or hex text, got ${describeValue(key)}`);
}

const utf8 = new TextEncoder();

// The keys of an algorithm of each kind (an unknown key is `field.key: unknown key`).
const ALGO_KEY = new KeySet("key", ["name", "key"]);
const ALGO_KEYS: Record<XfrmAlgoKind, KeySet> = {
  crypt: ALGO_KEY,
  auth: ALGO_KEY,
  auth_trunc: ALGO_KEY.with(["trunc_len"]),
  aead: ALGO_KEY.with(["icv_len"]),
  comp: ALGO_KEY,
};

/**
 * The `XFRMA_ALG_*` payload of an algorithm of kind `kind`, checked: known name, key length
 * the algorithm takes, truncation/ICV length. TypeError/RangeError naming `field`.
 */
export function encodeAlgo(kind: XfrmAlgoKind, algo: XfrmAlgo, field: string): Uint8Array {
  if (typeof algo !== "object" || algo === null) {
    throw new TypeError(`${field}: expected { name, key }, got ${describeValue(algo)}`);
  }
  checkKeys(algo, ALGO_KEYS[kind], field, `${field}.`);
  const table = TABLES[kind];
  const name = algo.name;
  const def = typeof name === "string" && Object.hasOwn(table, name) ? table[name] : undefined;
  if (!def) {
    throw new TypeError(
      `${field}.name: unknown ${kind} algorithm ${describeValue(name)} (${
        Object.keys(table).join(", ")
      })`,
    );
  }
  const key = kind === "comp" && algo.key === undefined
    ? new Uint8Array(0)
    : xfrmKey(algo.key, `${field}.key`);
  const bits = key.length * 8;
  if (!def.keyBits.includes(bits)) {
    throw new TypeError(
      `${field}.key: ${name} takes a key of ${def.keyBits.join(" or ")} bits, got ${bits}`,
    );
  }
  const nameBytes = utf8.encode(name);
  const head = kind === "auth_trunc" || kind === "aead" ? 72 : 68;
  const out = new Uint8Array(head + key.length);
  out.set(nameBytes, 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(64, bits, true);
  if (kind === "auth_trunc" || kind === "aead") {
    const field2 = kind === "aead" ? "icv_len" : "trunc_len";
    const given = kind === "aead" ? algo.icv_len : algo.trunc_len;
    const len = given ?? def.lenBits![0];
    if (!Number.isInteger(len) || !def.lenBits!.includes(len)) {
      throw new RangeError(
        `${field}.${field2}: ${name} takes ${def.lenBits!.join(" or ")} bits, got ${String(given)}`,
      );
    }
    dv.setUint32(68, len, true);
  }
  out.set(key, head);
  return out;
}

/** Decodes an `XFRMA_ALG_*` payload; DecodeError when it is shorter than it says. */
export function decodeAlgo(kind: XfrmAlgoKind, payload: Uint8Array): XfrmAlgoValue {
  const head = kind === "auth_trunc" || kind === "aead" ? 72 : 68;
  if (payload.length < head) {
    throw new DecodeError(`xfrm ${kind} algorithm: ${payload.length} bytes, expected ${head}`);
  }
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const bits = dv.getUint32(64, true);
  const len = Math.ceil(bits / 8);
  if (payload.length < head + len) {
    throw new DecodeError(`xfrm ${kind} algorithm: key of ${bits} bits in ${payload.length} bytes`);
  }
  const out: XfrmAlgoValue = {
    name: decodeString(payload, 0, 64),
    key: payload.slice(head, head + len),
  };
  if (kind === "auth_trunc") out.trunc_len = dv.getUint32(68, true);
  if (kind === "aead") out.icv_len = dv.getUint32(68, true);
  return out;
}
