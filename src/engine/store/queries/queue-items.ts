/**
 * The v0 API's queue entries (reference §4.2): `QueueItem` with its `PkgGroup`, the pkgbase of
 * rebuilderd ≤ v0.25, which is one build input here (a source package built for one
 * architecture) with that build input's binaries as its artifacts.
 */
import type { Database } from "../sqlite.js";
import { toWireTime } from "../time.js";
import { Where } from "./where.js";

export interface PkgArtifact {
  name: string;
  version: string;
  url: string;
}

export interface PkgGroup {
  name: string;
  version: string;
  distro: string;
  /** The component of the group's binaries (v0.25's suite, e.g. `main`, `core`); "" when they have none. */
  suite: string;
  architecture: string;
  input_url: string | null;
  artifacts: PkgArtifact[];
}

export interface QueueItem {
  id: number;
  pkgbase: PkgGroup;
  version: string;
  queued_at: string;
  worker_id: number | null;
  started_at: string | null;
  last_ping: string | null;
}

interface Row {
  id: number;
  name: string;
  version: string;
  distro: string;
  suite: string;
  architecture: string;
  input_url: string;
  artifacts: string;
  queued_at: string;
  worker_id: number | null;
  started_at: string | null;
  last_ping: string | null;
}

const ITEMS = `SELECT q.id, sp.name, sp.version, sp.distribution AS distro,
    coalesce((SELECT min(b.component) FROM binary_packages b WHERE b.build_input_id = bi.id), '') AS suite,
    bi.architecture, bi.url AS input_url,
    (SELECT json_group_array(json_object('name', b.name, 'version', b.version, 'url', b.artifact_url))
       FROM (SELECT * FROM binary_packages WHERE build_input_id = bi.id ORDER BY id) b) AS artifacts,
    q.queued_at, q.worker AS worker_id, q.started_at, q.last_ping
  FROM queue q JOIN build_inputs bi ON bi.id = q.build_input_id JOIN source_packages sp ON sp.id = bi.source_package_id`;

const toItem = (r: Row): QueueItem => ({
  id: r.id,
  pkgbase: { name: r.name, version: r.version, distro: r.distro, suite: r.suite, architecture: r.architecture, input_url: r.input_url, artifacts: JSON.parse(r.artifacts) as PkgArtifact[] },
  version: r.version,
  queued_at: toWireTime(r.queued_at)!,
  worker_id: r.worker_id,
  started_at: toWireTime(r.started_at),
  last_ping: toWireTime(r.last_ping),
});

/** Queue entries in v0.25's order (priority, queued_at, id); `running` keeps only started ones; `limit` null means all. */
export function listQueueItems(db: Database, o: { running?: boolean; limit?: number | null; id?: number } = {}): QueueItem[] {
  const where = new Where().eq("q.id = ?", o.id);
  if (o.running) where.raw("q.started_at IS NOT NULL");
  const limit = o.limit === undefined || o.limit === null ? "" : " LIMIT ?";
  const params = limit ? [...where.params, o.limit!] : where.params;
  return db.prepare<Row>(`${ITEMS} ${where} ORDER BY q.priority, q.queued_at, q.id${limit}`).all(...params).map(toItem);
}

/** The v0 dashboard's `queue_length`: every queued job (v0.25), not only running ones. */
export function queueLength(db: Database): number {
  return db.prepare<{ n: number }>("SELECT count(*) AS n FROM queue").get()!.n;
}
