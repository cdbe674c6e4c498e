/**
 * Claim throughput: 10,000 queued jobs claimed through `claimJob` by 32 concurrent claimers
 * (worker threads, each with its own connection to one database file), against a floor measured
 * in the same run: a bare `UPDATE … RETURNING` claim loop on a fresh copy of that file.
 *
 * Prints `name: value` lines. `ratio` = claims_per_s ÷ floor_claims_per_s (1 = as fast as the
 * floor). `single_claimer_claims_per_s` is claimJob in one loop without contention, which
 * separates the cost of the query from the cost of 32 connections queueing for the write lock;
 * `engine_claims_per_s` is 32 claimers sharing the engine's connection, as slots and served
 * workers do.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { SchedulePolicy } from "../src/engine/config.js";
import { claimJob, registerWorker, type QueueFilter } from "../src/engine/scheduler/index.js";
import { openStore, type Database } from "../src/engine/store/index.js";
import { openDatabase } from "../src/engine/store/sqlite.js";
import { toDbTime } from "../src/engine/store/time.js";

const JOBS = 10_000;
const CLAIMERS = 32;
const FILTER: QueueFilter = { backends: ["debian"], architectures: ["x86_64", "all"] };
const POLICY: SchedulePolicy = { initial_delay: 0, ping_deadline: 540, bad: { retry_delay_base: 24 }, fail: { retry_delay_base: 24 } };

/** Bun runs a TypeScript file in a thread natively; under Node the thread loads it through tsx. */
function startThread(data: ClaimerData): Worker {
  if (typeof process.versions.bun === "string") return new Worker(new URL(import.meta.url), { workerData: data });
  const [api, self] = [import.meta.resolve("tsx/esm/api"), import.meta.url].map((u) => JSON.stringify(u));
  return new Worker(`import(${api}).then(({ tsImport }) => tsImport(${self}, ${self}))`, { eval: true, workerData: data });
}

interface ClaimerData {
  dataDir: string;
  index: number;
  /** Int32Array over a SharedArrayBuffer: [ready count, go flag]. */
  barrier: SharedArrayBuffer;
}

function claimer({ dataDir, index, barrier }: ClaimerData): void {
  const db = openStore(dataDir);
  const workerId = registerWorker(db, { name: `claimer-${index}`, key: `claimer-${index}`, address: "127.0.0.1" }, new Date());
  const sync = new Int32Array(barrier);
  Atomics.add(sync, 0, 1);
  Atomics.notify(sync, 0);
  Atomics.wait(sync, 1, 0);
  const claimed: number[] = [];
  for (let job = claimJob(db, workerId, FILTER, POLICY, new Date()); job; job = claimJob(db, workerId, FILTER, POLICY, new Date())) {
    claimed.push(job.queueId);
  }
  db.close();
  parentPort!.postMessage(claimed);
}

