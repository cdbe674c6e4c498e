/**
 * The queue as the worker slots see it: running jobs first, then waiting ones in the order a
 * slot pops them (priority, then the day they were queued; within a day the pick is random,
 * so id order stands in), with a window (offset/limit) so a long queue is never read whole.
 */
import type { Database } from "../sqlite.js";
import { toWireTime } from "../time.js";
import { Where } from "./where.js";
import type { QueuedJobRecord } from "./queue.js";

/** A v1 QueuedJob record (without the input URL), and the worker holding the job, null while it waits. */
export interface QueueEntry extends Omit<QueuedJobRecord, "url"> {
  worker: string | null;
}

const COLUMNS = `q.id, sp.name, sp.version, sp.distribution, sp.release, bi.architecture, bi.backend, q.priority,
    q.queued_at, q.started_at, bi.next_retry, w.name AS worker`;
const FROM = `FROM queue q JOIN build_inputs bi ON bi.id = q.build_input_id JOIN source_packages sp ON sp.id = bi.source_package_id
  LEFT JOIN workers w ON w.id = q.worker`;

function wire(r: QueueEntry): QueueEntry {
  return { ...r, queued_at: toWireTime(r.queued_at)!, started_at: toWireTime(r.started_at), next_retry: toWireTime(r.next_retry) };
}

/** `text` keeps jobs whose package name contains it. */
export function queueWindow(db: Database, opts: { text?: string; offset: number; limit: number }): { total: number; records: QueueEntry[] } {
  const where = new Where().eq("instr(sp.name, ?) > 0", opts.text || undefined);
  const total = db
    .prepare<{ n: number }>(`SELECT count(*) AS n ${FROM} ${where}`)
    .get(...where.params)!.n;
  const records = db
    .prepare<QueueEntry>(`SELECT ${COLUMNS} ${FROM} ${where} ORDER BY q.worker IS NULL, q.started_at, q.priority, date(q.queued_at), q.id LIMIT ? OFFSET ?`)
    .all(...where.params, opts.limit, opts.offset)
    .map(wire);
  return { total, records };
}

/** The jobs the given workers hold, by worker id. */
export function jobsHeldBy(db: Database, workerIds: number[]): Map<number, QueueEntry> {
  const rows = db
    .prepare<QueueEntry & { worker_id: number }>(`SELECT q.worker AS worker_id, ${COLUMNS} ${FROM} WHERE q.worker IN (SELECT value FROM json_each(?))`)
    .all(JSON.stringify(workerIds));
  return new Map(rows.map(({ worker_id, ...r }) => [worker_id, wire(r)]));
}
