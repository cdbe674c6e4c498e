/** Package listings shaped as the v1 API's records (reference §3.2), shared by the CLI and the API. */
import type { Database } from "../sqlite.js";
import { toWireTime } from "../time.js";
import { LATEST_REBUILDS_CTE, latestRebuildIdSql } from "./latest-rebuild.js";
import { paginate, type Page } from "./pagination.js";
import { Where, type OriginFilter } from "./where.js";

export interface BinaryPackageRecord {
  id: number;
  name: string;
  version: string;
  distribution: string;
  release: string | null;
  component: string | null;
  architecture: string;
  url: string;
  status: "GOOD" | "BAD" | "UNKWN" | null;
  build_id: number | null;
  artifact_id: number | null;
  diffoscope_log_id: number | null;
  attestation_log_id: number | null;
  last_seen: string;
  seen_in_last_sync: boolean;
}

/** `architecture`, `name` and `version` are the binary's own here. */
export interface BinaryPackageFilter extends OriginFilter {
  source_name?: string;
  seen_only?: boolean;
  /** Our addition: the artifact's latest status; UNKWN also matches never-built. */
  status?: "GOOD" | "BAD" | "UNKWN";
}

const COLUMNS = [
  "id",
  "name",
  "version",
  "distribution",
  "release",
  "component",
  "architecture",
  "url",
  "status",
  "build_id",
  "artifact_id",
  "diffoscope_log_id",
  "attestation_log_id",
  "last_seen",
  "seen_in_last_sync",
] as const;

const BINARY_FROM = `FROM binary_packages bp JOIN source_packages sp ON sp.id = bp.source_package_id`;

/** A binary package record; both left joins match at most one row (see listBinaryPackages). */
const BINARY_SELECT = `SELECT bp.id, bp.name, bp.version, sp.distribution, sp.release, bp.component, bp.architecture,
    bp.artifact_url AS url, ra.status, lr.id AS build_id, ra.id AS artifact_id, ra.diffoscope_log_id,
    ra.attestation_log_id, sp.last_seen, sp.seen_in_last_sync
  ${BINARY_FROM}
  LEFT JOIN rebuilds lr ON lr.id = ${latestRebuildIdSql("bp.build_input_id")}
  LEFT JOIN rebuild_artifacts ra ON ra.id = (SELECT max(a.id) FROM rebuild_artifacts a WHERE a.rebuild_id = lr.id AND a.name = bp.name)`;

export function listBinaryPackages(db: Database, filter: BinaryPackageFilter, page: Page): { total: number; records: BinaryPackageRecord[] } {
  const where = new Where()
    .origin(filter)
    .eq("bp.architecture = ?", filter.architecture)
    .eq("bp.name = ?", filter.name)
    .eq("bp.version = ?", filter.version)
    .eq("sp.name = ?", filter.source_name)
    .eq("sp.seen_in_last_sync = ?", filter.seen_only === undefined ? undefined : filter.seen_only ? 1 : 0);
  if (filter.status === "UNKWN") where.raw("(ra.status IS NULL OR ra.status = 'UNKWN')");
  else where.eq("ra.status = ?", filter.status);

  // Both left joins match at most one row (the latest rebuild; its newest artifact row of this
  // name, should a report have listed a name twice), and every binary has its source package (a
  // foreign key), so `total` counts binary_packages alone unless a filter needs the others: the
  // listing pays for the joins only on the page it returns, rebuildctl's 64 pages of the bookworm
  // slice ~60 ms each less.
  const sourceFiltered = [filter.distribution, filter.release, filter.component, filter.source_name, filter.seen_only].some((v) => v !== undefined);
  const sql = `${BINARY_SELECT} ${where}`;
  const countSql = filter.status !== undefined ? undefined : `SELECT bp.id ${sourceFiltered ? BINARY_FROM : "FROM binary_packages bp"} ${where}`;
  return withFreshness(paginate(db, { sql, params: where.params, columns: COLUMNS, ...(countSql ? { countSql } : {}) }, page));
}

const BINARY_BY_ID = `${BINARY_SELECT} WHERE bp.id = (SELECT ?)`;

/**
 * `GET /api/v1/packages/binary/{id}`: one record by its id, or undefined. Its own statement (the
 * listing's, without the paging around it): the API's most frequent request. The id is given as
 * `(SELECT ?)`: the SQLite inside Bun (3.54) re-plans a statement on every call when its planner
 * looked at a bound value, as it does for `bp.id = ?` in this join: ~35 µs a lookup instead of ~8.
 */
export function getBinaryPackage(db: Database, id: number): BinaryPackageRecord | undefined {
  const row = db.prepare<BinaryPackageRecord>(BINARY_BY_ID).get(id);
  return row && fresh(row);
}

/** SQLite's 0/1 and store timestamps → the wire's boolean and zone-less timestamp. */
function fresh<R extends { last_seen: string; seen_in_last_sync: boolean }>(r: R): R {
  r.last_seen = toWireTime(r.last_seen)!;
  r.seen_in_last_sync = Boolean(r.seen_in_last_sync);
  return r;
}

function withFreshness<R extends { last_seen: string; seen_in_last_sync: boolean }>(page: { total: number; records: R[] }): { total: number; records: R[] } {
  page.records.forEach(fresh);
  return page;
}

export interface SourcePackageRecord {
  id: number;
  name: string;
  version: string;
  distribution: string;
  release: string | null;
  status: "GOOD" | "BAD" | "FAIL" | "UNKWN" | null;
  build_id: number | null;
  last_seen: string;
  seen_in_last_sync: boolean;
}

/** `architecture` is the build input's; `id` selects one source package (our addition, for the single look-up). */
export interface SourcePackageFilter extends OriginFilter {
  seen_only?: boolean;
  id?: number;
}

const SOURCE_COLUMNS = ["id", "name", "version", "distribution", "release", "status", "build_id", "last_seen", "seen_in_last_sync"] as const;

/** One row per (source package × build input), as rebuilderd (reference §3.0.3): a source built for two architectures appears twice with one id. */
export function listSourcePackages(db: Database, filter: SourcePackageFilter, page: Page): { total: number; records: SourcePackageRecord[] } {
  const where = new Where()
    .buildInputOrigin(filter)
    .eq("sp.id = ?", filter.id)
    .eq("sp.seen_in_last_sync = ?", filter.seen_only === undefined ? undefined : filter.seen_only ? 1 : 0);
  const sql = `SELECT sp.id, sp.name, sp.version, sp.distribution, sp.release, lr.status, lr.id AS build_id, sp.last_seen, sp.seen_in_last_sync
    FROM source_packages sp
    JOIN build_inputs bi ON bi.source_package_id = sp.id
    LEFT JOIN (WITH ${LATEST_REBUILDS_CTE} SELECT * FROM latest_rebuilds) lr ON lr.build_input_id = bi.id
    ${where}`;
  return withFreshness(paginate(db, { sql, params: where.params, columns: SOURCE_COLUMNS }, page));
}
