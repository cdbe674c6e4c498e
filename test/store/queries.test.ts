/** The listings shared by the CLI and the API, on the real core.db: filters, cursors that terminate, sort guard. */
import { beforeAll, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultEngineConfig } from "../../src/engine/config.js";
import { openStore, type Database } from "../../src/engine/store/index.js";
import { listBinaryPackages } from "../../src/engine/store/queries/packages.js";
import { QueryError } from "../../src/engine/store/queries/pagination.js";
import { listQueue } from "../../src/engine/store/queries/queue.js";
import { syncProfile } from "../../src/sync/run.js";
import { testProfile } from "../sync/harness.js";
import { ARCH_CORE_DB } from "../support/test-data.js";

let db: Database;
beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "rebuilder-queries-"));
  const mirror = mkdtempSync(join(tmpdir(), "rebuilder-queries-mirror-"));
  copyFileSync(ARCH_CORE_DB, join(mirror, "core.db"));
  db = openStore(dataDir);
  await syncProfile(db, testProfile("archlinux", mirror, { components: ["core"], architectures: ["x86_64"] }), { dataDir, policy: defaultEngineConfig().schedule });
});

describe("binary package listing", () => {
  it("pages through every record exactly once with id cursors, and stops on an empty page", () => {
    const seen: number[] = [];
    let pages = 0;
    for (let after: number | undefined; ; pages++) {
      const { records, total } = listBinaryPackages(db, {}, { limit: 50, after });
      expect(total).toBe(265);
      if (records.length === 0) break;
      seen.push(...records.map((r) => r.id));
      after = records.at(-1)!.id;
    }
    expect(pages).toBe(6);
    expect(new Set(seen).size).toBe(265);
  });

  it("pages in name order with (name, id) cursors, as rebuildctl does", () => {
    const names: string[] = [];
    for (let after: number | undefined; ; ) {
      const { records } = listBinaryPackages(db, {}, { limit: 100, after, sort: "name" });
      if (records.length === 0) break;
      names.push(...records.map((r) => r.name));
      after = records.at(-1)!.id;
    }
    expect(names).toHaveLength(265);
    expect(names).toEqual([...names].sort());
  });

  it("filters by component, architecture, name, source name and status", () => {
    expect(listBinaryPackages(db, { component: "core" }, {}).total).toBe(265);
    expect(listBinaryPackages(db, { component: "extra" }, {}).total).toBe(0);
    const any = listBinaryPackages(db, { architecture: "any" }, {}).total;
    expect(any).toBeGreaterThan(0);
    expect(any + listBinaryPackages(db, { architecture: "x86_64" }, {}).total).toBe(265);
    expect(listBinaryPackages(db, { source_name: "systemd" }, {}).records.map((r) => r.name)).toContain("systemd-libs");
    expect(listBinaryPackages(db, { status: "UNKWN" }, {}).total).toBe(265);
    expect(listBinaryPackages(db, { status: "GOOD" }, {}).total).toBe(0);
  });

  it("refuses an unknown sort column instead of building SQL from it", () => {
    expect(() => listBinaryPackages(db, {}, { sort: "name; DROP TABLE queue" })).toThrow(QueryError);
  });
});

describe("queue listing", () => {
  it("lists one job per pkgbase with wire-format timestamps", () => {
    const { total, records } = listQueue(db, { architecture: "x86_64" }, { limit: 1 });
    expect(total).toBe(197);
    expect(records[0]!.queued_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?$/);
    expect(records[0]).toMatchObject({ distribution: "archlinux", release: null, backend: "archlinux", priority: 1, started_at: null });
  });
});
