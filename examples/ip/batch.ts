/**
 * `ip -batch FILE` (`-b FILE`, `-` for standard input) and `-force`, as iproute2's do_batch:
 * one command a line (`#` comments, `\` continuations, quoted words), a failed command reported
 * as "Command failed FILE:LINE", and the run ends at the first failure unless `-force` is given.
 * A usage error ends it in any case, as iproute2's `exit()` does.
 *
 * With `-force` a failure stops nothing, so consecutive changes (`link|address|route|rule|
 * neighbour|nexthop add|del|set|change|replace|append|prepend|test`) are queued and pipelined
 * through the library's `ip.batch()` (many requests a datagram, every answer awaited), and each
 * refusal is reported with its line, in line order. The queue is sent before any other command
 * runs (it may read what the changes made), and before a device name is looked up while a link
 * change waits (it may create or rename the device). Without `-force` each command waits for its
 * answer before the next is read, as iproute2's does: nothing after a failure is applied.
 *
 * @module
 */

import { BatchError, type IPRoute, NetlinkError } from "../../mod.ts";
import { type Change, type ChangeQueue, Ctx, type Io, kernelError, type Opts } from "./ctx.ts";
import { strerror } from "./ctx.ts";
import { isChangeCommand, report, runCommand } from "./objects.ts";

/** One command of a batch file: its words and the line it starts on (1-based, as iproute2). */
export interface BatchLine {
  /** The line number iproute2 reports (the last line of a continued command). */
  line: number;
  /** The words (makeargs). */
  argv: string[];
}

/**
 * Splits a batch file into commands as iproute2's getcmdline and makeargs do: text from `#` on
 * is dropped, a line ending in `\` continues on the next, words are split on blanks, and a word
 * that begins with a quote runs to the same quote. Throws on an unterminated quote.
 */
export function parseBatch(text: string): BatchLine[] {
  const raw = text.split(/(?<=\n)/);
  const out: BatchLine[] = [];
  let lineno = 0;
  for (let i = 0; i < raw.length; i++) {
    let line = stripComment(raw[i]);
    lineno++;
    while (line.includes("\\\n")) {
      if (i + 1 >= raw.length) throw new BatchSyntaxError("Missing continuation line");
      const cut = line.indexOf("\\\n");
      line = line.slice(0, cut) + stripComment(raw[++i]);
      lineno++;
    }
    const argv = makeArgs(line);
    if (argv.length) out.push({ line: lineno, argv });
  }
  return out;
}

/** A batch file iproute2 would refuse while reading it (it exits 1). */
export class BatchSyntaxError extends Error {}

function stripComment(line: string): string {
  const hash = line.indexOf("#");
  return hash < 0 ? line : line.slice(0, hash);
}

function makeArgs(line: string): string[] {
  const argv: string[] = [];
  const ws = " \t\r\n";
  let i = 0;
  while (i < line.length) {
    while (i < line.length && ws.includes(line[i])) i++;
    if (i >= line.length) break;
    const c = line[i];
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new BatchSyntaxError("Unterminated quoted string");
      argv.push(line.slice(i + 1, end));
      i = end + 1;
    } else {
      let end = i;
      while (end < line.length && !ws.includes(line[end])) end++;
      argv.push(line.slice(i, end));
      i = end;
    }
    // makeargs ends a word where it puts its NUL: one character after the word is skipped.
    i++;
  }
  return argv;
}

/** The `-force` pipeline: changes queued with their lines, sent by `ip.batch()`. */
class Pipeline implements ChangeQueue {
  line = 0;
  #entries: { line: number; change: Change }[] = [];
  #linkPending = false;
  #names?: Map<string, number>;

  constructor(
    readonly ip: IPRoute,
    readonly failed: (line: number, error: unknown) => void,
  ) {}

  push(change: Change): void {
    this.#entries.push({ line: this.line, change });
    if (change.obj === "link") this.#linkPending = true;
  }

  async index(name: string): Promise<number | undefined> {
    if (this.#linkPending) await this.flush();
    if (!this.#names) {
      const names = new Map<string, number>();
      for (const l of await this.ip.getLinks()) {
        if (l.ifname !== undefined) names.set(l.ifname, l.index);
      }
      this.#names = names;
    }
    return this.#names.get(name);
  }

  /** Sends what is queued; reports each refusal with its line, in line order. */
  async flush(): Promise<void> {
    const entries = this.#entries;
    this.#entries = [];
    if (this.#linkPending) this.#names = undefined;
    this.#linkPending = false;
    if (entries.length === 0) return;
    try {
      await this.ip.batch((b) => {
        for (const { change: c } of entries) {
          switch (c.obj) {
            case "link":
              b.link(c.cmd, c.spec);
              break;
            case "addr":
              b.addr(c.cmd, c.spec);
              break;
            case "route":
              b.route(c.cmd, c.spec);
              break;
            case "rule":
              b.rule(c.cmd, c.spec);
              break;
            case "neigh":
              b.neigh(c.cmd, c.spec);
              break;
            case "nexthop":
              b.nexthop(c.cmd, c.spec);
              break;
          }
        }
      });
    } catch (e) {
      if (!(e instanceof BatchError)) throw e;
      for (const f of e.failures) this.failed(entries[f.index].line, f.error);
    }
  }
}

/** Reads the batch: a file, or standard input for `-`. */
async function readBatch(file: string): Promise<string> {
  if (file !== "-") return Deno.readTextFileSync(file);
  return await new Response(Deno.stdin.readable).text();
}

/** Runs a batch file; resolves with the exit code (0, 1 after a failed command, or exit()'s). */
export async function runBatch(file: string, opts: Opts, force: boolean, io: Io): Promise<number> {
  let commands: BatchLine[];
  try {
    commands = parseBatch(await readBatch(file));
  } catch (e) {
    if (e instanceof BatchSyntaxError) {
      io.err(`${e.message}\n`);
      return 1;
    }
    const errno = (e as { code?: string }).code === "ENOENT" ? 2 : undefined;
    const why = errno ? strerror(errno) : (e as Error).message;
    io.err(`Cannot open file "${file}" for reading: ${why}\n`);
    return 1;
  }
  const base = new Ctx(opts);
  let ret = 0;
  const failed = (line: number, error: unknown) => {
    report(error instanceof NetlinkError ? kernelError(error) : error, io);
    io.err(`Command failed ${file}:${line}\n`);
    ret = 1;
  };
  try {
    const ip = base.ip;
    const pipeline = force ? new Pipeline(ip, failed) : undefined;
    for (const { line, argv } of commands) {
      // iproute2 resets the family (-4/-6) for every command; the other options stay.
      const ctx = new Ctx({ ...opts }, ip);
      const queued = pipeline !== undefined && isChangeCommand(argv);
      if (pipeline) {
        if (queued) {
          pipeline.line = line;
          ctx.queue = pipeline;
        } else await pipeline.flush();
      }
      let result: { code: number; fatal: boolean };
      const errors: string[] = [];
      try {
        // A queued command's own errors wait for the answers of the lines before it.
        result = await runCommand(
          ctx,
          argv,
          queued ? { out: io.out, err: (t) => errors.push(t) } : io,
        );
      } finally {
        ctx.close();
      }
      if (result.code === 0) continue;
      if (queued) {
        await pipeline!.flush();
        for (const t of errors) io.err(t);
      }
      if (result.fatal) return result.code;
      io.err(`Command failed ${file}:${line}\n`);
      ret = 1;
      if (!force) break;
    }
    await pipeline?.flush();
  } catch (e) {
    return report(e, io).code;
  } finally {
    base.close();
  }
  return ret;
}
