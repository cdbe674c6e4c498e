import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { migrate } from "./migrate.js";
import { openDatabase, type Database } from "./sqlite.js";

export type { Database, Statement } from "./sqlite.js";

/** The store file exists but SQLite cannot read it: not a database, or a damaged one. */
export class CorruptStoreError extends Error {}

/** Opens (creating if needed) the store in a data directory and brings its schema up to date. */
export function openStore(dataDir: string): Database {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, "rebuilder.db");
  let db: Database | undefined;
  try {
    db = openDatabase(path);
    migrate(db);
  } catch (err) {
    db?.close();
    throw isCorruption(err) ? corruptStore(path, err as Error) : err;
  }
  return db;
}

const CORRUPTION_CODES = new Set(["SQLITE_NOTADB", "SQLITE_CORRUPT"]);

/** better-sqlite3 and bun:sqlite both carry SQLite's result code name in `code`; the message is the fallback. */
function isCorruption(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return CORRUPTION_CODES.has(String(e.code)) || /file is not a database|database disk image is malformed/.test(String(e.message));
}

function corruptStore(path: string, err: Error): CorruptStoreError {
  return new CorruptStoreError(
    `the store ${path} cannot be read (${err.message}); it was left untouched. ` +
      `Restore it from a backup, or move it aside (with any ${path}-wal and ${path}-shm beside it) to start an empty store; ` +
      `the next sync then fetches every package again and the verdicts kept in the old file stay only there.`,
  );
}
