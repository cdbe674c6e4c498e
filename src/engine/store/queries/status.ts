/** Counts for `rebuilder status`: verdicts of the latest rebuilds, the queue, and the workers. */
import type { Database } from "../sqlite.js";
import { toWireTime } from "../time.js";
import { LATEST_STATUS_SQL } from "./latest-rebuild.js";

export interface StoreStatus {
  /** Build inputs of packages still in their index, by the status of their latest rebuild. */
  packages: { GOOD: number; BAD: number; FAIL: number; UNKWN: number };
  queue: { waiting: number; running: number; planned: number };
  workers: { name: string; address: string; status: string | null; last_ping: string; online: boolean }[];
}

export function storeStatus(db: Database, now: string): StoreStatus {
  const packages = { GOOD: 0, BAD: 0, FAIL: 0, UNKWN: 0 };
  const rows = db
    .prepare<{ status: keyof typeof packages | null; n: number }>(
      `SELECT ${LATEST_STATUS_SQL} AS status, count(*) AS n FROM build_inputs bi
       JOIN source_packages sp ON sp.id = bi.source_package_id WHERE sp.seen_in_last_sync = 1 GROUP BY 1`,
    )
    .all();
  for (const r of rows) packages[r.status ?? "UNKWN"] += r.n;
  const queue = queueCounts(db, now);
  const workers = db
    .prepare<{ name: string; address: string; status: string | null; last_ping: string; online: number }>(
      "SELECT name, address, status, last_ping, online FROM workers ORDER BY id",
    )
    .all()
    .map((w) => ({ ...w, last_ping: toWireTime(w.last_ping)!, online: Boolean(w.online) }));
  return { packages, queue, workers };
}

/** Jobs due now, held by a worker, and waiting for a retry that is not due yet. */
export function queueCounts(db: Database, now: string): StoreStatus["queue"] {
  return db
    .prepare<StoreStatus["queue"]>(
      `SELECT count(*) FILTER (WHERE q.worker IS NULL AND (bi.next_retry IS NULL OR bi.next_retry <= ?)) AS waiting,
              count(*) FILTER (WHERE q.worker IS NOT NULL) AS running,
              count(*) FILTER (WHERE q.worker IS NULL AND bi.next_retry > ?) AS planned
       FROM queue q JOIN build_inputs bi ON bi.id = q.build_input_id`,
    )
    .get(now, now)!;
}
