/**
 * Handing out jobs: workers, claims (leases), heartbeats and reclaiming (reference §3.3 pop/ping,
 * §8.2, §8.6). Every claim is one BEGIN IMMEDIATE transaction whose UPDATE re-checks
 * `worker IS NULL`, so a job is never handed to two claimers, even across processes.
 */
import type { SchedulePolicy } from "../config.js";
import type { Database } from "../store/index.js";
import { addSeconds, fromDbTime, toDbTime } from "../store/time.js";
import { expandArchitectures } from "./architectures.js";

export interface QueueFilter {
  backends: string[];
  /** Expanded with rebuilderd's aliases (x86_64 ↔ amd64, …); "*" accepts any architecture. */
  architectures: string[];
}

export interface ClaimedArtifact {
  name: string;
  version: string;
  architecture: string;
  url: string;
  sha256: string | null;
  size: number | null;
}

export interface ClaimedJob {
  queueId: number;
  /** null for a job popped from a remote server, which does not say. */
  buildInputId: number | null;
  name: string;
  version: string;
  distribution: string;
  release: string | null;
  architecture: string;
  backend: string;
  url: string;
  priority: number;
  /** Store timestamps ("YYYY-MM-DD HH:MM:SS.fff", UTC). */
  queuedAt: string;
  startedAt: string;
  artifacts: ClaimedArtifact[];
}

/** Registration upserts by key (reference §3.4): name and address are refreshed, status cleared. */
export function registerWorker(db: Database, w: { name: string; key: string; address: string }, now: Date): number {
  if (!w.key) throw new Error("worker key must not be empty");
  const row = db
    .prepare<{ id: number }>(
      `INSERT INTO workers (name, key, address, status, last_ping, online) VALUES (?, ?, ?, NULL, ?, 1)
       ON CONFLICT (key) DO UPDATE SET name = excluded.name, address = excluded.address, status = NULL, last_ping = excluded.last_ping, online = 1
       RETURNING id`,
    )
    .get(w.name, w.key, w.address, toDbTime(now));
  return row!.id;
}

/** Hands running jobs whose last heartbeat is older than the ping deadline back to the queue. */
export function reclaimExpired(db: Database, policy: SchedulePolicy, now: Date): number {
  return db
    .prepare("UPDATE queue SET worker = NULL, started_at = NULL, last_ping = NULL WHERE last_ping IS NOT NULL AND last_ping < ?")
    .run(toDbTime(addSeconds(now, -policy.ping_deadline))).changes;
}

const CLAIMABLE = `q.worker IS NULL
  AND (bi.next_retry IS NULL OR bi.next_retry <= :now)
  AND (:anyArchitecture OR bi.architecture IN (SELECT value FROM json_each(:architectures)))
  AND bi.backend IN (SELECT value FROM json_each(:backends))`;

/** The best (priority, calendar day) among claimable jobs: the first hit walking the queue_pop index in order. */
const HEAD = `SELECT q.priority AS priority, date(q.queued_at) AS day
  FROM queue q JOIN build_inputs bi ON bi.id = q.build_input_id
  WHERE ${CLAIMABLE} ORDER BY q.priority, q.queued_at LIMIT 1`;

/** Within that group, the first claimable job at or after queue id :from; NOT INDEXED keeps it a rowid walk that stops at the first hit. */
const CLAIM = `UPDATE queue SET worker = :worker, started_at = :now, last_ping = :now
  WHERE id = (
    SELECT q.id FROM queue q NOT INDEXED JOIN build_inputs bi ON bi.id = q.build_input_id
    WHERE ${CLAIMABLE} AND q.priority = :priority AND date(q.queued_at) = :day AND q.id >= :from
    ORDER BY q.id LIMIT 1)
  AND worker IS NULL
  RETURNING id, build_input_id, priority, queued_at`;

/**
 * Claims the next due job this worker can build, or null. Stale leases are reclaimed first, as
 * rebuilderd does at the start of every pop. Order is rebuilderd's: priority, then calendar day
 * queued, then random within the day. The random pick starts at a random queue id and takes the
 * next job of the group (wrapping around), instead of `ORDER BY RANDOM()` over every candidate:
 * that sort made each claim cost O(queue) while holding the write lock, which starved concurrent
 * claimers past the busy timeout on a queue of 10,000 jobs.
 */
