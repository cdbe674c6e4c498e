/** The distinct distributions, releases and architectures of the store (reference §3.5). Order: sorted, for stable output. */
import type { Database } from "../sqlite.js";

const seen = (seenOnly: boolean | undefined) => (seenOnly === undefined ? { sql: "", params: [] } : { sql: " AND sp.seen_in_last_sync = ?", params: [seenOnly ? 1 : 0] });

export function distributions(db: Database, seenOnly?: boolean): string[] {
  const s = seen(seenOnly);
  return db
    .prepare<{ d: string }>(`SELECT DISTINCT sp.distribution AS d FROM source_packages sp WHERE 1${s.sql} ORDER BY 1`)
    .all(...s.params)
    .map((r) => r.d);
}

/** May contain null: rolling distributions have no release. */
export function releases(db: Database, distribution: string, seenOnly?: boolean): (string | null)[] {
  const s = seen(seenOnly);
  return db
    .prepare<{ r: string | null }>(`SELECT DISTINCT sp.release AS r FROM source_packages sp WHERE sp.distribution = ?${s.sql} ORDER BY 1`)
    .all(distribution, ...s.params)
    .map((r) => r.r);
}

/** Build architectures; `release` null restricts to rolling releases, undefined does not restrict. */
export function architectures(db: Database, distribution: string, release: string | null | undefined, seenOnly?: boolean): string[] {
  const s = seen(seenOnly);
  const byRelease = release === undefined ? "" : " AND sp.release IS ?";
  return db
    .prepare<{ a: string }>(
      `SELECT DISTINCT bi.architecture AS a FROM build_inputs bi JOIN source_packages sp ON sp.id = bi.source_package_id
       WHERE sp.distribution = ?${byRelease}${s.sql} ORDER BY 1`,
    )
    .all(distribution, ...(release === undefined ? [] : [release]), ...s.params)
    .map((r) => r.a);
}
