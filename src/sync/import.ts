/**
 * Importing one PackageReport into the store, in one transaction (reference A.9), with
 * rebuilderd's queueing rules and without its scope bug: the scope is the sync profile's own
 * (profile × release × architecture), and a package vanishes only when no scope lists it any
 * more, so two profiles sharing a distribution never un-see or un-queue each other's packages.
 */
import type { Database } from "../engine/store/index.js";
import { toDbTime } from "../engine/store/time.js";
import type { SchedulePolicy } from "../engine/config.js";
import { enqueueAfterSync, initialNextRetry } from "../engine/scheduler/index.js";
import type { PackageReport } from "./report.js";

export interface ImportCounts {
  /** Source packages never seen before in this distribution and release. */
  new: number;
  /** Source packages that appeared in a new version. */
  changed: number;
  /** Source packages that no scope lists any more. */
  vanished: number;
  /** Build inputs put on the queue. */
  queued: number;
  packages: number;
  binaries: number;
}

export function emptyCounts(): ImportCounts {
  return { new: 0, changed: 0, vanished: 0, queued: 0, packages: 0, binaries: 0 };
}

export function addCounts(into: ImportCounts, c: ImportCounts): void {
  for (const k of Object.keys(into) as (keyof ImportCounts)[]) into[k] += c[k];
}

export function importReport(
  db: Database,
  report: PackageReport,
  scope: string,
  digest: string,
  policy: SchedulePolicy,
  now: Date,
): ImportCounts {
  const counts = emptyCounts();
  const ts = toDbTime(now);
  // Per-connection scratch tables, created before the statements that use them are prepared.
  db.exec("CREATE TEMP TABLE IF NOT EXISTS current_members (build_input_id INTEGER PRIMARY KEY)");
  db.exec("CREATE TEMP TABLE IF NOT EXISTS left_members (build_input_id INTEGER PRIMARY KEY)");
  // Ids only grow (AUTOINCREMENT): a row with an id above these was created by this import.
  const maxId = (table: string) => db.prepare<{ id: number }>(`SELECT coalesce(max(id), 0) AS id FROM ${table}`).get()!.id;
  const q = {
    upsertSource: db.prepare<{ id: number }>(
      `INSERT INTO source_packages (name, version, distribution, release, last_seen, seen_in_last_sync) VALUES (?, ?, ?, ?, ?, 1)
       ON CONFLICT (name, version, distribution, COALESCE(release, 'PLACEHOLDER')) DO UPDATE SET last_seen = excluded.last_seen, seen_in_last_sync = 1
       RETURNING id`,
    ),
    // The no-op update makes RETURNING give the id of an existing row too.
    upsertInput: db.prepare<{ id: number }>(
      `INSERT INTO build_inputs (source_package_id, url, backend, architecture, retries, next_retry) VALUES (?, ?, ?, ?, 0, ?)
       ON CONFLICT (url, backend, architecture, source_package_id) DO UPDATE SET retries = retries
       RETURNING id`,
    ),
    upsertBinary: db.prepare(
      `INSERT INTO binary_packages (source_package_id, build_input_id, name, version, component, architecture, artifact_url, sha256, size)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (build_input_id, source_package_id, name, version, COALESCE(component, ''), architecture)
       DO UPDATE SET artifact_url = excluded.artifact_url, sha256 = excluded.sha256, size = excluded.size`,
    ),
    member: db.prepare("INSERT OR IGNORE INTO temp.current_members (build_input_id) VALUES (?)"),
  };

  return db.transaction(() => {
    db.exec("DELETE FROM temp.current_members");
    const sourcesBefore = maxId("source_packages");
    const inputsBefore = maxId("build_inputs");
    const nextRetry = initialNextRetry(policy, now);

    for (const group of report.packages) {
      counts.packages++;
      const sourceId = q.upsertSource.get(group.name, group.version, report.distribution, report.release, ts)!.id;
      const inputId = q.upsertInput.get(sourceId, group.url, report.distribution, report.architecture, nextRetry)!.id;
      for (const a of group.artifacts) {
        q.upsertBinary.run(sourceId, inputId, a.name, a.version, a.component, a.architecture, a.url, a.sha256 ?? null, a.size ?? null);
        counts.binaries++;
      }
      q.member.run(inputId);
      if (enqueueAfterSync(db, inputId, inputId > inputsBefore, policy, now) === "queued") counts.queued++;
    }

    // New source rows are "changed" when an older version of the name was there before this import
    // (an upload and its binNMU arriving together are both new).
    const created = db
      .prepare<{ created: number; changed: number | null }>(
        `SELECT count(*) AS created, sum(EXISTS (
           SELECT 1 FROM source_packages o WHERE o.name = n.name AND o.distribution = n.distribution
             AND COALESCE(o.release, 'PLACEHOLDER') = COALESCE(n.release, 'PLACEHOLDER') AND o.id <= ?)) AS changed
         FROM source_packages n WHERE n.id > ?`,
      )
      .get(sourcesBefore, sourcesBefore)!;
    counts.changed = created.changed ?? 0;
    counts.new = created.created - counts.changed;

    counts.vanished = retireVanished(db, scope);
    db.prepare(
      "INSERT INTO sync_scopes (scope, digest, synced_at) VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE SET digest = excluded.digest, synced_at = excluded.synced_at",
    ).run(scope, digest, ts);
    return counts;
  });
}

/**
 * Replaces the scope's member list with temp.current_members. Build inputs that left it and
 * are listed by no other scope lose their waiting (not running) queue rows; their source
 * packages become unseen once none of their build inputs is listed anywhere. Returns how many
 * source packages vanished without a newer version taking their place.
 */
function retireVanished(db: Database, scope: string): number {
  db.exec("DELETE FROM temp.left_members");
  db.prepare(
    `INSERT INTO temp.left_members SELECT build_input_id FROM sync_scope_members
     WHERE scope = ? AND build_input_id NOT IN (SELECT build_input_id FROM temp.current_members)`,
  ).run(scope);
  db.prepare("DELETE FROM sync_scope_members WHERE scope = ? AND build_input_id IN (SELECT build_input_id FROM temp.left_members)").run(scope);
  db.prepare("INSERT OR IGNORE INTO sync_scope_members (scope, build_input_id) SELECT ?, build_input_id FROM temp.current_members").run(scope);

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