export function claimJob(db: Database, workerId: number, filter: QueueFilter, policy: SchedulePolicy, now: Date): ClaimedJob | null {
  const architectures = expandArchitectures(filter.architectures);
  const at = toDbTime(now);
  const params = {
    now: at,
    anyArchitecture: architectures === "*",
    architectures: JSON.stringify(architectures === "*" ? [] : architectures),
    backends: JSON.stringify(filter.backends),
  };
  return db.transaction(() => {
    reclaimExpired(db, policy, now);
    const head = db.prepare<{ priority: number; day: string }>(HEAD).get(params);
    if (!head) return null;
    const { lo, hi } = db.prepare<{ lo: number; hi: number }>("SELECT (SELECT min(id) FROM queue) AS lo, (SELECT max(id) FROM queue) AS hi").get()!;
    const claim = db.prepare<{ id: number; build_input_id: number; priority: number; queued_at: string }>(CLAIM);
    const group = { ...params, ...head, worker: workerId };
    const claimed = claim.get({ ...group, from: lo + Math.floor(Math.random() * (hi - lo + 1)) }) ?? claim.get({ ...group, from: lo })!;
    const input = db
      .prepare<{ name: string; version: string; distribution: string; release: string | null; architecture: string; backend: string; url: string }>(
        `SELECT sp.name, sp.version, sp.distribution, sp.release, bi.architecture, bi.backend, bi.url
         FROM build_inputs bi JOIN source_packages sp ON sp.id = bi.source_package_id WHERE bi.id = ?`,
      )
      .get(claimed.build_input_id)!;
    const artifacts = db
      .prepare<ClaimedArtifact>("SELECT name, version, architecture, artifact_url AS url, sha256, size FROM binary_packages WHERE build_input_id = ? ORDER BY id")
      .all(claimed.build_input_id);
    db.prepare("UPDATE workers SET online = 1, last_ping = ?, status = ? WHERE id = ?").run(at, `working hard on ${input.name} ${input.version}`, workerId);
    return {
      queueId: claimed.id,
      buildInputId: claimed.build_input_id,
      ...input,
      priority: claimed.priority,
      queuedAt: claimed.queued_at,
      startedAt: at,
      artifacts,
    };
  });
}

/**
 * When a job that is not claimable now becomes claimable by time alone: the earliest retry due
 * among unclaimed jobs, or the earliest lease to run out. null when nothing is waiting on a clock.
 * Idle slots sleep until then instead of polling the queue.
 */
export function nextDueAt(db: Database, policy: SchedulePolicy, now: Date): Date | null {
  const row = db
    .prepare<{ retry: string | null; ping: string | null }>(
      `SELECT (SELECT min(bi.next_retry) FROM queue q JOIN build_inputs bi ON bi.id = q.build_input_id WHERE q.worker IS NULL AND bi.next_retry > ?) AS retry,
              (SELECT min(last_ping) FROM queue WHERE last_ping IS NOT NULL) AS ping`,
    )
    .get(toDbTime(now))!;
  const times = [row.retry && fromDbTime(row.retry), row.ping && addSeconds(fromDbTime(row.ping), policy.ping_deadline)].filter((t): t is Date => !!t);
  return times.length ? new Date(Math.min(...times.map(Number))) : null;
}

/** Extends the lease; false when the job is gone or no longer this worker's (it was reclaimed). */
export function heartbeat(db: Database, queueId: number, workerId: number, now: Date): boolean {
  const at = toDbTime(now);
  return db.transaction(() => {
    const owned = db.prepare("UPDATE queue SET last_ping = ? WHERE id = ? AND worker = ?").run(at, queueId, workerId).changes > 0;
    if (owned) db.prepare("UPDATE workers SET online = 1, last_ping = ? WHERE id = ?").run(at, workerId);
    return owned;
  });
}

/** Hands a running job back untouched (e.g. on shutdown), so the next claimer can start it at once. */
export function releaseJob(db: Database, queueId: number, workerId: number): boolean {
  return db.transaction(() => {
    const released = db.prepare("UPDATE queue SET worker = NULL, started_at = NULL, last_ping = NULL WHERE id = ? AND worker = ?").run(queueId, workerId).changes > 0;
    if (released) db.prepare("UPDATE workers SET status = NULL WHERE id = ?").run(workerId);
    return released;
  });
}

/** `DELETE /api/v1/queue/{id}`: removes one job, running or not. */
export function dropQueueItem(db: Database, queueId: number): boolean {
  return db.prepare("DELETE FROM queue WHERE id = ?").run(queueId).changes > 0;
}
