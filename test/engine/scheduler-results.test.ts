import { describe, expect, it } from "vitest";
import { zstdCompress, zstdDecompress } from "../../src/engine/compression.js";
import { claimJob, recordRebuild } from "../../src/engine/scheduler/index.js";
import { toDbTime } from "../../src/engine/store/time.js";
import { addJob, addPackage, addWorker, count, hours, inputState, jobOf, jobs, outcome, schedulePolicy, seconds, T0, tempStore } from "./fixtures.js";

const policy = schedulePolicy();
const debian = { backends: ["debian"], architectures: ["amd64", "all"] };
const buildinfo = "https://buildinfo.test/acl_2.3.2-2_amd64.buildinfo";

/** acl in sid and in trixie: two source packages whose build inputs are friends. */
function friends() {
  const db = tempStore();
  const sid = addPackage(db, { name: "acl", version: "2.3.2-2", release: "sid", url: buildinfo, binaries: ["acl", "libacl1"] }).buildInputId;
  const trixie = addPackage(db, { name: "acl", version: "2.3.2-2", release: "trixie", url: buildinfo, binaries: ["acl", "libacl1"] }).buildInputId;
  const queueId = addJob(db, sid);
  const worker = addWorker(db, "w1");
  claimJob(db, worker, debian, policy, T0);
  return { db, sid, trixie, queueId, worker };
}

const artifact = (name: string, status: "GOOD" | "BAD", extra: { diffoscope?: Uint8Array; attestation?: Uint8Array } = {}) => ({
  name,
  status,
  diffoscope: extra.diffoscope ?? null,
  attestation: extra.attestation ?? null,
  note: null,
});

