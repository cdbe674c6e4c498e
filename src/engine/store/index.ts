import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { migrate } from "./migrate.js";
import { openDatabase, type Database } from "./sqlite.js";

export type { Database, Statement } from "./sqlite.js";

/** Opens (creating if needed) the store in a data directory and brings its schema up to date. */
export function openStore(dataDir: string): Database {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = openDatabase(join(dataDir, "rebuilder.db"));
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
