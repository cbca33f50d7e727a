/**
 * tun/tap devices, made through the `/dev/net/tun` ioctl (rtnetlink cannot create them).
 *
 * @module
 */

import type { RtnlCore } from "./core.ts";
import type { Link, LinkSpec } from "./link.ts";

/** Creates a tun or tap device (pyroute2's kind "tuntap"). */
export function createTuntap(_core: RtnlCore, _spec: LinkSpec): Promise<Link[]> {
  return Promise.reject(new Error("tuntap: not implemented yet"));
}
