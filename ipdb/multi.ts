/**
 * MultiIPDB: one database over many network namespaces. Each namespace has its own {@link IPDB}
 * (two sockets: requests and events), opened in parallel; the MultiIPDB names them, merges
 * their `changes()`, maps every object back to its namespace, resolves a veth's other end in
 * another namespace, and follows namespaces created and removed under /run/netns while it is
 * open (inotify, no polling).
 *
 * @example
 * ```ts
 * import { IPRoute, MultiIPDB, netns } from "@denonet/netlink";
 * const [a, b] = [`nldoc-ma-${Deno.pid}`, `nldoc-mb-${Deno.pid}`]; // names no other process uses
 * netns.create(a);
 * netns.create(b);
 * try {
 *   using ip = new IPRoute({ netns: a });
 *   await ip.link("add", { ifname: "va", kind: "veth", peer: { ifname: "vb", netns: b } });
 *   await using db = await MultiIPDB.open({ netns: [a, b] });
 *   const va = db.ns(a).interfaces.va!;
 *   const peer = await db.peer(va); // { netns: b, interface: db.ns(b).interfaces.vb }
 *   console.log(db.namespaces, db.namespaceOf(va), peer?.netns, peer?.interface.ifname);
 * } finally {
 *   netns.remove(a);
 *   netns.remove(b);
 * }
 * ```
 *
 * @module
 */

import { exists as netnsExists, identity, list as listNetns } from "../ffi/netns.ts";
import { describeValue } from "../netlink/addr.ts";
import { checkArgs, suggestion } from "../netlink/strict.ts";
import { Subscription } from "../netlink/subscription.ts";
import type { IPRoute } from "../rtnl/iproute.ts";
import type { Link } from "../rtnl/link.ts";
import { CHANGE_KINDS, ChangeStream, checkChangesOptions } from "./changes.ts";
import { IPDB } from "./db.ts";
import type { IPDBChange, IPDBOptions } from "./db.ts";
import { IPDBClosedError } from "./errors.ts";
import { Interface } from "./interface.ts";
import { NetnsWatch } from "./netns_watch.ts";
import type { NetnsTouched } from "./netns_watch.ts";
import { stateOf, Tracked } from "./tracked.ts";
import { checkName, checkOptions, MULTI_KINDS, targetOf } from "./multi_options.ts";
import type {
  ChangeKind,
  InterfacePeer,
  MultiChangesOptions,
  MultiIPDBChange,
  MultiIPDBOptions,
} from "./multi_options.ts";

export type {
  InterfacePeer,
  MultiChangesOptions,
  MultiIPDBChange,
  MultiIPDBOptions,
} from "./multi_options.ts";
import { snapshot } from "../state/snapshot.ts";
import { plan } from "../state/plan.ts";
import type { PlanOptions, StatePlan } from "../state/plan.ts";
import { apply } from "../state/apply.ts";
import type { AppliedState, ApplyOptions } from "../state/apply.ts";
import type { StateDocument } from "../state/document.ts";

/** Namespaces opened at once: enough to overlap the kernel's work with ours. */
const OPEN_PARALLEL = 8;
/** A name under /run/netns that is not a namespace yet (`ip netns add` binds it just after
 * creating it): looked at again after 5, 10, 20 … ms, at most this many times. */
const MOUNT_RETRIES = 12;

/** A subscription to one namespace's changes, forwarded to the merged ones. */
interface Pump {
  sub: Subscription<IPDBChange>;
  done: Promise<void>;
}

interface Child {
  db: IPDB;
  /** The namespace's identity when it was opened (see `netns.identity`). */
  id: string | undefined;
  /** Forward the database's changes while someone listens (one per set of kinds asked). */
  pumps: Pump[];
  /** Follows links that reach into other namespaces (see #followLinks). */
  links?: Promise<void>;
}

/**
 * One database over many network namespaces: `db.ns("a")` is namespace a's {@link IPDB}
 * (`db.ns("a").interfaces.eth0`), `changes()` merges theirs (each item names its namespace),
 * `namespaceOf(obj)` tells where an object lives and `peer(iface)` where a veth's other end
 * is. Namespaces come and go with `attach`/`detach` and, with `watch`, as /run/netns changes.
 */
