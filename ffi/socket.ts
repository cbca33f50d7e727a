/**
 * A netlink socket of any protocol: synchronous, non-blocking sends and receives, and an
 * asynchronous wait for readability through the shared poller.
 *
 * @module
 */

import { errno, libc } from "./libc.ts";
import { SyscallError } from "./errors.ts";
import { withNetns } from "./netns.ts";
import type { NetnsTarget } from "./netns.ts";
import { cancelWaits, waitReadable } from "./poller.ts";

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0x80000;
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
const SO_SNDBUFFORCE = 32;
const SO_RCVBUFFORCE = 33;
const SOL_NETLINK = 270;
const NETLINK_ADD_MEMBERSHIP = 1;
const NETLINK_DROP_MEMBERSHIP = 2;
const NETLINK_CAP_ACK = 10;
const NETLINK_EXT_ACK = 11;
const NETLINK_GET_STRICT_CHK = 12;
const MSG_PEEK = 0x2;
const MSG_TRUNC = 0x20;
const MSG_DONTWAIT = 0x40;
const EAGAIN = 11;
const EINTR = 4;
const ENOBUFS = 105;
const ENOPROTOOPT = 92;
// The read offered to the kernel once per socket. The kernel sizes dump datagrams by the largest
// read a socket has offered (capped near 32 KiB), so offering 64 KiB gets the largest datagrams.
const RX_SIZE = 64 << 10;
const RX_LEN = BigInt(RX_SIZE);
// That read's buffer, one for all sockets: the peek's bytes are never kept (it only reports the
// size), and a fresh 64 KiB per socket is garbage that the allocator keeps as resident memory
// long after it was freed (RSS grew by ~100 MB over 40,000 open/close cycles).
let offerBuffer: Uint8Array | undefined;

/** Netlink protocol numbers (`NETLINK_*` of linux/netlink.h). */
export const NETLINK = {
  ROUTE: 0,
  SOCK_DIAG: 4,
  XFRM: 6,
  AUDIT: 9,
  NETFILTER: 12,
  CONNECTOR: 11,
  KOBJECT_UEVENT: 15,
  GENERIC: 16,
} as const;

/** Options of {@link NetlinkSocket}. */
export interface NetlinkSocketOptions {
  /** Multicast groups to join, by number (1-based, as `NETLINK_ADD_MEMBERSHIP` takes them). */
  groups?: readonly number[];
  /** Receive buffer size in bytes (SO_RCVBUFFORCE when permitted, else SO_RCVBUF). */
  rcvbuf?: number;
  /** Send buffer size in bytes. */
  sndbuf?: number;
  /** Open the socket inside this network namespace (the process stays where it is). */
  netns?: NetnsTarget;
  /** Ask the kernel for strict checking of dump requests (NETLINK_GET_STRICT_CHK); default true. */
  strict?: boolean;
  /**
   * Multicast groups (by number, up to 32) whose datagrams are accepted from user-space
   * senders too, such as udev's uevent group: sending to a group takes CAP_NET_ADMIN in the
   * namespace's owner. Everything else must come from the kernel.
   */
  userGroups?: readonly number[];
}

// The keys NetlinkSocketOptions has. ffi/ is below netlink/strict.ts (it may not import it), so
// this is a plain set; the message has strict.ts's shape (`key: unknown …`).
const SOCKET_OPTIONS: ReadonlySet<string> = new Set([
  "groups",
  "rcvbuf",
  "sndbuf",
  "netns",
  "strict",
  "userGroups",
]);

/** Throws a TypeError naming the first key of `options` that is not a socket option. */
function checkSocketOptions(options: NetlinkSocketOptions): void {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(
      `options: expected an object, got ${options === null ? "null" : typeof options}`,
    );
  }
  for (const k in options) {
    if (!SOCKET_OPTIONS.has(k) && Object.hasOwn(options, k)) {
      throw new TypeError(`${k}: unknown socket option (one of ${[...SOCKET_OPTIONS].join(", ")})`);
    }
  }
}

/** Thrown by operations on a closed socket. */
export class SocketClosedError extends Error {
  /** The error name. */
  override name = "SocketClosedError";
  /** The error for an operation on a closed socket. */
  constructor() {
    super("the netlink socket is closed");
  }
}

/**
 * A netlink socket. Every syscall is a synchronous FFI call with `MSG_DONTWAIT`; only
 * {@link NetlinkSocket.readable} waits.
 */
