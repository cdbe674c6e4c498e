/**
 * Where a worker slot's jobs come from and where their outcomes go: the local store (this file)
 * or a remote rebuilderd-compatible server (remote-source.ts). The slots and the job lifecycle
 * are the same for both; only these five operations differ.
 */
import type { SchedulePolicy } from "../config.js";
import { claimJob, heartbeat, nextDueAt, recordRebuild, registerWorker, releaseJob, type ClaimedJob, type QueueFilter, type RebuildOutcome } from "../scheduler/index.js";
import type { Database } from "../store/index.js";

/** One registered worker identity; every claim made through it is that worker's. */
export interface SourceWorker {
  /** The worker's id where the source has one (the local store), else null. */
  readonly id: number | null;
  claim(filter: QueueFilter): Promise<ClaimedJob | null>;
  /** Extends the job's lease; false when the job is no longer this worker's (it was reclaimed or dropped). */
  heartbeat(queueId: number): Promise<boolean>;
  /** buildId is null when the source does not say (the remote API answers 204). */
  record(queueId: number, outcome: RebuildOutcome): Promise<{ buildId: number | null }>;
  /** Gives a running job back untouched; false when it cannot be handed back at once (it then waits for the ping deadline). */
  release(queueId: number): Promise<boolean>;
}

export interface JobSource {
  /** Registers the worker behind one slot. */
  register(slot: { name: string; workerName: string }): Promise<SourceWorker>;
  /**
   * Where the source can tell, cheaply, whether jobs may have appeared without this process
   * knowing: `version()` changes when another process wrote to the jobs, and `nextDue()` is when
   * a waiting job becomes claimable by time alone (a retry or a lease running out). Idle slots of
   * such a source sleep until one of these says so, instead of each claiming every few seconds.
   */
  readonly watch?: { version(): number; nextDue(): Date | null };
}

/** Jobs from the local store, through the scheduler. */
export class LocalJobSource implements JobSource {
  /** `keyPrefix` + slot name is each slot's worker key: stable across restarts, distinct per machine and data dir. */
  constructor(
    private readonly db: Database,
    private readonly policy: SchedulePolicy,
    private readonly keyPrefix: string,
  ) {}

  readonly watch = {
    // SQLite's data_version changes on every commit by another connection, never by this one's own:
    // this process's own queueing wakes the slots directly.
    version: () => this.db.prepare<{ data_version: number }>("PRAGMA data_version").get()!.data_version,
    nextDue: () => nextDueAt(this.db, this.policy, new Date()),
  };

  async register(slot: { name: string; workerName: string }): Promise<SourceWorker> {
    const { db, policy } = this;
    const id = registerWorker(db, { name: slot.workerName, key: `${this.keyPrefix}${slot.name}`, address: "local" }, new Date());
    return {
      id,
      claim: async (filter) => claimJob(db, id, filter, policy, new Date()),
      heartbeat: async (queueId) => heartbeat(db, queueId, id, new Date()),
      record: async (queueId, outcome) => recordRebuild(db, queueId, outcome, policy, new Date()),
      release: async (queueId) => releaseJob(db, queueId, id),
    };
  }
}
