/**
 * Importing the PackageReports of one sync into the store, in one transaction (reference A.9),
 * with rebuilderd's queueing rules and without its scope bug: the scope is the sync profile's
 * own (profile × release × architecture), and a package vanishes only when no scope lists it
 * any more, so two profiles sharing a distribution never un-see or un-queue each other's packages.
 *
 * The source groups are staged in a temporary table and written with one statement per table,
 * not a few per package: a first sync of Debian main writes over 100,000 rows.
 */
import type { Database } from "../engine/store/index.js";
import type { SqlValue, Statement } from "../engine/store/sqlite.js";
import { toDbTime } from "../engine/store/time.js";
import type { SchedulePolicy } from "../engine/config.js";
import { enqueueAllAfterSync, initialNextRetry } from "../engine/scheduler/index.js";
import { RowGarbage } from "./gc-nudge.js";
import type { PackageReport } from "./report.js";

export interface ImportCounts {
  /** Distinct source package versions the imported indexes list (a version in two scopes counts once). */
  packages: number;
  /** Of those, the versions the store did not have before: always new + updated. */
  imported: number;
  /** Imported versions of source packages the store did not know at all (no version of the name). */
  new: number;
  /** Imported versions of source packages the store already knew in another version. */
  updated: number;
  /** Source packages that no scope lists any more, without a newer version taking their place. */
  vanished: number;
  /** Build inputs put on the queue. */
  queued: number;
  /** Binary packages the imported indexes list. */
  binaries: number;
}

export function emptyCounts(): ImportCounts {
  return { packages: 0, imported: 0, new: 0, updated: 0, vanished: 0, queued: 0, binaries: 0 };
}

/** One report with the scope it replaces and the digest of the index it came from. */
export interface ScopedReport {
  report: PackageReport;
  scope: string;
  digest: string;
}

const SCRATCH = [
  `CREATE TEMP TABLE IF NOT EXISTS staged_groups (gid INTEGER PRIMARY KEY, scope TEXT NOT NULL, distribution TEXT NOT NULL,
     release TEXT, architecture TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL, url TEXT NOT NULL,
     source_id INTEGER, input_id INTEGER, friends INTEGER)`,
  "CREATE TEMP TABLE IF NOT EXISTS current_members (scope TEXT NOT NULL, build_input_id INTEGER NOT NULL, PRIMARY KEY (scope, build_input_id))",
  "CREATE TEMP TABLE IF NOT EXISTS left_members (build_input_id INTEGER PRIMARY KEY)",
];

