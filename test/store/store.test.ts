import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CorruptStoreError, openStore } from "../../src/engine/store/index.js";
import { openDatabase, openReader } from "../../src/engine/store/sqlite.js";
import { migrate, SCHEMA_VERSION } from "../../src/engine/store/migrate.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "rebuilder-store-"));

describe("store", () => {
  it("creates a WAL database with foreign keys and the current schema", () => {
    const db = openStore(tempDir());
    expect(db.prepare<{ journal_mode: string }>("PRAGMA journal_mode").get()?.journal_mode).toBe("wal");
    expect(db.prepare<{ foreign_keys: number }>("PRAGMA foreign_keys").get()?.foreign_keys).toBe(1);
    const versions = db.prepare<{ version: number }>("SELECT version FROM schema_migrations").all();
    expect(versions.map((v) => v.version)).toContain(SCHEMA_VERSION);
    db.close();
  });

  it("applies migrations once", () => {
    const dir = tempDir();
    openStore(dir).close();
    const db = openStore(dir);
    expect(migrate(db)).toEqual([]);
    db.close();
  });

  it("refuses a database from a newer rebuilder", () => {
    const dir = tempDir();
    const db = openStore(dir);
    db.prepare("INSERT INTO schema_migrations VALUES (9999, 'future', datetime('now'))").run();
    db.close();
    expect(() => openStore(dir)).toThrow(/newer than this rebuilder/);
  });

  it("names a store file that is not a database, says what to do, and leaves it untouched", () => {
    const dir = tempDir();
    const path = join(dir, "rebuilder.db");
    const garbage = Buffer.from("these are not the bytes of a SQLite database\n".repeat(100));
    writeFileSync(path, garbage);
    expect(() => openStore(dir)).toThrow(CorruptStoreError);
    expect(() => openStore(dir)).toThrow(`the store ${path} cannot be read (file is not a database); it was left untouched. Restore it from a backup, or move it aside`);
    expect(readFileSync(path)).toEqual(garbage);
    expect(readdirSync(dir)).toEqual(["rebuilder.db"]);
  });

  it("names a damaged store file", () => {
    const dir = tempDir();
    const db = openStore(dir);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)"); // everything in the main file, as after a clean shutdown
    db.close();
    const path = join(dir, "rebuilder.db");
    const damaged = readFileSync(path);
    // Keep SQLite's 100-byte file header, overwrite the rest of the first page (the schema's b-tree).
    damaged.fill(0xa5, 100, 4096);
    writeFileSync(path, damaged);
    expect(() => openStore(dir)).toThrow(new RegExp(`^the store ${path} cannot be read \\(.*malformed.*\\); it was left untouched`));
    expect(readFileSync(path)).toEqual(damaged);
  });

  it("rolls a failed transaction back completely", () => {
    const db = openStore(tempDir());
    expect(() =>
      db.transaction(() => {
        db.prepare("INSERT INTO source_packages (name, version, distribution, release, last_seen) VALUES ('a','1','debian','sid','2026-01-01 00:00:00')").run();
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(db.prepare<{ n: number }>("SELECT count(*) AS n FROM source_packages").get()?.n).toBe(0);
    db.close();
  });

  it("gives the reader one snapshot per event-loop turn: later turns see new writes, and it cannot write", async () => {
    const db = openStore(tempDir());
    const addSource = db.prepare("INSERT INTO source_packages (name, version, distribution, release, last_seen) VALUES (?, '1', 'debian', 'sid', '2026-01-01 00:00:00')");
    addSource.run("a");
    const reader = openReader(db.path);
    const count = () => reader.prepare<{ n: number }>("SELECT count(*) AS n FROM source_packages").get()!.n;
    expect(count()).toBe(1);
    addSource.run("b");
    // Committed by the writer, but within the turn whose snapshot the reader already holds.
    expect(count()).toBe(1);
    expect(reader.prepare<{ name: string }>("SELECT name FROM source_packages ORDER BY name").all().map((r) => r.name)).toEqual(["a"]);
    // The snapshot ends in the turn's check phase; an immediate queued after it runs after it. (A
    // 0 ms timeout may fire first, in the next turn's timers phase, when a millisecond has passed.)
    await new Promise((r) => setImmediate(r));
    expect(count()).toBe(2);
    expect([...reader.prepare<{ name: string }>("SELECT name FROM source_packages ORDER BY name").iterate()].map((r) => r.name)).toEqual(["a", "b"]);
    expect(() => reader.prepare("DELETE FROM source_packages").run()).toThrow(/readonly/i);
    expect(count()).toBe(2);
    // Closed with a snapshot open: the end of the turn finds nothing to end.
    reader.close();
    await new Promise((r) => setImmediate(r));
    expect(db.prepare<{ n: number }>("SELECT count(*) AS n FROM source_packages").get()!.n).toBe(2);
    db.close();
  });

  it("binds booleans and round-trips blobs as Uint8Array", () => {
    const db = openDatabase(join(tempDir(), "x.db"));
    db.exec("CREATE TABLE t (b INTEGER, blob BLOB)");
    db.prepare("INSERT INTO t VALUES (?, ?)").run(true, new Uint8Array([1, 2, 3]));
    const row = db.prepare<{ b: number; blob: Uint8Array }>("SELECT * FROM t").get()!;
    expect(row.b).toBe(1);
    expect(row.blob).toBeInstanceOf(Uint8Array);
    expect([...row.blob]).toEqual([1, 2, 3]);
    db.close();
  });

  it("does not treat a NULL component as a new binary on every import", () => {
    const db = openStore(tempDir());
    db.prepare("INSERT INTO source_packages (name, version, distribution, release, last_seen) VALUES ('tails','6.10','tails','stable','2026-01-01 00:00:00')").run();
    db.prepare("INSERT INTO build_inputs (source_package_id, url, backend, architecture) VALUES (1, 'u', 'tails', 'amd64')").run();
    const insert = db.prepare(
      "INSERT INTO binary_packages (source_package_id, build_input_id, name, version, component, architecture, artifact_url) VALUES (1, 1, 'x.img', '6.10', NULL, 'amd64', 'u') ON CONFLICT DO NOTHING",
    );
    insert.run();
    insert.run();
    expect(db.prepare<{ n: number }>("SELECT count(*) AS n FROM binary_packages").get()?.n).toBe(1);
    db.close();
  });
});
