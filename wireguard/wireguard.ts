/**
 * The WireGuard class: a WireGuard device's configuration (`wg show` / `wg set`) through the
 * `wireguard` generic netlink family: private key, listen port, firewall mark, and peers with
 * public and preshared keys, endpoints, allowed IPs and keepalive.
 *
 * Keys are base64 text as `wg` prints them, or 32 bytes. Configurations larger than one
 * message are split as the kernel expects (later messages carry only the device name and more
 * peers; a peer's allowed IPs may continue in the next message under the same public key), and
 * a device read back is coalesced from every message of the dump.
 *
 * @module
 */

import { describeValue, formatIp, parseIp, parsePrefix } from "../netlink/addr.ts";
import { checkInt } from "../netlink/encoder.ts";
import { DecodeError, NetlinkError } from "../netlink/errors.ts";
import { GenericNetlink } from "../netlink/genl.ts";
import { checkKeys, KeySet, REFUSE_UNDEFINED } from "../netlink/strict.ts";
import type { GenlFamily } from "../netlink/genl.ts";
import type { TypedMessage, TypedView } from "../netlink/view.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import { WG_CMD, WG_GENL_NAME, WG_KEY_LEN, WG_MESSAGE, WGDEVICE_F, WGPEER_F } from "./schema.ts";
import type { WGALLOWEDIP_A, WGPEER_A } from "./schema.ts";

/** A WireGuard device as plain data (`wg show`). */
export interface WgDevice {
  /** Interface index. */
  ifindex: number;
  /** Interface name. */
  ifname: string;
  /** Private key (base64), when set (and readable: it needs CAP_NET_ADMIN). */
  private_key?: string;
  /** Public key (base64), when a private key is set. */
  public_key?: string;
  /** UDP listen port. */
  listen_port: number;
  /** Firewall mark (0: none). */
  fwmark: number;
  /** Peers. */
  peers: WgPeer[];
}

/** A peer as plain data. */
export interface WgPeer {
  /** Public key (base64). */
  public_key: string;
  /** Preshared key (base64), when set. */
  preshared_key?: string;
  /** Endpoint, `"192.0.2.1:51820"` or `"[2001:db8::1]:51820"`. */
  endpoint?: string;
  /** Persistent keepalive interval in seconds (0: off). */
  persistent_keepalive_interval: number;
  /** Last handshake, seconds since the epoch (0: never). */
  last_handshake_time: number;
  /** Bytes received. */
  rx_bytes: number;
  /** Bytes sent. */
  tx_bytes: number;
  /** Allowed IPs, `"10.0.0.0/24"`. */
  allowedips: string[];
  /** Protocol version. */
  protocol_version?: number;
}

/** A key: base64 text (`wg genkey`'s form) or 32 bytes. */
export type WgKey = string | Uint8Array;

/** A peer to add, change or remove (`wg set DEV peer KEY …`). */
export interface WgPeerSpec {
  /** The peer's public key. */
  public_key: WgKey;
  /** Preshared key (all zeros: remove it). */
  preshared_key?: WgKey;
  /** Endpoint: `"192.0.2.1:51820"`, `"[2001:db8::1]:51820"`. */
  endpoint?: string;
  /** Persistent keepalive in seconds (0: off). */
  persistent_keepalive_interval?: number;
  /** Allowed IPs (prefixes). */
  allowedips?: readonly string[];
  /** Replace the peer's allowed IPs instead of adding to them. */
  replace_allowedips?: boolean;
  /** Remove the peer. */
  remove?: boolean;
  /** Change the peer only if it exists. */
  update_only?: boolean;
  /** Protocol version (leave out; 1 if given). */
  protocol_version?: number;
}

/** A device configuration to apply (`wg set` / `wg setconf` with `replace_peers`). */
export interface WgDeviceSpec {
  /** Private key (all zeros: remove it). */
  private_key?: WgKey;
  /** Listen port (0: random). */
  listen_port?: number;
  /** Firewall mark (0: none). */
  fwmark?: number;
  /** Remove every peer not listed. */
  replace_peers?: boolean;
  /** Peers. */
  peers?: readonly WgPeerSpec[];
}

/** Options of {@link WireGuard}. */
export interface WireGuardOptions {
  /** Work in this network namespace: a name under /run/netns, a path, or `{ pid }`. */
  netns?: NetnsTarget;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** 32 key bytes as base64 (44 characters). */
export function wgKeyText(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i] << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    s += B64[n >> 18] + B64[(n >> 12) & 63];
    s += i + 1 < b.length ? B64[(n >> 6) & 63] : "=";
    s += i + 2 < b.length ? B64[n & 63] : "=";
  }
  return s;
}