export function importReports(db: Database, reports: readonly ScopedReport[], policy: SchedulePolicy, now: Date): ImportCounts {
  const ts = toDbTime(now);
  // Per-connection scratch tables, created before the statements that use them are prepared.
  for (const sql of SCRATCH) db.exec(sql);
  return withSmallPageCache(db, () => db.transaction(() => {
    const counts = emptyCounts();
    const stageGroup = new RowInserter(db, "INSERT INTO temp.staged_groups (gid, scope, distribution, release, architecture, name, version, url)", 8);
    let gid = 0;
    for (const { report: r, scope } of reports) {
      for (const g of r.packages) {
        stageGroup.row.push(++gid, scope, r.distribution, r.release, r.architecture, g.name, g.version, g.url);
        stageGroup.added();
      }
    }
    stageGroup.flush();
    // Ids only grow (AUTOINCREMENT): a row with an id above these was created by this import.
    const maxId = (table: string) => db.prepare<{ id: number }>(`SELECT coalesce(max(id), 0) AS id FROM ${table}`).get()!.id;
    const sourcesBefore = maxId("source_packages");
    const inputsBefore = maxId("build_inputs");

    db.prepare(
      `INSERT INTO source_packages (name, version, distribution, release, last_seen, seen_in_last_sync)
       SELECT name, version, distribution, release, ?, 1 FROM temp.staged_groups WHERE true ORDER BY gid
       ON CONFLICT (name, version, distribution, COALESCE(release, 'PLACEHOLDER')) DO UPDATE SET last_seen = excluded.last_seen, seen_in_last_sync = 1`,
    ).run(ts);
    db.exec(
      `UPDATE temp.staged_groups SET source_id = (SELECT s.id FROM source_packages s WHERE s.name = staged_groups.name
         AND s.version = staged_groups.version AND s.distribution = staged_groups.distribution
         AND COALESCE(s.release, 'PLACEHOLDER') = COALESCE(staged_groups.release, 'PLACEHOLDER'))`,
    );
    db.prepare(
      `INSERT INTO build_inputs (source_package_id, url, backend, architecture, retries, next_retry)
       SELECT source_id, url, distribution, architecture, 0, ? FROM temp.staged_groups WHERE true ORDER BY gid
       ON CONFLICT (url, backend, architecture, source_package_id) DO NOTHING`,
    ).run(initialNextRetry(policy, now));
    // One look-up for the id and the friends (same url, backend and architecture; itself included).
    db.exec(
      `UPDATE temp.staged_groups SET (input_id, friends) = (SELECT max(b.id) FILTER (WHERE b.source_package_id = staged_groups.source_id), count(*)
         FROM build_inputs b WHERE b.url = staged_groups.url AND b.backend = staged_groups.distribution AND b.architecture = staged_groups.architecture)`,
    );
    const insertBinary = new RowInserter(
      db,
      "INSERT INTO binary_packages (source_package_id, build_input_id, name, version, component, architecture, artifact_url, sha256, size)",
      9,
      `ON CONFLICT (build_input_id, source_package_id, name, version, COALESCE(component, ''), architecture)
       DO UPDATE SET artifact_url = excluded.artifact_url, sha256 = excluded.sha256, size = excluded.size`,
    );
    const groupIds = db.prepare<{ source_id: number; input_id: number }>("SELECT source_id, input_id FROM temp.staged_groups ORDER BY gid").all();
    gid = 0;
    for (const { report } of reports) {
      for (const g of report.packages) {
        const { source_id, input_id } = groupIds[gid++]!;
        for (const a of g.artifacts) {
          insertBinary.row.push(source_id, input_id, a.name, a.version, a.component, a.architecture, a.url, a.sha256 ?? null, a.size ?? null);
          insertBinary.added();
        }
        counts.binaries += g.artifacts.length;
      }
    }
    insertBinary.flush();

    // In the order the reports list them first. A build input this import created has no queue row or failure yet.
    const inputs = db
      .prepare<{ id: number; isNew: number; alone: number }>(
        "SELECT input_id AS id, input_id > ? AS isNew, input_id > ? AND friends = 1 AS alone FROM temp.staged_groups GROUP BY input_id ORDER BY min(gid)",
      )
      .all(inputsBefore, inputsBefore);
    counts.queued = enqueueAllAfterSync(db, inputs.map(({ id, isNew, alone }) => ({ id, isNew: isNew === 1, alone: alone === 1 })), policy, now);

    const listed = db
      .prepare<{ packages: number }>("SELECT count(DISTINCT source_id) AS packages FROM temp.staged_groups")
      .get()!;
    // An imported version is "updated" when an older version of its name was there before this
    // import; into a store without source packages (a first sync), none was.
    const created = db
      .prepare<{ imported: number; updated: number | null }>(
        `SELECT count(*) AS imported, sum(? > 0 AND EXISTS (
           SELECT 1 FROM source_packages o WHERE o.name = n.name AND o.distribution = n.distribution
             AND o.release IS n.release AND o.id <= ?)) AS updated
         FROM source_packages n WHERE n.id > ?`,
      )
      .get(sourcesBefore, sourcesBefore, sourcesBefore)!;
    counts.packages = listed.packages;
    counts.imported = created.imported;
    counts.updated = created.updated ?? 0;
    counts.new = created.imported - counts.updated;

    counts.vanished = retireVanished(db, reports);
    const recordScope = db.prepare(
      "INSERT INTO sync_scopes (scope, digest, synced_at) VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE SET digest = excluded.digest, synced_at = excluded.synced_at",
    );
    for (const { scope, digest } of reports) recordScope.run(scope, digest, ts);
    db.exec("DELETE FROM temp.staged_groups; DELETE FROM temp.current_members");
    return counts;
  }));
}

/** Rows bound per call of a RowInserter's statement. */
const ROWS_PER_INSERT = 64;

/**
 * Rows appended to a table through one multi-row `INSERT … VALUES (…), (…), …` of ROWS_PER_INSERT
 * rows, in the order added: a statement call, and its garbage, per ROWS_PER_INSERT rows instead
 * of per row (values are bound, not batched through JSON, which SQLite parses once per value).
 * A row is its values pushed onto `row`, then `added()`; the rows left at flush() go one by one.
 */
