/**
 * `conntrack -L -o xml,id,ktimestamp` parsed into plain flows, for the conntrack oracle tests.
 *
 * @module
 */

/** One direction of a flow as conntrack(8) prints it. */
export interface XmlTuple {
  /** Source address. */
  src?: string;
  /** Destination address. */
  dst?: string;
  /** Protocol name ("tcp", "udp", "icmp", …). */
  proto?: string;
  /** Source port. */
  sport?: number;
  /** Destination port. */
  dport?: number;
  /** ICMP type, code and id. */
  type?: number;
  /** ICMP code. */
  code?: number;
  /** ICMP id. */
  icmpId?: number;
  /** Counters (with nf_conntrack_acct). */
  packets?: number;
  /** Bytes. */
  bytes?: number;
}

/** One flow. */
export interface XmlFlow {
  /** The original direction. */
  orig: XmlTuple;
  /** The reply direction. */
  reply: XmlTuple;
  /** TCP state. */
  state?: string;
  /** Seconds left. */
  timeout?: number;
  /** Mark. */
  mark?: number;
  /** Zone. */
  zone?: number;
  /** Reference count. */
  use?: number;
  /** Entry id. */
  id?: number;
  /** Flags: "assured", "unreplied". */
  flags: string[];
  /** Timestamp start (ns). */
  start?: string;
}

const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

function tuple(meta: string): XmlTuple {
  const l4 = /<layer4 protonum="\d+" protoname="([^"]+)">(.*?)<\/layer4>/.exec(meta);
  const t: XmlTuple = { src: tag(meta, "src"), dst: tag(meta, "dst"), proto: l4?.[1] };
  const body = l4?.[2] ?? "";
  for (
    const [k, x] of [["sport", "sport"], ["dport", "dport"], ["type", "type"], ["code", "code"], [
      "icmpId",
      "id",
    ]] as const
  ) {
    const v = num(tag(body, x));
    if (v !== undefined) t[k] = v;
  }
  const counters = /<counters>(.*?)<\/counters>/.exec(meta)?.[1];
  if (counters) {
    t.packets = num(tag(counters, "packets"));
    t.bytes = num(tag(counters, "bytes"));
  }
  return t;
}

/** Parses the XML conntrack(8) prints. */
export function parseConntrackXml(xml: string): XmlFlow[] {
  const flows: XmlFlow[] = [];
  for (const m of xml.matchAll(/<flow>(.*?)<\/flow>/g)) {
    const f = m[1];
    const orig = /<meta direction="original">(.*?)<\/meta>/.exec(f)?.[1] ?? "";
    const reply = /<meta direction="reply">(.*?)<\/meta>/.exec(f)?.[1] ?? "";
    const ind = /<meta direction="independent">(.*?)<\/meta>/.exec(f)?.[1] ?? "";
    flows.push({
      orig: tuple(orig),
      reply: tuple(reply),
      state: tag(ind, "state"),
      timeout: num(tag(ind, "timeout")),
      mark: num(tag(ind, "mark")),
      zone: num(tag(ind, "zone")),
      use: num(tag(ind, "use")),
      id: num(tag(ind, "id")),
      flags: ["assured", "unreplied"].filter((x) => ind.includes(`<${x}/>`)),
      start: tag(/<timestamp>(.*?)<\/timestamp>/.exec(ind)?.[1] ?? "", "start"),
    });
  }
  return flows;
}
