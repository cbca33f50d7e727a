/**
 * tun/tap devices, pyroute2's kind `"tuntap"`: made through the `/dev/net/tun` ioctl
 * (rtnetlink cannot create them), in the namespace of the IPRoute, and removed like any link
 * (`link("del", { index })`).
 *
 * ```ts
 * import { IPRoute, netns } from "@denonet/netlink";
 * const ns = `nldoc-tuntap-${Deno.pid}`; // a name no other process uses
 * netns.create(ns);
 * try {
 *   using ip = new IPRoute({ netns: ns });
 *   await ip.link("add", { kind: "tuntap", mode: "tap", ifname: "tap0", owner: 1000 });
 * } finally {
 *   netns.remove(ns);
 * }
 * ```
 *
 * @module
 */

import { describeValue } from "../netlink/addr.ts";
import { createTun, TUN_IFF } from "../ffi/tun.ts";
import { closeFd } from "../ffi/netns.ts";
import { checkIfname } from "./core.ts";
import type { RtnlCore } from "./core.ts";
import type { Link, LooseLinkSpec } from "./link.ts";
import { checkLinkSpec, linkCommand } from "./link.ts";

/** The keys of a tuntap spec (the rest are applied with a `set` once the device exists). */
export interface TuntapSpec {
  /** "tuntap". */
  kind: "tuntap";
  /** A layer-3 tun or a layer-2 tap device. */
  mode: "tun" | "tap";
  /** The name, or a pattern such as "tap%d". */
  ifname: string;
  /** Owning user id (`uid` is accepted too). */
  owner?: number;
  /** Owning group id (`gid` is accepted too). */
  group?: number;
  /** Keep the device when the creating descriptor closes (default true). */
  persistent?: boolean;
  /** Several queues (IFF_MULTI_QUEUE). */
  multi_queue?: boolean;
  /** virtio-net headers (IFF_VNET_HDR). */
  vnet_hdr?: boolean;
  /** Packet information header (default false: IFF_NO_PI). */
  pi?: boolean;
}

/** A tun/tap link; `fd` is the open descriptor of a non-persistent device. */
export type TuntapLink = Link & { fd?: number };

const OWN_KEYS = new Set([
  "kind",
  "mode",
  "ifname",
  "owner",
  "uid",
  "group",
  "gid",
  "persistent",
  "multi_queue",
  "vnet_hdr",
  "pi",
]);

function optBool(spec: LooseLinkSpec, key: string, dflt: boolean): boolean {
  const v = spec[key];
  if (v === undefined) return dflt;
  if (typeof v !== "boolean") {
    throw new TypeError(`${key}: expected true or false, got ${describeValue(v)}`);
  }
  return v;
}

function optId(spec: LooseLinkSpec, key: string, alias: string): number | undefined {
  if (spec[key] !== undefined && spec[alias] !== undefined) {
    throw new TypeError(`${alias}: give ${key} or ${alias}, not both`);
  }
  const field = spec[key] !== undefined ? key : alias;
  const v = spec[field];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new TypeError(`${field}: expected a numeric id, got ${describeValue(v)}`);
  }
  if (v < 0 || v >= 0xffffffff) {
    throw new RangeError(`${field}: ${v} is out of range 0..4294967294`);
  }
  return v;
}

/**
 * Creates a tun or tap device (pyroute2's kind "tuntap") and resolves with it, as
 * `link("get")` would. Other keys of the spec (`state`, `mtu`, `address`, `master`, …) are
 * checked first and applied once the device exists; if that fails, the device is removed.
 */
export async function createTuntap(core: RtnlCore, spec: LooseLinkSpec): Promise<TuntapLink[]> {
  if (spec.mode !== "tun" && spec.mode !== "tap") {
    throw new TypeError(`mode: expected "tun" or "tap", got ${describeValue(spec.mode)}`);
  }
  if (spec.ifname === undefined) throw new TypeError("ifname: required to add a link");
  const ifname = checkIfname(spec.ifname, "ifname");
  if (spec.index !== undefined) throw new TypeError("index: a new link has no index yet");
  if (spec.netns !== undefined) {
    throw new TypeError(
      "netns: a tun/tap device is made in the IPRoute's namespace; open one there ({ netns })",
    );
  }
  const owner = optId(spec, "owner", "uid");
  const group = optId(spec, "group", "gid");
  const persist = optBool(spec, "persistent", true);
  let flags = spec.mode === "tap" ? TUN_IFF.TAP : TUN_IFF.TUN;
  flags |= TUN_IFF.TUN_EXCL;
  if (!optBool(spec, "pi", false)) flags |= TUN_IFF.NO_PI;
  if (optBool(spec, "multi_queue", false)) flags |= TUN_IFF.MULTI_QUEUE;
  if (optBool(spec, "vnet_hdr", false)) flags |= TUN_IFF.VNET_HDR;

  const rest: LooseLinkSpec = {};
  for (const [k, v] of Object.entries(spec)) if (!OWN_KEYS.has(k) && v !== undefined) rest[k] = v;
  const hasRest = Object.keys(rest).length > 0;
  // Everything else is checked before the device is made (a valid stand-in name for patterns).
  const probeName = ifname.includes("%") ? "tuntap0" : ifname;
  if (hasRest) await checkLinkSpec(core, "set", { ...rest, ifname: probeName });

  const dev = createTun({ netns: core.netns, name: ifname, flags, owner, group, persist });
  try {
    if (hasRest) await linkCommand(core, "set", { ...rest, ifname: dev.name });
    const links = await linkCommand(core, "get", { ifname: dev.name }) as TuntapLink[];
    if (dev.fd !== undefined) {
      for (const l of links) Object.defineProperty(l, "fd", { value: dev.fd, enumerable: false });
    }
    return links;
  } catch (e) {
    if (dev.fd !== undefined) closeFd(dev.fd);
    else await linkCommand(core, "del", { ifname: dev.name }).catch(() => {});
    throw e;
  }
}
