/**
 * Captures what `ss` sends for a set of filters (the inet_diag request with its
 * INET_DIAG_REQ_BYTECODE), for the bytecode compiler's golden tests:
 *
 *     sudo deno run -A tests/golden/diag/capture_filters.ts     # writes tests/golden/diag/filters.json
 *
 * Each `ss -tn state established FILTER` runs under strace in a throwaway network namespace
 * (always removed). The first request (AF_INET) is kept, its sequence number zeroed.
 *
 * @module
 */

const FILTERS = [
  "sport = :80",
  "dport >= :1024",
  "src 10.0.0.0/8",
  "( sport = :22 or dport = :22 )",
  "not dst 127.0.0.1",
  "sport > :1000",
  "dport < :1024",
  "dst [::1]:443",
  "src [fe80::/10]",
  "dst [2001:db8::/32]:80",
  "src 10.1.2.3:80 and dport != :443",
  "sport >= :1000 and sport <= :2000",
  "autobound",
  "fwmark = 0x10/0xff",
  "dport < :1024 and not ( src 192.168.0.0/16 or src [fe80::/10] )",
];

const HERE = new URL(".", import.meta.url).pathname;
const ns = `ssgold${Deno.pid}`;
const dec = new TextDecoder();

function run(cmd: string, args: string[]): { out: string; err: string; ok: boolean } {
  const r = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).outputSync();
  return { out: dec.decode(r.stdout), err: dec.decode(r.stderr), ok: r.success };
}

/** The bytes of each sendmsg in an strace log made with `-e write=all -xx`. */
function sends(log: string): Uint8Array[] {
  const out: number[][] = [];
  for (const line of log.split("\n")) {
    if (/^(\[pid\s+\d+\]\s+)?sendmsg\(/.test(line)) out.push([]);
    const m = /^ \| [0-9a-f]{5}  ((?:[0-9a-f]{2} {1,2})+)/.exec(line);
    if (m && out.length) out[out.length - 1].push(...m[1].trim().split(/\s+/).map((h) => parseInt(h, 16)));
  }
  return out.map((b) => Uint8Array.from(b));
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

if (!run("ip", ["netns", "add", ns]).ok) throw new Error("ip netns add failed (root?)");
try {
  const results = [];
  for (const filter of FILTERS) {
    const r = run("ip", [
      "netns", "exec", ns, "strace", "-e", "trace=sendmsg", "-e", "write=all", "-xx", "-s", "4096",
      "ss", "-tn", "state", "established", ...filter.split(" "),
    ]);
    const [first] = sends(r.err);
    if (!first) throw new Error(`no request captured for ${filter}: ${r.err.slice(0, 500)}`);
    new DataView(first.buffer).setUint32(8, 0, true);
    results.push({ ss: filter, request: hex(first) });
  }
  const meta = {
    note: "ss -tn state established FILTER: the first (AF_INET) request, nlmsg_seq zeroed",
    iproute2: run("ss", ["-V"]).out.trim(),
    kernel: run("uname", ["-r"]).out.trim(),
    captures: results,
  };
  Deno.writeTextFileSync(`${HERE}filters.json`, JSON.stringify(meta, null, 2) + "\n");
  console.log(`wrote ${results.length} captures to ${HERE}filters.json`);
} finally {
  run("ip", ["netns", "del", ns]);
}
