/**
 * Namespace ids (`RTM_NEWNSID`/`RTM_GETNSID`): the number this connection's namespace knows
 * another namespace by, which link messages carry as `link_netnsid`.
 *
 * - `nsid("set", { netns: "blue", nsid: 99 })` assigns one (`ip netns set blue 99`; `nsid:
 *   "auto"` lets the kernel pick).
 * - `nsid("get", { netns: "blue" })` reads it (`nsid` -1: none assigned); the namespace may be
 *   given as `netns` (a name under /run/netns, a path, or `{ pid }`), `fd` (an open namespace
 *   file), `pid`, or its id here (`nsid`). With `target_nsid` the question is asked of the
 *   namespace this one calls `target_nsid`: the answer's `nsid` is the id that namespace gives
 *   it, `current_nsid` the id this namespace gives it.
 * - `getNsids({ target_nsid })` dumps every assigned id (`ip netns list-id`).
 *
 * @module
 */

import { checkKeys, KeySet } from "../netlink/strict.ts";
import type { MessageList } from "../netlink/list.ts";
import { describeValue } from "../netlink/addr.ts";
import type { TypedMessage } from "../netlink/view.ts";
import { closeFd, openFd } from "../ffi/netns.ts";
import type { NetnsTarget } from "../ffi/netns.ts";
import { RTM } from "./constants.ts";
import type { Built, RtnlCore } from "./core.ts";
import { NSID_MESSAGE } from "./schemas/nsid.ts";
import { buildMessage, commandOf, withoutSignal } from "./spec.ts";
import type { WithSignal } from "./spec.ts";

/** An nsid message view: `nsid`, and `current_nsid` when a target was asked for. */
export type Nsid = TypedMessage<typeof NSID_MESSAGE>;

/** Nsid commands. */
export type NsidCommand = "set" | "get";

/** What `nsid()` takes: one namespace selector, and the id (set) or a target (get). */
export interface NsidSpec {
  /** The namespace: a name under /run/netns, a path, or `{ pid }` (opened for the request). */
  netns?: NetnsTarget;
  /** The namespace as an open file descriptor (NETNSA_FD). */
  fd?: number;
  /** The namespace of this process id (NETNSA_PID). */
  pid?: number;
  /** set: the id to assign, or "auto"; get: the id that selects the namespace. */
  nsid?: number | "auto";
  /** get/dump: answer as seen from the namespace this one calls `target_nsid`. */
  target_nsid?: number;
}

/** Filter of {@link getNsids}. */
export interface NsidFilter {
  /** Dump the ids of the namespace this one calls `target_nsid` (NETNSA_TARGET_NSID). */
  target_nsid?: number;
}

const KNOWN = new Set(["netns", "fd", "pid", "nsid", "target_nsid"]);
const NSID_KEYS = new KeySet("nsid attribute", KNOWN);
const FILTER_KEYS = new KeySet("nsid filter attribute", ["target_nsid", "signal"]);
const COMMANDS: Record<NsidCommand, readonly [number, number]> = {
  set: [RTM.NEWNSID, 0],
  get: [RTM.GETNSID, 0],
};

const S32_MAX = 0x7fffffff;

function id(value: unknown, field: string, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`${field}: expected an integer, got ${describeValue(value)}`);
  }
  if (value < min || value > S32_MAX) {
    throw new RangeError(`${field}: ${value} is out of range ${min}..${S32_MAX}`);
  }
  return value;
}

/** Builds an nsid request; every check runs before a namespace file is opened. */
export function buildNsid(_core: RtnlCore, cmd: NsidCommand, spec: NsidSpec): Built {
  const [type, nlflags] = commandOf(cmd, COMMANDS, "nsid");
  checkKeys(spec, NSID_KEYS, "spec");
  const attrs: Record<string, unknown> = {};
  const selectors = (["netns", "fd", "pid"] as const).filter((k) => spec[k] !== undefined);
  if (cmd === "set") {
    if (spec.nsid === undefined) throw new TypeError('nsid: required (a number, or "auto")');
    attrs.nsid = spec.nsid === "auto" ? -1 : id(spec.nsid, "nsid", 0);
    if (spec.target_nsid !== undefined) {
      throw new TypeError("target_nsid: only get and dump take a target");
    }
    if (selectors.length !== 1) {
      throw new TypeError("netns: set needs exactly one of netns, fd or pid");
    }
  } else {
    if (spec.nsid === "auto") throw new TypeError('nsid: "auto" is for set');
    if (selectors.length + (spec.nsid !== undefined ? 1 : 0) !== 1) {
      throw new TypeError("netns: get needs exactly one of netns, fd, pid or nsid");
    }
    if (spec.nsid !== undefined) attrs.nsid = id(spec.nsid, "nsid", 0);
    if (spec.target_nsid !== undefined) {
      attrs.target_nsid = id(spec.target_nsid, "target_nsid", 0);
    }
  }
  if (spec.fd !== undefined) attrs.fd = id(spec.fd, "fd", 0);
  if (spec.pid !== undefined) attrs.pid = id(spec.pid, "pid", 1);
  let fd: number | undefined;
  if (spec.netns !== undefined) {
    fd = openFd(spec.netns);
    attrs.fd = fd;
  }
  try {
    const built = buildMessage(
      NSID_MESSAGE,
      { type, flags: nlflags, header: {}, attrs },
      `nsid ${cmd}`,
    );
    if (fd !== undefined) built.cleanup = () => closeFd(fd);
    return built;
  } catch (e) {
    if (fd !== undefined) closeFd(fd);
    throw e;
  }
}

/** Runs an nsid command; `get` resolves with the answer, `set` with `[]`. */
export async function nsidCommand(
  core: RtnlCore,
  cmd: NsidCommand,
  spec: NsidSpec & WithSignal,
): Promise<Nsid[]> {
  const [rest, signal] = withoutSignal(spec);
  return await core.send(buildNsid(core, cmd, rest) as Built<typeof NSID_MESSAGE>, signal);
}

/** Every namespace id assigned in this namespace (or in the one `target_nsid` names). */
export async function getNsids(
  core: RtnlCore,
  filter: NsidFilter & { signal?: AbortSignal } = {},
): Promise<MessageList<Nsid>> {
  if (typeof filter !== "object" || filter === null || Array.isArray(filter)) {
    throw new TypeError(`filter: expected an object, got ${describeValue(filter)}`);
  }
  checkKeys(filter, FILTER_KEYS, "filter");
  const [rest, signal] = withoutSignal(filter);
  const attrs: Record<string, unknown> = {};
  if (Object.hasOwn(rest, "target_nsid")) {
    if (rest.target_nsid === undefined) {
      throw new TypeError("target_nsid: undefined (leave the key out to not filter by it)");
    }
    attrs.target_nsid = id(rest.target_nsid, "target_nsid", 0);
  }
  return await core.dumpList(NSID_MESSAGE, { type: RTM.GETNSID, flags: 0, header: {}, attrs }, {
    signal,
  });
}
