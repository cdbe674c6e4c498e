/** Rebuilds as the TUI lists them: BAD artifacts newest first, and one binary's history of rebuilds. */
import type { Database } from "../sqlite.js";
import { toWireTime } from "../time.js";

export interface BadArtifact {
  artifact_id: number;
  build_id: number;
  /** The binary (artifact) name; `source` is its source package. */
  name: string;
  source: string;
  version: string;
  distribution: string;
  release: string | null;
  architecture: string;
  built_at: string | null;
  has_diffoscope: boolean;
}

export function badArtifacts(db: Database, opts: { offset: number; limit: number }): { total: number; records: BadArtifact[] } {
  const total = db.prepare<{ n: number }>("SELECT count(*) AS n FROM rebuild_artifacts WHERE status = 'BAD'").get()!.n;
  const records = db
    .prepare<Omit<BadArtifact, "has_diffoscope"> & { has_diffoscope: number }>(
      `SELECT ra.id AS artifact_id, r.id AS build_id, ra.name, sp.name AS source, sp.version, sp.distribution, sp.release,
         bi.architecture, r.built_at, ra.diffoscope_log_id IS NOT NULL AS has_diffoscope
       FROM rebuild_artifacts ra JOIN rebuilds r ON r.id = ra.rebuild_id JOIN build_inputs bi ON bi.id = r.build_input_id
       JOIN source_packages sp ON sp.id = bi.source_package_id
       WHERE ra.status = 'BAD' ORDER BY r.built_at DESC, ra.id DESC LIMIT ? OFFSET ?`,
    )
    .all(opts.limit, opts.offset)
    .map((r) => ({ ...r, built_at: toWireTime(r.built_at), has_diffoscope: Boolean(r.has_diffoscope) }));
  return { total, records };
}

export interface RebuildRecord {
  build_id: number;
  started_at: string | null;
  built_at: string | null;
  /** The rebuild's verdict; `artifact_status` is this binary's own, when it was compared. */
  status: string | null;
  artifact_id: number | null;
  artifact_status: string | null;
  has_diffoscope: boolean;
  fail_reason: string | null;
  worker_name: string | null;
}

/** Every rebuild of the binary package's build input, newest first. */
export function rebuildHistory(db: Database, binaryPackageId: number): RebuildRecord[] {
  return db
    .prepare<Omit<RebuildRecord, "has_diffoscope"> & { has_diffoscope: number }>(
      `SELECT r.id AS build_id, r.started_at, r.built_at, r.status, ra.id AS artifact_id, ra.status AS artifact_status,
         ra.diffoscope_log_id IS NOT NULL AS has_diffoscope, r.fail_reason, r.worker_name
       FROM binary_packages bp JOIN rebuilds r ON r.build_input_id = bp.build_input_id
       LEFT JOIN rebuild_artifacts ra ON ra.rebuild_id = r.id AND ra.name = bp.name
       WHERE bp.id = ? ORDER BY r.built_at DESC, r.id DESC`,
    )
    .all(binaryPackageId)
    .map((r) => ({ ...r, started_at: toWireTime(r.started_at), built_at: toWireTime(r.built_at), has_diffoscope: Boolean(r.has_diffoscope) }));
}