export class MultiIPDB implements AsyncDisposable {
  readonly #children = new Map<string, Child>();
  readonly #byIp = new Map<IPRoute, string>();
  readonly #follow: Set<string> | "all";
  /** With "all": namespaces detached by the caller, not followed until attached again. */
  readonly #excluded = new Set<string>();
  readonly #childOptions: Omit<IPDBOptions, "netns" | "onError">;
  readonly #onError?: (error: Error, context: string, netns?: string) => void;
  /** Per namespace, the attach/detach/reconcile under way (they run one after another). */
  readonly #ops = new Map<string, Promise<void>>();
  readonly #retries = new Map<string, { timer?: ReturnType<typeof setTimeout>; attempt: number }>();
  /** Per namespace, the namespaces it knows by an nsid (nsid → name). */
  readonly #nsids = new Map<string, Map<number, string>>();
  readonly #streams = new Set<ChangeStream<MultiIPDBChange>>();
  /** The kinds of change the pumps forward (every pump of a namespace: disjoint kinds). */
  readonly #covered = new Set<ChangeKind>();
  #watch?: NetnsWatch;
  #closed = false;
  #closing?: Promise<void>;

  private constructor(options: MultiIPDBOptions) {
    const { netns, watch: _w, onError, ...rest } = options;
    this.#follow = netns === "all" ? "all" : new Set(netns);
    this.#onError = onError;
    this.#childOptions = rest;
  }

