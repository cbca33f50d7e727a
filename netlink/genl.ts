/**
 * Generic netlink: resolving families by name through `nlctrl`, sending commands with a
 * family's attribute schema, and joining a family's multicast groups by name.
 *
 * Adding a family is a schema table and a few calls (see taskstats/ for a worked example):
 *
 * ```ts ignore
 * const FOO = attrs("FOO_ATTR_", { FOO_ATTR_PID: [1, "u32"] });
 * const foo = genlMessage("foo", FOO);
 * using genl = new GenericNetlink();
 * const replies = await genl.command("FOO", 1, { pid: 42 }, { schema: foo });
 * ```
 *
 * @module
 */

import { NETLINK, NetlinkSocket } from "../ffi/socket.ts";
import type { NetlinkSocketOptions } from "../ffi/socket.ts";
import { encodeMessage } from "./encoder.ts";
import { NetlinkEngine } from "./engine.ts";
import type { Decoder } from "./engine.ts";
import { NetlinkError } from "./errors.ts";
import { attrs, message } from "./schema.ts";
import type { AttrSchema, MessageSchema } from "./schema.ts";
import { messageViewClass } from "./view.ts";
import type { TypedMessage } from "./view.ts";

/** `struct genlmsghdr`. */
export const GENLMSGHDR = {
  kind: "struct",
  fields: [["cmd", "u8"], ["version", "u8"], ["_reserved", "u16"]],
} as const;

/** The nlctrl family id. */
export const GENL_ID_CTRL = 0x10;
/** nlctrl commands. */
export const CTRL_CMD = { NEWFAMILY: 1, DELFAMILY: 2, GETFAMILY: 3 } as const;

/** `CTRL_ATTR_OP_*`. */
export const CTRL_OP_TABLE = {
  CTRL_ATTR_OP_ID: [1, "u32"],
  CTRL_ATTR_OP_FLAGS: [2, "u32"],
} as const;

/** The compiled CTRL_OP table. */
export const CTRL_OP: AttrSchema<"CTRL_ATTR_OP_", typeof CTRL_OP_TABLE> = attrs(
  "CTRL_ATTR_OP_",
  CTRL_OP_TABLE,
);

/** `CTRL_ATTR_MCAST_GRP_*`. */
export const CTRL_MCAST_GRP_TABLE = {
  CTRL_ATTR_MCAST_GRP_NAME: [1, "string"],
  CTRL_ATTR_MCAST_GRP_ID: [2, "u32"],
} as const;

/** The compiled CTRL_MCAST_GRP table. */
export const CTRL_MCAST_GRP: AttrSchema<"CTRL_ATTR_MCAST_GRP_", typeof CTRL_MCAST_GRP_TABLE> =
  attrs("CTRL_ATTR_MCAST_GRP_", CTRL_MCAST_GRP_TABLE);

/** `CTRL_ATTR_*` of nlctrl. */
export const CTRL_ATTR_TABLE = {
  CTRL_ATTR_FAMILY_ID: [1, "u16"],
  CTRL_ATTR_FAMILY_NAME: [2, "string"],
  CTRL_ATTR_VERSION: [3, "u32"],
  CTRL_ATTR_HDRSIZE: [4, "u32"],
  CTRL_ATTR_MAXATTR: [5, "u32"],
  CTRL_ATTR_OPS: [6, {
    kind: "array",
    of: { kind: "nest", schema: (): typeof CTRL_OP => CTRL_OP },
  }],
  CTRL_ATTR_MCAST_GROUPS: [7, {
    kind: "array",
    of: { kind: "nest", schema: (): typeof CTRL_MCAST_GRP => CTRL_MCAST_GRP },
  }],
  CTRL_ATTR_POLICY: [8, "binary"],
  CTRL_ATTR_OP_POLICY: [9, "binary"],
  CTRL_ATTR_OP: [10, "u32"],
} as const;

/** The compiled CTRL_ATTR table. */
export const CTRL_ATTR: AttrSchema<"CTRL_ATTR_", typeof CTRL_ATTR_TABLE> = attrs(
  "CTRL_ATTR_",
  CTRL_ATTR_TABLE,
);

/** Builds the message schema of a generic netlink family: genlmsghdr plus the family's attributes. */
export function genlMessage<A extends AttrSchema>(
  name: string,
  attrSchema: A,
): MessageSchema<typeof GENLMSGHDR, A> {
  return message(name, GENLMSGHDR, attrSchema);
}

/** The nlctrl message schema. */
export const CTRL_MESSAGE: MessageSchema<typeof GENLMSGHDR, typeof CTRL_ATTR> = genlMessage(
  "nlctrl",
  CTRL_ATTR,
);

/** A resolved generic netlink family. */
export interface GenlFamily {
  /** Family name, e.g. "TASKSTATS". */
  name: string;
  /** Family id: the nlmsg_type of its messages. */
  id: number;
  /** Family version. */
  version: number;
  /** User header size after genlmsghdr. */
  hdrsize: number;
  /** Highest attribute number. */
  maxattr: number;
  /** Operations: command id and flags. */
  ops: { id: number; flags: number }[];
  /** Multicast groups: name → group id. */
  groups: Record<string, number>;
}

/** Options of {@link GenericNetlink}. */
export type GenericNetlinkOptions = Omit<NetlinkSocketOptions, "groups">;

