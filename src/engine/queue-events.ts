/**
 * Telling the faces about queued work, and waking the local slots for it: a push or requeue
 * publishes one job.queued per job (a single queue.changed when there are more than a client
 * would want one by one), an import or sync one queue.changed with its count.
 */
import type { EventBus } from "./events.js";
import { queuedJobs } from "./scheduler/index.js";
import type { Database } from "./store/index.js";
import type { WorkerSlots } from "./workers/index.js";

/** The parts of the engine this needs (the Engine itself has them). */
export interface QueueFaces {
  db: Database;
  events: EventBus;
  slots: Pick<WorkerSlots, "wake">;
}

/** Beyond this, a push is one queue.changed: a requeue of thousands would flood every event client's buffer. */
const JOB_EVENTS_MAX = 100;

/** After a push or requeue of these build inputs (from pushBuildInputs / requeueBuildInputs); returns how many. */
export function announcePushed({ db, events, slots }: QueueFaces, buildInputIds: readonly number[]): number {
  if (buildInputIds.length === 0) return 0;
  if (buildInputIds.length > JOB_EVENTS_MAX) events.publish({ type: "queue.changed", reason: "push", queued: buildInputIds.length });
  else for (const job of queuedJobs(db, buildInputIds)) events.publish({ type: "job.queued", ...job });
  slots.wake();
  return buildInputIds.length;
}

/** After a sync or an imported index queued `queued` jobs. */
export function announceImported({ events, slots }: Omit<QueueFaces, "db">, reason: "sync" | "import", profile: string, queued: number): void {
  if (queued === 0) return;
  events.publish({ type: "queue.changed", reason, profile, queued });
  slots.wake();
}
