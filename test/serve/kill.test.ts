/**
 * `kill -9` of a real `rebuilder serve` in the middle of a sync and in the middle of builds, then
 * a restart: the store passes SQLite's integrity and foreign-key checks, no recorded result is
 * lost, the jobs the dead server had leased come back after the (short) ping deadline and
 * finish, and each queue item is recorded exactly once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { appendFileSync, existsSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { rebuilder } from "../cli/fixture.js";
import { archRepo, endOrphanBuilds } from "./arch-repo.js";
import { bookwormSync, getJson, integrity, killServers, nextEvent, openDb, startServe, waitFor } from "./serve-process.js";

type RebuildRow = { id: number; name: string; status: string; build_input_id: number };

/** Every rebuild row with its source package's name, in id order. */
function rebuilds(dataDir: string): RebuildRow[] {
  const db = openDb(dataDir);
  try {
    return db
      .prepare<RebuildRow>("SELECT r.id, sp.name, r.status, r.build_input_id FROM rebuilds r JOIN build_inputs bi ON bi.id = r.build_input_id JOIN source_packages sp ON sp.id = bi.source_package_id ORDER BY r.id")
      .all();
  } finally {
    db.close();
  }
}

function queueRows(dataDir: string): { name: string; worker: number | null }[] {
  const db = openDb(dataDir);
  try {
    return db
      .prepare<{ name: string; worker: number | null }>("SELECT sp.name, q.worker FROM queue q JOIN build_inputs bi ON bi.id = q.build_input_id JOIN source_packages sp ON sp.id = bi.source_package_id ORDER BY sp.name")
      .all();
  } finally {
    db.close();
  }
}

function debianSources(dataDir: string): number {
  const db = openDb(dataDir);
  try {
    return db.prepare<{ n: number }>("SELECT count(*) AS n FROM source_packages WHERE distribution = 'debian'").get()!.n;
  } finally {
    db.close();
  }
}

const countBy = (rows: RebuildRow[]) => rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.name]: (acc[r.name] ?? 0) + 1 }), {});

afterEach(killServers);

describe("kill -9 of rebuilder serve", () => {
  it("during a sync: the store is intact, results are kept, and the next start syncs the whole index once", async () => {
    const repo = archRepo(["good", "bad"]);
    // Results from before the crash.
    expect(JSON.parse(rebuilder(repo, "build", "--until-idle", "--json"))).toMatchObject({ built: 2, good: 1, bad: 1 });
    const before = rebuilds(repo.dataDir);
    const { section, syncConfig } = bookwormSync(repo.root);
    appendFileSync(repo.config, section);

    const first = await startServe(repo);
    // The import is one transaction after the parse: once the write-ahead log grows by a few MB
    // past the parse, the transaction is writing, and the kill lands inside it.
    await nextEvent(first.url, (e) => e.event === "sync.progress" && e.data.kind === "parse");
    const wal = join(repo.dataDir, "rebuilder.db-wal");
    const walSize = () => (existsSync(wal) ? statSync(wal).size : 0);
    const parsedAt = walSize();
    await waitFor("the import to write", () => (walSize() > parsedAt + 4 * 1024 * 1024 ? true : undefined), 180, 20);
    await first.killHard();

    expect(integrity(repo.dataDir)).toEqual({ integrity: "ok", foreignKeyErrors: 0 });
    expect(rebuilds(repo.dataDir)).toEqual(before);
    // The kill landed mid-import: nothing of it was committed.
    expect(debianSources(repo.dataDir)).toBe(0);

    // The interrupted sync is still due: the restarted server runs it to the end.
    const second = await startServe(repo);
    const finished = await nextEvent(second.url, (e) => e.event === "sync.finished" && e.data.profile === "bookworm");
    expect(finished.data.summary).toMatchObject({ vanished: 0 });
    const schedule = await getJson<{ profiles: { profile: string; last_error: string | null; last_success: string | null }[] }>(`${second.url}/api/v1/x-sync`);
    expect(schedule.profiles).toEqual([expect.objectContaining({ profile: "bookworm", last_error: null, last_success: expect.any(String) })]);
    expect(await second.stop()).toBe(0);

    expect(integrity(repo.dataDir)).toEqual({ integrity: "ok", foreignKeyErrors: 0 });
    expect(rebuilds(repo.dataDir)).toEqual(before);
    // The store holds exactly the index: parsing and importing it again finds nothing new, changed or gone.
    const again = JSON.parse(rebuilder(repo, "pkgs", "sync-profile", "bookworm", "--sync-config", syncConfig, "--force", "--json"));
    expect(again).toMatchObject({ imported: 0, new: 0, updated: 0, vanished: 0 });
    expect(again.binaries).toBeGreaterThan(60_000);
  }, 300_000);

  it("during builds: leased jobs come back after the ping deadline and finish, each recorded once", async () => {
    const repo = archRepo(["good-1", "good-2", "bad"], { extraConfig: "[schedule]\nping_deadline = 2\n" });
    const first = await startServe(repo);
    const cookie = await first.cookie();
    // Results from before the crash: all three built.
    await waitFor("three verdicts", () => (rebuilds(repo.dataDir).length === 3 ? true : undefined));
    const before = rebuilds(repo.dataDir);
    expect(before.map((r) => [r.name, r.status]).sort()).toEqual([["bad", "BAD"], ["good-1", "GOOD"], ["good-2", "GOOD"]]);

    // Requeue the GOOD ones with builds held, and kill the server while both slots build them.
    writeFileSync(repo.hold, "");
    const requeue = await request(`${first.url}/api/v1/queue`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-auth-cookie": cookie },
      body: JSON.stringify({ status: "GOOD" }),
    });
    expect(requeue.statusCode).toBe(204);
    await requeue.body.text();
    await waitFor("both requeued builds running", () => (repo.pids().length === 5 ? true : undefined));
    await first.killHard();
    endOrphanBuilds(repo);

    expect(integrity(repo.dataDir)).toEqual({ integrity: "ok", foreignKeyErrors: 0 });
    expect(rebuilds(repo.dataDir)).toEqual(before);
    // Still leased to the dead server's slots; the BAD one waits for its retry.
    expect(queueRows(repo.dataDir).map((q) => [q.name, q.worker !== null])).toEqual([["bad", false], ["good-1", true], ["good-2", true]]);

    rmSync(repo.hold);
    const second = await startServe(repo);
    await waitFor("the reclaimed jobs recorded", () => (rebuilds(repo.dataDir).length >= 5 ? true : undefined));
    // SIGTERM lets anything still running finish and be recorded before the count.
    expect(await second.stop()).toBe(0);

    expect(integrity(repo.dataDir)).toEqual({ integrity: "ok", foreignKeyErrors: 0 });
    const after = rebuilds(repo.dataDir);
    expect(after.slice(0, 3)).toEqual(before);
    expect(countBy(after)).toEqual({ "good-1": 2, "good-2": 2, bad: 1 });
    expect(after.slice(3).map((r) => r.status)).toEqual(["GOOD", "GOOD"]);
    expect(queueRows(repo.dataDir)).toEqual([{ name: "bad", worker: null }]);
  }, 300_000);
});
