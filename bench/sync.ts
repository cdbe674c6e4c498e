/**
 * bench:sync — the full Debian bookworm slice (Sources + binary-amd64 + binary-all) synced into
 * an empty store by the binary users run: dist/rebuilder (built first when missing or older than
 * the sources) as a whole process, against native `xz -dc` of the same three files, with its
 * peak RSS, then a re-sync of the unchanged index; best of ROUNDS rounds. Then the same code in
 * this process, against the floor of merely decompressing the same .xz files here. Prints one
 * `name: value` line per figure, with the machine's 1-minute load average at the start and the
 * end beside the wall-clock ones.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { decompressStream } from "../src/engine/compression.js";
import { defaultEngineConfig } from "../src/engine/config.js";
import { openStore } from "../src/engine/store/index.js";
import { syncProfile } from "../src/sync/run.js";
import { BOOKWORM_MIRROR, BOOKWORM_PROFILE } from "./bookworm.js";
import { ensureBinary } from "./dist-binary.js";

const root = resolve(import.meta.dirname, "..");
const mirror = BOOKWORM_MIRROR;
const binary = join(root, "dist/rebuilder");
const files = ["main/source/Sources.xz", "main/binary-amd64/Packages.xz", "main/binary-all/Packages.xz"].map((f) =>
  join(mirror, "dists/bookworm", f),
);

async function floorSeconds(): Promise<number> {
  const started = performance.now();
  for (const f of files) {
    let n = 0;
    for await (const chunk of decompressStream(new Uint8Array(readFileSync(f)), f)) n += chunk.byteLength;
    if (n === 0) throw new Error(`${f}: decompressed to nothing`);
  }
  return (performance.now() - started) / 1000;
}

/** Native `xz -dc` of the three files one after the other, to /dev/null: the speed limit of any sync. */
function nativeFloorSeconds(): number {
  const devNull = openSync("/dev/null", "w");
  try {
    const started = performance.now();
    for (const f of files) {
      const r = spawnSync("xz", ["-dc", f], { stdio: ["ignore", devNull, "inherit"] });
      if (r.status !== 0) throw new Error(`xz -dc ${f} failed (${r.error?.message ?? `exit code ${r.status}`})`);
    }
    return (performance.now() - started) / 1000;
  } finally {
    closeSync(devNull);
  }
}

/**
 * Runs dist/rebuilder to its exit: wall time and peak RSS. The peak is the kernel's high-water
 * mark (VmHWM), read from /proc while the process runs: GNU time is not on every machine.
 */
async function runBinary(args: string[]): Promise<{ seconds: number; peakRssMb: number; stdout: string }> {
  const started = performance.now();
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "inherit"] });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  let peakKb = 0;
  const sample = () => {
    try {
      const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
    } catch {
      // Exited between two samples.
    }
  };
  const poll = setInterval(sample, 5);
  const code = await new Promise<number | null>((done) => child.on("exit", (c) => (sample(), done(c))));
  clearInterval(poll);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${binary} ${args.join(" ")} failed with exit code ${code}`);
  return { seconds, peakRssMb: peakKb / 1024, stdout };
}

/** Rounds of the binary against native xz; each figure is the best round's, on both sides alike. */
const ROUNDS = 3;

/**
 * The binary against native xz, side by side, ROUNDS times: floor, first sync into an empty
 * store, re-sync. On a shared machine one round may land in a slow minute of either side (here
 * the floor alone varied by a third); the best of each side is what the code can do. The peak
 * memory is the worst round's.
 */
async function binaryFigures(): Promise<[string, string | number][]> {
  ensureBinary();
  const floors: number[] = [];
  const firsts: number[] = [];
  const resyncs: number[] = [];
  let peakRssMb = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const store = mkdtempSync(join(tmpdir(), "rebuilder-bench-binary-"));
    try {
      const args = ["--data-dir", store, "pkgs", "sync", "debian", mirror, "--release", "bookworm", "--component", "main"];
      args.push("--architecture", "amd64", "--architecture", "all", "--json");
      floors.push(nativeFloorSeconds());
      const first = await runBinary(args);
      const again = await runBinary(args);
      if (JSON.parse(again.stdout).unchanged === 0) throw new Error("the binary's re-sync parsed the unchanged index again");
      firsts.push(first.seconds);
      resyncs.push(again.seconds);
      peakRssMb = Math.max(peakRssMb, first.peakRssMb);
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  }
  const [floor, first, resync] = [floors, firsts, resyncs].map((runs) => Math.min(...runs)) as [number, number, number];
  return [
    ["binary_sync_s", first.toFixed(3)],
    ["native_floor_s", floor.toFixed(3)],
    ["binary_ratio", (first / floor).toFixed(2)],
    ["binary_peak_rss_mb", peakRssMb.toFixed(0)],
    ["binary_resync_s", resync.toFixed(3)],
    ["binary_sync_runs_s", firsts.map((s) => s.toFixed(2)).join(" ")],
    ["native_floor_runs_s", floors.map((s) => s.toFixed(2)).join(" ")],
  ];
}

// Wall-clock numbers on a shared machine mean little without the load beside them.
const loadBefore = loadavg()[0]!;
const dataDir = mkdtempSync(join(tmpdir(), "rebuilder-bench-sync-"));
try {
  // The binary first: after the in-process sync, this process's collector threads, sweeping a
  // heap of hundreds of MB, would take the CPU from a sync that runs in the idle class.
  const binary = await binaryFigures();
  const floor = await floorSeconds();
  const db = openStore(dataDir);
  const opts = { dataDir, policy: defaultEngineConfig().schedule };
  const first = await syncProfile(db, BOOKWORM_PROFILE, opts);
  const again = await syncProfile(db, BOOKWORM_PROFILE, opts);
  db.close();
  if (again.unchanged === 0) throw new Error("re-sync parsed the unchanged index again");
  const lines: [string, string | number][] = [
    ["packages", first.packages],
    ["binaries", first.binaries],
    ["sync_s", first.took_s.toFixed(3)],
    ["floor_s", floor.toFixed(3)],
    ["ratio", (first.took_s / floor).toFixed(2)],
    ["resync_s", again.took_s.toFixed(3)],
    ["peak_rss_mb", (process.resourceUsage().maxRSS / 1024).toFixed(0)],
  ];
  lines.push(...binary);
  lines.push(["loadavg_1m_start", loadBefore.toFixed(2)], ["loadavg_1m_end", loadavg()[0]!.toFixed(2)]);
  for (const [name, value] of lines) console.log(`${name}: ${value}`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
