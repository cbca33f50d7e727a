/**
 * The IPSet class: IP sets over nfnetlink (NFNL_SUBSYS_IPSET): create (every type ipset has),
 * add, delete and test elements, list and save, flush, rename, swap, destroy, with the
 * protocol version and each type's revision asked of the kernel first.
 *
 * @module
 */

import { NLM_F } from "../../netlink/constants.ts";
import { NetlinkError } from "../../netlink/errors.ts";
import { describeValue, parseIp } from "../../netlink/addr.ts";
import { checkInt } from "../../netlink/encoder.ts";
import type { AttrSchema, MessageSchema } from "../../netlink/schema.ts";
import { checkOptionalKeys, isPlainObject, KeySet } from "../../netlink/strict.ts";
import type { TypedMessage } from "../../netlink/view.ts";
import { NFNL_OPTION_KEYS, NFNL_SUBSYS, NfnlConnection, nfnlMsg, nfnlType } from "../nfnetlink.ts";
import type { NfnlBuilt, NfnlOptions } from "../nfnetlink.ts";
import {
  IPSET_CADT_FLAG,
  IPSET_CMD,
  IPSET_ELEMENT_MESSAGE,
  IPSET_ERR,
  IPSET_MAXNAMELEN,
  IPSET_MESSAGE,
  IPSET_PROTOCOL,
  IPSET_PROTOCOL_MIN,
} from "./schema.ts";
import { markNetOrder } from "./netorder.ts";
import { checkEntry, dimensionsOf, entryAttrs } from "./entry.ts";
import type { EntryInput, IpsetEntry } from "./entry.ts";
import { mergeSets, saveText } from "./info.ts";
import type { IpsetInfo, IpsetMessage } from "./info.ts";

/** Options of {@link IPSet}. */
export type IPSetOptions = NfnlOptions;

/** How to create a set: its type and create options (`ipset create NAME TYPE …`). */
export interface IpsetCreateSpec {
  /** The set type, e.g. `"hash:ip"`, `"hash:net,iface"`, `"bitmap:port"`, `"list:set"`. */
  type: string;
  /** Address family of hash sets: `"inet"` (default) or `"inet6"`. */
  family?: "inet" | "inet6";
  /** Default element timeout in seconds (enables per-element timeouts). */
  timeout?: number;
  /** Elements carry packet and byte counters. */
  counters?: boolean;
  /** Elements carry comments. */
  comment?: boolean;
  /** Elements carry skb mark, priority and queue. */
  skbinfo?: boolean;
  /** A full set evicts a random element to add a new one. */
  forceadd?: boolean;
  /** Initial hash size. */
  hashsize?: number;
  /** Maximal number of elements. */
  maxelem?: number;
  /** Store addresses masked to this prefix (hash:ip, bitmap:ip). */
  netmask?: number;
  /** Hash bucket size. */
  bucketsize?: number;
  /** Hash seed. */
  initval?: number;
  /** Size of a list:set. */
  size?: number;
  /** Mark mask (hash:ip,mark). */
  markmask?: number;
  /** Range of a bitmap set: `"1000-2000"` (ports), `"10.0.0.0/24"` or `"10.0.0.1-10.0.0.9"`. */
  range?: string;
}

/** Options of element commands. */
export interface IpsetAddOptions {
  /** Adding an element that is there (or deleting one that is not) is no error. */
  exist?: boolean;
  /** Defaults for string elements: timeout. */
  timeout?: number;
  /** Default comment. */
  comment?: string;
}

/** The keys of `{ all: true }` (every set) where a set name is expected. */
const TARGET_KEYS = new KeySet("key", ["all"]);

/** The keys of add's and delete's options. */
const ADD_OPTION_KEYS = new KeySet("key", ["exist", "timeout", "comment"]);

const CREATE_KEYS = new KeySet("key", [
  "type",
  "family",
  "timeout",
  "counters",
  "comment",
  "skbinfo",
  "forceadd",
  "hashsize",
  "maxelem",
  "netmask",
  "bucketsize",
  "initval",
  "size",
  "markmask",
  "range",
  "exist",
]);

