/**
 * The output layout of iproute2 6.1's `ss` when its output is not a terminal: every field is a
 * token of a column; a column is as wide as its widest token (plus its left delimiter); the
 * address columns are right-aligned, the others left-aligned and padded to their width; a line
 * is a row of tokens from Netid to the (empty) Ext column. Disabled columns take no space.
 *
 * @module
 */

/** The columns of `ss`, in order. */
export const COLUMNS = [
  "netid",
  "state",
  "recvq",
  "sendq",
  "local",
  "lport",
  "peer",
  "pport",
  "process",
  "ext",
] as const;

/** A column name. */
export type Column = typeof COLUMNS[number];

interface ColumnDef {
  right: boolean;
  header: string;
  ldelim: string;
}

const DEFS: Record<Column, ColumnDef> = {
  netid: { right: false, header: "Netid", ldelim: "" },
  state: { right: false, header: "State", ldelim: " " },
  recvq: { right: false, header: "Recv-Q", ldelim: " " },
  sendq: { right: false, header: "Send-Q", ldelim: " " },
  local: { right: true, header: "Local Address:", ldelim: " " },
  lport: { right: false, header: "Port", ldelim: "" },
  peer: { right: true, header: "Peer Address:", ldelim: " " },
  pport: { right: false, header: "Port", ldelim: "" },
  process: { right: false, header: "Process", ldelim: "" },
  ext: { right: false, header: "", ldelim: "" },
};

/** One socket's fields (absent ones are empty tokens). */
export type Row = Partial<Record<Column, string>>;

/** Lays out the header and `rows` as `ss` does; `disabled` columns are left out. */
export function render(rows: readonly Row[], disabled: ReadonlySet<Column>): string {
  const cols = COLUMNS.filter((c) => !disabled.has(c));
  // The header has no Ext token until the first socket flushes it (an empty one).
  const lines: string[][] = [cols.map((c) => (c === "ext" ? "" : DEFS[c].header))];
  for (const r of rows) lines.push(cols.map((c) => r[c] ?? ""));
  const maxLen = new Map<Column, number>(cols.map((c) => [c, 0]));
  lines.forEach((line, i) => {
    line.forEach((token, k) => {
      // ss measures a token when it moves past it: the last row's last tokens are never
      // flushed, so they do not count.
      const last = i === lines.length - 1 && lines.length > 1 &&
        (cols[k] === "process" || cols[k] === "ext");
      if (last) return;
      maxLen.set(cols[k], Math.max(maxLen.get(cols[k])!, token.length));
    });
  });
  const width = new Map<Column, number>();
  let first = true;
  for (const c of cols) {
    const m = maxLen.get(c)!;
    width.set(c, !first && m ? m + DEFS[c].ldelim.length : m);
    if (width.get(c)) first = false;
  }
  let out = "";
  for (const line of lines) {
    let s = "";
    line.forEach((token, k) => {
      const c = cols[k], def = DEFS[c], w = width.get(c)!;
      let printed = k > 0 ? def.ldelim.length : 0;
      if (k > 0) s += def.ldelim;
      if (w && def.right) {
        const pad = w - token.length - printed;
        if (pad > 0) {
          s += " ".repeat(pad);
          printed += pad;
        }
      }
      s += token;
      printed += token.length;
      if (w && !def.right && w - printed > 0) s += " ".repeat(w - printed);
    });
    out += s + "\n";
  }
  return out;
}
