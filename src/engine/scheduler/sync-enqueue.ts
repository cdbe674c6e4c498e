/** The queue decision a sync makes for each imported build input (reference A.9 steps 2.5–2.7). */
import type { SchedulePolicy } from "../config.js";
import type { Database } from "../store/index.js";
import { toDbTime } from "../store/time.js";
import { copyResultsFromOldestFriend, friendSummary, giveUp } from "./friends.js";
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
