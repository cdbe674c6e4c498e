/**
 * bench:tui — the compiled binary's `rebuilder tui` in a real terminal (tmux, 120×40) over a
 * store holding the bookworm slice (63,000+ binaries): CPU while idle on the dashboard, CPU
 * while 8 slots stream build logs on the slots view (a backend script printing 50 lines a
 * second each), peak RSS, and the time from a keypress to the first bytes of the frame that
 * shows it (`npm run bench:tui -- PATH` measures another binary). CPU is the
 * binary's own (utime + stime from /proc, all threads; backend processes are not counted), as
 * a share of one core. Prints `name: value` lines; targets: idle ≤ 0.02, streaming ≤ 0.15,
 * RSS ≤ 250 MB, key ≤ 50 ms (median of 20 on the packages view; also the CPU spent per key and
 * the machine's load, which delays frames). Extra lines split the costs: idle with the slots
 * paused (no queue polling), and streaming with the logs off screen.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { loadavg } from "node:os";
import { openStore } from "../src/engine/store/index.js";
import { DEFAULT_BACKEND_DISTROS } from "../src/engine/workers/index.js";
import { DISTRO, queueJob } from "../test/engine/workers/harness.js";
import { TmuxSession } from "../test/tui/tmux.js";
import { syncBookworm } from "./bookworm.js";

const root = resolve(import.meta.dirname, "..");
// dist/rebuilder unless a path is given; it is built when missing.
const binary = process.argv[2] ? resolve(process.argv[2]) : join(root, "dist/rebuilder");
const TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
const SLOTS = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ensureBinary(): void {
  if (process.argv[2]) return;
  // A binary built before `tui` existed answers `tui --help` with the program's help.
  if (existsSync(binary) && spawnSync(binary, ["tui", "--help"], { encoding: "utf8" }).stdout.includes("Usage: rebuilder tui")) return;
  process.stderr.write("bench:tui: building dist/rebuilder (npm run build)\n");
  execFileSync("npm", ["run", "build"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime, stime
}

/** Share of one core the process used over `ms`. */
async function cpuShare(pid: number, ms: number): Promise<number> {
  const [t0, w0] = [cpuTicks(pid), performance.now()];
  await sleep(ms);
  return (cpuTicks(pid) - t0) / TICKS / ((performance.now() - w0) / 1000);
}

function peakRssMb(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]!;
  return Number(kb) / 1024;
}