/** A key from base64 text or 32 bytes; TypeError naming `field` otherwise. */
export function wgKey(key: unknown, field: string): Uint8Array {
  if (key instanceof Uint8Array) {
    if (key.length !== WG_KEY_LEN) {
      throw new TypeError(`${field}: a key is ${WG_KEY_LEN} bytes, got ${key.length}`);
    }
    return key;
  }
  if (typeof key !== "string" || !/^[A-Za-z0-9+/]{43}=$/.test(key)) {
    throw new TypeError(
      `${field}: expected a base64 key (44 characters), got ${describeValue(key)}`,
    );
  }
  const out = new Uint8Array(WG_KEY_LEN);
  let bits = 0, acc = 0, o = 0;
  for (const ch of key.slice(0, 43)) {
    acc = (acc << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o < WG_KEY_LEN) out[o++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw new TypeError(`${field}: not a canonical base64 key`);
  return out;
}

/** An endpoint as `struct sockaddr_in` (16 bytes) or `sockaddr_in6` (28 bytes). */
export function wgEndpoint(text: unknown, field: string): Uint8Array {
  const m = typeof text === "string" ? /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text) : null;
  if (!m) {
    throw new TypeError(
      `${field}: expected "address:port" or "[address]:port", got ${describeValue(text)}`,
    );
  }
  const addr = parseIp(m[1] ?? m[2], field);
  if (m[2] !== undefined && addr.length !== 4) {
    throw new TypeError(`${field}: an IPv6 endpoint is written "[address]:port"`);
  }
  const port = checkInt(Number(m[3]), "u16", `${field} port`);
  const out = new Uint8Array(addr.length === 4 ? 16 : 28);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, addr.length === 4 ? 2 : 10, true);
  dv.setUint16(2, port, false);
  out.set(addr, addr.length === 4 ? 4 : 8);
  return out;
}

