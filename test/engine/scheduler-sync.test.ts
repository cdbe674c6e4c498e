import { describe, expect, it } from "vitest";
import { claimJob, enqueueAfterSync, enqueueAllAfterSync, initialNextRetry, recordRebuild } from "../../src/engine/scheduler/index.js";
import type { Database } from "../../src/engine/store/index.js";
import { importReports } from "../../src/sync/import.js";
import { DEBIAN_MIRROR } from "../support/test-data.js";
import { debianProfile, runDebianSync } from "../sync/debian-sync-helpers.js";
import { toDbTime } from "../../src/engine/store/time.js";
import { addJob, addPackage, addWorker, count, hours, inputState, jobOf, jobs, outcome, schedulePolicy, seconds, T0, tempStore } from "./fixtures.js";

const policy = schedulePolicy();
const url = "https://buildinfo.test/acl_2.3.2-2_amd64.buildinfo";

/** Builds `buildInputId` once through the real claim/report path. */
function build(db: ReturnType<typeof tempStore>, buildInputId: number, status: "GOOD" | "BAD" | "FAIL", at = T0) {
  const queueId = jobOf(db, buildInputId)?.id ?? addJob(db, buildInputId);
  db.prepare("UPDATE build_inputs SET next_retry = NULL WHERE id = ?").run(buildInputId);
  const worker = addWorker(db, `w${queueId}-${status}`);
  expect(claimJob(db, worker, { backends: ["debian"], architectures: ["*"] }, policy, at)?.queueId).toBe(queueId);
  recordRebuild(db, queueId, outcome(status, at, [{ name: "acl", status: status === "GOOD" ? "GOOD" : "BAD", diffoscope: null, attestation: null, note: null }]), policy, at);
}

