/** Recording a finished rebuild (reference B.7, §8.3–8.4): results for every friend, then retry or give up. */
import { LATEST_STATUS_SQL } from "../store/queries/latest-rebuild.js";
import type { SchedulePolicy } from "../config.js";
import type { BuildStatus } from "../events.js";
import { ensureZstd } from "../compression.js";
import type { Database } from "../store/index.js";
import { toDbTime } from "../store/time.js";
import { countFailure, friendIds, giveUp, setFriendsNextRetry } from "./friends.js";
import { nextRetryAt, retriesExhausted, retryPolicyFor } from "./policy.js";

export type ArtifactStatus = "GOOD" | "BAD" | "UNKWN";

export interface RebuildOutcome {
  status: BuildStatus;
  builtAt: Date;
  /** zstd; anything else is compressed before it is stored. */
  buildLog: Uint8Array;
  exitCode: number | null;
  failReason: string | null;
  workerName: string;
  artifacts: { name: string; status: ArtifactStatus; diffoscope: Uint8Array | null; attestation: Uint8Array | null; note: string | null }[];
}

const BUILD_STATUSES: readonly string[] = ["GOOD", "BAD", "FAIL", "UNKWN"];
const ARTIFACT_STATUSES: readonly string[] = ["GOOD", "BAD", "UNKWN"];


export function latestStatus(db: Database, buildInputId: number): BuildStatus | null {
  return db.prepare<{ status: BuildStatus | null }>(`SELECT ${LATEST_STATUS_SQL} AS status FROM build_inputs bi WHERE bi.id = ?`).get(buildInputId)?.status ?? null;
}

function validate(queueId: number, outcome: RebuildOutcome): void {
  if (!BUILD_STATUSES.includes(outcome.status)) throw new Error(`report for queue job ${queueId}: unknown status ${JSON.stringify(outcome.status)}`);
  if (Number.isNaN(outcome.builtAt.getTime())) throw new Error(`report for queue job ${queueId}: invalid built_at`);
  for (const a of outcome.artifacts) {
    if (!ARTIFACT_STATUSES.includes(a.status)) {
      throw new Error(`report for queue job ${queueId}: artifact ${JSON.stringify(a.name)} has unknown status ${JSON.stringify(a.status)}`);
    }
  }
}

/**
 * Stores a report for queue job `queueId` in one transaction: a rebuild row (with artifact rows)
 * for every friend sharing one copy of each blob, the job removed, and after a non-GOOD result
 * the retry counted on all friends and either a delayed retry job (priority 2) or giving up.
 * The report is accepted whoever holds the job now (rebuilderd does the same, §8.6).
 */
export function recordRebuild(db: Database, queueId: number, outcome: RebuildOutcome, policy: SchedulePolicy, now: Date): { buildId: number } {
  validate(queueId, outcome);
  return db.transaction(() => {
    const job = db
      .prepare<{ build_input_id: number; started_at: string | null; worker: number | null }>("SELECT build_input_id, started_at, worker FROM queue WHERE id = ?")
      .get(queueId);
    if (!job) throw new Error(`queue job ${queueId} does not exist (dropped, or already reported)`);
    const self = job.build_input_id;
    // The worker that held the job is no longer "working hard on" it.
    if (job.worker !== null) db.prepare("UPDATE workers SET status = NULL WHERE id = ?").run(job.worker);

    const logId = db.prepare("INSERT INTO build_logs (build_log) VALUES (?)").run(ensureZstd(outcome.buildLog)).lastInsertRowid;
    const insertDiff = db.prepare("INSERT INTO diffoscope_logs (diffoscope_log) VALUES (?)");
    const insertAttestation = db.prepare("INSERT INTO attestation_logs (attestation_log) VALUES (?)");
    const artifacts = outcome.artifacts.map((a) => ({
      ...a,
      diffoscopeId: a.diffoscope ? insertDiff.run(ensureZstd(a.diffoscope)).lastInsertRowid : null,
      attestationId: a.attestation ? insertAttestation.run(ensureZstd(a.attestation)).lastInsertRowid : null,
    }));

    const insertRebuild = db.prepare(
      `INSERT INTO rebuilds (build_input_id, started_at, built_at, build_log_id, status, exit_code, fail_reason, worker_name)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertArtifact = db.prepare(
      "INSERT INTO rebuild_artifacts (rebuild_id, name, diffoscope_log_id, attestation_log_id, status, note) VALUES (?, ?, ?, ?, ?, ?)",
    );
    let buildId = 0;
    for (const friend of friendIds(db, self)) {
      const id = insertRebuild.run(friend, job.started_at, toDbTime(outcome.builtAt), logId, outcome.status, outcome.exitCode, outcome.failReason, outcome.workerName).lastInsertRowid;
      for (const a of artifacts) insertArtifact.run(id, a.name, a.diffoscopeId, a.attestationId, a.status, a.note);
      if (friend === self) buildId = id;
    }
    db.prepare("DELETE FROM queue WHERE id = ?").run(queueId);

    if (outcome.status !== "GOOD") {
      const failures = countFailure(db, self);
      const retry = retryPolicyFor(outcome.status, policy);
      if (retriesExhausted(failures, retry)) {
        giveUp(db, self);
      } else {
        setFriendsNextRetry(db, self, nextRetryAt(failures, retry, now));
        // Only the reported build input is requeued; its own job was deleted just above.
        db.prepare("INSERT INTO queue (build_input_id, priority, queued_at) VALUES (?, 2, ?)").run(self, toDbTime(now));
      }
    }
    return { buildId };
  });
}
