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
  const q = {
    /** Whether this version exists, and whether any version of the name does. */
    known: db.prepare<{ exact: number | null; versions: number }>(
      "SELECT max(version = ?) AS exact, count(*) AS versions FROM source_packages WHERE name = ? AND distribution = ? AND COALESCE(release, 'PLACEHOLDER') = COALESCE(?, 'PLACEHOLDER')",
    ),
    upsertSource: db.prepare<{ id: number }>(
      `INSERT INTO source_packages (name, version, distribution, release, last_seen, seen_in_last_sync) VALUES (?, ?, ?, ?, ?, 1)
       ON CONFLICT (name, version, distribution, COALESCE(release, 'PLACEHOLDER')) DO UPDATE SET last_seen = excluded.last_seen, seen_in_last_sync = 1
       RETURNING id`,
    ),
    findInput: db.prepare<{ id: number }>(
      "SELECT id FROM build_inputs WHERE source_package_id = ? AND url = ? AND backend = ? AND architecture = ?",
    ),
    insertInput: db.prepare<{ id: number }>(
      "INSERT INTO build_inputs (source_package_id, url, backend, architecture, retries, next_retry) VALUES (?, ?, ?, ?, 0, ?) RETURNING id",
    ),
    upsertBinary: db.prepare(
      `INSERT INTO binary_packages (source_package_id, build_input_id, name, version, component, architecture, artifact_url, sha256, size)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (source_package_id, build_input_id, name, version, COALESCE(component, ''), architecture)
       DO UPDATE SET artifact_url = excluded.artifact_url, sha256 = excluded.sha256, size = excluded.size`,
    ),
    member: db.prepare("INSERT OR IGNORE INTO temp.current_members (build_input_id) VALUES (?)"),
  };

  return db.transaction(() => {
    db.exec("DELETE FROM temp.current_members");

    // A source with two versions in one index (an upload and its binNMU) is new, not changed.
    const createdNow = new Set<string>();
    for (const group of report.packages) {
      counts.packages++;
      const known = q.known.get(group.version, group.name, report.distribution, report.release)!;
      const existing = known.exact === 1;
      if (!existing) {
        if (known.versions > 0 && !createdNow.has(group.name)) counts.changed++;
        else counts.new++;
        createdNow.add(group.name);
      }
      const sourceId = q.upsertSource.get(group.name, group.version, report.distribution, report.release, ts)!.id;
      const found = existing ? q.findInput.get(sourceId, group.url, report.distribution, report.architecture) : undefined;
      const inputId =
        found?.id ??
        q.insertInput.get(sourceId, group.url, report.distribution, report.architecture, initialNextRetry(policy, now))!.id;
      for (const a of group.artifacts) {
        q.upsertBinary.run(sourceId, inputId, a.name, a.version, a.component, a.architecture, a.url, a.sha256 ?? null, a.size ?? null);
        counts.binaries++;
      }
      q.member.run(inputId);
      if (enqueueAfterSync(db, inputId, !found, policy, now) === "queued") counts.queued++;
    }

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
