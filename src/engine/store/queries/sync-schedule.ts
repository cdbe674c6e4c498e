/** Per-profile state of the periodic sync (migration 002), shared by the scheduler, the API and the metrics. */
import type { Database } from "../sqlite.js";
import { toWireTime } from "../time.js";

export interface SyncScheduleRecord {
  profile: string;
  last_started: string | null;
  last_finished: string | null;
  last_success: string | null;
  next_run: string | null;
  last_error: string | null;
  last_summary: Record<string, unknown> | null;
}

interface Row extends Omit<SyncScheduleRecord, "last_summary"> {
  last_summary: string | null;
}

/** Store timestamps (not wire form): what the scheduler compares. */
export function syncScheduleRow(db: Database, profile: string): Row | undefined {
  return db.prepare<Row>("SELECT * FROM sync_schedule WHERE profile = ?").get(profile);
}

/** Every profile's state in wire form, ordered by profile name. */
export function listSyncSchedule(db: Database): SyncScheduleRecord[] {
  return db
    .prepare<Row>("SELECT * FROM sync_schedule ORDER BY profile")
    .all()
    .map((r) => ({
      profile: r.profile,
      last_started: toWireTime(r.last_started),
      last_finished: toWireTime(r.last_finished),
      last_success: toWireTime(r.last_success),
      next_run: toWireTime(r.next_run),
      last_error: r.last_error,
      last_summary: r.last_summary === null ? null : (JSON.parse(r.last_summary) as Record<string, unknown>),
    }));
}

export function markSyncStarted(db: Database, profile: string, at: string): void {
  db.prepare(
    "INSERT INTO sync_schedule (profile, last_started) VALUES (?, ?) ON CONFLICT (profile) DO UPDATE SET last_started = excluded.last_started",
  ).run(profile, at);
}

/** Records how a run ended: a summary (success, clearing the error) or an error (keeping the last good summary). */
export function markSyncFinished(db: Database, profile: string, at: string, nextRun: string, result: { summary: object } | { error: string }): void {
  if ("summary" in result) {
    db.prepare("UPDATE sync_schedule SET last_finished = ?, last_success = ?, next_run = ?, last_error = NULL, last_summary = ? WHERE profile = ?").run(
      at,
      at,
      nextRun,
      JSON.stringify(result.summary),
      profile,
    );
  } else {
    db.prepare("UPDATE sync_schedule SET last_finished = ?, next_run = ?, last_error = ? WHERE profile = ?").run(at, nextRun, result.error, profile);
  }
}

/** Plans a profile's next run without touching its history (a profile seen for the first time). */
export function planSync(db: Database, profile: string, nextRun: string): void {
  db.prepare("INSERT INTO sync_schedule (profile, next_run) VALUES (?, ?) ON CONFLICT (profile) DO UPDATE SET next_run = excluded.next_run").run(profile, nextRun);
}