describe("queueing after a sync", () => {
  it("queues a never-built package once, with priority 1", () => {
    const db = tempStore();
    const { buildInputId } = addPackage(db, { name: "acl" });
    expect(enqueueAfterSync(db, buildInputId, true, policy, T0)).toBe("queued");
    expect(enqueueAfterSync(db, buildInputId, false, policy, hours(T0, 1))).toBe("already-queued");
    expect(jobs(db).map((j) => [j.build_input_id, j.priority, j.queued_at])).toEqual([[buildInputId, 1, toDbTime(T0)]]);
  });

  it("requeues BAD with priority 2, FAIL with priority 1, and leaves GOOD alone", () => {
    const db = tempStore();
    const bad = addPackage(db, { name: "bad" }).buildInputId;
    const fail = addPackage(db, { name: "fail" }).buildInputId;
    const good = addPackage(db, { name: "good" }).buildInputId;
    build(db, bad, "BAD");
    build(db, fail, "FAIL");
    build(db, good, "GOOD");
    db.exec("DELETE FROM queue");
    expect(enqueueAfterSync(db, bad, false, policy, T0)).toBe("queued");
    expect(enqueueAfterSync(db, fail, false, policy, T0)).toBe("queued");
    expect(enqueueAfterSync(db, good, false, policy, T0)).toBe("good");
    expect(jobs(db).map((j) => [j.build_input_id, j.priority])).toEqual([[bad, 2], [fail, 1]]);
  });

  it("judges by the latest rebuild", () => {
    const db = tempStore();
    const { buildInputId } = addPackage(db, { name: "acl" });
    build(db, buildInputId, "BAD", T0);
    build(db, buildInputId, "GOOD", hours(T0, 48));
    expect(enqueueAfterSync(db, buildInputId, false, policy, hours(T0, 49))).toBe("good");
  });

  it("gives a new friend the known results instead of rebuilding it", () => {
    const db = tempStore();
    const sid = addPackage(db, { name: "acl", version: "2.3.2-2", release: "sid", url }).buildInputId;
    build(db, sid, "GOOD");
    const trixie = addPackage(db, { name: "acl", version: "2.3.2-2", release: "trixie", url }).buildInputId;
    expect(enqueueAfterSync(db, trixie, true, policy, hours(T0, 1))).toBe("good");
    expect(jobs(db)).toEqual([]);
    const copied = db.prepare<{ status: string; build_log_id: number }>("SELECT status, build_log_id FROM rebuilds WHERE build_input_id = ?").all(trixie);
    expect(copied).toEqual(db.prepare("SELECT status, build_log_id FROM rebuilds WHERE build_input_id = ?").all(sid));
    expect(db.prepare("SELECT a.name, a.status FROM rebuild_artifacts a JOIN rebuilds r ON r.id = a.rebuild_id WHERE r.build_input_id = ?").all(trixie)).toEqual([
      { name: "acl", status: "GOOD" },
    ]);
    expect(count(db, "build_logs")).toBe(1);
  });

  it("does not queue a friend of a job that is already queued", () => {
    const db = tempStore();
    const sid = addPackage(db, { name: "acl", release: "sid", url }).buildInputId;
    const trixie = addPackage(db, { name: "acl", release: "trixie", url }).buildInputId;
    const otherArch = addPackage(db, { name: "acl", release: "trixie", url, architecture: "arm64" }).buildInputId;
    expect(enqueueAfterSync(db, sid, true, policy, T0)).toBe("queued");
    expect(enqueueAfterSync(db, trixie, true, policy, T0)).toBe("already-queued");
    expect(enqueueAfterSync(db, otherArch, true, policy, T0)).toBe("queued");
    expect(jobs(db).map((j) => j.build_input_id)).toEqual([sid, otherArch]);
  });

  it("does not queue a friend that is past max_retries", () => {
    const db = tempStore();
    const limited = schedulePolicy({ bad: { retry_delay_base: 24, max_retries: 2 } });
    const sid = addPackage(db, { name: "acl", release: "sid", url }).buildInputId;
    build(db, sid, "BAD", T0);
    build(db, sid, "BAD", hours(T0, 48));
    db.exec("DELETE FROM queue");
    const trixie = addPackage(db, { name: "acl", release: "trixie", url, nextRetry: hours(T0, 100) }).buildInputId;
    expect(enqueueAfterSync(db, trixie, true, limited, hours(T0, 50))).toBe("gave-up");
    expect(jobs(db)).toEqual([]);
    expect(inputState(db, trixie)).toEqual({ retries: 0, nextRetry: null });
    // with a laxer FAIL policy the same history still counts as BAD
    expect(enqueueAfterSync(db, trixie, false, { ...limited, fail: { retry_delay_base: 24 } }, hours(T0, 50))).toBe("gave-up");
    expect(enqueueAfterSync(db, trixie, false, { ...limited, bad: { retry_delay_base: 24, max_retries: 3 } }, hours(T0, 50))).toBe("queued");
  });

  it("still builds a never-built package once when max_retries is 0", () => {
    const db = tempStore();
    const none = schedulePolicy({ bad: { retry_delay_base: 24, max_retries: 0 }, fail: { retry_delay_base: 24, max_retries: 0 } });
    const { buildInputId } = addPackage(db, { name: "acl" });
    expect(enqueueAfterSync(db, buildInputId, true, none, T0)).toBe("queued");
    const worker = addWorker(db, "w");
    const job = claimJob(db, worker, { backends: ["debian"], architectures: ["amd64"] }, none, T0)!;
    recordRebuild(db, job.queueId, outcome("FAIL"), none, T0);
    expect(jobs(db)).toEqual([]);
    expect(enqueueAfterSync(db, buildInputId, false, none, hours(T0, 24))).toBe("gave-up");
  });

  it("refuses an unknown build input", () => {
    const db = tempStore();
    expect(() => enqueueAfterSync(db, 42, true, policy, T0)).toThrow("build input 42 does not exist");
  });
});

describe("initial delay", () => {
  it("delays only when configured", () => {
    expect(initialNextRetry(policy, T0)).toBeNull();
    expect(initialNextRetry(schedulePolicy({ initial_delay: 3600 }), T0)).toBe(toDbTime(hours(T0, 1)));
  });

  it("keeps a new build input from being claimed before the delay, and leaves existing ones alone", () => {
    const db = tempStore();
    const delayed = schedulePolicy({ initial_delay: 300 });
    const old = addPackage(db, { name: "old" }).buildInputId;
    const fresh = addPackage(db, { name: "fresh" }).buildInputId;
    // what the import does: initialNextRetry for inserted build inputs only
    db.prepare("UPDATE build_inputs SET next_retry = ? WHERE id = ?").run(initialNextRetry(delayed, T0), fresh);
    enqueueAfterSync(db, old, false, delayed, T0);
    enqueueAfterSync(db, fresh, true, delayed, T0);
    const worker = addWorker(db, "w");
    const filter = { backends: ["debian"], architectures: ["amd64"] };
    expect(claimJob(db, worker, filter, delayed, T0)?.name).toBe("old");
    expect(claimJob(db, worker, filter, delayed, seconds(T0, 299))).toBeNull();
    expect(claimJob(db, worker, filter, delayed, seconds(T0, 300))?.name).toBe("fresh");
  });
});

