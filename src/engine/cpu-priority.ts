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
 */
import { spawnSync } from "node:child_process";
import { getPriority, setPriority } from "node:os";

const NICENESS = 10;

/** Lowers this process to background priority; returns why the idle class could not be set, if so. */
export function runAsBackground(): string | undefined {
  setPriority(Math.min(19, getPriority() + NICENESS));
  const r = spawnSync("chrt", ["--idle", "--all-tasks", "--pid", "0", String(process.pid)], { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
  if (r.status === 0) return undefined;
  // Node and Bun word a missing program differently; the code is the same.
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
  const why = missing ? "chrt: not found on PATH" : r.error ? `chrt: ${r.error.message}` : r.stderr.trim() || `chrt exit code ${r.status}`;
  return `the sync runs at nice ${getPriority()} instead of the idle scheduling class (${why}); install util-linux, which has chrt`;
}
