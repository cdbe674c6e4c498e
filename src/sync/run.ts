/**
 * One sync pass: for each profile, fetch and authenticate its index files, skip every plan whose
 * files and settings are unchanged since the last import, parse the rest completely, then import
 * all its scopes in one transaction. Nothing is imported when fetching, checking or parsing fails.
 */
import { createHash } from "node:crypto";
import type { Database } from "../engine/store/index.js";
import type { SchedulePolicy } from "../engine/config.js";
import { compileFilter, filterReadsMaintainers } from "./filters.js";
import { IndexFetcher } from "./fetch.js";
import { collectGarbage } from "./gc-nudge.js";
import { emptyCounts, importReports, type ImportCounts, type ScopedReport } from "./import.js";
import type { DistroSync, IndexPlan, SyncContext, SyncProfile, SyncProgress } from "./types.js";
import { archlinuxSync } from "./archlinux.js";
import { debianSync } from "./debian/index.js";
import { fedoraSync } from "./fedora.js";
import { tailsSync } from "./tails.js";

/** Bump when a parser changes what it produces, so unchanged indexes are imported again. */
const PARSER_GENERATION = "1";

const SYNC_METHODS: Record<string, DistroSync> = {
  archlinux: archlinuxSync,
  debian: debianSync,
  fedora: fedoraSync,
  tails: tailsSync,
};

export interface SyncSummary extends ImportCounts {
  profile: string;
  /** Scopes whose index was unchanged and not parsed again. */
  unchanged: number;
  took_s: number;
}

export interface SyncOptions {
  dataDir: string;
  policy: SchedulePolicy;
  now?: () => Date;
  onProgress?: (profile: string, event: SyncProgress) => void;
  onWarning?: (message: string) => void;
  /** Parse and import even when nothing changed. */
  force?: boolean;
}

export function syncMethodFor(profile: SyncProfile): DistroSync {
  const method = SYNC_METHODS[profile.sync_method];
  if (!method) {
    throw new Error(
      `profile "${profile.name}": no sync method "${profile.sync_method}" (have: ${Object.keys(SYNC_METHODS).join(", ")}); set sync_method`,
    );
  }
  return method;
}

function scopeKey(profile: SyncProfile, release: string | null, architecture: string): string {
  return `${profile.name}\u0000${release ?? ""}\u0000${architecture}`;
}

function planDigest(profile: SyncProfile, plan: IndexPlan): string {
  const h = createHash("sha256").update(PARSER_GENERATION).update(JSON.stringify(profile));
  for (const f of plan.files) h.update(f.url).update(f.sha256);
  return h.digest("hex");
}

/** Fetches, checks and parses one profile; returns the reports to import (none for unchanged plans). */
export async function collectReports(
  db: Database,
  profile: SyncProfile,
  opts: SyncOptions,
): Promise<{ reports: ScopedReport[]; unchanged: number }> {
  const progress = (e: SyncProgress) => opts.onProgress?.(profile.name, e);
  const ctx: SyncContext = {
    fetcher: new IndexFetcher(db, opts.dataDir, progress),
    progress,
    warn: (m) => opts.onWarning?.(`${profile.name}: ${m}`),
    accept: compileFilter(profile),
    readsMaintainers: filterReadsMaintainers(profile),
  };
  const plans = await syncMethodFor(profile).plan(profile, ctx);
  const stored = db.prepare<{ digest: string }>("SELECT digest FROM sync_scopes WHERE scope = ?");
  const out: ScopedReport[] = [];
  let unchanged = 0;
  for (const plan of plans) {
    const digest = planDigest(profile, plan);
    const keys = plan.scopes.map((s) => scopeKey(profile, s.release, s.architecture));
    if (!opts.force && keys.length > 0 && keys.every((k) => stored.get(k)?.digest === digest)) {
      unchanged += keys.length;
      continue;
    }
    for (const report of await plan.build()) {
      out.push({ report, scope: scopeKey(profile, report.release, report.architecture), digest });
    }
  }
  return { reports: out, unchanged };
}

export async function syncProfile(db: Database, profile: SyncProfile, opts: SyncOptions): Promise<SyncSummary> {
  const started = performance.now();
  const now = opts.now ?? (() => new Date());
  const { reports, unchanged } = await collectReports(db, profile, opts);
  let counts = emptyCounts();
  if (reports.length > 0) {
    const where = reports.map(({ report: r }) => [r.distribution, r.release, r.architecture].filter(Boolean).join("/")).join(", ");
    // Distinct source versions: an upload with amd64 and all binaries is in two reports.
    const packages = new Set(reports.flatMap(({ report: r }) => r.packages.map((g) => `${g.name} ${g.version}`))).size;
    opts.onProgress?.(profile.name, { kind: "import", scope: where, packages });
    collectGarbage();
    counts = importReports(db, reports, opts.policy, now());
  }
  return { profile: profile.name, ...counts, unchanged, took_s: (performance.now() - started) / 1000 };
}