/** An ipset refusal: a NetlinkError whose `code` is the errno name or `IPSET_ERR_*`. */
export class IpsetError extends NetlinkError {
  /** The error for ipset's own error number `errno` (above 4096), or an errno. */
  constructor(cause: NetlinkError) {
    super(cause.errno, cause.extack, cause.request);
    const text = IPSET_ERR[cause.errno];
    if (text) {
      const code = text.slice(0, text.indexOf(":"));
      Object.defineProperty(this, "code", { value: code });
      this.message = `${cause.request ? `${cause.request}: ` : ""}${text}`;
    }
  }
}

function setName(v: unknown, field: string): string {
  if (typeof v !== "string" || v === "") {
    throw new TypeError(`${field}: expected a set name, got ${describeValue(v)}`);
  }
  if (new TextEncoder().encode(v).length >= IPSET_MAXNAMELEN) {
    throw new RangeError(`${field}: longer than ${IPSET_MAXNAMELEN - 1} bytes`);
  }
  return v;
}

function flag(v: unknown, field: string): boolean {
  if (v !== undefined && typeof v !== "boolean") {
    throw new TypeError(`${field}: expected true or false, got ${describeValue(v)}`);
  }
  return v === true;
}

/** `values` (and the nests within) in the order of the attribute numbers of `schema`. */
function sortAttrs(values: Record<string, unknown>, schema: AttrSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(values).sort((a, b) =>
    (schema.byName.get(a)?.type ?? 0) - (schema.byName.get(b)?.type ?? 0)
  );
  for (const k of keys) {
    const v = values[k];
    const codec = schema.byName.get(k)?.codec;
    if (codec && typeof codec !== "string" && codec.kind === "nest" && isPlainObject(v)) {
      out[k] = sortAttrs(v, codec.schema());
    } else if (codec && typeof codec !== "string" && codec.kind === "array" && Array.isArray(v)) {
      const of = codec.of;
      out[k] = typeof of !== "string" && of.kind === "nest"
        ? v.map((x) => isPlainObject(x) ? sortAttrs(x, of.schema()) : x)
        : v;
    } else out[k] = v;
  }
  return out;
}

/** Create data (`IPSET_ATTR_DATA` of IPSET_CMD_CREATE) from a spec; checked. */
function createData(s: IpsetCreateSpec, family: number): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  const int = (k: keyof IpsetCreateSpec, codec: string) => {
    if (s[k] !== undefined) d[k] = checkInt(s[k], codec, `create.${k}`);
  };
  int("hashsize", "be32");
  int("maxelem", "be32");
  int("timeout", "be32");
  int("initval", "be32");
  int("size", "be32");
  int("markmask", "be32");
  int("bucketsize", "u8");
  if (s.netmask !== undefined) {
    d.netmask = checkInt(s.netmask, "u8", "create.netmask");
    if ((d.netmask as number) > (family === 10 ? 128 : 32)) {
      throw new RangeError(`create.netmask: ${d.netmask} is too long`);
    }
  }
  let flags = 0;
  if (flag(s.counters, "create.counters")) flags |= IPSET_CADT_FLAG.WITH_COUNTERS;
  if (flag(s.comment, "create.comment")) flags |= IPSET_CADT_FLAG.WITH_COMMENT;
  if (flag(s.skbinfo, "create.skbinfo")) flags |= IPSET_CADT_FLAG.WITH_SKBINFO;
  if (flag(s.forceadd, "create.forceadd")) flags |= IPSET_CADT_FLAG.WITH_FORCEADD;
  if (flags) d.cadt_flags = flags;
  if (s.type.startsWith("bitmap:")) {
    if (s.range === undefined) throw new TypeError(`create.range: required by ${s.type}`);
    if (typeof s.range !== "string") {
      throw new TypeError(
        `create.range: expected text such as "1000-2000", got ${describeValue(s.range)}`,
      );
    }
    if (s.type === "bitmap:port") {
      const m = /^(\d+)-(\d+)$/.exec(s.range);
      if (!m) {
        throw new TypeError(
          `create.range: expected "FROM-TO" ports, got ${JSON.stringify(s.range)}`,
        );
      }
      d.port = checkInt(Number(m[1]), "be16", "create.range");
      d.port_to = checkInt(Number(m[2]), "be16", "create.range");
    } else {
      const [a, b] = s.range.includes("-") ? s.range.split("-") : [s.range, undefined];
      if (b !== undefined) {
        d.ip = { ipv4: parseIp(a, "create.range") };
        d.ip_to = { ipv4: parseIp(b, "create.range") };
      } else {
        const [ip, cidr] = a.split("/");
        d.ip = { ipv4: parseIp(ip, "create.range") };
        if (cidr === undefined) {
          throw new TypeError("create.range: expected FROM-TO or ADDRESS/PREFIX");
        }
        d.cidr = checkInt(Number(cidr), "u8", "create.range");
      }
    }
  } else if (s.range !== undefined) {
    throw new TypeError(`create.range: only bitmap sets have a range`);
  }
  return d;
}