/** What the queueing decisions leave behind: queue rows in order, retry state, inherited results. */
function queueState(db: Database) {
  return {
    queue: db.prepare("SELECT id, build_input_id, priority, queued_at, worker FROM queue ORDER BY id").all(),
    inputs: db.prepare("SELECT id, retries, next_retry FROM build_inputs ORDER BY id").all(),
    rebuilds: db.prepare("SELECT id, build_input_id, status, build_log_id FROM rebuilds ORDER BY id").all(),
    artifacts: db.prepare("SELECT rebuild_id, name, status FROM rebuild_artifacts ORDER BY id").all(),
  };
}

/** The per-input path the batch must match. */
function enqueueOneByOne(db: Database, inputs: { id: number; isNew: boolean }[], policy: ReturnType<typeof schedulePolicy>, now: Date): number {
  return inputs.filter(({ id, isNew }) => enqueueAfterSync(db, id, isNew, policy, now) === "queued").length;
}

describe("queueing a whole sync at once", () => {
  const limited = schedulePolicy({ bad: { retry_delay_base: 24, max_retries: 2 }, fail: { retry_delay_base: 24, max_retries: 1 } });

  /** New lone inputs between every other case: friends with results, a queued friend, requeues, exhausted retries. */
  function mixedSync(db: Database): { id: number; isNew: boolean }[] {
    const lone = (name: string) => ({ id: addPackage(db, { name, url: `https://buildinfo.test/${name}.buildinfo` }).buildInputId, isNew: true });
    const sid = addPackage(db, { name: "acl", release: "sid", url }).buildInputId;
    build(db, sid, "GOOD");
    const bad = addPackage(db, { name: "bad", url: "https://buildinfo.test/bad.buildinfo" }).buildInputId;
    build(db, bad, "BAD");
    db.exec("DELETE FROM queue");
    const given = addPackage(db, { name: "given", url: "https://buildinfo.test/given.buildinfo", retries: 1 }).buildInputId;
    const waiting = addPackage(db, { name: "waiting", url: "https://buildinfo.test/waiting.buildinfo" }).buildInputId;
    addJob(db, waiting);
    const trixie = addPackage(db, { name: "acl", release: "trixie", url }).buildInputId;
    const pair = [1, 2].map((n) => addPackage(db, { name: "pair", release: `r${n}`, url: "https://buildinfo.test/pair.buildinfo" }).buildInputId);
    return [
      lone("a1"),
      lone("a2"),
      { id: trixie, isNew: true },
      lone("a3"),
      { id: bad, isNew: false },
      { id: pair[0]!, isNew: true },
      { id: pair[1]!, isNew: true },
      lone("a4"),
      { id: given, isNew: true },
      { id: waiting, isNew: true },
      { id: sid, isNew: false },
      lone("a5"),
    ];
  }

  it("decides exactly as the one-by-one path, in the same queue order", () => {
    const [batch, single] = [tempStore(), tempStore()];
    const inputs = mixedSync(batch);
    expect(mixedSync(single)).toEqual(inputs);
    const queued = enqueueAllAfterSync(batch, inputs, limited, hours(T0, 1));
    expect(queued).toBe(enqueueOneByOne(single, inputs, limited, hours(T0, 1)));
    expect(queueState(batch)).toEqual(queueState(single));
    // a1, a2, a3, a4, a5, bad (BAD, priority 2) and the first of the pair; the rest are GOOD, given up or already queued
    expect(queued).toBe(7);
    expect(jobs(batch).find((j) => j.build_input_id === inputs[4]!.id)?.priority).toBe(2);
  });

  it("decides exactly as the one-by-one path on the real bookworm slice", async () => {
    const keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
    const profile = debianProfile({ source: DEBIAN_MIRROR, releases: [{ name: "bookworm" }], components: ["main"], architectures: ["amd64", "all"], keyring });
    const { reports } = await runDebianSync(profile, DEBIAN_MIRROR);
    const scoped = reports.map((report) => ({ report, scope: report.architecture, digest: "d" }));
    const [batch, single] = [tempStore(), tempStore()];
    const counts = importReports(batch, scoped, policy, T0);
    importReports(single, scoped, policy, T0);
    single.exec("DELETE FROM queue");
    const inputs = single.prepare<{ id: number }>("SELECT id FROM build_inputs ORDER BY id").all().map(({ id }) => ({ id, isNew: true }));
    expect(enqueueOneByOne(single, inputs, policy, T0)).toBe(counts.queued);
    expect(counts.queued).toBe(38542);
    const order = (db: Database) => db.prepare("SELECT build_input_id, priority, queued_at FROM queue ORDER BY id").all();
    expect(order(batch)).toEqual(order(single));
  }, 300_000);
});
