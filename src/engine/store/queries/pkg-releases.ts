/**
 * The v0 API's view of packages (reference §4.2–4.4): one `PkgRelease` per binary package still
 * listed by its index, with a per-binary status as rebuilderd ≤ v0.25 kept it: the artifact's
 * verdict in the latest rebuild, and BAD after a FAIL (v0.25 recorded a failed build as BAD).
 * Also the per-component counts of the v0 dashboard and the binaries v0's push and requeue select.
 */
import type { Database } from "../sqlite.js";
import { toWireTime } from "../time.js";
import { LATEST_REBUILDS_CTE } from "./latest-rebuild.js";
import { Where } from "./where.js";

export type V0Status = "GOOD" | "BAD" | "UNKWN";

export interface PkgRelease {
  name: string;
  version: string;
  status: V0Status;
  distro: string;
  suite: string;
  architecture: string;
  artifact_url: string;
  build_id: number | null;
  built_at: string | null;
  has_diffoscope: boolean;
  has_attestation: boolean;
}

/** Exact matches on the record's own fields, as v0.25 filtered its list; `suite` is the binary's component. */
export interface PkgReleaseFilter {
  name?: string;
  status?: V0Status;
  distro?: string;
  suite?: string;
  architecture?: string;
}

/** Every listed binary with its v0 fields (and its build input, for push and requeue). */
const RELEASES = `SELECT bp.name, bp.version,
    CASE WHEN ra.status IN ('GOOD', 'BAD') THEN ra.status WHEN lr.status IN ('BAD', 'FAIL') THEN 'BAD' ELSE 'UNKWN' END AS status,
    sp.distribution AS distro, coalesce(bp.component, '') AS suite, bp.architecture, bp.artifact_url,
    lr.id AS build_id, lr.built_at, ra.diffoscope_log_id IS NOT NULL AS has_diffoscope, ra.attestation_log_id IS NOT NULL AS has_attestation,
    bp.build_input_id
  FROM binary_packages bp
  JOIN source_packages sp ON sp.id = bp.source_package_id
  LEFT JOIN latest_rebuilds lr ON lr.build_input_id = bp.build_input_id
  LEFT JOIN rebuild_artifacts ra ON ra.rebuild_id = lr.id AND ra.name = bp.name
  WHERE sp.seen_in_last_sync = 1`;

function filtered(filter: PkgReleaseFilter): { sql: string; params: Where["params"] } {
  const where = new Where()
    .eq("name = ?", filter.name)
    .eq("status = ?", filter.status)
    .eq("distro = ?", filter.distro)
    .eq("suite = ?", filter.suite)
    .eq("architecture = ?", filter.architecture);
  return { sql: `WITH ${LATEST_REBUILDS_CTE}, releases AS (${RELEASES}) SELECT * FROM releases ${where}`, params: where.params };
}

type Row = Omit<PkgRelease, "has_diffoscope" | "has_attestation"> & { has_diffoscope: number; has_attestation: number; build_input_id: number };

/** `GET /api/v0/pkgs/list`, ordered by (name, distro) as v0.25; `lastModified` is the newest built_at among them (store time). */
export function listPkgReleases(db: Database, filter: PkgReleaseFilter): { records: PkgRelease[]; lastModified: string | null } {
  const { sql, params } = filtered(filter);
  const rows = db.prepare<Row>(`${sql} ORDER BY name, distro, architecture, version`).all(...params);
  let lastModified: string | null = null;
  const records = rows.map(({ build_input_id: _, ...r }) => {
    if (r.built_at !== null && (lastModified === null || r.built_at > lastModified)) lastModified = r.built_at;
    return { ...r, built_at: toWireTime(r.built_at), has_diffoscope: Boolean(r.has_diffoscope), has_attestation: Boolean(r.has_attestation) };
  });
  return { records, lastModified };
}

/** The build inputs of the matching binaries: what v0's queue push and pkg requeue queue. */
export function buildInputsOfReleases(db: Database, filter: PkgReleaseFilter): number[] {
  const { sql, params } = filtered(filter);
  return db.prepare<{ id: number }>(`SELECT DISTINCT build_input_id AS id FROM (${sql}) ORDER BY id`).all(...params).map((r) => r.id);
}

export interface SuiteStats {
  good: number;
  unknown: number;
  bad: number;
}

/** The v0 dashboard's `suites`: listed binaries by component and v0 status, components in sorted order. */
export function suiteStats(db: Database): Record<string, SuiteStats> {
  const rows = db
    .prepare<{ suite: string; status: V0Status; n: number }>(`WITH ${LATEST_REBUILDS_CTE}, releases AS (${RELEASES}) SELECT suite, status, count(*) AS n FROM releases GROUP BY 1, 2 ORDER BY 1`)
    .all();
  const suites: Record<string, SuiteStats> = {};
  for (const r of rows) {
    const s = (suites[r.suite] ??= { good: 0, unknown: 0, bad: 0 });
    if (r.status === "GOOD") s.good += r.n;
    else if (r.status === "BAD") s.bad += r.n;
    else s.unknown += r.n;
  }
  return suites;
}
