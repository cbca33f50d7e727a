/**
 * A YAML subset, enough for desired-state documents, without dependencies (netstate reads
 * FILE.yaml / FILE.yml with it):
 *
 * - block mappings (`key: value`, `key:` then an indented block) and block sequences (`- item`,
 *   `- key: value` with the item's other keys aligned under the first one, `-` then a block);
 *   a sequence may sit at its key's own indentation, as YAML allows;
 * - scalars: decimal and `0x` integers, `true`/`false`, `null`/`~`, double-quoted strings
 *   (JSON escapes), single-quoted strings (`''` for a quote), and plain strings (the rest of the
 *   line; quote one that ends with `:` or starts with a YAML indicator);
 * - flow collections on one line: `[a, b]`, `{ k: v }`, nested, with the same scalars;
 * - `#` comments (at a line's start, or after white space outside quotes).
 *
 * Not in the subset (each an error naming the line): tabs for indentation, anchors and aliases,
 * tags, block scalars (`|`, `>`), multi-line flow collections, several documents.
 *
 * @module
 */

/** A line: its indentation, its text without the comment, its number (1-based). */
interface Line {
  indent: number;
  text: string;
  no: number;
}

/** A YAML error naming the line. */
export class YamlError extends SyntaxError {
  /** The error name. */
  override name = "YamlError";
}

function fail(no: number, what: string): never {
  throw new YamlError(`line ${no}: ${what}`);
}

/** The text before a comment (`#` at the start or after white space, outside quotes). */
function stripComment(s: string): string {
  let quote = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s[{,:-]/.test(s[i - 1])) quote = c;
    } else if (c === "#" && (i === 0 || /\s/.test(s[i - 1]))) return s.slice(0, i);
  }
  return s;
}

function lines(text: string): Line[] {
  const out: Line[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const no = i + 1;
    const lead = /^[ \t]*/.exec(raw)![0];
    if (lead.includes("\t")) fail(no, "tabs are not allowed for indentation");
    const body = stripComment(raw.slice(lead.length)).trimEnd();
    if (body === "") return;
    if (body === "---" && out.length === 0) return;
    if (body === "---" || body === "...") fail(no, "several documents are not in the subset");
    out.push({ indent: lead.length, text: body, no });
  });
  return out;
}

function quoted(s: string, no: number): [value: string, rest: string] {
  if (s[0] === '"') {
    const m = /^"(?:[^"\\]|\\.)*"/.exec(s);
    if (!m) fail(no, "unterminated double-quoted string");
    return [JSON.parse(m[0]), s.slice(m[0].length)];
  }
  const m = /^'(?:[^']|'')*'/.exec(s);
  if (!m) fail(no, "unterminated single-quoted string");
  return [m[0].slice(1, -1).replaceAll("''", "'"), s.slice(m[0].length)];
}