  /**
   * Opens a database per namespace (in parallel) and, with `watch` (default true), starts
   * following /run/netns. Fails, leaving nothing open, when a listed namespace cannot be
   * opened; with `"all"`, a namespace removed meanwhile is left out.
   */
  static async open(options: MultiIPDBOptions): Promise<MultiIPDB> {
    checkArgs("MultiIPDB.open", 1, arguments.length);
    checkOptions(options);
    const db = new MultiIPDB(options);
    try {
      // The watch first: a namespace created while the others open is not missed.
      if (options.watch ?? true) {
        db.#watch = new NetnsWatch(
          (touched) => db.#touched(touched),
          (e) => db.#report(e, "watching /run/netns failed; namespaces are no longer followed"),
        );
      }
      const names = db.#follow === "all" ? listNetns() : [...db.#follow];
      const strict = db.#follow !== "all";
      let next = 0;
      const worker = async () => {
        while (next < names.length) {
          const name = names[next++];
          await db.#serialize(name, async () => {
            if (strict) await db.#attachNow(name);
            else await db.#reconcile(name);
          });
        }
      };
      await Promise.all(Array.from({ length: Math.min(OPEN_PARALLEL, names.length) }, worker));
    } catch (e) {
      await db.close();
      throw e;
    }
    return db;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The names of the namespaces in the database, sorted. */
  get namespaces(): string[] {
    return [...this.#children.keys()].sort();
  }

  /** The namespaces' databases by name, sorted by name (a copy: later changes do not show). */
  databases(): ReadonlyMap<string, IPDB> {
    return new Map(this.namespaces.map((n) => [n, this.#children.get(n)!.db]));
  }

  /** Every namespace's state as one desired-state document (state/snapshot.ts). */
  snapshot(): Promise<StateDocument> {
    checkArgs("snapshot", 0, arguments.length);
    return snapshot(this.databases());
  }

  /** The steps from now to `desired`, over the namespaces it names (state/plan.ts). */
  plan(desired: StateDocument, options?: PlanOptions): Promise<StatePlan> {
    checkArgs("plan", 2, arguments.length);
    return plan(this.databases(), desired, options);
  }

  /** Applies `desired` as one transaction across namespaces, undone on a refusal (state/apply.ts). */
  apply(desired: StateDocument, options?: ApplyOptions): Promise<AppliedState> {
    checkArgs("apply", 2, arguments.length);
    return apply(this.databases(), desired, options);
  }

  /** Whether namespace `name` is in the database. */
  has(name: string): boolean {
    checkArgs("has", 1, arguments.length);
    checkName(name, "name");
    return this.#children.has(name);
  }

  /** Namespace `name`'s database; a RangeError when it is not in the database. */
  ns(name: string): IPDB {
    checkArgs("ns", 1, arguments.length);
    checkName(name, "name");
    if (this.#closed) throw new IPDBClosedError();
    const child = this.#children.get(name);
    if (!child) {
      throw new RangeError(
        `name: no namespace ${JSON.stringify(name)} in the database` +
          suggestion(name, this.#children.keys()),
      );
    }
    return child.db;
  }

  /**
   * Adds namespace `name` (a name under /run/netns) and resolves with its database once it is
   * loaded (at once when it is in already). From then on it is followed like the namespaces
   * given to `open`.
   */
  async attach(name: string): Promise<IPDB> {
    checkArgs("attach", 1, arguments.length);
    checkName(name, "name");
    if (this.#closed) throw new IPDBClosedError();
    const follow = this.#follow;
    const added = follow !== "all" && !follow.has(name);
    const excluded = this.#excluded.delete(name);
    if (follow !== "all") follow.add(name);
    try {
      return await this.#serialize(name, () => this.#attachNow(name));
    } catch (e) {
      if (added) (follow as Set<string>).delete(name);
      if (excluded) this.#excluded.add(name);
      throw e;
    }
  }

  /**
   * Closes namespace `name`'s database and stops following it (with `"all"`, until it is
   * attached again); a RangeError when it is not in the database. The namespace itself is
   * left as it is.
   */
  async detach(name: string): Promise<void> {
    checkArgs("detach", 1, arguments.length);
    checkName(name, "name");
    if (this.#closed) throw new IPDBClosedError();
    if (!this.#children.has(name)) this.ns(name); // the RangeError
    if (this.#follow === "all") this.#excluded.add(name);
    else this.#follow.delete(name);
    this.#cancelRetry(name);
    await this.#serialize(name, async () => {
      const child = this.#children.get(name);
      if (child) await this.#drop(name, child);
    });
  }

  /**
   * The namespace an object of the database lives in (an interface, route or rule, pending or
   * not), or undefined when it belongs to no database of this one (any more).
   */
  namespaceOf(obj: Tracked): string | undefined {
    checkArgs("namespaceOf", 1, arguments.length);
    if (!(obj instanceof Tracked)) {
      throw new TypeError(
        `obj: expected an interface, route or rule of the database, got ${describeValue(obj)}`,
      );
    }
    return this.#byIp.get(stateOf(obj).ctx.ip);
  }

  /**
   * The other end of an interface's link (IFLA_LINK, in the namespace IFLA_LINK_NETNSID names):
   * a veth's peer, wherever it is, or the device a macvlan or vxlan sits on. Undefined when
   * there is none, or when it is in a namespace this database does not hold. Both ends of a
   * veth answer each other. The namespace an nsid stands for is asked of the kernel once
   * (RTM_GETNSID), then remembered until either namespace leaves the database.
   */
  async peer(iface: Interface): Promise<InterfacePeer | undefined> {
    checkArgs("peer", 1, arguments.length);
    if (!(iface instanceof Interface)) {
      throw new TypeError(`iface: expected an Interface, got ${describeValue(iface)}`);
    }
    const a = this.namespaceOf(iface);
    if (a === undefined) throw new RangeError("iface: not an interface of this database");
    if (!iface.index) return undefined; // not created yet
    // Asked afresh: the kernel tells nobody in this namespace when the other end moves.
    let now: Link | undefined;
    try {
      [now] = await this.#children.get(a)!.db.ip.link("get", { index: iface.index });
    } catch (e) {
      if ((e as { code?: string }).code === "ENODEV" || !this.#children.has(a)) return undefined;
      throw e;
    }
    for (const c of this.#children.values()) c.db.sync();
    const link = now?.link;
    if (!link) return undefined;
    const nsid = now.link_netnsid;
    const b = typeof nsid === "number" && nsid >= 0
      ? await this.#namespaceByNsid(a, nsid, link, iface.index)
      : a;
    const other = b === undefined ? undefined : this.#children.get(b)?.db.interfaces.get(link);
    return other ? { netns: b!, interface: other } : undefined;
  }

  /** The namespace `a` calls `nsid`, among those holding a link at index `link`. */
  async #namespaceByNsid(
    a: string,
    nsid: number,
    link: number,
    index: number,
  ): Promise<string | undefined> {
    let known = this.#nsids.get(a);
    if (!known) this.#nsids.set(a, known = new Map());
    const hit = known.get(nsid);
    if (hit !== undefined && this.#children.has(hit)) return hit;
    const from = this.#children.get(a)!.db;
    // Candidates hold a link at that index; one pointing back at `index` is the likely one.
    const candidates = [...this.#children]
      .filter(([n, c]) => n !== a && c.db.store.links.has(link))
      .sort(([, x], [, y]) =>
        Number(y.db.store.links.get(link)!.link === index) -
        Number(x.db.store.links.get(link)!.link === index)
      );
    for (const [n] of candidates) {
      let got = -1;
      try {
        const [answer] = await from.ip.nsid("get", { netns: targetOf(n) });
        got = (answer?.nsid as number | undefined) ?? -1;
      } catch {
        continue; // gone meanwhile
      }
      if (!this.#children.has(n) || !this.#children.has(a)) continue;
      if (got >= 0) known.set(got, n);
      if (got === nsid) return n;
    }
    return undefined;
  }

  /**
   * Every change in every namespace from now on (each with its `netns`), and namespaces
   * joining and leaving (`{ kind: "netns", action, name }`), until the database closes or the
   * loop breaks. A namespace's changes come in order; between namespaces, as they arrive.
   * `kinds` selects (`["netns"]`: only namespaces joining and leaving); route events are read
   * only while a subscription takes them.
   */
  changes(options: MultiChangesOptions = {}): Subscription<MultiIPDBChange> {
    checkArgs("changes", 1, arguments.length);
    const { limit, kinds } = checkChangesOptions(options, MULTI_KINDS);
    const stream: ChangeStream<MultiIPDBChange> = new ChangeStream(limit, () => {
      this.#streams.delete(stream);
      if (this.#streams.size === 0) this.#stopPumps();
    }, kinds);
    if (this.#closed || options.signal?.aborted) stream.end();
    else {
      this.#streams.add(stream);
      // Pumps for the kinds no pump forwards yet (pumps are never narrowed while in use).
      const missing = CHANGE_KINDS.filter((k) => stream.accepts(k) && !this.#covered.has(k));
      if (missing.length) {
        const first = this.#covered.size === 0;
        for (const k of missing) this.#covered.add(k);
        for (const [name, child] of this.#children) this.#startPump(name, child, missing, first);
      }
    }
    return new Subscription(stream, { signal: options.signal });
  }

  /**
   * Closes every namespace's database and stops watching /run/netns; ends `changes()`
   * iterators. Leaves no timers or pending calls. Closing twice is harmless.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    for (const name of [...this.#retries.keys()]) this.#cancelRetry(name);
    this.#closing = (async () => {
      // The watch's descriptor closes meanwhile (the kernel takes milliseconds over it).
      const watch = this.#watch?.close();
      // Opens under way finish (and close what they opened: the database is closed).
      while (this.#ops.size) await Promise.all(this.#ops.values());
      const children = [...this.#children.values()];
      this.#children.clear();
      this.#byIp.clear();
      this.#nsids.clear();
      await Promise.all(children.map((c) => c.db.close()));
      await Promise.all(children.flatMap((c) => [...c.pumps.map((p) => p.done), c.links]));
      for (const s of [...this.#streams]) s.end();
      await watch;
    })();
    return this.#closing;
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---- namespaces joining and leaving ----

  /** Runs `fn` after every earlier operation on namespace `name`. */
  #serialize<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const p = (this.#ops.get(name) ?? Promise.resolve()).then(fn);
    const tail = p.then(() => {}, () => {});
    this.#ops.set(name, tail);
    tail.then(() => {
      if (this.#ops.get(name) === tail) this.#ops.delete(name);
    });
    return p;
  }

  /** Opens `name`'s database unless it is open; errors go to the caller. */
  async #attachNow(name: string): Promise<IPDB> {
    if (this.#closed) throw new IPDBClosedError();
    const present = this.#children.get(name);
    if (present) return present.db;
    const id = identity(targetOf(name));
    const db = await IPDB.open({
      ...this.#childOptions,
      ...(name === "" ? {} : { netns: name }),
      onError: (e, context) => this.#tell(e, context, name),
    });
    if (this.#closed) {
      await db.close();
      throw new IPDBClosedError();
    }
    const child: Child = { db, id, pumps: [] };
    this.#children.set(name, child);
    this.#byIp.set(db.ip, name);
    this.#cancelRetry(name);
    child.links = this.#followLinks(name, db);
    this.#startPump(name, child, [...this.#covered], true);
    this.#emit({ kind: "netns", action: "add", name });
    return db;
  }

  /**
   * A link with an end in another namespace arrived or left (a veth's end moved, or was made
   * there): the kernel tells the other end's namespace nothing, so its database is told to read
   * that end afresh (its `link_netnsid` changed).
   */
  async #followLinks(name: string, db: IPDB): Promise<void> {
    try {
      for await (const c of db.changes({ kinds: ["interface"] })) {
        if (c.kind !== "interface" || c.action === "change") continue;
        const nsid = c.message.link_netnsid, link = c.message.link;
        if (nsid === undefined || nsid < 0 || !link || !this.#children.has(name)) continue;
        const other = await this.#namespaceByNsid(name, nsid, link, c.index);
        const target = other === undefined ? undefined : this.#children.get(other)?.db;
        await target?.refresh(link).catch((e) => {
          if (!target.closed) throw e;
        });
      }
    } catch (e) {
      if (!db.closed && !this.#closed) this.#report(e, "following links across namespaces", name);
    }
  }

  /** Closes a namespace's database; its remaining changes come before its `remove` item. */
  async #drop(name: string, child: Child): Promise<void> {
    this.#children.delete(name);
    this.#byIp.delete(child.db.ip);
    this.#nsids.delete(name);
    for (const known of this.#nsids.values()) {
      for (const [nsid, n] of known) if (n === name) known.delete(nsid);
    }
    await child.db.close();
    await Promise.all([...child.pumps.map((p) => p.done), child.links]);
    this.#emit({ kind: "netns", action: "remove", name });
  }

  /** Whether namespace `name` is to be in the database when it exists. */
  #wants(name: string): boolean {
    return this.#follow === "all" ? !this.#excluded.has(name) : this.#follow.has(name);
  }

  /** Names under /run/netns changed: look at each again. */
  #touched(touched: NetnsTouched): void {
    if (this.#closed) return;
    const names = touched === "all"
      ? new Set([
        ...listNetns(),
        ...this.#children.keys(),
        ...(this.#follow === "all" ? [] : this.#follow),
      ])
      : touched;
    for (const name of names) {
      this.#serialize(name, () => this.#reconcile(name)).catch((e) =>
        this.#report(e, "following /run/netns", name)
      );
    }
  }

  /**
   * Makes the database agree with /run/netns about `name`: a namespace gone (or replaced by
   * another of that name) leaves, a wanted one that exists joins.
   */
  async #reconcile(name: string): Promise<void> {
    if (this.#closed) return;
    const id = identity(targetOf(name));
    const child = this.#children.get(name);
    if (child && child.id !== id) await this.#drop(name, child);
    if (this.#closed || this.#children.has(name) || !this.#wants(name)) return;
    if (id === undefined) {
      // Not a namespace yet (about to be bound), or gone.
      if (name !== "" && netnsExists(name)) this.#retryLater(name);
      else this.#cancelRetry(name);
      return;
    }
    try {
      await this.#attachNow(name);
    } catch (e) {
      if (this.#closed || identity(targetOf(name)) !== id) return; // removed or replaced meanwhile
      throw e;
    }
  }

  #retryLater(name: string): void {
    let r = this.#retries.get(name);
    if (!r) this.#retries.set(name, r = { attempt: 0 });
    if (r.timer !== undefined || r.attempt >= MOUNT_RETRIES) return;
    const entry = r;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      entry.attempt++;
      this.#touched(new Set([name]));
    }, Math.min(1000, 5 * 2 ** r.attempt));
  }

  #cancelRetry(name: string): void {
    const r = this.#retries.get(name);
    if (r?.timer !== undefined) clearTimeout(r.timer);
    this.#retries.delete(name);
  }

  // ---- changes ----

  /**
   * Forwards `kinds` of a namespace's changes; only the first pump of a namespace forwards what
   * every subscription gets (resync, overflow, error), so nothing comes twice.
   */
  #startPump(name: string, child: Child, kinds: readonly ChangeKind[], first: boolean): void {
    if (this.#closed || kinds.length === 0) return;
    const sub = child.db.changes({ kinds });
    const mine = new Set<string>(kinds);
    const done = (async () => {
      for await (const c of sub) {
        if (first || mine.has(c.kind)) this.#emit({ ...c, netns: name });
      }
    })().catch((e) => this.#report(e, "forwarding changes", name));
    child.pumps.push({ sub, done });
  }

  #stopPumps(): void {
    this.#covered.clear();
    for (const child of this.#children.values()) {
      for (const p of child.pumps) p.sub.close();
      child.pumps = [];
    }
  }

  #emit(c: MultiIPDBChange): void {
    for (const s of this.#streams) s.push(c);
  }

  /** A namespace's database reported an error (its changes() carry it already). */
  #tell(error: Error, context: string, netns: string): void {
    try {
      this.#onError?.(error, context, netns);
    } catch {
      // The handler's own failure must not stop the database.
    }
  }

  /** Tells `onError` and the change subscriptions. */
  #report(e: unknown, context: string, netns?: string): void {
    const error = e instanceof Error ? e : new Error(String(e));
    try {
      this.#onError?.(error, context, netns);
    } catch {
      // As above.
    }
    this.#emit(
      netns === undefined
        ? { kind: "error", error, context }
        : { kind: "error", error, context, netns },
    );
  }
}