const work = mkdtempSync(join(tmpdir(), "rebuilder-bench-tui-"));
let session: TmuxSession | undefined;
try {
  ensureBinary();
  const dataDir = join(work, "data");
  await syncBookworm(dataDir);

  // A rebuilderd backend script that never finishes, printing a log line every 20 ms.
  const script = join(work, "stream.sh");
  writeFileSync(script, '#!/bin/sh\ni=0\nwhile true; do echo "compiling unit $i of a long build: cc -O2 -g -c src/file$i.c -o obj/file$i.o"; i=$((i+1)); sleep 0.02; done\n');
  chmodSync(script, 0o755);
  const config = join(work, "rebuilder.conf");
  // Only the streaming script builds: on a machine with debrebuild the slots would otherwise rebuild the slice's 60,000 queued jobs.
  const noBackend = DEFAULT_BACKEND_DISTROS.map((d) => `[backend."${d}"]\npath = "${join(work, "no-such-backend")}"\n`).join("\n");
  writeFileSync(config, `${noBackend}\n[backend."${DISTRO}"]\npath = "${script}"\n\n[slots]\ncount = ${SLOTS}\n\n[diffoscope]\nenabled = false\n\n[build]\nsilent = true\n`);
  const pub = join(work, "pub");
  mkdirSync(pub);
  const inputs = Array.from({ length: SLOTS }, (_, i) => {
    const file = join(pub, `stream-${i}.input`);
    writeFileSync(file, `input ${i}\n`);
    return pathToFileURL(file).href;
  });

  session = TmuxSession.start([binary, "--data-dir", dataDir, "-c", config, "tui", "--no-sync"], { columns: 120, rows: 40, stderrFile: join(work, "stderr.txt") });
  const t = session;
  await t.waitFor(/debian bookworm +\d/, 120_000);
  const pid = Number(execFileSync("pgrep", ["-P", String(t.pid())], { encoding: "utf8" }).trim().split("\n")[0]);
  await sleep(3000);
  const idle = await cpuShare(pid, 10_000);
  // The same with every slot paused: what the UI itself costs, without the slots polling the queue.
  t.send("3");
  await t.waitFor("slot-1");
  t.send("P");
  await t.waitFor("all slots paused");
  await sleep(1000);
  const idlePaused = await cpuShare(pid, 10_000);
  // Keypress to frame on the packages view (63,000+ rows), slots paused: nothing else draws meanwhile,
  // so the first bytes written after a key are its frame. They are watched in a copy of the terminal's
  // output (a stat every millisecond); screen polls (a tmux process each) would load the machine.
  t.send("5");
  await t.waitFor(/1 of [\d,]{6}/);
  const output = join(work, "terminal-output");
  t.pipeOutput(output);
  await sleep(500);
  const written = () => (existsSync(output) ? statSync(output).size : 0);
  const times: number[] = [];
  const ticksBefore = cpuTicks(pid);
  const keysStarted = performance.now();
  for (let i = 2; i <= 21; i++) {
    const before = written();
    const started = performance.now();
    t.send("j");
    while (written() === before) {
      if (performance.now() - started > 10_000) throw new Error(`no frame within 10 s of key ${i}`);
      await sleep(1);
    }
    times.push(performance.now() - started);
    await t.waitFor(new RegExp(`\\b${i} of [\\d,]{6}`), 10_000);
  }
  // CPU the process spent per key beyond its idle use; other load on the machine does not inflate it.
  const keyCpuMs = (((cpuTicks(pid) - ticksBefore) / TICKS - (idlePaused * (performance.now() - keysStarted)) / 1000) / times.length) * 1000;
  times.sort((a, b) => a - b);
  t.send("3");
  await t.waitFor("slot-1");
  t.send("P");
  await t.waitFor("all slots resumed");

  const db = openStore(dataDir);
  for (const [i, inputUrl] of inputs.entries()) queueJob(db, { name: `stream-${i}`, inputUrl, artifacts: [{ name: `stream-${i}.pkg`, url: inputUrl }] });
  db.close();
  await t.waitFor(new RegExp(`slot-${SLOTS} +busy`), 60_000);
  // Some build past its 100th line: the logs redraw twice a second, so one given line may never be on screen.
  await t.waitFor(/compiling unit \d{3,} /);
  const streaming = await cpuShare(pid, 10_000);
  // The same streaming with the dashboard on screen: the engine's share, without drawing the logs.
  t.send("1");
  await t.waitFor("Verdicts");
  const streamingHidden = await cpuShare(pid, 10_000);

  const rss = peakRssMb(pid);

  t.send("q");
  await t.waitFor("Finishing running builds");
  t.send("q");
  await t.waitFor("[exited 0]", 60_000);

  const lines: [string, string][] = [
    ["idle_cpu", idle.toFixed(3)],
    ["idle_cpu_slots_paused", idlePaused.toFixed(3)],
    ["streaming_cpu", streaming.toFixed(3)],
    ["streaming_cpu_logs_hidden", streamingHidden.toFixed(3)],
    ["rss_mb", rss.toFixed(1)],
    ["key_to_frame_ms", times[Math.floor(times.length / 2)]!.toFixed(1)],
    ["key_to_frame_max_ms", times.at(-1)!.toFixed(1)],
    ["key_cpu_ms", keyCpuMs.toFixed(1)],
    // Other work on the machine delays frames: key_to_frame is only meaningful with this near 0.
    ["load_avg_1m", loadavg()[0]!.toFixed(2)],
  ];
  for (const [k, v] of lines) process.stdout.write(`${k}: ${v}\n`);
} finally {
  session?.kill();
  rmSync(work, { recursive: true, force: true });
}
