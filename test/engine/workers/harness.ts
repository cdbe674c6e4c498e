/**
 * Shared set-up for the worker tests: a real store in a temp data dir, real backend scripts
 * run through the `command` backend, published artifacts as local files behind file:// URLs.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { defaultEngineConfig, type EngineConfig } from "../../../src/engine/config.js";
import { loadOrCreateSigningKey, type SigningKey } from "../../../src/engine/evidence/index.js";
import { EventBus, type EngineEvent } from "../../../src/engine/events.js";
import { openStore, type Database } from "../../../src/engine/store/index.js";
import { nowDb } from "../../../src/engine/store/time.js";

/** Distribution and backend name of the test jobs; served by a `command` backend script. */
export const DISTRO = "localtest";

export interface Harness {
  root: string;
  dataDir: string;
  db: Database;
  config: EngineConfig;
  events: EventBus;
  seen: EngineEvent[];
  key: SigningKey;
  /** Where published files live (the "mirror"). */
  pub: string;
  /** Where the backend script finds the files it "rebuilds" (REBUILD_FROM). */
  rebuilt: string;
  /** Scratch for markers the scripts leave. */
  marks: string;
}

export function harness(configure: (c: EngineConfig) => void = () => {}): Harness {
  const root = mkdtempSync(join(tmpdir(), "rebuilder-workers-"));
  const dirs = ["data", "pub", "rebuilt", "marks"].map((d) => join(root, d));
  for (const d of dirs) mkdirSync(d);
  const [dataDir, pub, rebuilt, marks] = dirs as [string, string, string, string];
  const config = defaultEngineConfig();
  config.build.silent = true;
  config.build.timeout = 120;
  config.slots.count = 1;
  config.supported_architectures = ["x86_64", "all"];
  configure(config);
  const events = new EventBus();
  const seen: EngineEvent[] = [];
  events.subscribe((e) => seen.push(e));
  return { root, dataDir, db: openStore(dataDir), config, events, seen, key: loadOrCreateSigningKey(join(root, "sign.key")), pub, rebuilt, marks };
}

export function dispose(h: Harness | undefined): void {
  if (!h) return;
  h.db.close();
  rmSync(h.root, { recursive: true, force: true });
}

/** A backend script: `#!/bin/sh`, `set -e`, then `body`. */
export function script(h: Harness, name: string, body: string): string {
  const path = join(h.root, name);
  writeFileSync(path, `#!/bin/sh\nset -e\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Copies whatever the test put into REBUILD_FROM to the output directory, like a reproducible build. */
export const COPY_REBUILT = 'echo "rebuilding $(basename "$1")"\ncp "$REBUILD_FROM"/* "$REBUILDERD_OUTDIR"/ 2>/dev/null || true';

export function publish(h: Harness, fileName: string, content: string | Uint8Array): string {
  const path = join(h.pub, fileName);
  writeFileSync(path, content);
  return pathToFileURL(path).href;
}

export function rebuild(h: Harness, fileName: string, content: string | Uint8Array): void {
  writeFileSync(join(h.rebuilt, fileName), content);
}

export interface JobSpec {
  name: string;
  version?: string;
  architecture?: string;
  backend?: string;
  inputUrl: string;
  artifacts: { name: string; url: string; sha256?: string | null; size?: number | null }[];
}

/** Imports one source package with one build input and queues it, as a sync would. */
export function queueJob(db: Database, spec: JobSpec): { queueId: number; buildInputId: number } {
  return db.transaction(() => {
    const now = nowDb();
    const version = spec.version ?? "1.0-1";
    const architecture = spec.architecture ?? "x86_64";
    const sourceId = db
      .prepare("INSERT INTO source_packages (name, version, distribution, release, last_seen) VALUES (?, ?, ?, 'main', ?)")
      .run(spec.name, version, DISTRO, now).lastInsertRowid;
    const buildInputId = db
      .prepare("INSERT INTO build_inputs (source_package_id, url, backend, architecture) VALUES (?, ?, ?, ?)")
      .run(sourceId, spec.inputUrl, spec.backend ?? DISTRO, architecture).lastInsertRowid;
    for (const a of spec.artifacts) {
      db.prepare(
        "INSERT INTO binary_packages (source_package_id, build_input_id, name, version, component, architecture, artifact_url, sha256, size) VALUES (?, ?, ?, ?, 'main', ?, ?, ?, ?)",
      ).run(sourceId, buildInputId, a.name, version, architecture, a.url, a.sha256 ?? null, a.size ?? null);
    }
    const queueId = db.prepare("INSERT INTO queue (build_input_id, priority, queued_at) VALUES (?, 1, ?)").run(buildInputId, now).lastInsertRowid;
    return { queueId, buildInputId };
  });
}

/** The job-scratch root must be empty once jobs are over: nothing is left behind. */
export function leftovers(h: Harness): string[] {
  return readdirSync(join(h.dataDir, "tmp"));
}

/** Whether a process still runs; a zombie (exited, not yet reaped) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

export const text = (b: Uint8Array) => new TextDecoder().decode(b);
