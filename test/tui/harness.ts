/**
 * A real engine on a temp store for the view tests: packages, queue, rebuilds and evidence as
 * the engine records them, with names, logs and a diffoscope report that carry hostile
 * terminal sequences.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zstdCompress } from "../../src/engine/compression.js";
import { defaultEngineConfig, type EngineConfig } from "../../src/engine/config.js";
import { Engine } from "../../src/engine/engine.js";
import { claimJob, recordRebuild } from "../../src/engine/scheduler/index.js";
import { LocalSource } from "../../src/tui/data/local-source.js";
import { addJob, addPackage, outcome, schedulePolicy } from "../engine/fixtures.js";

/** Window titles, screen clears, cursor moves, OSC 8 links, DCS, 8-bit CSI, bidi overrides and stray C0 controls. */
export const HOSTILE = "\u001b]0;PWNED-TITLE\u0007\u001b[2J\u001b[H\u001b]8;;http://evil.test/\u001b\\click\u001b]8;;\u001b\\\u001bPq#0;2\u001b\\\u009b31m\u202e\u0007\r\u0008";

/** What must never reach the terminal from data (our own colours use SGR `ESC [ … m` only). */
export function leaks(frame: string): string[] {
  const found: string[] = [];
  for (const [what, re] of [
    ["OSC", /\u001b\]/],
    ["DCS", /\u001bP/],
    ["clear/cursor CSI", /\u001b\[[0-9;?]*[A-HJKSTfhlr]/],
    ["8-bit control", /[\u0080-\u009f]/],
    ["bidi override", /[\u202a-\u202e\u2066-\u2069]/],
    ["BEL/BS/CR", /[\u0007\u0008\r]/],
    ["window title text", /PWNED-TITLE/],
    ["link target", /evil\.test/],
  ] as const) {
    if (re.test(frame)) found.push(what);
  }
  return found;
}

export const DIFFOSCOPE = [
  "--- hello_1.0_amd64.deb",
  "+++ rebuilt/hello_1.0_amd64.deb",
  "├── file list",
  "│ @@ -1,3 +1,3 @@",
  `│ --rw-r--r--   0        0        0     1234 2026-01-01 00:00:00.000000 usr/bin/hello${HOSTILE}`,
  "│ +-rw-r--r--   0        0        0     1235 2026-01-01 00:00:01.000000 usr/bin/hello",
  ...Array.from({ length: 80 }, (_, i) => `│  unchanged line ${i}`),
  "│ -needle in the old build",
  "│ +needle in the new build",
].join("\n");

/** `backends` replaces the config's backend tables (none: the built-in defaults, whatever this machine can run). */
export async function tuiEngine(backends?: EngineConfig["backends"]) {
  const dataDir = mkdtempSync(join(tmpdir(), "rebuilder-tui-"));
  const config = defaultEngineConfig();
  if (backends) config.backends = backends;
  config.slots.count = 2;
  config.build.silent = true;
  const engine = await Engine.open({ dataDir, config, echoOutput: false });
  const db = engine.db;
  const now = new Date();
  const good = addPackage(db, { name: "good-pkg", release: "bookworm" });
  const bad = addPackage(db, { name: `evil${HOSTILE}name`, release: "bookworm" });
  for (let i = 0; i < 300; i++) addPackage(db, { name: `filler-${String(i).padStart(3, "0")}`, release: "bookworm" });
  const waiting = addPackage(db, { name: "waiting-pkg", release: "bookworm" });
  const worker = db.prepare("INSERT INTO workers (name, key, address, last_ping) VALUES ('w', 'k', 'local', '2026-01-01 00:00:00')").run().lastInsertRowid as number;
  for (const [input, status, diff] of [
    [good, "GOOD", null],
    [bad, "BAD", DIFFOSCOPE],
  ] as const) {
    addJob(db, input.buildInputId, 1, now);
    const job = claimJob(db, worker, { backends: ["debian"], architectures: ["amd64"] }, schedulePolicy(), now)!;
    const o = outcome(status, now, [{ name: job.name, status, diffoscope: diff === null ? null : zstdCompress(new TextEncoder().encode(diff)), attestation: null, note: null }]);
    o.buildLog = new TextEncoder().encode(`building ${job.name}\n${HOSTILE}log line with hostile bytes\nfinished\n`);
    recordRebuild(db, job.queueId, o, schedulePolicy(), now);
  }
  addJob(db, waiting.buildInputId, 1, now);
  const source = new LocalSource(engine);
  return {
    engine,
    source,
    dispose: async () => {
      await engine.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
