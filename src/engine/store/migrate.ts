import type { Database } from "./sqlite.js";
import * as m001 from "./migrations/001-initial.js";
import * as m002 from "./migrations/002-sync-schedule.js";
import * as m003 from "./migrations/003-remote-verdicts.js";

/** Ordered; a migration is never edited once released, only followed by a new one. */
const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  { version: 1, name: "initial", sql: m001.sql },
  { version: 2, name: "sync-schedule", sql: m002.sql },
  { version: 3, name: "remote-verdicts", sql: m003.sql },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function migrate(db: Database): number[] {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
  const done = new Set(db.prepare<{ version: number }>("SELECT version FROM schema_migrations").all().map((r) => r.version));
  const newest = Math.max(0, ...done);
  if (newest > SCHEMA_VERSION) {
    throw new Error(`database ${db.path} has schema version ${newest}, newer than this rebuilder (${SCHEMA_VERSION}); upgrade rebuilder`);
  }
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, datetime('now'))").run(m.version, m.name);
    });
    applied.push(m.version);
  }
  return applied;
}
