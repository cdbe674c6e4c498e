import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultEngineConfig } from "../../src/engine/config.js";
import { openStore, type Database } from "../../src/engine/store/index.js";
import { importReports } from "../../src/sync/import.js";
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
const importReport = (db: Database, r: PackageReport, scope: string, digest: string) => importReports(db, [{ report: r, scope, digest }], policy, now);

const count = (db: Database, sql: string) => (db.prepare<{ n: number }>(`SELECT count(*) AS n FROM (${sql})`).get()!.n);
const queued = (db: Database) =>
  db.prepare<{ name: string; version: string; priority: number }>(
    "SELECT sp.name, sp.version, q.priority FROM queue q JOIN build_inputs bi ON bi.id = q.build_input_id JOIN source_packages sp ON sp.id = bi.source_package_id ORDER BY sp.name",
  ).all();

describe("importing a package report", () => {
  it("queues every new version once, with priority 1", () => {
    const db = store();
    const c = importReport(db, report(group("hello", "2.10-3", ["hello", "hello-doc"]), group("acl", "2.3.2-2")), "p\0sid\0amd64", "d1");
    expect(c).toMatchObject({ new: 2, updated: 0, vanished: 0, queued: 2, packages: 2, binaries: 3 });
    expect(queued(db)).toEqual([
      { name: "acl", version: "2.3.2-2", priority: 1 },
      { name: "hello", version: "2.10-3", priority: 1 },
    ]);
  });

  it("is idempotent: the same index again adds no job and no row", () => {
    const db = store();
    const r = report(group("hello", "2.10-3"));
    importReport(db, r, "s", "d1");
    const again = importReport(db, r, "s", "d1");
    expect(again).toMatchObject({ new: 0, updated: 0, vanished: 0, queued: 0 });
    expect(count(db, "SELECT * FROM queue")).toBe(1);
    expect(count(db, "SELECT * FROM binary_packages")).toBe(1);
  });

  it("counts a new version as updated, queues it and drops the old version's waiting job", () => {
    const db = store();
    importReport(db, report(group("hello", "2.10-3")), "s", "d1");
    const c = importReport(db, report(group("hello", "2.10-4")), "s", "d2");
    expect(c).toMatchObject({ new: 0, updated: 1, vanished: 0, queued: 1 });
    expect(queued(db)).toEqual([{ name: "hello", version: "2.10-4", priority: 1 }]);
    const seen = db.prepare<{ version: string; seen_in_last_sync: number }>("SELECT version, seen_in_last_sync FROM source_packages ORDER BY version").all();
    expect(seen).toEqual([
      { version: "2.10-3", seen_in_last_sync: 0 },
      { version: "2.10-4", seen_in_last_sync: 1 },
    ]);
  });

  describe("counts per distinct source version across the scopes of one sync", () => {
    // bar has amd64 and all binaries of one upload; foo's amd64 binaries are a binNMU (+b1) of the upload its all binaries come from.
    const scopes = (bar: string) => [
      { report: { ...report(group("bar", bar), group("foo", "1.0-1+b1")), architecture: "amd64" }, scope: "p\0sid\0amd64", digest: bar },
      { report: { ...report(group("bar", bar), group("foo", "1.0-1")), architecture: "all" }, scope: "p\0sid\0all", digest: bar },
    ];

    it("a first sync into an empty store: every version new, none updated, each counted once", () => {
      const c = importReports(store(), scopes("2"), policy, now);
      expect(c).toMatchObject({ packages: 3, imported: 3, new: 3, updated: 0, queued: 4, binaries: 4 });
    });

    it("a re-sync with one version bumped: one updated, none new", () => {
      const db = store();
      importReports(db, scopes("2"), policy, now);
      const c = importReports(db, scopes("3"), policy, now);
      expect(c).toMatchObject({ packages: 3, imported: 1, new: 0, updated: 1, vanished: 0 });
      expect(c.new + c.updated).toBe(c.imported);
    });

    it("a package that moves from one scope to the other does not vanish", () => {
      const db = store();
      const [amd64, all] = scopes("2");
      importReports(db, [amd64!, { ...all!, report: { ...all!.report, packages: [] } }], policy, now);
      const c = importReports(db, [{ ...amd64!, report: { ...amd64!.report, packages: [] } }, all!], policy, now);
      expect(c).toMatchObject({ vanished: 0, imported: 1, new: 0, updated: 1 });
      expect(count(db, "SELECT * FROM source_packages WHERE seen_in_last_sync = 0 AND name = 'bar'")).toBe(0);
    });
  });

  it("marks a vanished package unseen, keeps its history and drops its waiting job but not a running one", () => {
    const db = store();
    importReport(db, report(group("hello", "1"), group("acl", "1"), group("attr", "1")), "s", "d1");
    db.prepare(
      "UPDATE queue SET worker = 7, started_at = '2026-06-01 10:00:00' WHERE build_input_id = (SELECT bi.id FROM build_inputs bi JOIN source_packages sp ON sp.id = bi.source_package_id WHERE sp.name = 'attr')",
    ).run();
    const c = importReport(db, report(group("hello", "1")), "s", "d2");
    expect(c.vanished).toBe(2);
    expect(queued(db).map((q) => q.name)).toEqual(["attr", "hello"]);
    expect(count(db, "SELECT * FROM source_packages WHERE seen_in_last_sync = 0")).toBe(2);
    expect(count(db, "SELECT * FROM source_packages")).toBe(3);
  });

  it("does not let two profiles sharing a distribution clobber each other", () => {
    const db = store();
    importReport(db, report(group("hello", "1")), "profile-a\0sid\0amd64", "a");
    importReport(db, report(group("acl", "1")), "profile-b\0sid\0amd64", "b");
    // Profile A syncs again: acl is not in it, but profile B still lists it.
    const c = importReport(db, report(group("hello", "1")), "profile-a\0sid\0amd64", "a");
    expect(c.vanished).toBe(0);
    expect(queued(db).map((q) => q.name)).toEqual(["acl", "hello"]);
    expect(count(db, "SELECT * FROM source_packages WHERE seen_in_last_sync = 1")).toBe(2);
  });

  it("keeps a package listed by two profiles until both drop it", () => {
    const db = store();
    importReport(db, report(group("hello", "1")), "a", "a");
    importReport(db, report(group("hello", "1")), "b", "b");
    expect(importReport(db, report(), "a", "a2").vanished).toBe(0);
    expect(queued(db)).toHaveLength(1);
    expect(importReport(db, report(), "b", "b2").vanished).toBe(1);
    expect(queued(db)).toHaveLength(0);
  });

  it("writes every group and binary of a large report in report order, each binary with its own group", () => {
    const db = store();
    // 150 groups and 225 binaries: several multi-row batches and a remainder that is not a whole one.
    const groups = Array.from({ length: 150 }, (_, i) => group(`pkg${i}`, "1", i % 2 ? [`pkg${i}`] : [`pkg${i}`, `pkg${i}-doc`]));
    const c = importReport(db, report(...groups), "s", "d");
    expect(c).toMatchObject({ packages: 150, new: 150, queued: 150, binaries: 225 });
    const written = db
      .prepare<{ binary: string; source: string; input: string }>(
        `SELECT bp.name AS binary, sp.name AS source, bi.url AS input FROM binary_packages bp
         JOIN source_packages sp ON sp.id = bp.source_package_id JOIN build_inputs bi ON bi.id = bp.build_input_id ORDER BY bp.id`,
      )
      .all();
    expect(written).toEqual(groups.flatMap((g) => g.artifacts.map((a) => ({ binary: a.name, source: g.name, input: g.url }))));
    expect(db.prepare<{ name: string }>("SELECT name FROM source_packages ORDER BY id").all().map((r) => r.name)).toEqual(groups.map((g) => g.name));
  });

  it("keeps one row for a binary a group lists twice, with the later listing", () => {
    const db = store();
    const g = group("hello", "1", ["hello", "hello-doc", "hello"]);
    g.artifacts[2]!.url = "https://mirror.example/pool/hello_1_amd64.deb?again";
    const c = importReport(db, report(g), "s", "d");
    expect(c.binaries).toBe(3);
    expect(db.prepare("SELECT name, artifact_url FROM binary_packages ORDER BY id").all()).toEqual([
      { name: "hello", artifact_url: "https://mirror.example/pool/hello_1_amd64.deb?again" },
      { name: "hello-doc", artifact_url: "https://mirror.example/pool/hello-doc_1_amd64.deb" },
    ]);
  });

  it("queues a build input that two releases share once, in the sync that adds both and in a later one that adds a third", () => {
    const db = store();
    const inRelease = (release: string, ...packages: SourceGroupReport[]) => ({ report: { ...report(...packages), release }, scope: `p\0${release}\0amd64`, digest: release });
    const first = importReports(db, [inRelease("sid", group("pair", "1"), group("lone", "1")), inRelease("trixie", group("pair", "1"))], policy, now);
    expect(first).toMatchObject({ packages: 3, new: 3, queued: 2 });
    expect(queued(db)).toEqual([
      { name: "lone", version: "1", priority: 1 },
      { name: "pair", version: "1", priority: 1 },
    ]);
    const later = importReports(db, [inRelease("forky", group("pair", "1"), group("other", "1"))], policy, now);
    // Both versions are new source packages (a release of their own); pair's build input has friends, one of them queued.
    expect(later).toMatchObject({ packages: 2, new: 2, updated: 0, queued: 1 });
    expect(queued(db).map((q) => q.name)).toEqual(["lone", "other", "pair"]);
  });

  it("stores each artifact's checksum and size from the index", () => {
    const db = store();
    const g = group("hello", "1");
    g.artifacts[0]!.sha256 = "ab".repeat(32);
    g.artifacts[0]!.size = 1234;
    importReport(db, report(g), "s", "d");
    expect(db.prepare("SELECT sha256, size FROM binary_packages").get()).toEqual({ sha256: "ab".repeat(32), size: 1234 });
  });

  it("leaves the store exactly as it was when an import fails half-way", () => {
    const db = store();
    importReport(db, report(group("hello", "1")), "s", "d1");
    const before = db.prepare("SELECT * FROM source_packages").all();
    const broken = report(group("acl", "1"), { name: "bad", version: "1", url: "u", artifacts: [{ name: null as never, version: "1", component: "main", architecture: "amd64", url: "u" }] });
    expect(() => importReport(db, broken, "s", "d2")).toThrow();
    expect(db.prepare("SELECT * FROM source_packages").all()).toEqual(before);
    expect(db.prepare("SELECT digest FROM sync_scopes").all()).toEqual([{ digest: "d1" }]);
  });
});
