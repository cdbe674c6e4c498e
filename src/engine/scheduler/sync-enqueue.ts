/** The queue decision a sync makes for each imported build input (reference A.9 steps 2.5–2.7). */
import type { SchedulePolicy } from "../config.js";
import type { Database } from "../store/index.js";
import { toDbTime } from "../store/time.js";
import { copyResultsFromOldestFriend, friendSummaries, friendSummary, giveUp, type FriendSummary } from "./friends.js";
import { retriesExhausted, retryPolicyFor } from "./policy.js";
import { latestStatus } from "./results.js";

export type EnqueueDecision = "queued" | "already-queued" | "good" | "gave-up";

/**
 * Called by the import for every build input in a report, inside the import's transaction.
 * `isNew`: its source package (name, version, distribution, release) did not exist before.
 */
export function enqueueAfterSync(db: Database, buildInputId: number, isNew: boolean, policy: SchedulePolicy, now: Date): EnqueueDecision {
  return db.transaction(() => {
    const friends = friendSummary(db, buildInputId);
    if (friends.friends === 0) throw new Error(`build input ${buildInputId} does not exist`);
    const alone = friends.friends === 1;
    if (isNew && !alone) copyResultsFromOldestFriend(db, buildInputId);
    // A new build input without friends has no results yet: the common case of a first sync.
    const status = isNew && alone ? null : latestStatus(db, buildInputId);
    if (status === "GOOD") return "good";
    if (friends.queued > 0) return "already-queued";
    if (retriesExhausted(friends.retries, retryPolicyFor(status, policy))) {
      giveUp(db, buildInputId);
      return "gave-up";
    }
    db.prepare("INSERT INTO queue (build_input_id, priority, queued_at) VALUES (?, ?, ?)").run(buildInputId, status === "BAD" ? 2 : 1, toDbTime(now));
    return "queued";
  });
}

/** A build input a sync imported, for enqueueAllAfterSync. */
export interface SyncedInput {
  id: number;
  /** As enqueueAfterSync's `isNew`. */
  isNew: boolean;
  /**
   * The caller knows it is new, without friends, queue row or failures (a build input the sync
   * itself created, no other with its url, backend and architecture): it is queued without
   * looking at it. Unset: looked up.
   */
  alone?: boolean;
}

/**
 * enqueueAfterSync for every build input a sync imported, in the order given, with the same
 * decisions and the same queue row order. The common case of a first sync, a new build input
 * without friends, queue row or failures, is queued with priority 1 by one statement per run
 * of such inputs instead of a query and an insert each. Returns how many were queued.
 */
export function enqueueAllAfterSync(db: Database, inputs: readonly SyncedInput[], policy: SchedulePolicy, now: Date): number {
  const unknown = inputs.filter((i) => i.isNew && !i.alone).map((i) => i.id);
  const summaries = new Map(friendSummaries(db, unknown).map((s, i) => [unknown[i]!, s]));
  const insertRun = db.prepare("INSERT INTO queue (build_input_id, priority, queued_at) SELECT value, 1, ? FROM json_each(?) ORDER BY key");
  const queuedAt = toDbTime(now);
  let queued = 0;
  let run: number[] = [];
  const flush = () => {
    if (run.length > 0) insertRun.run(queuedAt, JSON.stringify(run));
    queued += run.length;
    run = [];
  };
  for (const { id, isNew, alone } of inputs) {
    if (isNew && (alone || newAndAlone(summaries.get(id)!, policy))) {
      run.push(id);
      continue;
    }
    flush();
    if (enqueueAfterSync(db, id, isNew, policy, now) === "queued") queued++;
  }
  flush();
  return queued;
}

/** A new build input that enqueueAfterSync would simply queue with priority 1 (no status, nothing to inherit). */
function newAndAlone(friends: FriendSummary, policy: SchedulePolicy): boolean {
  return friends.friends === 1 && friends.queued === 0 && !retriesExhausted(friends.retries, retryPolicyFor(null, policy));
}