/**
 * Checks the elements given as objects before the set's type is looked up (text elements need
 * the type to be read), so that a misspelt key is refused before anything is sent.
 */
function checkEntries(entries: EntryInput | readonly EntryInput[]): void {
  if (!Array.isArray(entries)) {
    if (typeof entries !== "string") checkEntry(entries, "entry");
    return;
  }
  entries.forEach((e, i) => {
    if (typeof e !== "string") checkEntry(e, `entries[${i}]`);
  });
}

/**
 * The IP sets of a network namespace.
 *
 * ```ts
 * import { IPSet } from "@denonet/netlink/netfilter";
 * import { netns } from "@denonet/netlink";
 *
 * const ns = `ipset-doc-${Deno.pid}`; // a name no other process uses
 * netns.create(ns);
 * try {
 *   using ipset = new IPSet({ netns: ns });
 *   await ipset.create("blocked", { type: "hash:net", timeout: 600, counters: true });
 *   await ipset.add("blocked", ["10.0.0.0/8", "192.168.1.7"]);
 *   console.log(await ipset.test("blocked", "10.1.2.3"), await ipset.save("blocked"));
 *   await ipset.destroy("blocked");
 * } finally {
 *   netns.remove(ns);
 * }
 * ```
 */
export class IPSet implements Disposable {
  /** The NETLINK_NETFILTER connection. */
  readonly nfnl: NfnlConnection;
  readonly #own: boolean;
  #protocol?: Promise<number>;
  readonly #revisions = new Map<string, Promise<number>>();
  readonly #types = new Map<string, { type: string; family: number }>();

  /** Opens a NETLINK_NETFILTER socket (in `options.netns` when given), or shares `connection`. */
  constructor(options: IPSetOptions = {}) {
    const { connection, ...socket } = checkOptionalKeys(
      options,
      NFNL_OPTION_KEYS,
      "options",
      "options.",
    ) as IPSetOptions;
    this.#own = connection === undefined;
    this.nfnl = connection ?? new NfnlConnection(socket);
  }

