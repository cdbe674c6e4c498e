import { describe, expect, it } from "vitest";
import { claimJob, expandArchitectures, heartbeat, reclaimExpired, registerWorker, releaseJob, type QueueFilter } from "../../src/engine/scheduler/index.js";
import { toDbTime } from "../../src/engine/store/time.js";
import { addJob, addPackage, addWorker, hours, jobOf, schedulePolicy, seconds, T0, tempStore } from "./fixtures.js";

const debian: QueueFilter = { backends: ["debian"], architectures: ["x86_64", "all"] };
const policy = schedulePolicy();

describe("claiming jobs", () => {
  it("serves lower priority numbers first, then older calendar days", () => {
    const db = tempStore();
    const w = addWorker(db, "w1");
    const job = (name: string, priority: number, queuedAt: Date) => addJob(db, addPackage(db, { name }).buildInputId, priority, queuedAt);
    job("day2", 1, new Date("2026-05-02T00:00:00Z"));
    job("late-day1", 1, new Date("2026-05-01T23:59:59Z"));
    job("manual", 0, new Date("2026-05-03T00:00:00Z"));
    job("retry", 2, new Date("2026-04-01T00:00:00Z"));
    const order = [1, 2, 3, 4].map(() => claimJob(db, w, debian, policy, T0)!.name);
    expect(order).toEqual(["manual", "late-day1", "day2", "retry"]);
    expect(claimJob(db, w, debian, policy, T0)).toBeNull();
  });

  it("picks at random among jobs of the same priority and day", () => {
    const db = tempStore();
    const w = addWorker(db, "w1");
    const names = Array.from({ length: 20 }, (_, i) => `pkg${String(i).padStart(2, "0")}`);
    // queued_at ascending with the id within one day: any fixed order would reproduce this list
    names.forEach((name, i) => addJob(db, addPackage(db, { name }).buildInputId, 1, seconds(T0, i)));
    const order = names.map(() => claimJob(db, w, debian, policy, T0)!.name);
    expect([...order].sort()).toEqual(names);
    expect(order).not.toEqual(names);
  });

  it("only hands out due jobs", () => {
    const db = tempStore();
    const w = addWorker(db, "w1");
    addJob(db, addPackage(db, { name: "later", nextRetry: seconds(T0, 1) }).buildInputId);
    addJob(db, addPackage(db, { name: "now", nextRetry: T0 }).buildInputId);
    expect(claimJob(db, w, debian, policy, T0)?.name).toBe("now");
    expect(claimJob(db, w, debian, policy, T0)).toBeNull();
    expect(claimJob(db, w, debian, policy, seconds(T0, 1))?.name).toBe("later");
  });

  it("matches backends and architectures with rebuilderd's aliases", () => {
    const db = tempStore();
    const w = addWorker(db, "w1");
    addJob(db, addPackage(db, { name: "arm", architecture: "arm64" }).buildInputId);
    addJob(db, addPackage(db, { name: "arch", distribution: "archlinux", release: null, architecture: "x86_64" }).buildInputId);
    addJob(db, addPackage(db, { name: "indep", architecture: "all" }).buildInputId);
    addJob(db, addPackage(db, { name: "x86", architecture: "amd64" }).buildInputId);

    expect(claimJob(db, w, { backends: ["debian"], architectures: ["x86_64"] }, policy, T0)?.name).toBe("x86");
    expect(claimJob(db, w, { backends: ["debian"], architectures: ["x86_64"] }, policy, T0)).toBeNull();
    expect(claimJob(db, w, { backends: ["archlinux"], architectures: ["amd64"] }, policy, T0)?.name).toBe("arch");
    expect(claimJob(db, w, { backends: ["debian"], architectures: ["aarch64"] }, policy, T0)?.name).toBe("arm");
    expect(claimJob(db, w, { backends: [], architectures: ["*"] }, policy, T0)).toBeNull();
    expect(claimJob(db, w, { backends: ["debian"], architectures: ["*"] }, policy, T0)?.name).toBe("indep");
  });

  it("expands aliases both ways and keeps the originals", () => {
    expect(expandArchitectures(["x86_64", "all"])).toEqual(["x86_64", "all", "amd64"]);
    expect(expandArchitectures(["i386"])).toEqual(["i386", "x86"]);
    expect(expandArchitectures(["ppc64"])).toEqual(["ppc64", "powerpc64"]);
    expect(expandArchitectures(["riscv64", "*"])).toBe("*");
    expect(expandArchitectures(["__proto__"])).toEqual(["__proto__"]);
  });

  it("returns the job with its artifacts and marks job and worker", () => {
    const db = tempStore();
    const w = registerWorker(db, { name: "slot-1", key: "k1", address: "127.0.0.1" }, T0);
    const { buildInputId } = addPackage(db, { name: "acl", version: "2.3.2-2", binaries: ["libacl1", "acl"] });
    const queueId = addJob(db, buildInputId, 1, hours(T0, -1));
    const job = claimJob(db, w, debian, policy, T0)!;
    expect(job).toMatchObject({
      queueId,
      buildInputId,
      name: "acl",
      version: "2.3.2-2",
      distribution: "debian",
      release: "trixie",
      architecture: "amd64",
      backend: "debian",
      url: "https://buildinfo.test/acl_2.3.2-2_amd64.buildinfo",
      priority: 1,
      queuedAt: toDbTime(hours(T0, -1)),
      startedAt: toDbTime(T0),
    });
    expect(job.artifacts).toEqual([
      { name: "libacl1", version: "2.3.2-2", architecture: "amd64", url: "https://mirror.test/pool/libacl1_2.3.2-2_amd64.deb", sha256: "ab".repeat(32), size: 1234 },
      { name: "acl", version: "2.3.2-2", architecture: "amd64", url: "https://mirror.test/pool/acl_2.3.2-2_amd64.deb", sha256: "ab".repeat(32), size: 1234 },
    ]);
    expect(jobOf(db, buildInputId)).toMatchObject({ worker: w, started_at: toDbTime(T0), last_ping: toDbTime(T0) });
    expect(db.prepare("SELECT status, online FROM workers WHERE id = ?").get(w)).toEqual({ status: "working hard on acl 2.3.2-2", online: 1 });
  });
});