export class NetlinkSocket implements Disposable {
  /** The netlink protocol (`NETLINK.ROUTE`, …). */
  readonly protocol: number;
  /** The port id the kernel assigned (nl_pid of getsockname). */
  readonly portId: number;
  /** Datagrams dropped because they did not come from the kernel (port 0). */
  dropped = 0;
  #fd: number;
  #userGroups = 0;
  readonly #addr = new Uint8Array(12);
  readonly #addrView = new DataView(this.#addr.buffer);
  readonly #addrLen = new Uint32Array(1);
  readonly #addrLenBytes = new Uint8Array(this.#addrLen.buffer);
  readonly #peek = new Uint8Array(16);
  // Whether the first peek, which offers the kernel a large read, is still to come (see receive()).
  #offer = true;
  readonly #kernel = new Uint8Array([AF_NETLINK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

  /** Opens and binds a socket of `protocol` (in `options.netns` when given). */
  constructor(protocol: number, options: NetlinkSocketOptions = {}) {
    checkSocketOptions(options);
    const c = libc();
    this.protocol = protocol;
    this.#fd = withNetns(
      options.netns,
      () => c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol),
    );
    if (this.#fd < 0) {
      throw new SyscallError("socket", errno(), `AF_NETLINK protocol ${protocol}`);
    }
    try {
      if (options.rcvbuf !== undefined) {
        this.#setBuffer(SO_RCVBUFFORCE, SO_RCVBUF, options.rcvbuf, "rcvbuf");
      }
      if (options.sndbuf !== undefined) {
        this.#setBuffer(SO_SNDBUFFORCE, SO_SNDBUF, options.sndbuf, "sndbuf");
      }
      // Best effort: old kernels lack these; ENOPROTOOPT is not an error.
      this.#setOptional(NETLINK_EXT_ACK, 1);
      this.#setOptional(NETLINK_CAP_ACK, 1);
      if (options.strict ?? true) this.#setOptional(NETLINK_GET_STRICT_CHK, 1);
      const sa = new Uint8Array(12);
      new DataView(sa.buffer).setUint16(0, AF_NETLINK, true);
      if (c.bind(this.#fd, sa, 12) < 0) throw new SyscallError("bind", errno(), "netlink socket");
      this.#addrLen[0] = 12;
      if (c.getsockname(this.#fd, this.#addr, new Uint8Array(this.#addrLen.buffer)) < 0) {
        throw new SyscallError("getsockname", errno());
      }
      this.portId = this.#addrView.getUint32(4, true);
      for (const g of options.groups ?? []) this.addMembership(g);
      for (const g of options.userGroups ?? []) {
        if (!Number.isInteger(g) || g < 1 || g > 32) {
          throw new RangeError(`userGroups: invalid group ${g}`);
        }
        this.#userGroups |= 1 << (g - 1);
      }
    } catch (e) {
      c.close(this.#fd);
      this.#fd = -1;
      throw e;
    }
  }

  /** The file descriptor, or -1 once closed. */
  get fd(): number {
    return this.#fd;
  }

  /** Whether {@link close} has been called. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  #setBuffer(force: number, plain: number, size: number, field: string): void {
    if (!Number.isInteger(size) || size <= 0 || size > 0x7fffffff) {
      throw new RangeError(`${field}: expected a positive byte count, got ${size}`);
    }
    const v = new Int32Array([size]);
    const c = libc();
    if (c.setsockopt(this.#fd, SOL_SOCKET, force, new Uint8Array(v.buffer), 4) === 0) return;
    if (c.setsockopt(this.#fd, SOL_SOCKET, plain, new Uint8Array(v.buffer), 4) < 0) {
      throw new SyscallError("setsockopt", errno(), field);
    }
  }

  #setOptional(opt: number, value: number): void {
    const v = new Int32Array([value]);
    if (libc().setsockopt(this.#fd, SOL_NETLINK, opt, new Uint8Array(v.buffer), 4) < 0) {
      const e = errno();
      if (e !== ENOPROTOOPT) throw new SyscallError("setsockopt", e, `SOL_NETLINK ${opt}`);
    }
  }

  #check(): number {
    if (this.#fd < 0) throw new SocketClosedError();
    return this.#fd;
  }

  /** Joins multicast group `group` (works for groups above 31, unlike bind's bitmask). */
  addMembership(group: number): void {
    const fd = this.#check();
    if (!Number.isInteger(group) || group <= 0) {
      throw new RangeError(`groups: invalid group ${group}`);
    }
    const v = new Uint32Array([group]);
    if (
      libc().setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, new Uint8Array(v.buffer), 4) < 0
    ) {
      throw new SyscallError("setsockopt", errno(), `NETLINK_ADD_MEMBERSHIP ${group}`);
    }
  }

  /** Leaves multicast group `group`. */
  dropMembership(group: number): void {
    const fd = this.#check();
    const v = new Uint32Array([group]);
    if (
      libc().setsockopt(fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, new Uint8Array(v.buffer), 4) < 0
    ) {
      throw new SyscallError("setsockopt", errno(), `NETLINK_DROP_MEMBERSHIP ${group}`);
    }
  }

  /** The effective receive buffer size (the kernel doubles what was asked). */
  get rcvbuf(): number {
    const v = new Int32Array(1);
    const len = new Uint32Array([4]);
    libc().getsockopt(
      this.#check(),
      SOL_SOCKET,
      SO_RCVBUF,
      new Uint8Array(v.buffer),
      new Uint8Array(len.buffer),
    );
    return v[0];
  }

  /**
   * Sends one datagram to the kernel. Returns false when the send buffer is full (EAGAIN);
   * throws {@link SyscallError} on any other failure.
   */
  send(bytes: Uint8Array): boolean {
    const fd = this.#check();
    for (;;) {
      const n = libc().sendto(fd, bytes, BigInt(bytes.byteLength), MSG_DONTWAIT, this.#kernel, 12);
      if (n >= 0) return true;
      const e = errno();
      if (e === EINTR) continue;
      if (e === EAGAIN) return false;
      throw new SyscallError("sendmsg", e, "netlink");
    }
  }

  /**
   * Sends one datagram to another netlink port (tests use this to forge messages). Throws on
   * failure.
   */
  sendTo(bytes: Uint8Array, portId: number, groups = 0): void {
    const fd = this.#check();
    const sa = new Uint8Array(12);
    const dv = new DataView(sa.buffer);
    dv.setUint16(0, AF_NETLINK, true);
    dv.setUint32(4, portId, true);
    dv.setUint32(8, groups, true);
    if (libc().sendto(fd, bytes, BigInt(bytes.byteLength), MSG_DONTWAIT, sa, 12) < 0) {
      throw new SyscallError("sendmsg", errno(), `to port ${portId}`);
    }
  }

  /**
   * Receives one datagram from the kernel into a fresh `ArrayBuffer` of exactly its size.
   * Nothing is ever truncated: the datagram's size is peeked first (MSG_PEEK|MSG_TRUNC reports
   * it whole), then it is read once, straight into its buffer. The first peek offers the kernel a
   * 64 KiB read: the kernel sizes dump datagrams by the largest read a socket has ever offered
   * (up to about 32 KiB), so from then on big dumps come in few large datagrams. Returns null
   * when nothing is queued. Datagrams from any other port than the kernel's are dropped unread
   * and counted in {@link dropped}. Throws {@link SyscallError} with code `ENOBUFS` when the
   * kernel dropped messages because the receive buffer overflowed.
   */
  receive(): ArrayBuffer | null {
    const fd = this.#check();
    const c = libc();
    for (;;) {
      const first = this.#offer;
      this.#addrLen[0] = 12;
      const peeked = c.recvfrom(
        fd,
        first ? (offerBuffer ??= new Uint8Array(RX_SIZE)) : this.#peek,
        first ? RX_LEN : 16n,
        MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT,
        this.#addr,
        this.#addrLenBytes,
      );
      if (peeked < 0) {
        const e = errno();
        if (e === EINTR) continue;
        if (e === EAGAIN) return null;
        throw new SyscallError("recvmsg", e, "netlink");
      }
      if (first) this.#offer = false;
      // Only the kernel is trusted (and, for groups named in userGroups, privileged senders):
      // anything else is dequeued unread and counted.
      if (
        this.#addrView.getUint32(4, true) !== 0 &&
        (this.#addrView.getUint32(8, true) & this.#userGroups) === 0
      ) {
        c.recvfrom(fd, null, 0n, MSG_TRUNC | MSG_DONTWAIT, null, null);
        this.dropped++;
        continue;
      }
      const size = Number(peeked);
      const buf = new ArrayBuffer(size);
      const n = c.recvfrom(fd, buf, BigInt(size), MSG_DONTWAIT, null, null);
      if (n < 0) {
        const e = errno();
        if (e === EINTR || e === EAGAIN) continue;
        throw new SyscallError("recvmsg", e, "netlink");
      }
      return buf;
    }
  }

  /** The multicast group bitmask of the last received datagram's sender (0 for unicast). */
  get lastGroups(): number {
    return this.#addrView.getUint32(8, true);
  }

  /** Resolves when a datagram may be queued; rejects when the socket closes or `signal` aborts. */
  readable(signal?: AbortSignal): Promise<void> {
    return waitReadable(this.#check(), signal);
  }

  /** Closes the socket; pending waits reject. Closing twice is harmless. */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    cancelWaits(fd, new SocketClosedError());
    libc().close(fd);
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

export { ENOBUFS };
