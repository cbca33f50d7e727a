/**
 * What every `ip` subcommand shares: options, the connection, the interface-name cache, and the
 * errors that end the command with iproute2's message and exit code.
 *
 * @module
 */

import { IPRoute, NetlinkError } from "../../mod.ts";
import { LINK_MESSAGE, RTM } from "../../rtnl/schemas/mod.ts";
import type {
  AddrCommand,
  AddrSpec,
  Link,
  LinkCommand,
  LinkSpec,
  NeighCommand,
  NeighSpec,
  NexthopCommand,
  NexthopSpec,
  RouteCommand,
  RouteSpec,
  RuleCommand,
  RuleSpec,
} from "../../mod.ts";
import { Printer } from "./out.ts";

/** Where the tool writes (stdout and stderr by default; tests pass their own). */
export interface Io {
  /** Standard output. */
  out(text: string): void;
  /** Standard error. */
  err(text: string): void;
}

/** Global options (`ip [OPTIONS] OBJECT COMMAND`). */
export interface Opts {
  /** -j */
  json: boolean;
  /** -p */
  pretty: boolean;
  /** -d, repeated */
  details: number;
  /** -s, repeated */
  stats: number;
  /** -4 (2), -6 (10), -0 (17, link), or 0. */
  family: number;
  /** -o */
  oneline: boolean;
  /** -n NS */
  netns?: string;
  /** -br */
  brief: boolean;
  /** -N: numbers, not names */
  numeric?: boolean;
}

/**
 * The command ends with this message on stderr and this exit code. `fatal`: iproute2 calls
 * `exit()` there (a usage error, an address that does not parse), which ends a `-batch` run
 * too; otherwise the command returns its failure and `-batch` reports "Command failed".
 */
export class ExitError extends Error {
  constructor(message: string, readonly code: number, readonly fatal = false) {
    super(message);
  }
}

/** A usage error: iproute2 exits 255 (its `exit(-1)`). */
export function usage(message: string): ExitError {
  return new ExitError(message, 255, true);
}

/** iproute2's invarg(): `Error: argument "ARG" is wrong: MSG`, exit 255. */
export function invarg(msg: string, arg: string): ExitError {
  return usage(`Error: argument "${arg}" is wrong: ${msg}`);
}

/** iproute2's duparg2(): `Error: either "KEY" is duplicate, or "ARG" is a garbage.`, exit 255. */
export function duparg2(key: string, arg: string): ExitError {
  return usage(`Error: either "${key}" is duplicate, or "${arg}" is a garbage.`);
}

/** iproute2's NEXT_ARG() at the end of the line. */
export function incomplete(): ExitError {
  return usage('Command line is not complete. Try option "help"');
}

/** The word after `args[i]` (iproute2's NEXT_ARG), or the "not complete" usage error. */
export function nextArg(args: string[], i: number): string {
  if (i + 1 >= args.length) throw incomplete();
  return args[i + 1];
}

/** iproute2's get_prefix() failure: `Error: FAMILY prefix is expected rather than "ARG".`, exit 1. */
export function badPrefix(family: number, arg: string, what = "prefix"): ExitError {
  const name = family === 2 ? "inet" : family === 10 ? "inet6" : "any valid";
  return badAddress(`Error: ${name} ${what} is expected rather than "${arg}".`);
}

/** iproute2's get_prefix/get_addr failure: the message, then `exit(1)`. */
export function badAddress(message: string): ExitError {
  return new ExitError(message, 1, true);
}

/** "Cannot find device" and the like: exit 1. */
export function fail(message: string): ExitError {
  return new ExitError(message, 1);
}

/** What the kernel refused, as iproute2 prints it: the ext-ack text or "RTNETLINK answers". */
export function kernelError(e: NetlinkError): ExitError {
  const msg = e.extack?.msg;
  if (msg) return new ExitError(`Error: ${msg}${msg.endsWith(".") ? "" : "."}`, 2);
  return new ExitError(`RTNETLINK answers: ${strerror(e.errno)}`, 2);
}

