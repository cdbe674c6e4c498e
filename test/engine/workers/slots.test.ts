import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { zstdDecompress } from "../../../src/engine/compression.js";
import type { EngineEvent } from "../../../src/engine/events.js";
import { registerWorker } from "../../../src/engine/scheduler/index.js";
import { openStore } from "../../../src/engine/store/index.js";
import { toDbTime } from "../../../src/engine/store/time.js";
import { WorkerSlots, type WorkerSlotsOptions } from "../../../src/engine/workers/slots.js";
import { COPY_REBUILT, dispose, DISTRO, harness, isAlive, leftovers, publish, queueJob, rebuild, script, text, type Harness } from "./harness.js";

type Finished = Extract<EngineEvent, { type: "job.finished" }>;
type Started = Extract<EngineEvent, { type: "job.started" }>;

let h: Harness;
let slots: WorkerSlots | undefined;

afterEach(async () => {
  await slots?.stop({ handBack: true });
  slots = undefined;
  dispose(h);
});

async function makeSlots(body: string, opts: Partial<WorkerSlotsOptions> = {}): Promise<WorkerSlots> {
  h.config.backends[DISTRO] = { path: script(h, "backend", body) };
  slots = await WorkerSlots.create({
    db: h.db,
    dataDir: h.dataDir,
    config: h.config,
    events: h.events,
    signingKey: h.key,
    env: { PATH: process.env.PATH, REBUILD_FROM: h.rebuilt, MARKS: h.marks },
    hostname: "testhost",
    ...opts,
  });
  return slots;
}

/** Queues package `name` with one artifact published as `name.deb`; `rebuilt` (if given) is what the backend will produce. */
function addJob(name: string, published: string | null, rebuilt?: string, extra: { backend?: string; architecture?: string } = {}) {
  const url = published === null ? `file://${h.pub}/${name}.deb` : publish(h, `${name}.deb`, published);
  if (rebuilt !== undefined) rebuild(h, `${name}.deb`, rebuilt);
  return queueJob(h.db, { name, inputUrl: publish(h, `${name}.buildinfo`, name), artifacts: [{ name, url }], ...extra });
}

/** Subscribers get events on a later tick; let them arrive. */
const delivered = () => new Promise((resolve) => setImmediate(resolve));
const events = <T extends EngineEvent["type"]>(type: T) => h.seen.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
const queueRows = () => h.db.prepare<{ id: number; worker: number | null; started_at: string | null }>("SELECT id, worker, started_at FROM queue ORDER BY id").all();
const rebuildRows = () => h.db.prepare<{ status: string; worker_name: string; exit_code: number | null; fail_reason: string | null }>("SELECT status, worker_name, exit_code, fail_reason FROM rebuilds ORDER BY id").all();
const waitForFile = (name: string) => vi.waitFor(() => expect(existsSync(join(h.marks, name))).toBe(true), { timeout: 30_000 });

