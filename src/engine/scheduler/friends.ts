/**
 * Friends: build inputs with the same url, backend and architecture (reference §8.3), e.g. one
 * Debian .buildinfo listed in both sid and testing. They share results, retries and one job.
 */
import type { Database } from "../store/index.js";

/** Every friend of build input ? including itself. */
const FRIENDS = `SELECT f.id FROM build_inputs b
  JOIN build_inputs f ON f.url = b.url AND f.backend = b.backend AND f.architecture = b.architecture
  WHERE b.id = ?`;

/** What a sync needs to know about a build input's friends (itself included). */
export interface FriendSummary {
  friends: number;
  /** Friends with a queue row. */
  queued: number;
  /** The highest retry counter among them. */
  retries: number;
}

const SUMMARY_COLUMNS = `count(f.id) AS friends, coalesce(sum(EXISTS (SELECT 1 FROM queue q WHERE q.build_input_id = f.id)), 0) AS queued,
  coalesce(max(f.retries), 0) AS retries`;
const WITH_FRIENDS = "JOIN build_inputs f ON f.url = b.url AND f.backend = b.backend AND f.architecture = b.architecture";

export function friendSummary(db: Database, buildInputId: number): FriendSummary {
  return db.prepare<FriendSummary>(`SELECT ${SUMMARY_COLUMNS} FROM build_inputs b ${WITH_FRIENDS} WHERE b.id = ?`).get(buildInputId)!;
}

/** friendSummary of many build inputs in one statement, in the order given (0 friends: no such build input). */
export function friendSummaries(db: Database, buildInputIds: readonly number[]): FriendSummary[] {
  return db
    .prepare<FriendSummary>(
      `SELECT ${SUMMARY_COLUMNS} FROM json_each(?) j LEFT JOIN build_inputs b ON b.id = j.value LEFT ${WITH_FRIENDS}
       GROUP BY j.key ORDER BY j.key`,
    )
    .all(JSON.stringify(buildInputIds));
}

export function friendIds(db: Database, buildInputId: number): number[] {
  return db.prepare<{ id: number }>(`${FRIENDS} ORDER BY f.id`).all(buildInputId).map((r) => r.id);
}

export function queuedFriendIds(db: Database, buildInputId: number): number[] {
  return db
    .prepare<{ build_input_id: number }>(`SELECT build_input_id FROM queue WHERE build_input_id IN (${FRIENDS})`)
    .all(buildInputId)
    .map((r) => r.build_input_id);
}

/** The highest retry counter among the friends: the count of failed attempts of this build. */
function friendsRetries(db: Database, buildInputId: number): number {
  return db.prepare<{ r: number | null }>(`SELECT max(retries) AS r FROM build_inputs WHERE id IN (${FRIENDS})`).get(buildInputId)?.r ?? 0;
}

/** One more failed attempt, counted on every friend; returns the new highest counter. */
export function countFailure(db: Database, buildInputId: number): number {
  db.prepare(`UPDATE build_inputs SET retries = retries + 1 WHERE id IN (${FRIENDS})`).run(buildInputId);
  return friendsRetries(db, buildInputId);
}

export function setFriendsNextRetry(db: Database, buildInputId: number, nextRetry: string | null): void {
  db.prepare(`UPDATE build_inputs SET next_retry = ? WHERE id IN (${FRIENDS})`).run(nextRetry, buildInputId);
}

/** max_retries reached: no friend is retried automatically any more (rebuilderd clears next_retry too). */
export function giveUp(db: Database, buildInputId: number): void {
  setFriendsNextRetry(db, buildInputId, null);
  db.prepare(`DELETE FROM queue WHERE build_input_id IN (${FRIENDS})`).run(buildInputId);
}

/**
 * A build input seen for the first time inherits every rebuild of its oldest friend, so a
 * package moving from unstable to testing shows its verdict at once instead of being rebuilt.
 * Blobs are shared by id, not copied.
 */
export function copyResultsFromOldestFriend(db: Database, buildInputId: number): number {
  const oldest = friendIds(db, buildInputId).find((id) => id !== buildInputId);
  if (oldest === undefined) return 0;
  const rebuilds = db.prepare<{ id: number }>("SELECT id FROM rebuilds WHERE build_input_id = ? ORDER BY id").all(oldest);
  const copyRebuild = db.prepare(
    `INSERT INTO rebuilds (build_input_id, started_at, built_at, build_log_id, status, exit_code, fail_reason, worker_name)
     SELECT ?, started_at, built_at, build_log_id, status, exit_code, fail_reason, worker_name FROM rebuilds WHERE id = ?`,
  );
  const copyArtifacts = db.prepare(
    `INSERT INTO rebuild_artifacts (rebuild_id, name, diffoscope_log_id, attestation_log_id, status, note)
     SELECT ?, name, diffoscope_log_id, attestation_log_id, status, note FROM rebuild_artifacts WHERE rebuild_id = ? ORDER BY id`,
  );
  for (const { id } of rebuilds) {
    const copy = copyRebuild.run(buildInputId, id).lastInsertRowid;
    copyArtifacts.run(copy, id);
  }
  return rebuilds.length;
}