describe("workers", () => {
  it("registers by key: the same key keeps its id and gets the new name and address", () => {
    const db = tempStore();
    const a = registerWorker(db, { name: "a", key: "key-1", address: "192.0.2.1" }, T0);
    const b = registerWorker(db, { name: "b", key: "key-2", address: "192.0.2.2" }, T0);
    expect(b).not.toBe(a);
    expect(registerWorker(db, { name: "renamed", key: "key-1", address: "192.0.2.9" }, hours(T0, 1))).toBe(a);
    expect(db.prepare("SELECT name, address, last_ping FROM workers WHERE id = ?").get(a)).toEqual({
      name: "renamed",
      address: "192.0.2.9",
      last_ping: toDbTime(hours(T0, 1)),
    });
    expect(() => registerWorker(db, { name: "x", key: "", address: "192.0.2.3" }, T0)).toThrow(/key/);
  });
});

describe("leases", () => {
  function claimed() {
    const db = tempStore();
    const owner = addWorker(db, "owner");
    const other = addWorker(db, "other");
    const { buildInputId } = addPackage(db, { name: "hello" });
    const queueId = addJob(db, buildInputId);
    expect(claimJob(db, owner, debian, policy, T0)?.queueId).toBe(queueId);
    return { db, owner, other, queueId, buildInputId };
  }

  it("accepts heartbeats from the owner only", () => {
    const { db, owner, other, queueId, buildInputId } = claimed();
    expect(heartbeat(db, queueId, other, seconds(T0, 60))).toBe(false);
    expect(jobOf(db, buildInputId)?.last_ping).toBe(toDbTime(T0));
    expect(heartbeat(db, queueId, owner, seconds(T0, 60))).toBe(true);
    expect(jobOf(db, buildInputId)?.last_ping).toBe(toDbTime(seconds(T0, 60)));
    expect(heartbeat(db, queueId + 100, owner, seconds(T0, 60))).toBe(false);
  });

  it("hands a job out again after the ping deadline, and the late owner's heartbeat then fails", () => {
    const { db, owner, other, queueId } = claimed();
    expect(claimJob(db, other, debian, policy, seconds(T0, 540))).toBeNull();
    const again = claimJob(db, other, debian, policy, seconds(T0, 541));
    expect(again?.queueId).toBe(queueId);
    expect(again?.startedAt).toBe(toDbTime(seconds(T0, 541)));
    expect(heartbeat(db, queueId, owner, seconds(T0, 600))).toBe(false);
    expect(heartbeat(db, queueId, other, seconds(T0, 600))).toBe(true);
  });

  it("keeps a lease alive while heartbeats arrive, with a configurable deadline", () => {
    const { db, owner, queueId, buildInputId } = claimed();
    const patient = schedulePolicy({ ping_deadline: 3600 });
    expect(heartbeat(db, queueId, owner, seconds(T0, 500))).toBe(true);
    expect(reclaimExpired(db, policy, seconds(T0, 1000))).toBe(0);
    expect(reclaimExpired(db, patient, seconds(T0, 3000))).toBe(0);
    expect(jobOf(db, buildInputId)?.worker).toBe(owner);
    expect(reclaimExpired(db, patient, seconds(T0, 4101))).toBe(1);
    expect(jobOf(db, buildInputId)).toMatchObject({ worker: null, started_at: null, last_ping: null });
  });

  it("releases a job on shutdown so another worker can start it at once", () => {
    const { db, owner, other, queueId, buildInputId } = claimed();
    expect(releaseJob(db, queueId, other)).toBe(false);
    expect(jobOf(db, buildInputId)?.worker).toBe(owner);
    expect(releaseJob(db, queueId, owner)).toBe(true);
    expect(db.prepare("SELECT status FROM workers WHERE id = ?").get(owner)).toEqual({ status: null });
    expect(jobOf(db, buildInputId)).toMatchObject({ worker: null, started_at: null, last_ping: null, priority: 1 });
    expect(claimJob(db, other, debian, policy, seconds(T0, 1))?.queueId).toBe(queueId);
    expect(releaseJob(db, queueId, owner)).toBe(false);
  });
});