describe("WorkerSlots", () => {
  it("runs until idle and reports what it built; results and retries are in the store", async () => {
    h = harness((c) => (c.diffoscope.enabled = false));
    addJob("good", "same bytes", "same bytes");
    addJob("bad", "published", "rebuilt differently");
    addJob("missing", null);
    const s = await makeSlots(COPY_REBUILT);

    const summary = await s.runUntilIdle();
    expect(summary).toMatchObject({ built: 3, good: 1, bad: 1, fail: 1 });
    expect(summary.took_s).toBeGreaterThan(0);
    expect(s.running).toBe(false);
    expect(rebuildRows().map((r) => r.status).sort()).toEqual(["BAD", "FAIL", "GOOD"]);
    expect(rebuildRows().every((r) => r.worker_name === "testhost/slot-1")).toBe(true);
    expect(rebuildRows().find((r) => r.status === "FAIL")!.fail_reason).toMatch(/^cannot download "missing.deb"/);

    // BAD and FAIL are queued again for later; nothing is due now.
    expect(queueRows()).toHaveLength(2);
    expect(queueRows().every((q) => q.worker === null)).toBe(true);
    expect(await s.runUntilIdle()).toMatchObject({ built: 0 });

    await delivered();
    const finished = events("job.finished");
    expect(finished.map((e) => e.status).sort()).toEqual(["BAD", "FAIL", "GOOD"]);
    expect(finished.every((e) => typeof e.buildId === "number")).toBe(true);
    expect(events("job.log").some((e) => e.line === "rebuilding good.buildinfo")).toBe(true);
    expect(events("slot.state").at(-1)).toMatchObject({ slot: "slot-1", state: "stopped" });
    expect(leftovers(h)).toEqual([]);
  });

  it("registers one worker per slot, and two slots never take the same job", async () => {
    h = harness((c) => (c.slots.count = 2));
    for (let i = 1; i <= 6; i++) addJob(`pkg${i}`, `bytes ${i}`, `bytes ${i}`);
    const s = await makeSlots(`echo "$(basename "$1")" >> "$MARKS/builds"\nsleep 0.2\n${COPY_REBUILT}`);

    expect(await s.runUntilIdle()).toMatchObject({ built: 6, good: 6 });
    await delivered();
    const builds = readFileSync(join(h.marks, "builds"), "utf8").trim().split("\n").sort();
    expect(builds).toEqual([1, 2, 3, 4, 5, 6].map((i) => `pkg${i}.buildinfo`));
    const started = events("job.started");
    expect(new Set(started.map((e) => e.queueId)).size).toBe(6);
    expect(new Set(started.map((e) => e.slot)).size).toBeLessThanOrEqual(2);
    const workers = h.db.prepare<{ name: string; key: string }>("SELECT name, key FROM workers ORDER BY id").all();
    expect(workers.map((w) => w.name)).toEqual(["testhost/slot-1", "testhost/slot-2"]);
    expect(workers[0]!.key).toMatch(/^local:testhost:[0-9a-f]{12}:slot-1$/);
  });

  it("stop with hand-back kills the build, returns the job to the queue and records nothing", async () => {
    h = harness();
    const { queueId } = addJob("slow", "bytes");
    const s = await makeSlots('sleep 300 &\necho $! > "$MARKS/child.pid"\ntouch "$MARKS/started"\nwait');
    s.start();
    await waitForFile("started");
    expect(s.info()[0]).toMatchObject({ state: "busy", queueId });

    await s.stop({ handBack: true });
    expect(queueRows()).toEqual([{ id: queueId, worker: null, started_at: null }]);
    expect(rebuildRows()).toEqual([]);
    expect(h.db.prepare("SELECT count(*) AS n FROM build_logs").get()).toEqual({ n: 0 });
    await delivered();
    await vi.waitFor(() => expect(isAlive(Number(readFileSync(join(h.marks, "child.pid"), "utf8")))).toBe(false));
    expect(events("job.finished")).toEqual([expect.objectContaining({ queueId, status: "UNKWN", buildId: null, reason: "handed back to the queue" })]);
    expect(s.info()[0]).toMatchObject({ state: "stopped", queueId: null });
    expect(leftovers(h)).toEqual([]);
  });

  it("stop without hand-back lets the running build finish and record, and claims nothing more", async () => {
    h = harness();
    const first = addJob("first", "bytes", "bytes");
    const second = addJob("second", "bytes", "bytes");
    const s = await makeSlots(`touch "$MARKS/started-$(basename "$1")"\nwhile [ ! -e "$MARKS/go" ]; do sleep 0.05; done\n${COPY_REBUILT}`);
    s.start();
    await vi.waitFor(() => expect(events("job.started")).toHaveLength(1));
    const running = events("job.started")[0]!.queueId;
    await waitForFile(`started-${running === first.queueId ? "first" : "second"}.buildinfo`);

    const stopping = s.stop({ handBack: false });
    writeFileSync(join(h.marks, "go"), "");
    await stopping;
    await delivered();
    expect(rebuildRows()).toMatchObject([{ status: "GOOD" }]);
    expect(queueRows()).toEqual([{ id: running === first.queueId ? second.queueId : first.queueId, worker: null, started_at: null }]);
    expect(events("job.started")).toHaveLength(1);
  });

  it("a paused slot claims nothing; resuming it builds", async () => {
    h = harness();
    addJob("waiting", "bytes", "bytes");
    const s = await makeSlots(COPY_REBUILT);
    s.pause();
    expect(await s.runUntilIdle()).toMatchObject({ built: 0 });
    expect(queueRows()).toMatchObject([{ worker: null }]);
    await delivered();
    expect(events("slot.state")).toContainEqual({ type: "slot.state", slot: "slot-1", state: "paused" });

    s.resume();
    expect(await s.runUntilIdle()).toMatchObject({ built: 1, good: 1 });
    expect(queueRows()).toEqual([]);
  });

  it("pausing one slot leaves the work to the others", async () => {
    h = harness((c) => (c.slots.count = 2));
    for (let i = 1; i <= 3; i++) addJob(`pkg${i}`, "bytes", "bytes");
    const s = await makeSlots(COPY_REBUILT);
    s.pause("slot-1");
    expect(() => s.pause("slot-9")).toThrow('no worker slot named "slot-9" (there are slot-1, slot-2)');
    expect(await s.runUntilIdle()).toMatchObject({ built: 3 });
    await delivered();
    expect(events("job.started").map((e: Started) => e.slot)).toEqual(["slot-2", "slot-2", "slot-2"]);
  });

  it("never claims a job whose backend or architecture it cannot build", async () => {
    h = harness();
    h.config.backends.broken = { path: join(h.root, "no-such-script") };
    addJob("other-backend", "bytes", "bytes", { backend: "nosuch" });
    addJob("other-arch", "bytes", "bytes", { architecture: "sparc64" });
    addJob("broken-backend", "bytes", "bytes", { backend: "broken" });
    const s = await makeSlots(COPY_REBUILT);
    expect(s.capabilities.backends.has(DISTRO)).toBe(true);
    expect(s.capabilities.unavailable.get("broken")).toMatch(/no-such-script/);

    expect(await s.runUntilIdle()).toMatchObject({ built: 0 });
    expect(queueRows()).toHaveLength(3);
    expect(queueRows().every((q) => q.worker === null)).toBe(true);
  });

  it("wake() makes idle slots look at the queue at once", async () => {
    h = harness();
    const s = await makeSlots(COPY_REBUILT, { pollSeconds: 3600 });
    s.start();
    await vi.waitFor(() => expect(s.info()[0]!.state).toBe("idle"));
    addJob("late", "bytes", "bytes");
    s.wake();
    await vi.waitFor(() => expect(events("job.finished")).toMatchObject([{ status: "GOOD" }]), { timeout: 30_000 });
  });

  it("idle slots build what another process queued, and a job whose retry falls due, without being woken", async () => {
    h = harness((c) => (c.slots.count = 3));
    const s = await makeSlots(COPY_REBUILT, { pollSeconds: 0.5 });
    s.start();
    await vi.waitFor(() => expect(s.info().every((i) => i.state === "idle")).toBe(true));
    // Another connection stands for another process (a CLI `queue push`, serve's sync child).
    const other = openStore(h.dataDir);
    try {
      for (const name of ["pushed-1", "pushed-2"]) {
        publish(h, `${name}.deb`, "bytes");
        queueJob(other, { name, inputUrl: publish(h, `${name}.buildinfo`, name), artifacts: [{ name, url: `file://${h.pub}/${name}.deb` }] });
      }
      rebuild(h, "pushed-1.deb", "bytes");
      rebuild(h, "pushed-2.deb", "bytes");
      await vi.waitFor(() => expect(events("job.finished").map((e) => e.name).sort()).toEqual(["pushed-1", "pushed-2"]), { timeout: 30_000 });
    } finally {
      other.close();
    }
    await vi.waitFor(() => expect(s.info().every((i) => i.state === "idle")).toBe(true));
    // A job waiting for its retry, queued through this very connection without wake(): only the clock makes it due.
    const { buildInputId } = addJob("retried", "bytes", "bytes");
    h.db.prepare("UPDATE build_inputs SET next_retry = ? WHERE id = ?").run(toDbTime(new Date(Date.now() + 1500)), buildInputId);
    await vi.waitFor(() => expect(events("job.finished").map((e) => e.name)).toContain("retried"), { timeout: 30_000 });
  });

  it("aborts a build whose job the scheduler gave to another worker, recording nothing", async () => {
    h = harness();
    const { queueId } = addJob("stolen", "bytes");
    const s = await makeSlots('sleep 300 &\necho $! > "$MARKS/child.pid"\ntouch "$MARKS/started"\nwait', { heartbeatSeconds: 0.05 });
    s.start();
    await waitForFile("started");
    const other = registerWorker(h.db, { name: "remote", key: "remote-key", address: "10.0.0.2" }, new Date());
    h.db.prepare("UPDATE queue SET worker = ? WHERE id = ?").run(other, queueId);

    await vi.waitFor(() => expect(events("job.finished")).toHaveLength(1), { timeout: 30_000 });
    expect((events("job.finished")[0] as Finished).reason).toMatch(/taken back by the scheduler/);
    expect(rebuildRows()).toEqual([]);
    expect(queueRows()).toMatchObject([{ id: queueId, worker: other }]);
    await vi.waitFor(() => expect(isAlive(Number(readFileSync(join(h.marks, "child.pid"), "utf8")))).toBe(false));
  });

  it("a slow event subscriber loses events but never holds up a build", async () => {
    h = harness();
    addJob("chatty", "bytes", "bytes");
    const s = await makeSlots(`seq 1 5000\n${COPY_REBUILT}`);
    const busyWait = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    const slow = h.events.subscribe(() => busyWait(5), 20);

    expect(await s.runUntilIdle()).toMatchObject({ built: 1, good: 1 });
    expect(slow.dropped).toBeGreaterThan(0);
    const log = h.db.prepare<{ build_log: Uint8Array }>("SELECT build_log FROM build_logs").get()!;
    expect(text(zstdDecompress(log.build_log))).toContain("\n4999\n5000\n");
    slow.unsubscribe();
  });

  it("a job directory that cannot be made is our fault: the job goes back, nothing is recorded, the slot pauses and says why", async () => {
    h = harness();
    addJob("good", "bytes", "bytes");
    const s = await makeSlots(COPY_REBUILT);
    // The job root is a file now: no job directory can be made in it (root ignores permissions).
    const tmpRoot = join(h.dataDir, "tmp");
    rmSync(tmpRoot, { recursive: true });
    writeFileSync(tmpRoot, "");

    const summary = await s.runUntilIdle();
    expect(summary).toMatchObject({ built: 0, fail: 0 });
    expect(summary.setup_errors).toEqual([{ slot: "slot-1", message: expect.stringMatching(new RegExp(`^cannot create a job directory in ${tmpRoot}: ENOTDIR`)) }]);
    expect(rebuildRows()).toEqual([]);
    expect(queueRows()).toMatchObject([{ worker: null, started_at: null }]);
    expect(s.info()[0]).toMatchObject({ paused: true, error: summary.setup_errors[0]!.message });
    await delivered();
    expect(events("slot.error")).toMatchObject([{ slot: "slot-1", message: summary.setup_errors[0]!.message }]);

    // Fixed: resuming builds the job.
    rmSync(tmpRoot);
    mkdirSync(tmpRoot);
    s.resume();
    expect(await s.runUntilIdle()).toMatchObject({ built: 1, good: 1, setup_errors: [] });
    expect(s.info()[0]).toMatchObject({ paused: false, error: null });
  });

  it("removes the job directories a killed engine left, but not those of a live one", async () => {
    h = harness();
    const { queueId: leasedId } = addJob("leased", "bytes");
    const { queueId: freeId } = addJob("free", "bytes");
    const workerId = registerWorker(h.db, { name: "other", key: "other-engine", address: "local" }, new Date());
    h.db.prepare("UPDATE queue SET worker = ?, started_at = datetime('now'), last_ping = datetime('now') WHERE id = ?").run(workerId, leasedId);
    const deadPid = spawnSync("true").pid!;
    const tmpRoot = join(h.dataDir, "tmp");
    const dir = (name: string) => {
      mkdirSync(join(tmpRoot, name, "out"), { recursive: true });
      writeFileSync(join(tmpRoot, name, "out", "half-built.deb"), "x");
      return name;
    };
    const killed = dir(`job-${leasedId}-${deadPid}-aaaaaa`);
    const notLeased = dir(`job-${freeId}-${process.pid}-bbbbbb`);
    const live = dir(`job-${leasedId}-${process.pid}-cccccc`);
    const other = dir("not-a-job-dir");
    expect(leftovers(h).sort()).toEqual([killed, live, notLeased, other].sort());

    await makeSlots(COPY_REBUILT);
    expect(leftovers(h).sort()).toEqual([live, other].sort());
  });
});
