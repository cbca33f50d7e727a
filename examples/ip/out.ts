/**
 * Output for the `ip` tool, modelled on iproute2's json_print.c and json_writer.c so that `-j`
 * and `-j -p` print the same bytes as `ip`: one call per field, with a text format used without
 * `-j` and a JSON key used with it.
 *
 * @module
 */

/** Print in text mode only (iproute2's PRINT_FP). */
export const FP = 1;
/** Print in JSON mode only (PRINT_JSON). */
export const JSON_ONLY = 2;
/** Print in both modes (PRINT_ANY). */
export const ANY = 4;

const SIMPLE = new Map<string, [string, string] | null>();

/** `[before, after]` when `fmt` is text around one plain `%s`, `%u`, `%d` (the common case). */
function simple(fmt: string): [string, string] | null {
  let hit = SIMPLE.get(fmt);
  if (hit === undefined) {
    const m = /^([^%]*)%(?:s|u|d|llu|lu)([^%]*)$/.exec(fmt);
    hit = m ? [m[1], m[2]] : null;
    SIMPLE.set(fmt, hit);
  }
  return hit;
}

/** A tiny printf: `%[-0#][width][.prec][l|ll|h|hh](s|d|i|u|x|X|f|g|c|%)`. */
export function sprintf(fmt: string, ...args: unknown[]): string {
  if (args.length === 1) {
    const s = simple(fmt);
    const v = args[0];
    if (s && (typeof v === "string" || typeof v === "number")) return s[0] + v + s[1];
  }
  let i = 0;
  return fmt.replace(
    /%([-0#+ ]*)(\*|\d+)?(?:\.(\d+))?(?:hh|h|ll|l|z|j)?([sdiuxXfgc%])/g,
    (_m, flags: string, width: string | undefined, prec: string | undefined, conv: string) => {
      if (conv === "%") return "%";
      let w = width === "*" ? Number(args[i++]) : width !== undefined ? Number(width) : 0;
      let left = flags.includes("-");
      if (w < 0) {
        left = true;
        w = -w;
      }
      const v = args[i++];
      let s: string;
      switch (conv) {
        case "s":
          s = v === null || v === undefined ? "(null)" : String(v);
          if (prec !== undefined) s = s.slice(0, Number(prec));
          break;
        case "c":
          s = typeof v === "number" ? String.fromCharCode(v) : String(v);
          break;
        case "d":
        case "i":
        case "u": {
          const n = typeof v === "bigint" ? v : BigInt(Math.trunc(Number(v)));
          s = n.toString();
          if (prec !== undefined) {
            const neg = s.startsWith("-");
            s = (neg ? "-" : "") + (neg ? s.slice(1) : s).padStart(Number(prec), "0");
          }
          if (flags.includes("+") && n >= 0n) s = "+" + s;
          break;
        }
        case "x":
        case "X": {
          const n = typeof v === "bigint" ? v : BigInt(Math.trunc(Number(v)));
          s = (n < 0n ? n + (1n << 32n) : n).toString(16);
          if (prec !== undefined) s = s.padStart(Number(prec), "0");
          if (conv === "X") s = s.toUpperCase();
          if (flags.includes("#") && n !== 0n) s = (conv === "X" ? "0X" : "0x") + s;
          break;
        }
        case "f":
          s = Number(v).toFixed(prec !== undefined ? Number(prec) : 6);
          break;
        case "g":
          s = formatG(Number(v), prec !== undefined ? Number(prec) : 6);
          break;
        default:
          s = String(v);
      }
      if (s.length < w) {
        if (left) s = s.padEnd(w, " ");
        else if (flags.includes("0") && conv !== "s" && conv !== "c") {
          const neg = s.startsWith("-");
          const body = neg ? s.slice(1) : s;
          s = (neg ? "-" : "") + body.padStart(w - (neg ? 1 : 0), "0");
        } else s = s.padStart(w, " ");
      }
      return s;
    },
  );
}

/** C's `%g`. */
export function formatG(v: number, prec = 6): string {
  if (v === 0) return "0";
  if (!Number.isFinite(v)) return String(v);
  const p = prec === 0 ? 1 : prec;
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -4 || exp >= p) {
    let s = v.toExponential(p - 1);
    let [m, e] = s.split("e");
    if (m.includes(".")) m = m.replace(/0+$/, "").replace(/\.$/, "");
    const en = Number(e);
    s = `${m}e${en < 0 ? "-" : "+"}${String(Math.abs(en)).padStart(2, "0")}`;
    return s;
  }
  let s = v.toFixed(Math.max(0, p - 1 - exp));
  if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  return s;
}

/** Collected output (string concatenation: V8 ropes beat an array of many small pieces). */
export class Sink {
  /** The text so far. */
  text = "";
}

/** iproute2's json_writer: the same separators, indentation and escapes. */
export class JsonWriter {
  #out: Sink;
  #depth = 0;
  #sep = "";
  readonly pretty: boolean;

  constructor(out: Sink, pretty: boolean) {
    this.#out = out;
    this.pretty = pretty;
  }

  #put(s: string): void {
    this.#out.text += s;
  }

  #indent(): void {
    for (let i = 0; i < this.#depth; i++) this.#put("    ");
  }

  #eol(): void {
    if (!this.pretty) return;
    this.#put("\n");
    this.#indent();
  }

  #eor(): void {
    if (this.#sep !== "") this.#put(this.#sep);
    this.#sep = ",";
  }

  #puts(str: string): void {
    if (!/[\t\n\r\f\b\\"]/.test(str)) {
      this.#put('"' + str + '"');
      return;
    }
    let s = '"';
    for (const ch of str) {
      switch (ch) {
        case "\t":
          s += "\\t";
          break;
        case "\n":
          s += "\\n";
          break;
        case "\r":
          s += "\\r";
          break;
        case "\f":
          s += "\\f";
          break;
        case "\b":
          s += "\\b";
          break;
        case "\\":
          s += "\\\\";
          break;
        case '"':
          s += '\\"';
          break;
        default:
          s += ch;
      }
    }
    this.#put(s + '"');
  }

  #begin(c: string): void {
    this.#eor();
    this.#put(c);
    this.#depth++;
    this.#sep = "";
  }

  #end(c: string): void {
    this.#depth--;
    if (this.#sep !== "") this.#eol();
    this.#put(c);
    this.#sep = ",";
  }

  /** A member name. */
  name(name: string): void {
    this.#eor();
    this.#eol();
    this.#sep = "";
    this.#puts(name);
    this.#put(":");
    if (this.pretty) this.#put(" ");
  }

  /** A raw value as text (numbers, true, null). */
  raw(text: string): void {
    this.#eor();
    this.#put(text);
  }

  /** A string value. */
  string(value: string): void {
    this.#eor();
    this.#puts(value);
  }

  startObject(): void {
    this.#begin("{");
  }

  endObject(): void {
    this.#end("}");
  }

  startArray(): void {
    this.#begin("[");
    if (this.pretty) this.#put(" ");
  }

  endArray(): void {
    if (this.pretty && this.#sep !== "") this.#put(" ");
    this.#sep = "";
    this.#end("]");
  }
}

