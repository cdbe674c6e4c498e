/** Operator requests: `POST /api/v1/queue` (push) and `DELETE /api/v1/queue` (drop), reference §3.3 and §8.7. */
import type { BuildStatus } from "../events.js";
import type { Database } from "../store/index.js";
import type { SqlValue } from "../store/sqlite.js";
import { addSeconds, toDbTime } from "../store/time.js";
import { queuedFriendIds } from "./friends.js";
import { LATEST_STATUS_SQL } from "../store/queries/latest-rebuild.js";
import { SOURCE_HAS_COMPONENT, Where } from "../store/queries/where.js";

/** Every field narrows the selection; `{}` matches everything. */
export interface QueueMatch {
  distribution?: string;
  /** null matches rolling releases (release IS NULL). */
  release?: string | null;
  /** The build input's architecture, exactly. */
  architecture?: string;
  name?: string;
  version?: string;
  /** Status of the latest rebuild; UNKWN = never built (or an UNKWN verdict). */
  status?: BuildStatus;
  /** Some binary of the source package is in this component. */
  component?: string;
}

const STATUSES: readonly string[] = ["GOOD", "BAD", "FAIL", "UNKWN"];

/**
 * Build inputs matching the request. Unlike rebuilderd, which matches a status in *any*
 * historical rebuild, `status` is compared with the latest rebuild only, so "requeue BAD"
 * does not pick up packages that have been GOOD since.
 */
function matchedBuildInputs(match: QueueMatch): { sql: string; params: SqlValue[] } {
  const where = new Where()
    .eq("sp.distribution IS ?", match.distribution)
    .eq("sp.release IS ?", match.release)
    .eq("bi.architecture IS ?", match.architecture)
    .eq("sp.name IS ?", match.name)
    .eq("sp.version IS ?", match.version)
    .eq(SOURCE_HAS_COMPONENT, match.component);
  if (match.status !== undefined) {
    if (!STATUSES.includes(match.status)) throw new Error(`unknown status ${JSON.stringify(match.status)}, expected one of ${STATUSES.join(", ")}`);
    if (match.status === "UNKWN") where.raw(`coalesce(${LATEST_STATUS_SQL}, 'UNKWN') = 'UNKWN'`);
    else where.eq(`${LATEST_STATUS_SQL} = ?`, match.status);
  }
  const sql = `SELECT DISTINCT bi.id FROM build_inputs bi JOIN source_packages sp ON sp.id = bi.source_package_id ${where} ORDER BY bi.id`;
  return { sql, params: where.params };
}

/**
 * Queues every matching build input with `priority`, due at once (next_retry = now − 1 min).
 * Friend-aware: when a friend already has a job, that job is re-prioritised and made due
 * instead of adding a second one. Retry counters and earlier results are kept. Returns the
 * build inputs whose job was created or re-prioritised (see queuedJobs).
 */
export function pushBuildInputs(db: Database, match: QueueMatch, priority: number, now: Date): number[] {
  const { sql, params } = matchedBuildInputs(match);
  return db.transaction(() => requeueBuildInputs(db, db.prepare<{ id: number }>(sql).all(...params).map((r) => r.id), priority, now));
}

/** pushBuildInputs's count, for the CLI working on the store directly. */
export function pushQueue(db: Database, match: QueueMatch, priority: number, now: Date): number {
  return pushBuildInputs(db, match, priority, now).length;
}

/** queueBuildInputs's count. */
export function queueBuildInputs(db: Database, ids: readonly number[], priority: number, now: Date): number {
  return requeueBuildInputs(db, ids, priority, now).length;
}

/** pushBuildInputs for build inputs chosen otherwise (v0's push and requeue select them by binary package). */
export function requeueBuildInputs(db: Database, ids: readonly number[], priority: number, now: Date): number[] {
  if (!Number.isInteger(priority) || priority < -(2 ** 31) || priority >= 2 ** 31) throw new Error(`priority must be a 32-bit integer, got ${priority}`);
  const due = toDbTime(addSeconds(now, -60));
  return db.transaction(() => {
    const setDue = db.prepare("UPDATE build_inputs SET next_retry = ? WHERE id = ?");
    const setPriority = db.prepare("UPDATE queue SET priority = ? WHERE build_input_id = ?");
    const insert = db.prepare("INSERT INTO queue (build_input_id, priority, queued_at) VALUES (?, ?, ?)");
    const touched = new Set<number>();
    for (const id of ids) {
      const queued = queuedFriendIds(db, id);
      for (const friend of queued) {
        setPriority.run(priority, friend);
        setDue.run(due, friend);
        touched.add(friend);
      }
      if (queued.length === 0) {
        setDue.run(due, id);
        insert.run(id, priority, toDbTime(now));
        touched.add(id);
      }
    }
    return [...touched];
  });
}

/** A job as the job.queued event names it. */
export interface QueuedJob {
  queueId: number;
  name: string;
  version: string;
  priority: number;
}

/** The jobs of these build inputs, in queue order. */
export function queuedJobs(db: Database, buildInputIds: readonly number[]): QueuedJob[] {
  return db
    .prepare<QueuedJob>(
      `SELECT q.id AS queueId, sp.name, sp.version, q.priority FROM queue q
       JOIN build_inputs bi ON bi.id = q.build_input_id JOIN source_packages sp ON sp.id = bi.source_package_id
       WHERE q.build_input_id IN (SELECT value FROM json_each(?)) ORDER BY q.id`,
    )
    .all(JSON.stringify(buildInputIds));
}

/** Deletes every matching job, running ones included (as rebuilderd). `{}` empties the queue. */
export function dropQueue(db: Database, match: QueueMatch): number {
  const { sql, params } = matchedBuildInputs(match);
  return db.prepare(`DELETE FROM queue WHERE build_input_id IN (${sql})`).run(...params).changes;
}
