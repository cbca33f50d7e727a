/**
 * An `ss`-style tool on {@link SockDiag}: prints what iproute2 6.1's `ss` prints for the same
 * sockets (its columns and alignment when writing to a pipe or file).
 *
 * ```sh
 * deno run --allow-ffi --allow-read examples/ss.ts -tan        # TCP, all states, numeric
 * deno run --allow-ffi --allow-read examples/ss.ts -tuln       # TCP and UDP listeners
 * deno run --allow-ffi --allow-read examples/ss.ts -xp         # connected unix sockets, owners
 * deno run --allow-ffi --allow-read examples/ss.ts -N blue -ta # in the namespace "blue"
 * ```
 *
 * Options: `-t` TCP, `-u` UDP, `-w` raw, `-M` MPTCP, `-x` unix, `-0` packet, `-a` all states, `-l`
 * listening (and unconnected), `-n` numeric ports, `-p` processes, `-4`/`-6` one family,
 * `-N NAME` (`--net=NAME`) another network namespace.
 *
 * @module
 */

import { SockDiag } from "../diag/mod.ts";
import type { InetSocket, StateName, UnixSocket } from "../diag/mod.ts";
import type { Column, Row } from "./ss/render.ts";
import { render } from "./ss/render.ts";
import { socketUsers } from "./ss/users.ts";

/** What the command line asked for. */
export interface SsOptions {
  /** Socket tables: tcp, udp, raw, unix, packet. */
  tables: Set<"tcp" | "udp" | "raw" | "unix" | "packet" | "mptcp">;
  /** State bits as ss counts them (bit n: state n). */
  states: number;
  /** Numeric ports. */
  numeric: boolean;
  /** Show the processes holding each socket. */
  processes: boolean;
  /** Only these families (empty: both). */
  families: Set<"inet" | "inet6">;
  /** The network namespace. */
  netns?: string;
}

const SS_ALL = 0xfff;
const ESTAB = 1, LISTEN = 10, CLOSE = 7, TIME_WAIT = 6, SYN_RECV = 3;
const SS_CONN = SS_ALL & ~((1 << LISTEN) | (1 << CLOSE) | (1 << TIME_WAIT) | (1 << SYN_RECV));
const STATE_NAMES = [
  "UNKNOWN",
  "ESTAB",
  "SYN-SENT",
  "SYN-RECV",
  "FIN-WAIT-1",
  "FIN-WAIT-2",
  "TIME-WAIT",
  "UNCONN",
  "CLOSE-WAIT",
  "LAST-ACK",
  "LISTEN",
  "CLOSING",
];
const KERNEL_STATES: StateName[] = [
  "established",
  "syn_sent",
  "syn_recv",
  "fin_wait1",
  "fin_wait2",
  "time_wait",
  "close",
  "close_wait",
  "last_ack",
  "listen",
  "closing",
];

/** Parses ss's short options; throws with a usage message for anything else. */
export function parseArgs(args: readonly string[]): SsOptions {
  const o: SsOptions = {
    tables: new Set(),
    states: 0,
    numeric: false,
    processes: false,
    families: new Set(),
  };
  let all = false, listening = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "-N" || a === "--net") {
      o.netns = args[++i];
      if (!o.netns) throw new TypeError(`${a}: expected a namespace name`);
      continue;
    }
    if (a.startsWith("--net=")) {
      o.netns = a.slice(6);
      continue;
    }
    if (!/^-[a-zA-Z0-9]+$/.test(a)) throw new TypeError(`unknown argument ${a}`);
    for (const ch of a.slice(1)) {
      switch (ch) {
        case "t":
          o.tables.add("tcp");
          break;
        case "u":
          o.tables.add("udp");
          break;
        case "w":
          o.tables.add("raw");
          break;
        case "x":
          o.tables.add("unix");
          break;
        case "0":
          o.tables.add("packet");
          break;
        case "M":
          o.tables.add("mptcp");
          break;
        case "a":
          all = true;
          break;
        case "l":
          listening = true;
          break;
        case "n":
          o.numeric = true;
          break;
        case "p":
          o.processes = true;
          break;
        case "4":
          o.families.add("inet");
          break;
        case "6":
          o.families.add("inet6");
          break;
        default:
          throw new TypeError(`unknown option -${ch}`);
      }
    }
  }
  // Each table brings its default states (ss's default_dbs): TCP and unix the connected ones,
  // UDP and raw established, packet unconnected; -a or -l replace them.
  const defaults = {
    tcp: SS_CONN,
    udp: 1 << ESTAB,
    raw: 1 << ESTAB,
    unix: SS_CONN,
    packet: 1 << CLOSE,
    mptcp: SS_CONN,
  };
  let states = o.families.size > 0 ? SS_CONN : 0;
  for (const t of o.tables) states |= defaults[t];
  if (o.tables.size === 0) {
    const inet = ["tcp", "udp", "raw", "mptcp"] as const;
    o.tables = new Set(o.families.size > 0 ? inet : [...inet, "unix", "packet"]);
    states = SS_CONN;
  }
  o.states = all ? SS_ALL : listening ? (1 << LISTEN) | (1 << CLOSE) : states;
  return o;
}

