/** Queue listings shaped as the v1 API's QueuedJob records (reference §3.3), shared by the CLI and the API. */
import type { Database } from "../sqlite.js";
import { toWireTime } from "../time.js";
import { paginate, type Page } from "./pagination.js";
import { Where, type OriginFilter } from "./where.js";

export interface QueuedJobRecord {
  id: number;
  name: string;
  version: string;
  distribution: string;
  release: string | null;
  architecture: string;
  backend: string;
  url: string;
  next_retry: string | null;
  priority: number;
  queued_at: string;
  started_at: string | null;
}

/** `architecture` is the build input's, `name` and `version` the source package's. */
export interface QueueFilter extends OriginFilter {
  /** Our addition: only jobs that may run now (next_retry unset or past). */
  due_at?: string;
  /** One job by queue id. */
  id?: number;
}

const COLUMNS = ["id", "name", "version", "distribution", "release", "architecture", "backend", "url", "next_retry", "priority", "queued_at", "started_at"] as const;

export function listQueue(db: Database, filter: QueueFilter, page: Page): { total: number; records: QueuedJobRecord[] } {
  const where = new Where()
    .buildInputOrigin(filter)
    .eq("(bi.next_retry IS NULL OR bi.next_retry <= ?)", filter.due_at)
    .eq("q.id = ?", filter.id);
  const sql = `SELECT q.id, sp.name, sp.version, sp.distribution, sp.release, bi.architecture, bi.backend, bi.url,
      bi.next_retry, q.priority, q.queued_at, q.started_at
    FROM queue q JOIN build_inputs bi ON bi.id = q.build_input_id JOIN source_packages sp ON sp.id = bi.source_package_id
    ${where}`;
  const { total, records } = paginate<QueuedJobRecord>(db, { sql, params: where.params, columns: COLUMNS }, page);
  return {
    total,
    records: records.map((r) => ({
      ...r,
      next_retry: toWireTime(r.next_retry),
      queued_at: toWireTime(r.queued_at)!,
      started_at: toWireTime(r.started_at),
    })),
  };
}