/** One sync's worth of work: every package new today, priority 1, as the import leaves it. */
function seed(db: Database): void {
  const at = toDbTime(new Date());
  db.transaction(() => {
    const src = db.prepare("INSERT INTO source_packages (name, version, distribution, release, last_seen) VALUES (?, '1.0-1', 'debian', 'trixie', ?)");
    const input = db.prepare("INSERT INTO build_inputs (source_package_id, url, backend, architecture) VALUES (?, ?, 'debian', ?)");
    const bin = db.prepare("INSERT INTO binary_packages (source_package_id, build_input_id, name, version, component, architecture, artifact_url) VALUES (?, ?, ?, '1.0-1', 'main', ?, ?)");
    const job = db.prepare("INSERT INTO queue (build_input_id, priority, queued_at) VALUES (?, 1, ?)");
    for (let i = 0; i < JOBS; i++) {
      const arch = i % 5 === 0 ? "all" : "amd64";
      const sp = src.run(`pkg${i}`, at).lastInsertRowid;
      const bi = input.run(sp, `https://buildinfo.test/pkg${i}_1.0-1_${arch}.buildinfo`, arch).lastInsertRowid;
      bin.run(sp, bi, `pkg${i}`, arch, `https://mirror.test/pool/pkg${i}_1.0-1_${arch}.deb`);
      job.run(bi, at);
    }
  });
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

function copyStore(from: string, to: string): string {
  mkdirSync(to);
  copyFileSync(join(from, "rebuilder.db"), join(to, "rebuilder.db"));
  return to;
}

async function concurrentClaims(dataDir: string): Promise<{ seconds: number; claimed: number[] }> {
  const barrier = new SharedArrayBuffer(8);
  const sync = new Int32Array(barrier);
  const results: Promise<number[]>[] = [];
  for (let index = 0; index < CLAIMERS; index++) {
    const worker = startThread({ dataDir, index, barrier });
    results.push(
      new Promise((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
      }),
    );
  }
  while (Atomics.load(sync, 0) < CLAIMERS) await new Promise((r) => setTimeout(r, 10));
  const start = performance.now();
  Atomics.store(sync, 1, 1);
  Atomics.notify(sync, 1);
  const claimed = (await Promise.all(results)).flat();
  return { seconds: (performance.now() - start) / 1000, claimed };
}

function singleClaimer(dataDir: string): number {
  const db = openStore(dataDir);
  const workerId = registerWorker(db, { name: "single", key: "single", address: "127.0.0.1" }, new Date());
  const start = performance.now();
  let n = 0;
  while (claimJob(db, workerId, FILTER, POLICY, new Date())) n++;
  const seconds = (performance.now() - start) / 1000;
  db.close();
  if (n !== JOBS) throw new Error(`single claimer got ${n} of ${JOBS} jobs`);
  return JOBS / seconds;
}

/**
 * The engine's own case: 32 claimers (worker slots, or remote workers served by one process)
 * interleaved on the engine's one connection, each yielding to the others between claims.
 */
async function engineClaims(dataDir: string): Promise<{ rate: number; claimed: number[] }> {
  const db = openStore(dataDir);
  const ids = Array.from({ length: CLAIMERS }, (_, i) => registerWorker(db, { name: `slot-${i}`, key: `slot-${i}`, address: "local" }, new Date()));
  const claimed: number[] = [];
  const start = performance.now();
  await Promise.all(
    ids.map(async (workerId) => {
      for (;;) {
        const job = claimJob(db, workerId, FILTER, POLICY, new Date());
        if (!job) return;
        claimed.push(job.queueId);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  db.close();
  return { rate: claimed.length / seconds, claimed };
}

function floor(dataDir: string): number {
  const db = openDatabase(join(dataDir, "rebuilder.db"));
  const claim = db.prepare<{ id: number }>("UPDATE queue SET worker = ? WHERE id = (SELECT id FROM queue WHERE worker IS NULL LIMIT 1) RETURNING id");
  const start = performance.now();
  let n = 0;
  while (claim.get(1)) n++;
  const seconds = (performance.now() - start) / 1000;
  db.close();
  if (n !== JOBS) throw new Error(`floor claimed ${n} of ${JOBS} jobs`);
  return JOBS / seconds;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "rebuilder-bench-queue-"));
  try {
    const dataDir = join(root, "ours");
    const db = openStore(dataDir);
    seed(db);
    db.close();
    const floorDir = copyStore(dataDir, join(root, "floor"));
    const singleDir = copyStore(dataDir, join(root, "single"));
    const engineDir = copyStore(dataDir, join(root, "engine"));

    const { seconds, claimed } = await concurrentClaims(dataDir);
    const floorRate = floor(floorDir);
    const singleRate = singleClaimer(singleDir);
    const engine = await engineClaims(engineDir);

    const distinct = new Set(claimed);
    const check = openStore(dataDir);
    const unclaimed = check.prepare<{ n: number }>("SELECT count(*) AS n FROM queue WHERE worker IS NULL").get()!.n;
    check.close();
    const rate = claimed.length / seconds;
    console.log(`jobs: ${JOBS}`);
    console.log(`claimers: ${CLAIMERS}`);
    console.log(`claims_per_s: ${rate.toFixed(0)}`);
    console.log(`single_claimer_claims_per_s: ${singleRate.toFixed(0)}`);
    console.log(`engine_claims_per_s: ${engine.rate.toFixed(0)}`);
    console.log(`engine_ratio: ${(engine.rate / floorRate).toFixed(3)}`);
    console.log(`engine_double_claims: ${engine.claimed.length - new Set(engine.claimed).size}`);
    console.log(`floor_claims_per_s: ${floorRate.toFixed(0)}`);
    console.log(`ratio: ${(rate / floorRate).toFixed(3)}`);
    console.log(`double_claims: ${claimed.length - distinct.size}`);
    console.log(`unclaimed: ${unclaimed}`);
    if (claimed.length !== distinct.size || unclaimed !== 0 || distinct.size !== JOBS) process.exitCode = 1;
    if (new Set(engine.claimed).size !== JOBS || engine.claimed.length !== JOBS) process.exitCode = 1;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (isMainThread) await main();
else claimer(workerData as ClaimerData);
