/**
 * Browsing every binary package (a Debian release has tens of thousands): a window of rows in
 * name order, optionally those whose name contains a text, with the latest verdict and queue
 * state computed only for the rows in the window.
 */
import type { Database } from "../sqlite.js";
import { LATEST_STATUS_SQL } from "./latest-rebuild.js";
import { Where } from "./where.js";

export interface PackageEntry {
  id: number;
  name: string;
  version: string;
  source: string;
  distribution: string;
  release: string | null;
  component: string | null;
  architecture: string;
  /** The architecture it is built on (the build input's: `all` packages are built on one). */
  build_architecture: string;
  /** Latest rebuild of its build input; null when never built. */
  status: string | null;
  queued: boolean;
}

export function packageWindow(db: Database, opts: { text?: string; offset: number; limit: number }): { total: number; records: PackageEntry[] } {
  const where = new Where().eq("instr(name, ?) > 0", opts.text || undefined);
  const total = db.prepare<{ n: number }>(`SELECT count(*) AS n FROM binary_packages ${where}`).get(...where.params)!.n;
  const records = db
    .prepare<Omit<PackageEntry, "queued"> & { queued: number }>(
      `SELECT w.id, w.name, w.version, sp.name AS source, sp.distribution, sp.release, w.component, w.architecture, bi.architecture AS build_architecture,
         ${LATEST_STATUS_SQL} AS status, EXISTS (SELECT 1 FROM queue q WHERE q.build_input_id = bi.id) AS queued
       FROM (SELECT id, name, version, component, architecture, source_package_id, build_input_id FROM binary_packages
             ${where} ORDER BY name, id LIMIT ? OFFSET ?) w
       JOIN source_packages sp ON sp.id = w.source_package_id JOIN build_inputs bi ON bi.id = w.build_input_id
       ORDER BY w.name, w.id`,
    )
    .all(...where.params, opts.limit, opts.offset)
    .map((r) => ({ ...r, queued: Boolean(r.queued) }));
  return { total, records };
}
