import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { claimJob, dropQueue, dropQueueItem, pushQueue, recordRebuild } from "../../src/engine/scheduler/index.js";
import { toDbTime } from "../../src/engine/store/time.js";
import { addJob, addPackage, addWorker, hours, inputState, jobOf, jobs, outcome, schedulePolicy, seconds, T0, tempStore } from "./fixtures.js";

const policy = schedulePolicy();
const anyArch = { backends: ["debian", "archlinux"], architectures: ["*"] };

/** A small archive: results recorded through the real claim/report path. */
function archive() {
  const db = tempStore();
  const worker = addWorker(db, "w");
  const built = (name: string, statuses: ("GOOD" | "BAD" | "FAIL")[], spec: Parameters<typeof addPackage>[1] = { name }) => {
    const { buildInputId } = addPackage(db, { ...spec, name });
    statuses.forEach((status, i) => {
      const at = hours(T0, i * 100);
      const queueId = jobOf(db, buildInputId)?.id ?? addJob(db, buildInputId);
      db.prepare("UPDATE build_inputs SET next_retry = NULL WHERE id = ?").run(buildInputId);
      expect(claimJob(db, worker, anyArch, policy, at)?.queueId).toBe(queueId);
      recordRebuild(db, queueId, outcome(status, at), policy, at);
    });
    db.exec("DELETE FROM queue");
    return buildInputId;
  };
  const ids = {
    good: built("good", ["GOOD"]),
    bad: built("bad", ["BAD"]),
    fixed: built("fixed", ["BAD", "GOOD"]),
    failed: built("failed", ["FAIL"]),
    fresh: built("fresh", []),
    arch: built("pacman", [], { name: "pacman", distribution: "archlinux", release: null, architecture: "x86_64", component: "core" }),
    installer: built("di", [], { name: "di", component: "main/debian-installer" }),
    sid: built("sidonly", [], { name: "sidonly", release: "sid" }),
  };
  return { db, ids, worker };
}

const queuedInputs = (db: ReturnType<typeof tempStore>) => jobs(db).map((j) => j.build_input_id).sort((a, b) => a - b);

describe("pushing jobs", () => {
  it("queues everything with the manual priority, due at once, keeping retries and results", () => {
    const { db, ids } = archive();
    const before = inputState(db, ids.bad);
    expect(before.retries).toBe(1);
    expect(pushQueue(db, {}, 0, hours(T0, 500))).toBe(Object.keys(ids).length);
    expect(jobs(db).every((j) => j.priority === 0 && j.queued_at === toDbTime(hours(T0, 500)))).toBe(true);
    expect(inputState(db, ids.bad)).toEqual({ retries: 1, nextRetry: new Date(hours(T0, 500).getTime() - 60_000) });
    expect(db.prepare("SELECT count(*) AS n FROM rebuilds WHERE build_input_id = ?").get(ids.fixed)).toEqual({ n: 2 });
  });

  it("matches the status of the latest rebuild; UNKWN means never built", () => {
    const { db, ids } = archive();
    expect(pushQueue(db, { status: "BAD" }, 0, T0)).toBe(1);
    expect(queuedInputs(db)).toEqual([ids.bad]);
    dropQueue(db, {});
    expect(pushQueue(db, { status: "GOOD" }, 0, T0)).toBe(2);
    expect(queuedInputs(db)).toEqual([ids.good, ids.fixed]);
    dropQueue(db, {});
    pushQueue(db, { status: "FAIL" }, 0, T0);
    expect(queuedInputs(db)).toEqual([ids.failed]);
    dropQueue(db, {});
    pushQueue(db, { status: "UNKWN" }, 0, T0);
    expect(queuedInputs(db)).toEqual([ids.fresh, ids.arch, ids.installer, ids.sid]);
  });

  it("narrows by distribution, release, architecture, component, name and version", () => {
    const { db, ids } = archive();
    const pushed = (match: Parameters<typeof pushQueue>[1]) => {
      dropQueue(db, {});
      pushQueue(db, match, 0, T0);
      return queuedInputs(db);
    };
    expect(pushed({ distribution: "archlinux" })).toEqual([ids.arch]);
    expect(pushed({ release: null })).toEqual([ids.arch]);
    expect(pushed({ distribution: "debian", release: "sid" })).toEqual([ids.sid]);
    expect(pushed({ architecture: "x86_64" })).toEqual([ids.arch]);
    expect(pushed({ component: "main/debian-installer" })).toEqual([ids.installer]);
    expect(pushed({ name: "bad", version: "1.0-1" })).toEqual([ids.bad]);
    expect(pushed({ name: "bad", version: "9" })).toEqual([]);
    expect(pushed({ name: "x' OR '1'='1" })).toEqual([]);
    expect(pushed({ name: "$(touch /tmp/rebuilder-pwned)" })).toEqual([]);
    expect(existsSync("/tmp/rebuilder-pwned")).toBe(false);
  });

  it("re-prioritises a queued friend and makes it due instead of adding a second job", () => {
    const db = tempStore();
    const url = "https://buildinfo.test/acl.buildinfo";
    const sid = addPackage(db, { name: "acl", release: "sid", url }).buildInputId;
    const trixie = addPackage(db, { name: "acl", release: "trixie", url, nextRetry: hours(T0, 48) }).buildInputId;
    addJob(db, trixie, 2);
    expect(pushQueue(db, { name: "acl" }, 0, T0)).toBe(1);
    expect(jobs(db).map((j) => [j.build_input_id, j.priority])).toEqual([[trixie, 0]]);
    expect(inputState(db, trixie).nextRetry).toEqual(seconds(T0, -60));
    const worker = addWorker(db, "w");
    expect(claimJob(db, worker, anyArch, policy, T0)?.buildInputId).toBe(trixie);
    // unqueued friends pushed together become one job
    db.exec("DELETE FROM queue");
    expect(pushQueue(db, { name: "acl" }, 5, T0)).toBe(1);
    expect(jobs(db).map((j) => [j.build_input_id, j.priority])).toEqual([[sid, 5]]);
  });

  it("refuses a bad priority or status", () => {
    const db = tempStore();
    expect(() => pushQueue(db, {}, 1.5, T0)).toThrow(/32-bit integer/);
    expect(() => pushQueue(db, {}, 2 ** 31, T0)).toThrow(/32-bit integer/);
    expect(() => pushQueue(db, { status: "good" as never }, 0, T0)).toThrow('unknown status "good"');
  });
});

describe("dropping jobs", () => {
  it("drops matching jobs, running ones included, and {} empties the queue", () => {
    const { db, ids, worker } = archive();
    pushQueue(db, {}, 1, T0);
    const running = claimJob(db, worker, { backends: ["archlinux"], architectures: ["x86_64"] }, policy, T0)!;
    expect(running.buildInputId).toBe(ids.arch);
    expect(dropQueue(db, { distribution: "archlinux" })).toBe(1);
    expect(dropQueue(db, { status: "GOOD" })).toBe(2);
    expect(dropQueue(db, { name: "nothing-like-this" })).toBe(0);
    expect(dropQueue(db, {})).toBe(Object.keys(ids).length - 3);
    expect(jobs(db)).toEqual([]);
  });

  it("drops a single job by queue id", () => {
    const db = tempStore();
    const queueId = addJob(db, addPackage(db, { name: "acl" }).buildInputId);
    expect(dropQueueItem(db, queueId + 1)).toBe(false);
    expect(dropQueueItem(db, queueId)).toBe(true);
    expect(jobs(db)).toEqual([]);
  });
});