/** Where the tool writes: text or JSON, collected and flushed by the caller. */
export class Printer {
  /** Output (stdout) collected so far. */
  readonly out: Sink = new Sink();
  /** The JSON writer, when `-j` was given. */
  readonly jw?: JsonWriter;
  /** The line separator: "\n", or "\\" with `-o`. */
  readonly sl: string;

  constructor(opts: { json?: boolean; pretty?: boolean; oneline?: boolean } = {}) {
    if (opts.json) this.jw = new JsonWriter(this.out, !!opts.pretty);
    this.sl = opts.oneline ? "\\" : "\n";
  }

  /** Whether output is JSON. */
  get json(): boolean {
    return this.jw !== undefined;
  }

  #isJson(t: number): boolean {
    return this.jw !== undefined && (t & (JSON_ONLY | ANY)) !== 0;
  }

  #isFp(t: number): boolean {
    return this.jw === undefined && (t & (FP | ANY)) !== 0;
  }

  /** Raw text (text mode only). */
  fp(text: string): void {
    if (!this.jw) this.out.text += text;
  }

  /** Text written as is in either mode (tc 6.1's fprintf output under -j). */
  raw(text: string): void {
    this.out.text += text;
  }

  /** Opens the top-level JSON array (iproute2's new_json_obj). */
  begin(): void {
    this.jw?.startArray();
  }

  /** Closes the top-level JSON array and ends the line (delete_json_obj). */
  end(): void {
    if (this.jw) {
      this.jw.endArray();
      this.out.text += "\n";
    }
  }

  openObject(key: string | null = null): void {
    if (!this.jw) return;
    if (key) this.jw.name(key);
    this.jw.startObject();
  }

  closeObject(): void {
    this.jw?.endObject();
  }

  openArray(t: number, str: string): void {
    if (this.#isJson(t)) {
      this.jw!.name(str);
      this.jw!.startArray();
    } else if (this.#isFp(t)) this.out.text += str;
  }

  /** An anonymous JSON array (an array element). */
  openArrayAnon(): void {
    this.jw?.startArray();
  }

  closeArray(t: number, delim: string | null): void {
    if (this.#isJson(t)) this.jw!.endArray();
    else if (this.#isFp(t) && delim) this.out.text += delim;
  }

  /** print_string. */
  str(t: number, key: string | null, fmt: string, value: string | null | undefined): void {
    if (this.#isJson(t)) {
      if (key && (value === null || value === undefined)) this.jw!.name(key);
      else if (!key && value !== null && value !== undefined) this.jw!.string(value);
      else {
        this.jw!.name(key!);
        this.jw!.string(value ?? "");
      }
    } else if (this.#isFp(t)) this.out.text += sprintf(fmt, value);
  }

  #num(t: number, key: string | null, fmt: string, value: number | bigint, json: string): void {
    if (this.#isJson(t)) {
      if (key) this.jw!.name(key);
      this.jw!.raw(json);
    } else if (this.#isFp(t)) this.out.text += sprintf(fmt, value);
  }

  /** print_uint / print_u64 / print_int. */
  uint(t: number, key: string | null, fmt: string, value: number | bigint): void {
    this.#num(t, key, fmt, value, String(value));
  }

  /** print_int. */
  int(t: number, key: string | null, fmt: string, value: number): void {
    this.#num(t, key, fmt, value, String(value));
  }

  /** print_bool: JSON true/false; text prints `fmt` with "true"/"false". */
  bool(t: number, key: string | null, fmt: string, value: boolean): void {
    if (this.#isJson(t)) {
      if (key) this.jw!.name(key);
      this.jw!.raw(value ? "true" : "false");
    } else if (this.#isFp(t)) this.out.text += sprintf(fmt, value ? "true" : "false");
  }

  /** print_on_off: JSON bool, text "on"/"off". */
  onOff(t: number, key: string, fmt: string, value: boolean): void {
    if (this.#isJson(t)) {
      this.jw!.name(key);
      this.jw!.raw(value ? "true" : "false");
    } else if (this.#isFp(t)) this.out.text += sprintf(fmt, value ? "on" : "off");
  }

  /** print_null. */
  nul(t: number, key: string | null, fmt: string, value: string | null): void {
    if (this.#isJson(t)) {
      if (key) this.jw!.name(key);
      this.jw!.raw("null");
    } else if (this.#isFp(t)) this.out.text += sprintf(fmt, value);
  }

  /** print_hex: JSON a string "%x". */
  hex(t: number, key: string | null, fmt: string, value: number): void {
    if (this.#isJson(t)) {
      const s = sprintf("%x", value);
      if (key) {
        this.jw!.name(key);
        this.jw!.string(s);
      } else this.jw!.string(s);
    } else if (this.#isFp(t)) this.out.text += sprintf(fmt, value);
  }

  /** print_0xhex: JSON a string "%#llx" (so 0 is "0"). */
  xhex(t: number, key: string | null, fmt: string, value: number | bigint): void {
    if (this.#isJson(t)) {
      const s = sprintf("%#llx", value);
      if (key) {
        this.jw!.name(key);
        this.jw!.string(s);
      } else this.jw!.string(s);
    } else if (this.#isFp(t)) this.out.text += sprintf(fmt, value);
  }

  /** A JSON value printed raw with its own format (jsonw_printf), text with another. */
  rawValue(t: number, key: string, jsonText: string, text: string): void {
    if (this.#isJson(t)) {
      this.jw!.name(key);
      this.jw!.raw(jsonText);
    } else if (this.#isFp(t)) this.out.text += text;
  }

  /** The text collected so far (and forgets it). */
  take(): string {
    const s = this.out.text;
    this.out.text = "";
    return s;
  }
}
