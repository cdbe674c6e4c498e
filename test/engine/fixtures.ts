/** Builds store contents for scheduler tests with plain SQL, the way a sync import leaves them. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SchedulePolicy } from "../../src/engine/config.js";
import type { RebuildOutcome } from "../../src/engine/scheduler/index.js";
import { openStore, type Database } from "../../src/engine/store/index.js";
import { fromDbTime, toDbTime } from "../../src/engine/store/time.js";

export const T0 = new Date("2026-06-01T12:00:00.000Z");

export const hours = (date: Date, h: number) => new Date(date.getTime() + h * 3_600_000);
export const seconds = (date: Date, s: number) => new Date(date.getTime() + s * 1000);

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), "rebuilder-scheduler-"));
}

export function tempStore(): Database {
  return openStore(tempDataDir());
}

export function schedulePolicy(overrides: Partial<SchedulePolicy> = {}): SchedulePolicy {
  return { initial_delay: 0, ping_deadline: 540, bad: { retry_delay_base: 24 }, fail: { retry_delay_base: 24 }, ...overrides };
}

export interface PackageSpec {
  name: string;
  version?: string;
  distribution?: string;
  release?: string | null;
  url?: string;
  backend?: string;
  architecture?: string;
  component?: string | null;
  binaries?: string[];
  retries?: number;
  nextRetry?: Date | null;
}

/** One source package, its build input and its binaries; returns the ids. */
export function addPackage(db: Database, spec: PackageSpec): { sourceId: number; buildInputId: number } {
  const version = spec.version ?? "1.0-1";
  const distribution = spec.distribution ?? "debian";
  const release = spec.release === undefined ? "trixie" : spec.release;
  const architecture = spec.architecture ?? "amd64";
  const existing = db
    .prepare<{ id: number }>("SELECT id FROM source_packages WHERE name = ? AND version = ? AND distribution = ? AND release IS ?")
    .get(spec.name, version, distribution, release);
  const sourceId =
    existing?.id ??
    db
      .prepare("INSERT INTO source_packages (name, version, distribution, release, last_seen) VALUES (?, ?, ?, ?, ?)")
      .run(spec.name, version, distribution, release, toDbTime(T0)).lastInsertRowid;
  const buildInputId = db
    .prepare("INSERT INTO build_inputs (source_package_id, url, backend, architecture, retries, next_retry) VALUES (?, ?, ?, ?, ?, ?)")
    .run(
      sourceId,
      spec.url ?? `https://buildinfo.test/${spec.name}_${version}_${architecture}.buildinfo`,
      spec.backend ?? distribution,
      architecture,
      spec.retries ?? 0,
      spec.nextRetry ? toDbTime(spec.nextRetry) : null,
    ).lastInsertRowid;
  for (const bin of spec.binaries ?? [spec.name]) {
    db.prepare(
      "INSERT INTO binary_packages (source_package_id, build_input_id, name, version, component, architecture, artifact_url, sha256, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ).run(sourceId, buildInputId, bin, version, spec.component === undefined ? "main" : spec.component, architecture, `https://mirror.test/pool/${bin}_${version}_${architecture}.deb`, "ab".repeat(32), 1234);
  }
  return { sourceId, buildInputId };
}

export function addJob(db: Database, buildInputId: number, priority = 1, queuedAt: Date = T0): number {
  return db.prepare("INSERT INTO queue (build_input_id, priority, queued_at) VALUES (?, ?, ?)").run(buildInputId, priority, toDbTime(queuedAt)).lastInsertRowid;
}

export function addWorker(db: Database, name: string): number {
  return db.prepare("INSERT INTO workers (name, key, address, last_ping) VALUES (?, ?, '127.0.0.1', ?)").run(name, `key-${name}`, toDbTime(T0)).lastInsertRowid;
}

export function outcome(status: RebuildOutcome["status"], builtAt: Date = T0, artifacts: RebuildOutcome["artifacts"] = []): RebuildOutcome {
  return { status, builtAt, buildLog: new TextEncoder().encode(`build log: ${status}\n`), exitCode: status === "FAIL" ? 2 : 0, failReason: null, workerName: "w1", artifacts };
}

export interface InputState {
  retries: number;
  nextRetry: Date | null;
}

export function inputState(db: Database, buildInputId: number): InputState {
  const row = db.prepare<{ retries: number; next_retry: string | null }>("SELECT retries, next_retry FROM build_inputs WHERE id = ?").get(buildInputId)!;
  return { retries: row.retries, nextRetry: row.next_retry ? fromDbTime(row.next_retry) : null };
}

export interface JobRow {
  id: number;
  build_input_id: number;
  priority: number;
  queued_at: string;
  started_at: string | null;
  worker: number | null;
  last_ping: string | null;
}

export function jobs(db: Database): JobRow[] {
  return db.prepare<JobRow>("SELECT * FROM queue ORDER BY id").all();
}

export function jobOf(db: Database, buildInputId: number): JobRow | undefined {
  return db.prepare<JobRow>("SELECT * FROM queue WHERE build_input_id = ?").get(buildInputId);
}

export function count(db: Database, table: string): number {
  return db.prepare<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).get()!.n;
}