  #build<M extends MessageSchema>(
    schema: M,
    cmd: number,
    flags: number,
    attrs: Record<string, unknown>,
  ): NfnlBuilt<M> {
    // ipset(8) writes attributes in the order of their numbers; so does this (same bytes).
    const built = this.nfnl.build(schema, {
      type: nfnlType(NFNL_SUBSYS.IPSET, cmd),
      flags,
      header: { family: 2, version: 0, res_id: 0 },
      attrs: sortAttrs(attrs, schema.attrs),
    }, `IPSET_CMD_${Object.entries(IPSET_CMD).find(([, v]) => v === cmd)?.[0]}`);
    markNetOrder(built.bytes, schema);
    built.maxErrno = 0xffff;
    return built;
  }

  async #send<M extends MessageSchema>(built: NfnlBuilt<M>): Promise<TypedMessage<M>[]> {
    try {
      return await this.nfnl.send(built);
    } catch (e) {
      throw e instanceof NetlinkError ? new IpsetError(e) : e;
    }
  }

  /**
   * The protocol version both speak: the kernel's (`IPSET_CMD_PROTOCOL`), at most ours (7), at
   * least the oldest we speak (6). Asked once per object.
   */
  protocol(): Promise<number> {
    this.#protocol ??= (async () => {
      const [r] = await this.#send(
        this.#build(IPSET_MESSAGE, IPSET_CMD.PROTOCOL, 0, { protocol: IPSET_PROTOCOL }),
      );
      const kernel = (r?.protocol as number | undefined) ?? IPSET_PROTOCOL;
      const v = Math.min(kernel, IPSET_PROTOCOL);
      if (v < IPSET_PROTOCOL_MIN) {
        throw new Error(
          `ipset: the kernel speaks protocol ${kernel}, older than ${IPSET_PROTOCOL_MIN}`,
        );
      }
      return v;
    })();
    this.#protocol.catch(() => (this.#protocol = undefined));
    return this.#protocol;
  }

  /**
   * The revisions of set `type` the kernel has for `family` (`IPSET_CMD_TYPE`): the newest
   * (`revision`, what {@link create} uses) and the oldest (`revision_min`).
   */
  async getSupportedRevisions(
    type: string,
    family: "inet" | "inet6" | "unspec" = "inet",
  ): Promise<{ revision: number; revision_min: number }> {
    dimensionsOf(type, "type");
    // Hash types serve both families; ipset(8) asks with inet, and so does this.
    const fam = family === "unspec" ? 0 : 2;
    const [r] = await this.#send(
      this.#build(IPSET_MESSAGE, IPSET_CMD.TYPE, 0, {
        protocol: await this.protocol(),
        typename: type,
        family: fam,
      }),
    );
    return { revision: r?.revision ?? 0, revision_min: r?.protocol_min ?? 0 };
  }

  #revision(type: string, family: number): Promise<number> {
    const key = `${type}/${family}`;
    let r = this.#revisions.get(key);
    if (!r) {
      const fam = family === 10 ? "inet6" : family === 0 ? "unspec" : "inet";
      r = this.getSupportedRevisions(type, fam).then((x) => x.revision);
      r.catch(() => this.#revisions.delete(key));
      this.#revisions.set(key, r);
    }
    return r;
  }

  /** Creates a set (`ipset create`); `exist: true` makes an identical existing set no error. */
  async create(name: string, spec: IpsetCreateSpec & { exist?: boolean }): Promise<void> {
    setName(name, "name");
    const s = checkOptionalKeys(spec, CREATE_KEYS, "create", "create.") as unknown as
      & IpsetCreateSpec
      & {
        exist?: boolean;
      };
    if (typeof s.type !== "string") throw new TypeError('create.type: required (e.g. "hash:ip")');
    dimensionsOf(s.type, "create.type");
    const hashed = s.type.startsWith("hash:") || s.type === "bitmap:ip" ||
      s.type === "bitmap:ip,mac";
    let family = 0;
    if (hashed) {
      if (s.family !== undefined && s.family !== "inet" && s.family !== "inet6") {
        throw new TypeError(
          `create.family: expected "inet" or "inet6", got ${describeValue(s.family)}`,
        );
      }
      family = s.family === "inet6" ? 10 : 2;
      if (s.type.startsWith("bitmap:") && family === 10) {
        throw new TypeError("create.family: bitmap sets are IPv4 only");
      }
    } else if (s.family !== undefined) {
      throw new TypeError(`create.family: ${s.type} sets have no family`);
    }
    const data = createData(s, family);
    const built = this.#build(
      IPSET_MESSAGE,
      IPSET_CMD.CREATE,
      NLM_F.CREATE | (flag(s.exist, "create.exist") ? 0 : NLM_F.EXCL),
      {
        protocol: await this.protocol(),
        setname: name,
        typename: s.type,
        revision: await this.#revision(s.type, family),
        family,
        data,
      },
    );
    await this.#send(built);
    this.#types.set(name, { type: s.type, family });
  }

  async #simple(cmd: number, flags: number, attrs: Record<string, unknown>): Promise<void> {
    await this.#send(
      this.#build(IPSET_MESSAGE, cmd, flags, { protocol: await this.protocol(), ...attrs }),
    );
  }

  #target(target: string | { all: true }, what: string): Record<string, unknown> {
    if (typeof target === "string") return { setname: setName(target, what) };
    const t = checkOptionalKeys(target, TARGET_KEYS, what, `${what}.`);
    if (t.all !== true) {
      throw new TypeError(`${what}: pass a set name, or { all: true } for every set`);
    }
    return {};
  }

  /** Destroys a set (`ipset destroy NAME`), or every set (`{ all: true }`). */
  async destroy(target: string | { all: true }): Promise<void> {
    const attrs = this.#target(target, "destroy");
    await this.#simple(IPSET_CMD.DESTROY, NLM_F.EXCL, attrs);
    if (attrs.setname === undefined) this.#types.clear();
    else this.#types.delete(attrs.setname as string);
  }

  /** Removes every element of a set, or of every set (`{ all: true }`). */
  async flush(target: string | { all: true }): Promise<void> {
    await this.#simple(IPSET_CMD.FLUSH, 0, this.#target(target, "flush"));
  }

  /** Renames a set. */
  async rename(from: string, to: string): Promise<void> {
    await this.#simple(IPSET_CMD.RENAME, 0, {
      setname: setName(from, "from"),
      typename: setName(to, "to"),
    });
    const t = this.#types.get(from);
    this.#types.delete(from);
    if (t) this.#types.set(to, t);
  }

  /** Swaps the contents (and names) of two sets of compatible types, atomically. */
  async swap(a: string, b: string): Promise<void> {
    await this.#simple(IPSET_CMD.SWAP, 0, { setname: setName(a, "a"), typename: setName(b, "b") });
    const ta = this.#types.get(a), tb = this.#types.get(b);
    this.#types.delete(a);
    this.#types.delete(b);
    if (ta) this.#types.set(b, ta);
    if (tb) this.#types.set(a, tb);
  }

  /** The header of a set (`IPSET_CMD_HEADER`): type, revision and family. */
  async header(
    name: string,
  ): Promise<{ name: string; type: string; revision: number; family: number }> {
    const [r] = await this.#send(
      this.#build(IPSET_MESSAGE, IPSET_CMD.HEADER, 0, {
        protocol: await this.protocol(),
        setname: setName(name, "name"),
      }),
    );
    const h = {
      name,
      type: r?.typename ?? "",
      revision: r?.revision ?? 0,
      family: (r?.get("IPSET_ATTR_FAMILY") as number | undefined) ?? 0,
    };
    this.#types.set(name, { type: h.type, family: h.family });
    return h;
  }

  async #dump(cmd: number, name?: string): Promise<IpsetMessage[]> {
    const attrs: Record<string, unknown> = { protocol: await this.protocol() };
    if (name !== undefined) attrs.setname = setName(name, "name");
    const built = this.#build(IPSET_MESSAGE, cmd, NLM_F.DUMP, attrs);
    try {
      // The kernel answers list and save alike, with IPSET_CMD_LIST messages.
      return await this.nfnl.dump(
        built,
        (t) => nfnlMsg(t) === IPSET_CMD.LIST || nfnlMsg(t) === cmd,
      ) as IpsetMessage[];
    } catch (e) {
      throw e instanceof NetlinkError ? new IpsetError(e) : e;
    }
  }

  /** Every set (or one) with its header and elements (`ipset list`). */
  async list(name?: string): Promise<IpsetInfo[]> {
    return mergeSets(await this.#dump(IPSET_CMD.LIST, name));
  }

  /** Every set (or one) in `ipset save` form: what `ipset restore` reads. */
  async save(name?: string): Promise<string> {
    return saveText(mergeSets(await this.#dump(IPSET_CMD.SAVE, name)));
  }

  async #typeOf(name: string): Promise<{ type: string; family: number }> {
    return this.#types.get(name) ?? await this.header(name);
  }

  async #elements(
    cmd: number,
    name: string,
    entries: EntryInput | readonly EntryInput[],
    options: IpsetAddOptions,
    what: string,
  ): Promise<void> {
    setName(name, "name");
    const o = checkOptionalKeys(options, ADD_OPTION_KEYS, what, `${what}.`) as IpsetAddOptions;
    checkEntries(entries);
    const list = Array.isArray(entries) ? entries : [entries];
    if (list.length === 0) return;
    const { type, family } = await this.#typeOf(name);
    const data = list.map((e, i) => {
      const a = entryAttrs(
        e,
        type,
        family || undefined,
        Array.isArray(entries) ? `entries[${i}]` : "entry",
      );
      if (o.timeout !== undefined && a.timeout === undefined) {
        a.timeout = checkInt(o.timeout, "be32", `${what}.timeout`);
      }
      if (o.comment !== undefined && a.comment === undefined) a.comment = o.comment;
      return a;
    });
    const exist = flag(o.exist, `${what}.exist`);
    const protocol = await this.protocol();
    // Many elements go in one message each holding up to 1000 (IPSET_ATTR_ADT).
    const messages: NfnlBuilt[] = [];
    for (let i = 0; i < data.length; i += 1000) {
      const chunk = data.slice(i, i + 1000);
      const attrs: Record<string, unknown> = { protocol, setname: name };
      if (chunk.length === 1) attrs.data = chunk[0];
      else {
        attrs.adt = chunk;
        attrs.lineno = 0; // the kernel wants it with IPSET_ATTR_ADT (restore's line number)
      }
      messages.push(
        this.#build(
          IPSET_ELEMENT_MESSAGE,
          cmd,
          exist || cmd === IPSET_CMD.TEST ? 0 : NLM_F.EXCL,
          attrs,
        ),
      );
    }
    for (const m of messages) await this.#send(m);
  }

  /**
   * Adds elements (`ipset add`): ipset's text form (`"10.0.0.1,tcp:80"`) or objects
   * ({@link IpsetEntry}). Elements are added in order; one that is there already is an
   * `IPSET_ERR_EXIST` refusal unless `exist: true` (the ones before it stay added: ipset has no
   * transactions; build a new set and {@link swap} it in to replace one atomically).
   */
  add(
    name: string,
    entries: EntryInput | readonly EntryInput[],
    options: IpsetAddOptions = {},
  ): Promise<void> {
    return this.#elements(IPSET_CMD.ADD, name, entries, options, "add");
  }

  /** Deletes elements (`ipset del`); a missing one is refused unless `exist: true`. */
  delete(
    name: string,
    entries: EntryInput | readonly EntryInput[],
    options: Pick<IpsetAddOptions, "exist"> = {},
  ): Promise<void> {
    return this.#elements(IPSET_CMD.DEL, name, entries, options, "delete");
  }

  /** Whether an element is in a set (`ipset test`). */
  async test(name: string, entry: EntryInput): Promise<boolean> {
    try {
      await this.#elements(IPSET_CMD.TEST, name, entry, {}, "test");
      return true;
    } catch (e) {
      if (e instanceof IpsetError && e.code === "IPSET_ERR_EXIST") return false;
      throw e;
    }
  }

  /**
   * Replaces the elements of a set atomically: a new set of the same type and options is
   * filled, swapped with `name`, and the old contents destroyed.
   */
  async replace(name: string, entries: readonly EntryInput[]): Promise<void> {
    setName(name, "name");
    checkEntries(entries);
    const [old] = await this.list(name);
    const tmp = `${name.slice(0, 20)}.${(Math.random() * 1e9 | 0).toString(36)}`;
    const spec: IpsetCreateSpec = {
      type: old.type,
      timeout: old.timeout,
      counters: old.counters || undefined,
      comment: old.comment || undefined,
      skbinfo: old.skbinfo || undefined,
      hashsize: old.hashsize,
      maxelem: old.maxelem,
      netmask: old.netmask,
      size: old.size,
      markmask: old.markmask,
    };
    if (old.family !== "unspec") spec.family = old.family;
    if (old.range) spec.range = `${old.range.from}-${old.range.to}`;
    for (const k of Object.keys(spec) as (keyof IpsetCreateSpec)[]) {
      if (spec[k] === undefined) delete spec[k];
    }
    await this.create(tmp, spec);
    try {
      await this.add(tmp, entries);
      await this.swap(name, tmp);
    } finally {
      await this.destroy(tmp);
    }
  }

  /** Closes the socket (unless shared). Closing twice is harmless. */
  close(): void {
    if (this.#own) this.nfnl.close();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

export type { IpsetEntry, IpsetInfo };