function stateNames(mask: number): StateName[] {
  return KERNEL_STATES.filter((_, i) => mask & (1 << (i + 1)));
}

let services: Map<string, string> | undefined;

/** A port as ss shows it: "*" for 0, else a number (or, without -n, its /etc/services name). */
function portText(port: number, proto: string, numeric: boolean): string {
  if (port === 0) return "*";
  if (numeric) return String(port);
  if (!services) {
    services = new Map();
    try {
      for (const line of Deno.readTextFileSync("/etc/services").split("\n")) {
        const m = /^([^#\s]+)\s+(\d+)\/(\w+)/.exec(line);
        if (m && !services.has(`${m[2]}/${m[3]}`)) services.set(`${m[2]}/${m[3]}`, m[1]);
      }
    } catch {
      // no services file: numbers
    }
  }
  return services.get(`${port}/${proto}`) ?? String(port);
}

function inetAddr(family: number, addr: string, v6only: boolean): string {
  if (family === 2) return addr;
  if (!v6only && addr === "::") return "*";
  return addr.includes(":") ? `[${addr}]` : addr;
}

function queue(n: number): string {
  return String(n).padEnd(6);
}

/** The rows of `ss` for the sockets the options select, in the order ss prints them. */
export async function collect(o: SsOptions): Promise<{ rows: Row[]; disabled: Set<Column> }> {
  using diag = new SockDiag(o.netns ? { netns: o.netns } : {});
  const users = o.processes ? socketUsers() : undefined;
  const usersOf = (ino: number) => {
    const u = users?.get(ino);
    return u ? ` users:(${u.join(",")})` : "";
  };
  const family = o.families.size === 1 ? [...o.families][0] : undefined;
  const rows: Row[] = [];
  const states = stateNames(o.states);
  if (o.tables.has("packet") && o.states & (1 << CLOSE)) {
    for (const s of await diag.packet({ show: ["info"] })) {
      rows.push({
        netid: s.type === 3 ? "p_raw" : "p_dgr",
        state: "UNCONN",
        recvq: queue(0),
        sendq: queue(0),
        local: (s.num === 3 ? "*" : `0x${s.num.toString(16).padStart(4, "0")}`) + ":",
        lport: s.info?.index ? String(s.info.index) : "*",
        peer: "*",
        pport: "",
        process: usersOf(s.ino),
      });
    }
  }
  if (o.tables.has("unix")) {
    const netids: Record<number, string> = { 1: "u_str", 2: "u_dgr", 5: "u_seq" };
    for (const s of await diag.unix({ states, show: ["name", "peer", "rqlen"] })) {
      rows.push(unixRow(s, netids[s.type] ?? "u_dgr", usersOf(s.ino)));
    }
  }
  for (const proto of ["raw", "udp", "tcp", "mptcp"] as const) {
    if (!o.tables.has(proto)) continue;
    let list;
    try {
      list = await diag.inet({ protocol: proto, states, ...(family ? { family } : {}) });
    } catch (e) {
      // A kernel without raw diag (ss reads /proc/net/raw instead; this tool speaks netlink only).
      if (proto === "raw") continue;
      throw e;
    }
    for (const s of list as Iterable<InetSocket>) {
      const v6only = s.skv6only === 1;
      rows.push({
        netid: proto,
        state: STATE_NAMES[s.state] ?? "UNKNOWN",
        recvq: queue(s.rqueue),
        sendq: queue(s.wqueue),
        local: inetAddr(s.family, s.src, v6only) + ":",
        lport: portText(s.sport, proto, o.numeric),
        peer: inetAddr(s.family, s.dst, v6only) + ":",
        pport: portText(s.dport, proto, o.numeric),
        process: usersOf(s.inode),
      });
    }
  }
  const disabled = new Set<Column>();
  // One socket table: no Netid column; one state: no State column (as ss decides).
  const dbs = [...o.tables].reduce((n, t) => n + (t === "unix" ? 3 : t === "packet" ? 2 : 1), 0);
  if (dbs === 1) disabled.add("netid");
  if (!(o.states & (o.states - 1))) disabled.add("state");
  return { rows, disabled };
}

function unixRow(s: UnixSocket, netid: string, users: string): Row {
  return {
    netid,
    state: STATE_NAMES[s.state] ?? "UNKNOWN",
    recvq: queue(s.rqlen?.rqueue ?? 0),
    sendq: queue(s.rqlen?.wqueue ?? 0),
    local: (s.name ?? "*") + " ",
    lport: String(s.ino),
    peer: "* ",
    pport: String(s.peer ?? 0),
    process: users,
  };
}

/** Runs the tool: the text ss would print. */
export async function ss(args: readonly string[]): Promise<string> {
  const o = parseArgs(args);
  const { rows, disabled } = await collect(o);
  return render(rows, disabled);
}

if (import.meta.main) {
  try {
    const text = await ss(Deno.args);
    await Deno.stdout.write(new TextEncoder().encode(text));
  } catch (e) {
    console.error(`ss: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
