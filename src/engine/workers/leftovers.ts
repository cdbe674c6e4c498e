/**
 * Job work directories (`<data>/tmp/job-<queue id>-<pid>-XXXXXX`) left behind by an engine that
 * was killed. Two engines may share a data directory (a `build` and a `serve`), so a directory is
 * only removed when the process that made it is gone or (with the local store) its job is not
 * leased any more.
 */
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Database } from "../store/index.js";

export function jobDirPrefix(queueId: number): string {
  return `job-${queueId}-${process.pid}-`;
}

const JOB_DIR = /^job-(\d+)-(\d+)-[^/]+$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes the leftover job directories in `tmpRoot`; returns the paths removed. */
export async function removeLeftoverJobDirs(tmpRoot: string, db?: Database): Promise<string[]> {
  // List before looking at the queue: a directory made after the listing is never a candidate.
  const candidates = (await readdir(tmpRoot)).flatMap((name) => {
    const m = JOB_DIR.exec(name);
    return m ? [{ path: join(tmpRoot, name), queueId: Number(m[1]), pid: Number(m[2]) }] : [];
  });
  const leased = db?.prepare<{ n: number }>("SELECT count(*) AS n FROM queue WHERE id = ? AND worker IS NOT NULL");
  const removed: string[] = [];
  for (const c of candidates) {
    if (processAlive(c.pid) && (!leased || leased.get(c.queueId)!.n > 0)) continue;
    await rm(c.path, { recursive: true, force: true });
    removed.push(c.path);
  }
  return removed;
}
