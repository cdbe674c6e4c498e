/** Verdict counts per distribution and release (the TUI's dashboard). */
import type { Database } from "../sqlite.js";
import { LATEST_STATUS_SQL } from "./latest-rebuild.js";

export interface VerdictCounts {
  GOOD: number;
  BAD: number;
  FAIL: number;
  UNKWN: number;
}

export interface ReleaseCounts extends VerdictCounts {
  distribution: string;
  release: string | null;
}

/** Build inputs of packages still in their index, by the status of their latest rebuild. */
export function verdictCountsByRelease(db: Database): ReleaseCounts[] {
  const rows = db
    .prepare<{ distribution: string; release: string | null; status: keyof VerdictCounts | null; n: number }>(
      `SELECT sp.distribution, sp.release, ${LATEST_STATUS_SQL} AS status, count(*) AS n FROM build_inputs bi
       JOIN source_packages sp ON sp.id = bi.source_package_id WHERE sp.seen_in_last_sync = 1
       GROUP BY 1, 2, 3 ORDER BY 1, 2`,
    )
    .all();
  const byRelease = new Map<string, ReleaseCounts>();
  for (const r of rows) {
    const key = `${r.distribution}\u0000${r.release ?? ""}`;
    let counts = byRelease.get(key);
    if (!counts) byRelease.set(key, (counts = { distribution: r.distribution, release: r.release, GOOD: 0, BAD: 0, FAIL: 0, UNKWN: 0 }));
    counts[r.status ?? "UNKWN"] += r.n;
  }
  return [...byRelease.values()];
}