describe("recording a rebuild", () => {
  it("stores one result per friend sharing the blobs, and a GOOD result only removes the job", () => {
    const { db, sid, trixie, queueId } = friends();
    const attestation = zstdCompress('{"signed":{}}');
    const { buildId } = recordRebuild(db, queueId, outcome("GOOD", hours(T0, 1), [artifact("acl", "GOOD", { attestation }), artifact("libacl1", "GOOD")]), policy, hours(T0, 1));

    const rebuilds = db.prepare<{ id: number; build_input_id: number; status: string; started_at: string; built_at: string; build_log_id: number; worker_name: string }>(
      "SELECT id, build_input_id, status, started_at, built_at, build_log_id, worker_name FROM rebuilds ORDER BY id",
    ).all();
    expect(rebuilds.map((r) => [r.build_input_id, r.status])).toEqual([[sid, "GOOD"], [trixie, "GOOD"]]);
    expect(rebuilds.find((r) => r.build_input_id === sid)?.id).toBe(buildId);
    expect(new Set(rebuilds.map((r) => r.build_log_id)).size).toBe(1);
    expect(rebuilds[0]).toMatchObject({ started_at: toDbTime(T0), built_at: toDbTime(hours(T0, 1)), worker_name: "w1" });
    expect(count(db, "build_logs")).toBe(1);
    expect(count(db, "attestation_logs")).toBe(1);
    const arts = db.prepare<{ rebuild_id: number; name: string; attestation_log_id: number | null }>("SELECT rebuild_id, name, attestation_log_id FROM rebuild_artifacts ORDER BY id").all();
    expect(arts).toHaveLength(4);
    expect(new Set(arts.filter((a) => a.name === "acl").map((a) => a.attestation_log_id)).size).toBe(1);

    expect(jobs(db)).toEqual([]);
    expect(inputState(db, sid)).toEqual({ retries: 0, nextRetry: null });
  });

  it("compresses a plain log once and keeps a zstd log byte for byte", () => {
    const { db, queueId } = friends();
    const diff = zstdCompress("--- a\n+++ b\n");
    recordRebuild(db, queueId, { ...outcome("BAD"), buildLog: new TextEncoder().encode("plain log\n"), artifacts: [artifact("acl", "BAD", { diffoscope: diff })] }, policy, T0);
    const log = db.prepare<{ build_log: Uint8Array }>("SELECT build_log FROM build_logs").get()!.build_log;
    expect(new TextDecoder().decode(zstdDecompress(log))).toBe("plain log\n");
    expect(db.prepare<{ diffoscope_log: Uint8Array }>("SELECT diffoscope_log FROM diffoscope_logs").get()!.diffoscope_log).toEqual(diff);
  });

  it("counts a failure on every friend and retries after 48 h, then 72 h, with priority 2", () => {
    const { db, sid, trixie, queueId, worker } = friends();
    recordRebuild(db, queueId, outcome("BAD"), policy, T0);
    expect(inputState(db, sid)).toEqual({ retries: 1, nextRetry: hours(T0, 48) });
    expect(inputState(db, trixie)).toEqual({ retries: 1, nextRetry: hours(T0, 48) });
    expect(jobs(db).map((j) => [j.build_input_id, j.priority, j.queued_at])).toEqual([[sid, 2, toDbTime(T0)]]);

    expect(claimJob(db, worker, debian, policy, hours(T0, 47))).toBeNull();
    const retry = claimJob(db, worker, debian, policy, hours(T0, 48))!;
    const t1 = hours(T0, 49);
    recordRebuild(db, retry.queueId, outcome("FAIL", t1), policy, t1);
    expect(inputState(db, trixie)).toEqual({ retries: 2, nextRetry: hours(t1, 72) });
  });

  it("stores the exit code and the reason of a failed build", () => {
    const { db, queueId } = friends();
    recordRebuild(db, queueId, { ...outcome("FAIL"), exitCode: 137, failReason: "timeout after 86400 s" }, policy, T0);
    expect(db.prepare("SELECT DISTINCT status, exit_code, fail_reason FROM rebuilds").all()).toEqual([{ status: "FAIL", exit_code: 137, fail_reason: "timeout after 86400 s" }]);
  });

  it("gives up on all friends once max_retries failures are counted", () => {
    const { db, sid, trixie, queueId } = friends();
    db.prepare("UPDATE build_inputs SET retries = 2 WHERE id = ?").run(trixie);
    recordRebuild(db, queueId, outcome("FAIL"), schedulePolicy({ fail: { retry_delay_base: 24, max_retries: 3 } }), T0);
    expect(jobs(db)).toEqual([]);
    expect(inputState(db, sid)).toEqual({ retries: 1, nextRetry: null });
    expect(inputState(db, trixie)).toEqual({ retries: 3, nextRetry: null });
  });

  it("applies the BAD policy to mismatches and the FAIL policy to failed builds", () => {
    const separate = schedulePolicy({ bad: { retry_delay_base: 24, max_retries: 1 }, fail: { retry_delay_base: 6, max_retries: 5 } });
    const failed = friends();
    recordRebuild(failed.db, failed.queueId, outcome("FAIL"), separate, T0);
    expect(inputState(failed.db, failed.sid)).toEqual({ retries: 1, nextRetry: hours(T0, 12) });
    expect(jobOf(failed.db, failed.sid)?.priority).toBe(2);

    const bad = friends();
    recordRebuild(bad.db, bad.queueId, outcome("BAD"), separate, T0);
    expect(jobs(bad.db)).toEqual([]);
    expect(inputState(bad.db, bad.sid)).toEqual({ retries: 1, nextRetry: null });
  });

  it("accepts a late report after the job was handed to another worker", () => {
    const { db, sid, queueId } = friends();
    const other = addWorker(db, "w2");
    expect(claimJob(db, other, debian, policy, seconds(T0, 600))?.queueId).toBe(queueId);
    recordRebuild(db, queueId, outcome("GOOD"), policy, seconds(T0, 700));
    expect(jobOf(db, sid)).toBeUndefined();
  });

  it("refuses a report for an unknown job and writes nothing", () => {
    const { db, queueId } = friends();
    expect(() => recordRebuild(db, queueId + 1, outcome("GOOD"), policy, T0)).toThrow(`queue job ${queueId + 1} does not exist`);
    recordRebuild(db, queueId, outcome("GOOD"), policy, T0);
    expect(() => recordRebuild(db, queueId, outcome("GOOD"), policy, T0)).toThrow(/does not exist/);
    expect(count(db, "build_logs")).toBe(1);
    expect(count(db, "rebuilds")).toBe(2);
  });

  it("refuses unknown statuses, naming the artifact", () => {
    const { db, queueId } = friends();
    expect(() => recordRebuild(db, queueId, { ...outcome("GOOD"), status: "MAYBE" as never }, policy, T0)).toThrow(/unknown status "MAYBE"/);
    expect(() => recordRebuild(db, queueId, outcome("BAD", T0, [{ ...artifact("../../x\u001b[2J", "BAD"), status: "FAIL" as never }]), policy, T0)).toThrow(
      'artifact "../../x\\u001b[2J" has unknown status "FAIL"',
    );
    expect(count(db, "rebuilds")).toBe(0);
    expect(jobs(db)).toHaveLength(1);
  });
});
