/**
 * A sync is background work: the process that runs one (the served sync's child, `rebuilder sync`
 * and `pkgs sync`) moves itself into the kernel's idle scheduling class (SCHED_IDLE), and its xz
 * decoders inherit it. A task of that class runs whenever a core has nothing else to do and gives
 * way at once to any other task that wakes up, so a server or a TUI on the same machine answers as
 * if no sync ran. Measured on 2 cores with the bookworm slice, lookups' p99 during a sync: 11–17 ms
 * at nice 10, 10–13 ms at nice 19, 7.5–7.9 ms idle (the same as with no sync). On an idle machine
 * the sync is as fast; beside CPU-bound work it only gets what that work leaves (hence
 * `--no-background` for a sync someone waits for on a busy machine).
 *
 * Node has no call for scheduling policies: util-linux's chrt (in every Debian and Arch base
 * system) sets it on all of this process's threads. nice +10 comes first, as the fallback when
 * chrt fails and for the I/O priority, which follows it.
 *
 * Linux's autogroups (on by default in Debian's and Arch's kernels) make the class and nice count
 * only within a session: each session's group of tasks gets a full share against the others. The
 * served sync's child leads a session of its own (it is started detached, to be killed as a
 * group), so in the idle class it still took half the CPU from the server beside it: lookups' p99
 * during the served sync, on 2 cores, 13–39 ms, against 4–7 ms during a `pkgs sync` started from
 * the server's own session. A process that leads its session therefore also lowers its group,
 * which holds only itself and its decoders; one started from a shell leaves the shell's group alone.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

const NICENESS = 10;
/** The lowest autogroup nice: a weight of 15 against a normal group's 1024. */
const AUTOGROUP_NICENESS = 19;

/** Lowers this process to background priority; returns what could not be lowered and why, if anything. */
export function runAsBackground(): string | undefined {
  setPriority(Math.min(19, getPriority() + NICENESS));
  const problems = [enterIdleClass(), lowerOwnAutogroup()].filter((p) => p !== undefined);
  return problems.length > 0 ? problems.join("; ") : undefined;
}

function enterIdleClass(): string | undefined {
  const r = spawnSync("chrt", ["--idle", "--all-tasks", "--pid", "0", String(process.pid)], { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
  if (r.status === 0) return undefined;
  // Node and Bun word a missing program differently; the code is the same.
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
  const why = missing ? "chrt: not found on PATH" : r.error ? `chrt: ${r.error.message}` : r.stderr.trim() || `chrt exit code ${r.status}`;
  return `the sync runs at nice ${getPriority()} instead of the idle scheduling class (${why}); install util-linux, which has chrt`;
}

/** The session this process belongs to (proc(5): field 6 of stat). */
function sessionId(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  return Number(stat.slice(stat.lastIndexOf(") ") + 2).split(" ")[3]);
}

/**
 * Lowers this process's autogroup when the process leads its session; returns why it could not.
 * Nothing to do where no autogroup schedules it: a kernel without them (no such file) or one that
 * shows none for this process (an empty file, as in some sandboxes and containers).
 */
function lowerOwnAutogroup(): string | undefined {
  if (sessionId() !== process.pid) return undefined;
  try {
    if (!/ nice -?\d+/.test(readFileSync("/proc/self/autogroup", "utf8"))) return undefined;
    writeFileSync("/proc/self/autogroup", String(AUTOGROUP_NICENESS));
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    return `the sync's session keeps its full share of the CPU (writing /proc/self/autogroup: ${code ?? (err as Error).message}); mount /proc writable or turn autogroups off (sysctl kernel.sched_autogroup_enabled=0)`;
  }
}
