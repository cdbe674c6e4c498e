/** The periodic sync of `serve`: [sync] settings, runs recorded in the store and served at /api/v1/x-sync and /metrics, one sync of a profile at a time. */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEngineConfig } from "../../src/engine/config.js";
import type { EngineEvent } from "../../src/engine/events.js";
import { SyncSchedule } from "../../src/engine/sync-schedule.js";
import { syncScheduleRow } from "../../src/engine/store/queries/sync-schedule.js";
import { call, startServer, type TestServer } from "../api/harness.js";
import { ARCH_CORE_DB } from "../support/test-data.js";

describe("[sync] in the engine config", () => {
  const parse = (text: string) => parseEngineConfig(text, "rebuilder.conf").config;

  it("reads profiles, an interval in seconds or with a unit, and the sync config path", () => {
    expect(parse(`[sync]\nprofiles = ["a", "b"]\ninterval = "6h"\nconfig = "/etc/rebuilderd-sync.conf"\n`).sync).toEqual({ profiles: ["a", "b"], interval: 21_600, config: "/etc/rebuilderd-sync.conf" });
    expect(parse(`[sync]\ninterval = 900\n`).sync).toEqual({ profiles: [], interval: 900 });
    expect(parse(`[sync]\ninterval = "1d"\n`).sync?.interval).toBe(86_400);
    expect(parse(`[sync]\n`).sync?.interval).toBe(21_600);
    expect(parse("").sync).toBeUndefined();
  });

  it("loads the example config of contrib/ without a warning", () => {
    const { config, warnings } = parseEngineConfig(readFileSync(join(import.meta.dirname, "../../contrib/rebuilder.conf"), "utf8"), "contrib/rebuilder.conf");
    expect(warnings).toEqual([]);
    expect(config.sync).toEqual({ profiles: [], interval: 21_600, config: "/etc/rebuilder/rebuilder-sync.conf" });
    expect(config.http.bind_addr).toBe("127.0.0.1:8484");
  });

  it("refuses an interval it cannot read, naming the key", () => {
    expect(() => parse(`[sync]\ninterval = "soon"\n`)).toThrow(/\[sync\] interval must be a number of seconds or a duration such as "30m", "6h" or "1d", got the string "soon"/);
    expect(() => parse(`[sync]\ninterval = 0\n`)).toThrow(/\[sync\] interval must be/);
  });
});

