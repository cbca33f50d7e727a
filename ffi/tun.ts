/**
 * tun/tap devices through `/dev/net/tun` (linux/if_tun.h): the device belongs to the network
 * namespace the descriptor was opened in, so the open runs inside the target namespace.
 *
 * @module
 */

import { cstring, errno, libc } from "./libc.ts";
import { SyscallError } from "./errors.ts";
import { withNetns } from "./netns.ts";
import type { NetnsTarget } from "./netns.ts";

const O_RDWR = 2;
const O_CLOEXEC = 0o2000000;
const IFNAMSIZ = 16;
const IFREQ_SIZE = 40;

/** `TUNSET*` ioctl requests (`_IOW('T', n, int)`). */
export const TUNSET = {
  IFF: 0x400454ca,
  PERSIST: 0x400454cb,
  OWNER: 0x400454cc,
  GROUP: 0x400454ce,
} as const;

/** `IFF_*` flags of TUNSETIFF. */
export const TUN_IFF = {
  TUN: 0x0001,
  TAP: 0x0002,
  MULTI_QUEUE: 0x0100,
  NO_PI: 0x1000,
  VNET_HDR: 0x4000,
  TUN_EXCL: 0x8000,
} as const;

/** What {@link createTun} makes. */
export interface TunRequest {
  /** The namespace to make it in (default: the caller's). */
  netns?: NetnsTarget;
  /** Interface name, or a pattern such as "tap%d" ("" lets the kernel choose). */
  name: string;
  /** `IFF_*` flags (TUN or TAP, NO_PI, …). */
  flags: number;
  /** Owning user id. */
  owner?: number;
  /** Owning group id. */
  group?: number;
  /** Keep the device after the descriptor closes. */
  persist: boolean;
}

/** The device made: its name, and the descriptor when it was not made persistent. */
export interface TunDevice {
  /** The interface name the kernel gave. */
  name: string;
  /** The open /dev/net/tun descriptor (only for a non-persistent device; close it to remove). */
  fd?: number;
}

/**
 * Opens /dev/net/tun in `req.netns` and attaches a new device (TUNSETIFF), then sets owner,
 * group and persistence. On any failure the descriptor is closed, which removes the device.
 */
export function createTun(req: TunRequest): TunDevice {
  const c = libc();
  const fd = withNetns(req.netns, () => {
    const fd = c.open(cstring("/dev/net/tun"), O_RDWR | O_CLOEXEC, 0);
    if (fd < 0) throw new SyscallError("open", errno(), "/dev/net/tun");
    return fd;
  });
  try {
    const ifr = new Uint8Array(IFREQ_SIZE);
    const name = new TextEncoder().encode(req.name);
    if (name.length >= IFNAMSIZ) throw new RangeError(`ifname: longer than ${IFNAMSIZ - 1} bytes`);
    ifr.set(name, 0);
    new DataView(ifr.buffer).setUint16(IFNAMSIZ, req.flags, true);
    if (c.ioctl(fd, BigInt(TUNSET.IFF), ifr) < 0) {
      const e = errno();
      throw new SyscallError(
        "ioctl",
        e,
        `TUNSETIFF ${JSON.stringify(req.name)}${e === 16 ? " (a device of that name exists)" : ""}`,
      );
    }
    const end = ifr.indexOf(0);
    const given = new TextDecoder().decode(ifr.subarray(0, end < 0 ? IFNAMSIZ : end));
    if (req.owner !== undefined && c.ioctl_int(fd, BigInt(TUNSET.OWNER), BigInt(req.owner)) < 0) {
      throw new SyscallError("ioctl", errno(), `TUNSETOWNER ${req.owner}`);
    }
    if (req.group !== undefined && c.ioctl_int(fd, BigInt(TUNSET.GROUP), BigInt(req.group)) < 0) {
      throw new SyscallError("ioctl", errno(), `TUNSETGROUP ${req.group}`);
    }
    if (req.persist) {
      if (c.ioctl_int(fd, BigInt(TUNSET.PERSIST), 1n) < 0) {
        throw new SyscallError("ioctl", errno(), "TUNSETPERSIST");
      }
      c.close(fd);
      return { name: given };
    }
    return { name: given, fd };
  } catch (e) {
    c.close(fd);
    throw e;
  }
}