/** A `sockaddr_in`/`sockaddr_in6` endpoint as text; DecodeError for anything else. */
export function wgEndpointText(b: Uint8Array): string {
  if (b.length < 2) throw new DecodeError(`WGPEER_A_ENDPOINT: ${b.length} bytes`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const family = dv.getUint16(0, true);
  if (family === 2 && b.length >= 16) {
    return `${formatIp(b, 4, 4)}:${dv.getUint16(2, false)}`;
  }
  if (family === 10 && b.length >= 28) {
    return `[${formatIp(b, 8, 16)}]:${dv.getUint16(2, false)}`;
  }
  throw new DecodeError(`WGPEER_A_ENDPOINT: family ${family} in ${b.length} bytes`);
}

/** An allowed IP's attributes. */
function allowedIp(text: unknown, field: string): Record<string, unknown> {
  const p = parsePrefix(text, field);
  if (!p.hasPrefix) throw new TypeError(`${field}: expected a prefix ("10.0.0.0/24")`);
  return { family: p.family, ipaddr: p.bytes, cidr_mask: p.prefixlen };
}

// The keys of the specs (an unknown key is `field.key: unknown key`; `key: undefined` is refused:
// leave the key out instead).
const DEVICE_KEYS = new KeySet(
  "key",
  ["private_key", "listen_port", "fwmark", "replace_peers", "peers"],
  {},
  REFUSE_UNDEFINED,
);
const OPTION_KEYS = new KeySet("key", ["netns"], {}, REFUSE_UNDEFINED);
const PEER_KEYS = new KeySet(
  "key",
  [
    "public_key",
    "preshared_key",
    "endpoint",
    "persistent_keepalive_interval",
    "allowedips",
    "replace_allowedips",
    "remove",
    "update_only",
    "protocol_version",
  ],
  {},
  REFUSE_UNDEFINED,
);

function bool(v: unknown, field: string): boolean {
  if (typeof v !== "boolean") throw new TypeError(`${field}: expected true or false`);
  return v;
}

/** The device attribute identifying `dev`. */
function deviceId(dev: unknown): Record<string, unknown> {
  if (typeof dev === "number") {
    if (!Number.isInteger(dev) || dev <= 0 || dev > 0x7fffffff) {
      throw new RangeError(`dev: interface index must be a positive integer, got ${dev}`);
    }
    return { ifindex: dev };
  }
  if (typeof dev === "string" && dev !== "" && new TextEncoder().encode(dev).length <= 15) {
    return { ifname: dev };
  }
  throw new TypeError(`dev: expected an interface name or index, got ${describeValue(dev)}`);
}

/** Bytes a message may spend on peers before the next message starts (well under 64 KiB). */
export const WG_MESSAGE_BUDGET = 32 * 1024;
const PEER_COST = 4 + 36 + 36 + 8 + 32 + 8 + 8 + 4 + 8;
const ALLOWEDIP_COST = 4 + 8 + 20 + 8;

/**
 * The attribute values of the SET_DEVICE messages that apply `spec` to `dev` (one, or several
 * when the peers do not fit one message), everything checked first.
 */
export function wgSetMessages(
  dev: string | number,
  spec: WgDeviceSpec,
  budget = WG_MESSAGE_BUDGET,
): Record<string, unknown>[] {
  const id = deviceId(dev);
  checkKeys(spec, DEVICE_KEYS, "device", "device.");
  const first: Record<string, unknown> = { ...id };
  if (spec.replace_peers !== undefined && bool(spec.replace_peers, "replace_peers")) {
    first.flags = WGDEVICE_F.REPLACE_PEERS;
  }
  if (spec.private_key !== undefined) first.private_key = wgKey(spec.private_key, "private_key");
  if (spec.listen_port !== undefined) {
    first.listen_port = checkInt(spec.listen_port, "u16", "listen_port");
  }
  if (spec.fwmark !== undefined) first.fwmark = checkInt(spec.fwmark, "u32", "fwmark");
  if (spec.peers !== undefined && !Array.isArray(spec.peers)) {
    throw new TypeError(`peers: expected an array, got ${describeValue(spec.peers)}`);
  }
  // Every peer checked and built before anything is split or sent.
  const peers = (spec.peers ?? []).map((p, i) => {
    const f = `peers[${i}]`;
    checkKeys(p, PEER_KEYS, f, `${f}.`);
    const out: Record<string, unknown> = { public_key: wgKey(p.public_key, `${f}.public_key`) };
    let flags = 0;
    if (p.remove !== undefined && bool(p.remove, `${f}.remove`)) flags |= WGPEER_F.REMOVE_ME;
    if (
      p.replace_allowedips !== undefined && bool(p.replace_allowedips, `${f}.replace_allowedips`)
    ) {
      flags |= WGPEER_F.REPLACE_ALLOWEDIPS;
    }
    if (p.update_only !== undefined && bool(p.update_only, `${f}.update_only`)) {
      flags |= WGPEER_F.UPDATE_ONLY;
    }
    if (flags) out.flags = flags;
    if (p.preshared_key !== undefined) {
      out.preshared_key = wgKey(p.preshared_key, `${f}.preshared_key`);
    }
    if (p.endpoint !== undefined) out.endpoint = wgEndpoint(p.endpoint, `${f}.endpoint`);
    if (p.persistent_keepalive_interval !== undefined) {
      out.persistent_keepalive_interval = checkInt(
        p.persistent_keepalive_interval,
        "u16",
        `${f}.persistent_keepalive_interval`,
      );
    }
    if (p.protocol_version !== undefined) {
      const v = checkInt(p.protocol_version, "u32", `${f}.protocol_version`);
      if (v !== 1) throw new RangeError(`${f}.protocol_version: only 1 exists, got ${v}`);
      out.protocol_version = v;
    }
    if (p.allowedips !== undefined && !Array.isArray(p.allowedips)) {
      throw new TypeError(`${f}.allowedips: expected an array of prefixes`);
    }
    const list = (p.allowedips ?? []) as readonly unknown[];
    const ips = list.map((a, j) => allowedIp(a, `${f}.allowedips[${j}]`));
    return { attrs: out, ips, hasIps: p.allowedips !== undefined };
  });
  const messages: Record<string, unknown>[] = [first];
  let cur = first;
  let used = 0;
  const next = () => {
    cur = { ...id };
    messages.push(cur);
    used = 0;
  };
  for (const p of peers) {
    if (used > 0 && used + PEER_COST > budget) next();
    let ips = p.ips;
    let attrs = p.attrs;
    for (;;) {
      const room = Math.max(1, Math.floor((budget - used - PEER_COST) / ALLOWEDIP_COST));
      const part = ips.slice(0, room);
      ips = ips.slice(room);
      const peer = { ...attrs };
      if (p.hasIps) peer.allowedips = part;
      ((cur.peers ??= []) as unknown[]).push(peer);
      used += PEER_COST + part.length * ALLOWEDIP_COST;
      if (ips.length === 0) break;
      // The rest of the allowed IPs continue under the same key in the next message.
      next();
      attrs = { public_key: p.attrs.public_key };
    }
  }
  return messages;
}

type PeerView = TypedView<typeof WGPEER_A>;
type AllowedView = TypedView<typeof WGALLOWEDIP_A>;

/** The device of a GET_DEVICE dump: every message coalesced (peers continued across messages). */
export function wgDeviceOf(messages: readonly TypedMessage<typeof WG_MESSAGE>[]): WgDevice {
  const first = messages[0];
  if (!first) throw new DecodeError("wireguard: an empty device dump");
  const dev: WgDevice = {
    ifindex: first.ifindex ?? 0,
    ifname: first.ifname ?? "",
    listen_port: first.listen_port ?? 0,
    fwmark: first.fwmark ?? 0,
    peers: [],
  };
  const key = (b: Uint8Array | undefined, what: string) => {
    if (b === undefined) return undefined;
    if (b.length !== WG_KEY_LEN) throw new DecodeError(`${what}: ${b.length} bytes`);
    return b.every((x) => x === 0) ? undefined : wgKeyText(b);
  };
  const priv = key(first.private_key, "WGDEVICE_A_PRIVATE_KEY");
  if (priv) dev.private_key = priv;
  const pub = key(first.public_key, "WGDEVICE_A_PUBLIC_KEY");
  if (pub) dev.public_key = pub;
  for (const m of messages) {
    for (const p of (m.peers ?? []) as PeerView[]) {
      const pk = key(p.public_key, "WGPEER_A_PUBLIC_KEY");
      if (pk === undefined) throw new DecodeError("wireguard: a peer without its public key");
      const ips = ((p.allowedips ?? []) as AllowedView[]).map((a) => {
        const bytes = a.get("ipaddr") as string | undefined;
        if (bytes === undefined || a.cidr_mask === undefined) {
          throw new DecodeError("wireguard: an allowed IP without address or mask");
        }
        return `${bytes}/${a.cidr_mask}`;
      });
      const last = dev.peers[dev.peers.length - 1];
      if (last && last.public_key === pk) {
        last.allowedips.push(...ips);
        continue;
      }
      const peer: WgPeer = {
        public_key: pk,
        persistent_keepalive_interval: p.persistent_keepalive_interval ?? 0,
        last_handshake_time: p.last_handshake_time?.tv_sec ?? 0,
        rx_bytes: p.rx_bytes ?? 0,
        tx_bytes: p.tx_bytes ?? 0,
        allowedips: ips,
      };
      const psk = key(p.preshared_key, "WGPEER_A_PRESHARED_KEY");
      if (psk) peer.preshared_key = psk;
      if (p.endpoint) peer.endpoint = wgEndpointText(p.endpoint);
      if (p.protocol_version !== undefined) peer.protocol_version = p.protocol_version;
      dev.peers.push(peer);
    }
  }
  return dev;
}

/**
 * WireGuard devices of one network namespace: read and change their configuration. Needs a
 * kernel with WireGuard (a missing family is a NetlinkError saying so). The devices themselves
 * are links (`ip.link("add", { ifname: "wg0", kind: "wireguard" })`).
 */
export class WireGuard implements Disposable {
  /** The generic netlink socket requests go through. */
  readonly genl: GenericNetlink;
  #family?: GenlFamily;

  /** Opens a generic netlink socket (in `options.netns` when given). */
  constructor(options: WireGuardOptions = {}) {
    checkKeys(options, OPTION_KEYS, "options", "options.");
    this.genl = new GenericNetlink(options.netns === undefined ? {} : { netns: options.netns });
  }

  /** The resolved family; a kernel without WireGuard is a NetlinkError (`ENOENT`) saying so. */
  async family(): Promise<GenlFamily> {
    if (this.#family) return this.#family;
    try {
      this.#family = await this.genl.resolve(WG_GENL_NAME);
    } catch (e) {
      if (e instanceof NetlinkError && e.code === "ENOENT") {
        throw new NetlinkError(e.errno, {
          ...e.extack,
          msg: `the generic netlink family "${WG_GENL_NAME}" is not available in this kernel ` +
            "(built without CONFIG_WIREGUARD, or its module is not loaded)",
        }, `resolve family ${WG_GENL_NAME}`);
      }
      throw e;
    }
    return this.#family;
  }

  /** A device's configuration and peers (`wg show DEV`), by name or index. */
  async getDevice(dev: string | number): Promise<WgDevice> {
    const id = deviceId(dev);
    const fam = await this.family();
    const replies = await this.genl.command(fam, WG_CMD.GET_DEVICE, id, {
      schema: WG_MESSAGE,
      dump: true,
    });
    return wgDeviceOf(replies);
  }

  /**
   * Applies a configuration (`wg set`; with `replace_peers`, `wg setconf`): private key, listen
   * port, firewall mark, peers added, changed or removed. Large configurations go as several
   * messages, in order.
   */
  async setDevice(dev: string | number, spec: WgDeviceSpec): Promise<void> {
    const messages = wgSetMessages(dev, spec);
    const fam = await this.family();
    for (const m of messages) {
      await this.genl.command(fam, WG_CMD.SET_DEVICE, m, { schema: WG_MESSAGE });
    }
  }

  /** Closes the socket. Closing twice is harmless. */
  close(): void {
    this.genl.close();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