/** A scalar's value. */
function scalar(s: string, no: number): unknown {
  if (s[0] === '"' || s[0] === "'") {
    const [v, rest] = quoted(s, no);
    if (rest.trim() !== "") fail(no, `unexpected ${JSON.stringify(rest.trim())} after a string`);
    return v;
  }
  if (/^[&*!|>%@`]/.test(s)) {
    fail(
      no,
      `${JSON.stringify(s[0])} (anchors, aliases, tags, block scalars) is not in the subset`,
    );
  }
  if (/^-?\d+$/.test(s)) return Number(s);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return Number(s);
  if (s === "true" || s === "false") return s === "true";
  if (s === "null" || s === "~") return null;
  return s;
}

/** `key: rest` of a mapping line (undefined when the line is not one). */
function splitKey(s: string, no: number): [key: string, rest: string] | undefined {
  if (s[0] === '"' || s[0] === "'") {
    const [key, after] = quoted(s, no);
    const m = /^\s*:(?:\s+|$)/.exec(after);
    return m ? [key, after.slice(m[0].length).trim()] : undefined;
  }
  const m = /:(?:\s+|$)/.exec(s);
  if (!m || s[0] === "[" || s[0] === "{") return undefined;
  return [s.slice(0, m.index).trim(), s.slice(m.index + m[0].length).trim()];
}

/** A flow collection or scalar on one line, from `s[at]`; returns the value and where it ends. */
function flow(s: string, at: number, no: number): [unknown, number] {
  const ws = (i: number) => {
    while (s[i] === " ") i++;
    return i;
  };
  let i = ws(at);
  if (s[i] === "[" || s[i] === "{") {
    const close = s[i] === "[" ? "]" : "}";
    const seq: unknown[] = [], map: Record<string, unknown> = {};
    i = ws(i + 1);
    if (s[i] === close) return [close === "]" ? seq : map, i + 1];
    for (;;) {
      if (close === "]") {
        const [v, j] = flow(s, i, no);
        seq.push(v);
        i = ws(j);
      } else {
        const [k, j] = flow(s, i, no);
        i = ws(j);
        if (s[i] !== ":") fail(no, "expected : in a flow mapping");
        const [v, j2] = flow(s, i + 1, no);
        if (typeof k !== "string" && typeof k !== "number") fail(no, "a flow mapping key");
        map[String(k)] = v;
        i = ws(j2);
      }
      if (s[i] === ",") i = ws(i + 1);
      else if (s[i] === close) return [close === "]" ? seq : map, i + 1];
      else fail(no, `expected , or ${close} in a flow collection`);
    }
  }
  if (s[i] === '"' || s[i] === "'") {
    const [v, rest] = quoted(s.slice(i), no);
    return [v, s.length - rest.length];
  }
  // A plain scalar ends at , ] } or at ": " (a flow mapping's key).
  let j = i;
  while (
    j < s.length && !",]}".includes(s[j]) && !(s[j] === ":" && /[\s,\]}]|$/.test(s[j + 1] ?? ""))
  ) {
    j++;
  }
  return [scalar(s.slice(i, j).trim(), no), j];
}

/** A value written after `key:` or `- `. */
function inline(s: string, no: number): unknown {
  if (s[0] === "[" || s[0] === "{") {
    const [v, end] = flow(s, 0, no);
    if (s.slice(end).trim() !== "") fail(no, "unexpected text after a flow collection");
    return v;
  }
  return scalar(s, no);
}

const isDash = (t: string) => t === "-" || t.startsWith("- ");

function node(ls: Line[], i: number, indent: number): [unknown, number] {
  return isDash(ls[i].text) ? sequence(ls, i, indent) : mapping(ls, i, indent);
}

function sequence(ls: Line[], i: number, indent: number): [unknown[], number] {
  const out: unknown[] = [];
  while (i < ls.length && ls[i].indent === indent && isDash(ls[i].text)) {
    const l = ls[i];
    const rest = l.text.slice(1).trimStart();
    if (rest === "") {
      const next = ls[i + 1];
      if (!next || next.indent <= indent) {
        out.push(null);
        i++;
        continue;
      }
      const [v, j] = node(ls, i + 1, next.indent);
      out.push(v);
      i = j;
    } else if (splitKey(rest, l.no) || isDash(rest)) {
      // "- key: value": a mapping (or "- - x": a sequence) whose first line starts after "- ".
      const col = indent + (l.text.length - rest.length);
      const sub = [{ indent: col, text: rest, no: l.no }, ...ls.slice(i + 1)];
      const [v, j] = node(sub, 0, col);
      out.push(v);
      i = i + j;
    } else {
      out.push(inline(rest, l.no));
      i++;
    }
    if (i < ls.length && ls[i].indent > indent) fail(ls[i].no, "unexpected indentation");
  }
  return [out, i];
}

function mapping(ls: Line[], i: number, indent: number): [Record<string, unknown>, number] {
  const out: Record<string, unknown> = {};
  while (i < ls.length && ls[i].indent === indent && !isDash(ls[i].text)) {
    const l = ls[i];
    const kv = splitKey(l.text, l.no);
    if (!kv) fail(l.no, `expected "key: value", got ${JSON.stringify(l.text)}`);
    const [key, rest] = kv;
    if (Object.hasOwn(out, key)) fail(l.no, `the key ${JSON.stringify(key)} again`);
    i++;
    if (rest !== "") {
      out[key] = inline(rest, l.no);
    } else if (i < ls.length && ls[i].indent > indent) {
      [out[key], i] = node(ls, i, ls[i].indent);
    } else if (i < ls.length && ls[i].indent === indent && isDash(ls[i].text)) {
      [out[key], i] = sequence(ls, i, indent);
    } else out[key] = null;
    if (i < ls.length && ls[i].indent > indent) fail(ls[i].no, "unexpected indentation");
  }
  return [out, i];
}

/** Parses a document of the subset (see the module documentation); a YamlError names the line. */
export function parseYaml(text: string): unknown {
  const ls = lines(text);
  if (ls.length === 0) return null;
  if (ls.length === 1 && !isDash(ls[0].text) && !splitKey(ls[0].text, ls[0].no)) {
    return inline(ls[0].text, ls[0].no);
  }
  const [v, i] = node(ls, 0, ls[0].indent);
  if (i < ls.length) fail(ls[i].no, "unexpected indentation");
  return v;
}