class RowInserter {
  /** The values of the rows not written yet. */
  readonly row: SqlValue[] = [];
  private readonly many: Statement;
  private readonly one: Statement;
  private readonly garbage = new RowGarbage();

  constructor(
    db: Database,
    head: string,
    private readonly columns: number,
    tail = "",
  ) {
    const values = `(${Array(columns).fill("?").join(", ")})`;
    this.many = db.prepare(`${head} VALUES ${Array(ROWS_PER_INSERT).fill(values).join(", ")} ${tail}`);
    this.one = db.prepare(`${head} VALUES ${values} ${tail}`);
  }

  added(): void {
    if (this.row.length < this.columns * ROWS_PER_INSERT) return;
    this.many.run(...this.row);
    this.row.length = 0;
    this.garbage.wrote(ROWS_PER_INSERT);
  }

  flush(): void {
    for (let i = 0; i < this.row.length; i += this.columns) this.one.run(...this.row.slice(i, i + this.columns));
    this.row.length = 0;
  }
}

/**
 * A first sync writes every page of the store (over 40 MB for Debian main): a large page cache
 * would only hold them as dirty pages until the commit. A small one spills them to the WAL as it
 * goes, for the same writes and the same speed, and keeps the peak memory of the sync down.
 */
function withSmallPageCache<T>(db: Database, fn: () => T): T {
  const before = db.prepare<{ cache_size: number }>("PRAGMA cache_size").get()!.cache_size;
  db.exec("PRAGMA cache_size = -4096");
  try {
    return fn();
  } finally {
    db.exec(`PRAGMA cache_size = ${before}`);
  }
}

/**
 * Replaces each scope's member list with the build inputs it lists now. Build inputs that left
 * a scope and are listed by no other scope lose their waiting (not running) queue rows; their
 * source packages become unseen once none of their build inputs is listed anywhere. Returns how
 * many source packages vanished without a newer version taking their place.
 */
function retireVanished(db: Database, scopes: readonly { scope: string }[]): number {
  db.exec("DELETE FROM temp.left_members");
  // Scopes imported before (a first sync has none) lose the members they no longer list.
  const stored = db.prepare("SELECT 1 FROM sync_scope_members WHERE scope = ? LIMIT 1");
  const replaced = scopes.filter(({ scope }) => stored.get(scope) !== undefined);
  if (replaced.length > 0) {
    db.exec("INSERT OR IGNORE INTO temp.current_members (scope, build_input_id) SELECT scope, input_id FROM temp.staged_groups");
  }
  // Every scope's list is replaced before anything is retired: a package that moved from one scope to another stays.
  for (const { scope } of replaced) {
    db.prepare(
      `INSERT OR IGNORE INTO temp.left_members SELECT build_input_id FROM sync_scope_members m
       WHERE m.scope = ? AND NOT EXISTS (SELECT 1 FROM temp.current_members c WHERE c.scope = m.scope AND c.build_input_id = m.build_input_id)`,
    ).run(scope);
    db.prepare(
      `DELETE FROM sync_scope_members WHERE scope = ?
       AND build_input_id NOT IN (SELECT build_input_id FROM temp.current_members WHERE scope = ?)`,
    ).run(scope, scope);
  }
  db.exec("INSERT OR IGNORE INTO sync_scope_members (scope, build_input_id) SELECT scope, input_id FROM temp.staged_groups");

  const orphaned = "SELECT build_input_id FROM temp.left_members WHERE build_input_id NOT IN (SELECT build_input_id FROM sync_scope_members)";
  db.exec(`DELETE FROM queue WHERE worker IS NULL AND build_input_id IN (${orphaned})`);
  const unseen = db
    .prepare<{ name: string; distribution: string; release: string | null }>(
      `UPDATE source_packages SET seen_in_last_sync = 0
       WHERE seen_in_last_sync = 1
         AND id IN (SELECT source_package_id FROM build_inputs WHERE id IN (${orphaned}))
         AND NOT EXISTS (SELECT 1 FROM build_inputs b JOIN sync_scope_members m ON m.build_input_id = b.id WHERE b.source_package_id = source_packages.id)
       RETURNING name, distribution, release`,
    )
    .all();
  // A package replaced by a newer version has changed, not vanished.
  const stillListed = db.prepare(
    "SELECT 1 FROM source_packages WHERE name = ? AND distribution = ? AND release IS ? AND seen_in_last_sync = 1 LIMIT 1",
  );
  return unseen.filter((p) => !stillListed.get(p.name, p.distribution, p.release)).length;
}
