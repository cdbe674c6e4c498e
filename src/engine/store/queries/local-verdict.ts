/**
 * The local store's answer for one binary package: its artifact (file URL and the index's
 * sha256) and the verdict of its build input's latest rebuild (FAIL when the build failed).
 */
import type { Database, Statement } from "../sqlite.js";

export interface LocalBinary {
  name: string;
  version: string;
  architecture: string;
  url: string;
  sha256: string | null;
  /** Artifact status of the latest rebuild, "FAIL" for a failed build, null when never built. */
  status: "GOOD" | "BAD" | "FAIL" | "UNKWN" | null;
  /** The build it comes from, as the queue selects it. */
  source: { name: string; version: string; distribution: string; release: string | null; architecture: string };
}

type Row = Omit<LocalBinary, "source"> & { s_name: string; s_version: string; s_distribution: string; s_release: string | null; s_architecture: string };

const SQL = `
  SELECT bp.name, bp.version, bp.architecture, bp.artifact_url AS url, bp.sha256,
    CASE WHEN lr.status = 'FAIL' THEN 'FAIL' ELSE ra.status END AS status,
    sp.name AS s_name, sp.version AS s_version, sp.distribution AS s_distribution, sp.release AS s_release, bi.architecture AS s_architecture
  FROM binary_packages bp
  JOIN source_packages sp ON sp.id = bp.source_package_id
  JOIN build_inputs bi ON bi.id = bp.build_input_id
  LEFT JOIN rebuilds lr ON lr.id = (SELECT r.id FROM rebuilds r WHERE r.build_input_id = bp.build_input_id ORDER BY r.built_at DESC, r.id DESC LIMIT 1)
  LEFT JOIN rebuild_artifacts ra ON ra.rebuild_id = lr.id AND ra.name = bp.name
  WHERE bp.name = ? AND (? IS NULL OR bp.version = ?) AND (? IS NULL OR bp.architecture = ?)
  ORDER BY sp.seen_in_last_sync DESC, bp.id DESC
  LIMIT 1`;

/** Looks packages up one by one on one prepared statement (thousands per second for `check --installed`). */
export class LocalVerdicts {
  private readonly stmt: Statement<Row>;

  constructor(db: Database) {
    this.stmt = db.prepare<Row>(SQL);
  }

  find(name: string, version?: string, architecture?: string): LocalBinary | null {
    const v = version ?? null;
    const a = architecture ?? null;
    const r = this.stmt.get(name, v, v, a, a);
    if (!r) return null;
    const { s_name, s_version, s_distribution, s_release, s_architecture, ...binary } = r;
    return { ...binary, source: { name: s_name, version: s_version, distribution: s_distribution, release: s_release, architecture: s_architecture } };
  }
}
