import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultEngineConfig } from "../../src/engine/config.js";
import { openStore, type Database } from "../../src/engine/store/index.js";
import { importReport } from "../../src/sync/import.js";
import type { PackageReport, SourceGroupReport } from "../../src/sync/report.js";

const policy = defaultEngineConfig().schedule;
const now = new Date("2026-06-01T10:00:00Z");
const store = () => openStore(mkdtempSync(join(tmpdir(), "rebuilder-import-")));

const group = (name: string, version: string, binaries = [name]): SourceGroupReport => ({
  name,
  version,
  url: `https://buildinfo.example/${name}_${version}_amd64.buildinfo`,
  artifacts: binaries.map((b) => ({ name: b, version, component: "main", architecture: "amd64", url: `https://mirror.example/pool/${b}_${version}_amd64.deb` })),
});
const report = (...packages: SourceGroupReport[]): PackageReport => ({ distribution: "debian", release: "sid", architecture: "amd64", packages });

const count = (db: Database, sql: string) => (db.prepare<{ n: number }>(`SELECT count(*) AS n FROM (${sql})`).get()!.n);
const queued = (db: Database) =>
  db.prepare<{ name: string; version: string; priority: number }>(
    "SELECT sp.name, sp.version, q.priority FROM queue q JOIN build_inputs bi ON bi.id = q.build_input_id JOIN source_packages sp ON sp.id = bi.source_package_id ORDER BY sp.name",
  ).all();

describe("importing a package report", () => {
  it("queues every new version once, with priority 1", () => {
    const db = store();
    const c = importReport(db, report(group("hello", "2.10-3", ["hello", "hello-doc"]), group("acl", "2.3.2-2")), "p\0sid\0amd64", "d1", policy, now);
    expect(c).toMatchObject({ new: 2, changed: 0, vanished: 0, queued: 2, packages: 2, binaries: 3 });
    expect(queued(db)).toEqual([
      { name: "acl", version: "2.3.2-2", priority: 1 },
      { name: "hello", version: "2.10-3", priority: 1 },
    ]);
  });

  it("is idempotent: the same index again adds no job and no row", () => {
    const db = store();
    const r = report(group("hello", "2.10-3"));
    importReport(db, r, "s", "d1", policy, now);
    const again = importReport(db, r, "s", "d1", policy, now);
    expect(again).toMatchObject({ new: 0, changed: 0, vanished: 0, queued: 0 });
    expect(count(db, "SELECT * FROM queue")).toBe(1);
    expect(count(db, "SELECT * FROM binary_packages")).toBe(1);
  });

  it("counts a new version as changed, queues it and drops the old version's waiting job", () => {
    const db = store();
    importReport(db, report(group("hello", "2.10-3")), "s", "d1", policy, now);
    const c = importReport(db, report(group("hello", "2.10-4")), "s", "d2", policy, now);
    expect(c).toMatchObject({ new: 0, changed: 1, vanished: 0, queued: 1 });
    expect(queued(db)).toEqual([{ name: "hello", version: "2.10-4", priority: 1 }]);
    const seen = db.prepare<{ version: string; seen_in_last_sync: number }>("SELECT version, seen_in_last_sync FROM source_packages ORDER BY version").all();
    expect(seen).toEqual([
      { version: "2.10-3", seen_in_last_sync: 0 },
      { version: "2.10-4", seen_in_last_sync: 1 },
    ]);
  });

  it("marks a vanished package unseen, keeps its history and drops its waiting job but not a running one", () => {
    const db = store();
    importReport(db, report(group("hello", "1"), group("acl", "1"), group("attr", "1")), "s", "d1", policy, now);
    db.prepare(
      "UPDATE queue SET worker = 7, started_at = '2026-06-01 10:00:00' WHERE build_input_id = (SELECT bi.id FROM build_inputs bi JOIN source_packages sp ON sp.id = bi.source_package_id WHERE sp.name = 'attr')",
    ).run();
    const c = importReport(db, report(group("hello", "1")), "s", "d2", policy, now);
    expect(c.vanished).toBe(2);
    expect(queued(db).map((q) => q.name)).toEqual(["attr", "hello"]);
    expect(count(db, "SELECT * FROM source_packages WHERE seen_in_last_sync = 0")).toBe(2);
    expect(count(db, "SELECT * FROM source_packages")).toBe(3);
  });

  it("does not let two profiles sharing a distribution clobber each other", () => {
    const db = store();
    importReport(db, report(group("hello", "1")), "profile-a\0sid\0amd64", "a", policy, now);
    importReport(db, report(group("acl", "1")), "profile-b\0sid\0amd64", "b", policy, now);
    // Profile A syncs again: acl is not in it, but profile B still lists it.
    const c = importReport(db, report(group("hello", "1")), "profile-a\0sid\0amd64", "a", policy, now);
    expect(c.vanished).toBe(0);
    expect(queued(db).map((q) => q.name)).toEqual(["acl", "hello"]);
    expect(count(db, "SELECT * FROM source_packages WHERE seen_in_last_sync = 1")).toBe(2);
  });

  it("keeps a package listed by two profiles until both drop it", () => {
    const db = store();
    importReport(db, report(group("hello", "1")), "a", "a", policy, now);
    importReport(db, report(group("hello", "1")), "b", "b", policy, now);
    expect(importReport(db, report(), "a", "a2", policy, now).vanished).toBe(0);
    expect(queued(db)).toHaveLength(1);
    expect(importReport(db, report(), "b", "b2", policy, now).vanished).toBe(1);
    expect(queued(db)).toHaveLength(0);
  });

  it("stores each artifact's checksum and size from the index", () => {
    const db = store();
    const g = group("hello", "1");
    g.artifacts[0]!.sha256 = "ab".repeat(32);
    g.artifacts[0]!.size = 1234;
    importReport(db, report(g), "s", "d", policy, now);
    expect(db.prepare("SELECT sha256, size FROM binary_packages").get()).toEqual({ sha256: "ab".repeat(32), size: 1234 });
  });

  it("leaves the store exactly as it was when an import fails half-way", () => {
    const db = store();
    importReport(db, report(group("hello", "1")), "s", "d1", policy, now);
    const before = db.prepare("SELECT * FROM source_packages").all();
    const broken = report(group("acl", "1"), { name: "bad", version: "1", url: "u", artifacts: [{ name: null as never, version: "1", component: "main", architecture: "amd64", url: "u" }] });
    expect(() => importReport(db, broken, "s", "d2", policy, now)).toThrow();
    expect(db.prepare("SELECT * FROM source_packages").all()).toEqual(before);
    expect(db.prepare("SELECT digest FROM sync_scopes").all()).toEqual([{ digest: "d1" }]);
  });
});