/** glibc's strerror texts for the errno values the kernel returns to rtnetlink. */
const STRERROR: Record<number, string> = {
  1: "Operation not permitted",
  2: "No such file or directory",
  3: "No such process",
  4: "Interrupted system call",
  5: "Input/output error",
  6: "No such device or address",
  7: "Argument list too long",
  9: "Bad file descriptor",
  11: "Resource temporarily unavailable",
  12: "Cannot allocate memory",
  13: "Permission denied",
  14: "Bad address",
  16: "Device or resource busy",
  17: "File exists",
  18: "Invalid cross-device link",
  19: "No such device",
  20: "Not a directory",
  21: "Is a directory",
  22: "Invalid argument",
  23: "Too many open files in system",
  24: "Too many open files",
  28: "No space left on device",
  31: "Too many links",
  34: "Numerical result out of range",
  36: "File name too long",
  38: "Function not implemented",
  39: "Directory not empty",
  40: "Too many levels of symbolic links",
  42: "No message of desired type",
  61: "No data available",
  71: "Protocol error",
  74: "Bad message",
  75: "Value too large for defined data type",
  90: "Message too long",
  92: "Protocol not available",
  93: "Protocol not supported",
  95: "Operation not supported",
  97: "Address family not supported by protocol",
  98: "Address already in use",
  99: "Cannot assign requested address",
  100: "Network is down",
  101: "Network is unreachable",
  103: "Software caused connection abort",
  105: "No buffer space available",
  110: "Connection timed out",
  113: "No route to host",
  114: "Operation already in progress",
  115: "Operation now in progress",
  122: "Disk quota exceeded",
};

/**
 * A library call that is not there yet ("…: not implemented yet") ends the command with a clear
 * message (exit 2); anything else is rethrown.
 */
export function notImplemented(e: unknown, what: string): unknown {
  if (e instanceof Error && /not implemented/i.test(e.message)) {
    return new ExitError(`${what}: not supported by this version of the library (${e.message})`, 2);
  }
  return e;
}

/** The text of an errno value. */
export function strerror(errno: number): string {
  return STRERROR[errno] ?? `Unknown error ${errno}`;
}

/** Interface name and flags by index (iproute2's ll_map). */
export interface LinkInfo {
  name: string;
  flags: number;
}

/** One change a command asks for: a library verb and its spec. */
export type Change =
  | { obj: "link"; cmd: LinkCommand; spec: LinkSpec }
  | { obj: "addr"; cmd: AddrCommand; spec: AddrSpec }
  | { obj: "route"; cmd: RouteCommand; spec: RouteSpec }
  | { obj: "rule"; cmd: RuleCommand; spec: RuleSpec }
  | { obj: "neigh"; cmd: NeighCommand; spec: NeighSpec }
  | { obj: "nexthop"; cmd: NexthopCommand; spec: NexthopSpec };

/** Where changes go when `-batch -force` pipelines them, instead of one request each. */
export interface ChangeQueue {
  /** Queues a change (answered when the queue is flushed). */
  push(change: Change): void;
  /**
   * The index of a device name, or undefined: from the batch's name cache, after the answers
   * to queued link changes (which may create, rename or delete it).
   */
  index(name: string): Promise<number | undefined>;
}

/** Sends one change through the library and waits for its answer. */
export async function sendChange(ip: IPRoute, c: Change): Promise<void> {
  switch (c.obj) {
    case "link":
      await ip.link(c.cmd, c.spec);
      return;
    case "addr":
      return await ip.addr(c.cmd, c.spec);
    case "route":
      await ip.route(c.cmd, c.spec);
      return;
    case "rule":
      return await ip.rule(c.cmd, c.spec);
    case "neigh":
      return await ip.neigh(c.cmd, c.spec);
    case "nexthop":
      return await ip.nexthop(c.cmd, c.spec);
  }
}

/** Everything a subcommand needs. */
export class Ctx {
  readonly opts: Opts;
  readonly p: Printer;
  /** Writes output now (monitor streams); the default collects it until the command ends. */
  flush?: (text: string) => void;
  /** Writes to stderr now (warnings iproute2 prints and goes on). */
  stderr?: (text: string) => void;
  /** `-batch -force`: changes are queued here and pipelined. */
  queue?: ChangeQueue;
  #ip?: IPRoute;
  #ownsIp = true;
  #links?: Map<number, LinkInfo>;
  #linkViews?: Link[];

  /** A context for one command; `ip` shares a batch's connection (not closed by this one). */
  constructor(opts: Opts, ip?: IPRoute) {
    this.opts = opts;
    this.p = new Printer({ json: opts.json, pretty: opts.pretty, oneline: opts.oneline });
    if (ip) {
      this.#ip = ip;
      this.#ownsIp = false;
    }
  }

