/**
 * `ip netns list|add|del` on the library's `netns` module (compatible with iproute2: the same
 * bind mounts under /run/netns).
 *
 * @module
 */

import { netns } from "../../mod.ts";
import { ANY } from "./out.ts";
import { type Ctx, ExitError, strerror, usage } from "./ctx.ts";

function errnoOf(e: unknown): number | undefined {
  return (e as { errno?: number }).errno;
}

/** `ip netns …`. */
export function doNetns(ctx: Ctx, args: string[]): Promise<void> {
  const [cmd, ...rest] = args;
  const p = ctx.p;
  if (cmd === undefined || ["list", "show", "ls", "lst"].includes(cmd)) {
    p.begin();
    for (const name of netns.list()) {
      p.openObject(null);
      p.str(ANY, "name", "%s", name);
      p.fp("\n");
      p.closeObject();
    }
    p.end();
    return Promise.resolve();
  }
  if (cmd === "add") {
    const name = rest[0];
    if (name === undefined) throw usage("No netns name specified");
    try {
      netns.create(name);
    } catch (e) {
      const n = errnoOf(e);
      throw new ExitError(
        `Cannot create namespace file "/run/netns/${name}": ${
          n ? strerror(n) : (e as Error).message
        }`,
        1,
      );
    }
    return Promise.resolve();
  }
  if (cmd === "del" || cmd === "delete") {
    const name = rest[0];
    if (name === undefined) throw usage("No netns name specified");
    try {
      netns.remove(name);
    } catch (e) {
      const n = errnoOf(e);
      throw new ExitError(
        `Cannot remove namespace file "/run/netns/${name}": ${
          n ? strerror(n) : (e as Error).message
        }`,
        1,
      );
    }
    return Promise.resolve();
  }
  if (cmd === "help") {
    throw usage(`Usage:	ip netns list
	ip netns add NAME
	ip netns delete NAME`);
  }
  throw usage(`Command "${cmd}" is unknown, try "ip netns help".`);
}
