/** The v1 dashboard (reference §3.6): latest verdicts of packages still listed, and the queue's state. */
import type { Database } from "../sqlite.js";
import { LATEST_STATUS_SQL } from "./latest-rebuild.js";
import { Where, type OriginFilter } from "./where.js";

export interface Dashboard {
  rebuilds: { good: number; bad: number; fail: number; unknown: number };
  jobs: { running: number; available: number; pending: number };
}

/** `architecture` is the build input's; `now` is a store timestamp. */
export function dashboard(db: Database, filter: Omit<OriginFilter, "name" | "version">, now: string): Dashboard {
  const rebuilds = { good: 0, bad: 0, fail: 0, unknown: 0 };
  const seen = new Where().origin(filter).eq("bi.architecture = ?", filter.architecture).raw("sp.seen_in_last_sync = 1");
  const rows = db
    .prepare<{ status: string | null; n: number }>(
      `SELECT ${LATEST_STATUS_SQL} AS status, count(*) AS n
       FROM build_inputs bi JOIN source_packages sp ON sp.id = bi.source_package_id ${seen} GROUP BY 1`,
    )
    .all(...seen.params);
  for (const r of rows) {
    if (r.status === "GOOD") rebuilds.good += r.n;
    else if (r.status === "BAD") rebuilds.bad += r.n;
    else if (r.status === "FAIL") rebuilds.fail += r.n;
    else rebuilds.unknown += r.n;
  }
  const jobs = db
    .prepare<Dashboard["jobs"]>(
      `SELECT count(*) FILTER (WHERE q.worker IS NOT NULL) AS running,
              count(*) FILTER (WHERE q.worker IS NULL AND (bi.next_retry IS NULL OR bi.next_retry <= ?)) AS available,
              count(*) FILTER (WHERE q.worker IS NULL AND bi.next_retry > ?) AS pending
       FROM queue q JOIN build_inputs bi ON bi.id = q.build_input_id JOIN source_packages sp ON sp.id = bi.source_package_id ${seen}`,
    )
    .get(now, now, ...seen.params)!;
  return { rebuilds, jobs };
}

/** Every recorded rebuild attempt by verdict (not only the latest per package). */
export function rebuildsByStatus(db: Database): { status: string; n: number }[] {
  return db.prepare<{ status: string; n: number }>("SELECT coalesce(status, 'UNKWN') AS status, count(*) AS n FROM rebuilds GROUP BY 1").all();
}