describe("the schedule", () => {
  let server: TestServer;
  let syncConf: string;
  let mirror: string;
  const events: EngineEvent[] = [];

  beforeAll(async () => {
    server = await startServer((root) => {
      mirror = join(root, "mirror");
      mkdirSync(join(mirror, "core"), { recursive: true });
      copyFileSync(ARCH_CORE_DB, join(mirror, "core", "core.db"));
      syncConf = join(root, "rebuilderd-sync.conf");
      writeFileSync(syncConf, `[profile."arch"]\ndistro = "archlinux"\ncomponents = ["core"]\narchitectures = ["x86_64"]\nsource = "${mirror}/$repo"\n`);
      return `[sync]\nprofiles = ["arch"]\ninterval = "6h"\nconfig = "${syncConf}"\n`;
    });
    server.engine.events.subscribe((e) => events.push(e));
  });
  afterAll(() => server.close());

  it("syncs a profile never synced at start, records the run and serves it", async () => {
    const finished = new Promise<void>((resolve) => server.engine.events.subscribe((e) => e.type === "sync.finished" && resolve()));
    server.engine.sync.start();
    await finished;
    expect(events.some((e) => e.type === "sync.progress" && e.profile === "arch" && e.kind === "import")).toBe(true);
    // The sync ran in a process of its own, not in the server's event loop.
    const started = events.find((e) => e.type === "sync.started");
    expect(started).toMatchObject({ profile: "arch", pid: expect.any(Number) });
    expect(started).not.toMatchObject({ pid: process.pid });
    const state = (await call(server, "GET", "/api/v1/x-sync")).json<{ enabled: boolean; interval: number; config: string; profiles: Record<string, unknown>[] }>();
    expect(state).toMatchObject({ enabled: true, interval: 21_600, config: syncConf });
    const [arch] = state.profiles;
    expect(arch).toMatchObject({ profile: "arch", last_error: null, last_summary: expect.objectContaining({ packages: expect.any(Number), queued: expect.any(Number) }) });
    expect(arch!.last_success).toBe(arch!.last_finished);
    // The next run is one interval after this one started.
    const gap = Date.parse(`${arch!.next_run as string}Z`) - Date.parse(`${arch!.last_started as string}Z`);
    expect(gap).toBe(21_600_000);
    expect((await call(server, "GET", "/api/v1/packages/source?distribution=archlinux")).json<{ total: number }>().total).toBeGreaterThan(150);
    expect((await call(server, "GET", "/metrics")).text).toMatch(/^rebuilder_sync_age_seconds\{profile="arch"\} \d/m);
  });

  it("runs one sync of a profile at a time: a second request joins the running one", async () => {
    const first = server.engine.sync.runNow("arch");
    expect(server.engine.sync.runNow("arch")).toBe(first);
    await first;
  });

  it("records a failed run with its error, keeps the last good summary, and says so in the metrics", async () => {
    const before = syncScheduleRow(server.engine.db, "arch")!;
    rmSync(join(mirror, "core", "core.db"));
    await expect(server.engine.sync.runNow("arch")).rejects.toThrow(/core\.db/);
    const arch = (await call(server, "GET", "/api/v1/x-sync")).json<{ profiles: Record<string, unknown>[] }>().profiles[0]!;
    expect(arch.last_error).toMatch(/core\.db/);
    expect(arch.last_summary).toEqual(JSON.parse(before.last_summary!));
    expect((await call(server, "GET", "/metrics")).text).toMatch(/^rebuilder_sync_failing\{profile="arch"\} 1$/m);
  });

  it("keeps a stored next run across a restart instead of syncing again at once", async () => {
    const stored = syncScheduleRow(server.engine.db, "arch")!.next_run;
    const again = new SyncSchedule({ db: server.engine.db, dataDir: join(server.root, "data"), config: server.engine.config, events: server.engine.events });
    again.start();
    expect(syncScheduleRow(server.engine.db, "arch")!.next_run).toBe(stored);
    await again.stop();
  });

  it("abandons a running sync when stopped without waiting, importing nothing and leaving it due at the next start", async () => {
    copyFileSync(ARCH_CORE_DB, join(mirror, "core", "core.db"));
    writeFileSync(syncConf, `${readFileSync(syncConf, "utf8")}\n[profile."arch-again"]\ndistro = "archlinux"\ncomponents = ["core"]\narchitectures = ["x86_64"]\nsource = "${mirror}/$repo"\n`);
    const config = { ...server.engine.config, sync: { profiles: ["arch-again"], interval: 3600, config: syncConf } };
    const schedule = new SyncSchedule({ db: server.engine.db, dataDir: join(server.root, "data"), config, events: server.engine.events });
    const scopes = () => server.engine.db.prepare<{ n: number }>("SELECT count(*) AS n FROM sync_scopes").get()!.n;
    const before = scopes();
    const run = schedule.runNow("arch-again");
    await schedule.stop({ wait: false });
    await expect(run).rejects.toThrow(/stopped before it finished/);
    expect(scopes()).toBe(before);
    const row = syncScheduleRow(server.engine.db, "arch-again")!;
    expect(row.last_error).toMatch(/runs again at the next start/);
    expect(row.next_run! <= row.last_finished!).toBe(true);
  });

  it("kills a sync's process when stopped without waiting", async () => {
    // A mirror that never answers: the sync is still fetching when it is stopped.
    const hanging = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    const { port } = hanging.address() as AddressInfo;
    writeFileSync(syncConf, `${readFileSync(syncConf, "utf8")}\n[profile."hangs"]\ndistro = "archlinux"\ncomponents = ["core"]\narchitectures = ["x86_64"]\nsource = "http://127.0.0.1:${port}/$repo"\n`);
    const config = { ...server.engine.config, sync: { profiles: ["hangs"], interval: 3600, config: syncConf } };
    const schedule = new SyncSchedule({ db: server.engine.db, dataDir: join(server.root, "data"), config, events: server.engine.events });
    const started = new Promise<number>((resolve) => server.engine.events.subscribe((e) => e.type === "sync.started" && e.profile === "hangs" && resolve(e.pid)));
    const run = schedule.runNow("hangs");
    const pid = await started;
    await schedule.stop({ wait: false });
    await expect(run).rejects.toThrow(/stopped before it finished/);
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    hanging.closeAllConnections();
    hanging.close();
  });

  it("refuses to start when [sync] names a profile the sync config does not have", () => {
    const config = { ...server.engine.config, sync: { profiles: ["nope"], interval: 60, config: syncConf } };
    const schedule = new SyncSchedule({ db: server.engine.db, dataDir: join(server.root, "data"), config, events: server.engine.events });
    expect(() => schedule.start()).toThrow(/no profile "nope" \(have: arch, arch-again, hangs\)/);
  });
});
