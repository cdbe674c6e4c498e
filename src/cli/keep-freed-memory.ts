/**
 * Under Bun, mimalloc gives freed pages back to the system and faults them in again for the next
 * burst of allocations. A process that allocates short-lived objects all the time pays that churn
 * (madvise, page faults) over and over: `serve` ~10-25 % of its CPU per API request (bench:api),
 * the TUI over half the CPU of a keypress (bench:tui key_cpu_ms ~85 -> ~25). mimalloc reads
 * MIMALLOC_PURGE_DELAY when the process starts, so the command starts itself again in place with
 * freed memory kept for reuse (-1): same process id and terminal, nothing opened yet. Its peak memory is what it was; it just does not shrink after a peak.
 */
import { selfCommand } from "../engine/self-command.js";

export function keepFreedMemory(): void {
  if (typeof process.versions.bun !== "string" || !process.execve || process.env.MIMALLOC_PURGE_DELAY !== undefined) return;
  const self = selfCommand();
  process.execve(self.command, [self.command, ...self.args, ...process.argv.slice(2)], { ...process.env, MIMALLOC_PURGE_DELAY: "-1" });
}