/** Options of {@link GenericNetlink.command}. */
export interface CommandOptions<M extends MessageSchema> {
  /** The family's message schema (genlmsghdr + attributes), for encoding and decoding. */
  schema: M;
  /** Send as a dump and collect every reply. */
  dump?: boolean;
  /** The command version (default: the family's). */
  version?: number;
  /** Extra nlmsg_flags. */
  flags?: number;
}

function familyOf(v: TypedMessage<typeof CTRL_MESSAGE>): GenlFamily {
  const groups: Record<string, number> = {};
  for (const g of v.mcast_groups ?? []) {
    if (g.name !== undefined && g.id !== undefined) groups[g.name] = g.id;
  }
  return {
    name: v.family_name ?? "",
    id: v.family_id ?? 0,
    version: v.version ?? 0,
    hdrsize: v.hdrsize ?? 0,
    maxattr: v.maxattr ?? 0,
    ops: (v.ops ?? []).map((o) => ({ id: o.id ?? 0, flags: o.flags ?? 0 })),
    groups,
  };
}

/** A generic netlink socket with family resolution. */
export class GenericNetlink implements Disposable {
  /** The socket. */
  readonly socket: NetlinkSocket;
  /** The request engine over it. */
  readonly engine: NetlinkEngine;
  readonly #families = new Map<string, GenlFamily>();

  /** Opens a NETLINK_GENERIC socket (in `options.netns` when given). */
  constructor(options: GenericNetlinkOptions = {}) {
    this.socket = new NetlinkSocket(NETLINK.GENERIC, options);
    this.engine = new NetlinkEngine(this.socket);
  }

  /** Resolves a family by name (cached). A missing family is a NetlinkError naming it. */
  async resolve(name: string): Promise<GenlFamily> {
    if (typeof name !== "string" || name === "" || name.length > 15) {
      throw new TypeError(
        `family: expected a generic netlink family name, got ${JSON.stringify(name)}`,
      );
    }
    const hit = this.#families.get(name);
    if (hit) return hit;
    const req = encodeMessage(CTRL_MESSAGE, {
      type: GENL_ID_CTRL,
      flags: 0,
      header: { cmd: CTRL_CMD.GETFAMILY, version: 2 },
      attrs: { family_name: name },
    });
    let replies;
    try {
      replies = await this.engine.request(req, {
        decoder: ctrlDecoder,
        schema: CTRL_MESSAGE,
        describe: `resolve family ${name}`,
      });
    } catch (e) {
      if (e instanceof NetlinkError && e.code === "ENOENT") {
        throw new NetlinkError(e.errno, {
          ...e.extack,
          msg: `generic netlink family "${name}" is not available in this kernel`,
        }, `resolve family ${name}`);
      }
      throw e;
    }
    if (replies.length === 0) throw new Error(`nlctrl sent no reply for family ${name}`);
    const fam = familyOf(replies[0]);
    this.#families.set(name, fam);
    return fam;
  }

  /** Every family the kernel has. */
  async listFamilies(): Promise<GenlFamily[]> {
    const req = encodeMessage(CTRL_MESSAGE, {
      type: GENL_ID_CTRL,
      flags: 0,
      header: { cmd: CTRL_CMD.GETFAMILY, version: 2 },
    });
    const all = await this.engine.dumpAll(req, { decoder: ctrlDecoder, describe: "list families" });
    return all.map(familyOf);
  }

  /** Sends command `cmd` of `family` with attribute values `attrValues`; resolves with the typed replies. */
  async command<M extends MessageSchema>(
    family: string | GenlFamily,
    cmd: number,
    attrValues: Record<string, unknown>,
    opts: CommandOptions<M>,
  ): Promise<TypedMessage<M>[]> {
    const fam = typeof family === "string" ? await this.resolve(family) : family;
    const req = encodeMessage(opts.schema, {
      type: fam.id,
      flags: opts.flags ?? 0,
      header: { cmd, version: opts.version ?? fam.version },
      attrs: attrValues,
    });
    const decoder = viewDecoder(opts.schema);
    const describe = `${fam.name} command ${cmd}`;
    if (opts.dump) {
      return await this.engine.dumpAll(req, { decoder, schema: opts.schema, describe });
    }
    return await this.engine.request(req, { decoder, schema: opts.schema, describe });
  }

  /** Joins a family's multicast group by name; returns the group id. */
  async subscribe(family: string, group: string): Promise<number> {
    const fam = await this.resolve(family);
    const id = fam.groups[group];
    if (id === undefined) {
      throw new TypeError(
        `group: family ${family} has no multicast group ${JSON.stringify(group)}`,
      );
    }
    this.socket.addMembership(id);
    return id;
  }

  /** Closes the socket; pending requests reject. */
  close(): void {
    if (this.socket.closed) return;
    this.engine.failAll(new Error("the generic netlink socket was closed"));
    this.socket.close();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** A decoder that makes typed views of `schema` for every message. */
export function viewDecoder<M extends MessageSchema>(schema: M): Decoder<TypedMessage<M>> {
  const C = messageViewClass(schema);
  return (dv, u8, off, len) => new C(dv, u8, off, len) as TypedMessage<M>;
}

const ctrlDecoder = viewDecoder(CTRL_MESSAGE);