  /**
   * Applies a change: sent now and awaited, or queued under `-batch -force` (its answer is
   * reported with its line when the queue is flushed). Kernel refusals end the command as
   * iproute2 reports them (`fatal`: iproute2 exits there, ending a batch).
   */
  async change(c: Change, fatal = false): Promise<void> {
    if (this.queue) return this.queue.push(c);
    try {
      await sendChange(this.ip, c);
    } catch (e) {
      if (!(e instanceof NetlinkError)) throw e;
      const k = kernelError(e);
      throw fatal ? new ExitError(k.message, k.code, true) : k;
    }
  }

  /** The rtnetlink connection (opened on first use, in `-n NS` when given). */
  get ip(): IPRoute {
    if (!this.#ip) {
      try {
        this.#ip = new IPRoute(this.opts.netns ? { netns: this.opts.netns } : {});
      } catch (e) {
        if (this.opts.netns) {
          const errno = (e as { errno?: number }).errno;
          const why = errno ? strerror(errno) : (e as Error).message;
          throw new ExitError(
            `Cannot open network namespace "${this.opts.netns}": ${why}`,
            255,
          );
        }
        throw e;
      }
    }
    return this.#ip;
  }

  /** Every link (cached for the command: names of master, peers, route devices). */
  async links(): Promise<Link[]> {
    if (!this.#linkViews) {
      this.#linkViews = await this.ip.getLinks();
      this.#links = new Map(
        this.#linkViews.map((l) => [l.index, { name: l.ifname ?? "", flags: l.flags }]),
      );
    }
    return this.#linkViews;
  }

  /**
   * Links as a dump of `family` returns them: iproute2's `ip -6 addr show` dumps links with
   * AF_INET6, and the kernel answers with its shorter IPv6 link messages (no qdisc, group,
   * broadcast or link info). `getLinks()` has no family, so this uses the public `dump()`.
   */
  async linksOfFamily(family: number): Promise<Link[]> {
    if (family === 0) return await this.links();
    await this.links();
    return await this.ip.dump(LINK_MESSAGE, {
      type: RTM.GETLINK,
      flags: 0,
      header: { family },
    }) as Link[];
  }

  /** The full link message of an index, from the cached dump. */
  fullLink(index: number): Link | undefined {
    return this.#linkViews?.find((l) => l.index === index);
  }

  /** Loads the index → name map. */
  async loadNames(): Promise<void> {
    await this.links();
  }

  /** Forgets cached links (after a change, for monitor). */
  invalidate(): void {
    this.#linkViews = undefined;
    this.#links = undefined;
  }

  /** Remembers a link seen in an event. */
  remember(index: number, name: string, flags: number): void {
    (this.#links ??= new Map()).set(index, { name, flags });
  }

  /** Forgets a deleted link. */
  forget(index: number): void {
    this.#links?.delete(index);
  }

  /** ll_index_to_name: the name, or "if%d" when unknown. */
  name(index: number): string {
    return this.#links?.get(index)?.name ?? `if${index}`;
  }

  /** ll_index_to_flags. */
  flagsOf(index: number): number {
    return this.#links?.get(index)?.flags ?? 0;
  }

  /** The index of a device name, or throws `Cannot find device "X"` (exit 1). */
  async index(name: string): Promise<number> {
    if (this.queue) {
      const index = await this.queue.index(name);
      if (index !== undefined) return index;
      throw fail(`Cannot find device "${name}"`);
    }
    const found = await this.ip.linkLookup({ ifname: name }).catch((e) => {
      if (e instanceof TypeError || e instanceof RangeError) return [];
      throw e;
    });
    if (found.length > 0) return found[0];
    throw fail(`Cannot find device "${name}"`);
  }

  /** A warning on stderr; the command goes on. */
  warn(text: string): void {
    this.stderr?.(text);
  }

  /** Writes what was printed so far, when a flush target is set. */
  emit(): void {
    if (!this.flush) return;
    const text = this.p.take();
    if (text) this.flush(text);
  }

  /** Closes the connection (unless a batch shares it). */
  close(): void {
    if (this.#ownsIp) this.#ip?.close();
  }
}
