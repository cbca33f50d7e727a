/**
 * Which processes hold which sockets, as `ss -p` finds them: every `/proc/PID/fd/N` link that
 * reads `socket:[INODE]`, named by the process's `comm`. For an inode held several times, `ss`
 * lists the holders in reverse order of its scan (it prepends to a hash chain).
 *
 * @module
 */

/** inode → `("comm",pid=P,fd=F)` entries, in the order ss prints them. */
export function socketUsers(): Map<number, string[]> {
  const users = new Map<number, string[]>();
  let procs: Deno.DirEntry[];
  try {
    procs = [...Deno.readDirSync("/proc")];
  } catch {
    return users;
  }
  for (const p of procs) {
    if (!/^\d+$/.test(p.name)) continue;
    let comm: string | undefined;
    let fds: Deno.DirEntry[];
    try {
      fds = [...Deno.readDirSync(`/proc/${p.name}/fd`)];
    } catch {
      continue; // gone, or not ours to read
    }
    for (const f of fds) {
      if (!/^\d+/.test(f.name)) continue;
      let link: string;
      try {
        link = Deno.readLinkSync(`/proc/${p.name}/fd/${f.name}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (!m) continue;
      if (comm === undefined) {
        try {
          comm = /^\d+ \(([^)]*)/.exec(Deno.readTextFileSync(`/proc/${p.name}/stat`))?.[1] ?? "";
        } catch {
          comm = "";
        }
      }
      const ino = Number(m[1]);
      const list = users.get(ino) ?? [];
      list.unshift(`("${comm}",pid=${Number(p.name)},fd=${parseInt(f.name)})`);
      users.set(ino, list);
    }
  }
  return users;
}
