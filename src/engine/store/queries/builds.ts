/** Rebuild attempts and their artifacts as the v1 API shows them (reference §3.1). */
import type { Database } from "../sqlite.js";
import { toWireTime } from "../time.js";
import { paginate, type Page } from "./pagination.js";
import type { QueuedJobRecord } from "./queue.js";
import { Where, type OriginFilter } from "./where.js";

/** Shares the source package and build input fields of a queued job. */
export interface RebuildRecord extends Pick<QueuedJobRecord, "id" | "name" | "version" | "distribution" | "release" | "architecture" | "backend"> {
  retries: number;
  started_at: string | null;
  built_at: string | null;
  status: "GOOD" | "BAD" | "FAIL" | "UNKWN" | null;
}

export interface RebuildArtifactRecord {
  id: number;
  name: string;
  has_diffoscope: boolean;
  has_attestation: boolean;
  status: "GOOD" | "BAD" | "UNKWN" | null;
}

const COLUMNS = ["id", "name", "version", "distribution", "release", "architecture", "backend", "retries", "started_at", "built_at", "status"] as const;

/** `architecture` is the build input's, `name` and `version` the source package's; `id` is ours, for single look-ups. */
export function listRebuilds(db: Database, filter: OriginFilter & { id?: number }, page: Page): { total: number; records: RebuildRecord[] } {
  const where = new Where()
    .buildInputOrigin(filter)
    .eq("r.id = ?", filter.id);
  const sql = `SELECT r.id, sp.name, sp.version, sp.distribution, sp.release, bi.architecture, bi.backend, bi.retries,
      r.started_at, r.built_at, r.status
    FROM rebuilds r JOIN build_inputs bi ON bi.id = r.build_input_id JOIN source_packages sp ON sp.id = bi.source_package_id
    ${where}`;
  const { total, records } = paginate<RebuildRecord>(db, { sql, params: where.params, columns: COLUMNS }, page);
  return { total, records: records.map((r) => ({ ...r, started_at: toWireTime(r.started_at), built_at: toWireTime(r.built_at) })) };
}

export function getRebuild(db: Database, id: number): RebuildRecord | null {
  return listRebuilds(db, { id }, {}).records[0] ?? null;
}

const ARTIFACTS = `SELECT id, name, diffoscope_log_id IS NOT NULL AS has_diffoscope, attestation_log_id IS NOT NULL AS has_attestation, status
  FROM rebuild_artifacts WHERE rebuild_id = ?`;

const toArtifact = (r: RebuildArtifactRecord): RebuildArtifactRecord => ({ ...r, has_diffoscope: Boolean(r.has_diffoscope), has_attestation: Boolean(r.has_attestation) });

export function listRebuildArtifacts(db: Database, buildId: number): RebuildArtifactRecord[] {
  return db.prepare<RebuildArtifactRecord>(`${ARTIFACTS} ORDER BY id`).all(buildId).map(toArtifact);
}

export function getRebuildArtifact(db: Database, buildId: number, artifactId: number): RebuildArtifactRecord | null {
  const row = db.prepare<RebuildArtifactRecord>(`${ARTIFACTS} AND id = ?`).get(buildId, artifactId);
  return row ? toArtifact(row) : null;
}
