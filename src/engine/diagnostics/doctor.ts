/**
 * `rebuilder doctor`: every fact that decides whether this machine can sync and rebuild, checked
 * one by one (backends and their tools, the signing key, the data directory and store, the queue,
 * the sync profiles), each ok, warn or FAIL with what to do. The faces can show the same list.
 */
import { accessSync, constants, existsSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findExecutable } from "../../backends/executables.js";
import { runProcess } from "../../backends/process-runner.js";
import { installHint, toolPackages } from "../../backends/tool-packages.js";
import { mirrorUrl } from "../../sync/archlinux.js";
import { profileKeyring, unverifiedReason } from "../../sync/unverified.js";
import type { SyncProfile } from "../../sync/types.js";
import type { EngineConfig } from "../config.js";
import { signingKeyPath } from "../engine.js";
import { loadOrCreateSigningKey } from "../evidence/index.js";
import { openUrl } from "../http.js";
import { openStore } from "../store/index.js";
import { DEFAULT_BACKEND_DISTROS, resolveCapabilities, type CreateBackend } from "../workers/index.js";
import type { Backend } from "../../backends/backend.js";
import { builtInSettings, createBackend as registryCreateBackend } from "../../backends/registry.js";
import { describeUnbuildable, unbuildableJobs } from "./unbuildable.js";

export type CheckLevel = "ok" | "warn" | "FAIL";

export interface Check {
  group: "config" | "backends" | "signing key" | "data directory" | "queue" | "sync profiles";
  level: CheckLevel;
  message: string;
}

export interface DoctorOptions {
  dataDir: string;
  config: EngineConfig;
  /** The config file read, or null for the defaults; `configError` when it could not be read. */
  configPath: string | null;
  configError?: string;
  /** The profiles `sync` would use, where they come from, or why there are none. */
  profiles: { profiles: SyncProfile[]; from: string } | { error: string };
  createBackend?: CreateBackend;
  /** Seconds for each `--version` and each index probe. */
  timeoutSeconds?: number;
}

const GIB = 1024 ** 3;
/** Below this a rebuild (chroot, sources, results) may well fill the disk. */
const LOW_SPACE_BYTES = 10 * GIB;

export async function runDoctor(opts: DoctorOptions): Promise<Check[]> {
  const timeout = opts.timeoutSeconds ?? 5;
  const checks: Check[] = [configCheck(opts)];
  const [backends, sync] = await Promise.all([backendChecks(opts, timeout), syncChecks(opts.profiles, timeout)]);
  checks.push(...backends, ...signingKeyChecks(opts.dataDir), ...(await dataDirChecks(opts)), ...sync);
  return checks;
}

function configCheck(opts: DoctorOptions): Check {
  if (opts.configError) return { group: "config", level: "FAIL", message: `${opts.configError}; the checks below use the defaults` };
  return { group: "config", level: "ok", message: opts.configPath ? `read ${opts.configPath}` : "no config file: using the defaults" };
}

async function backendChecks(opts: DoctorOptions, timeout: number): Promise<Check[]> {
  const create = opts.createBackend ?? registryCreateBackend;
  const checks: Check[] = [];
  const distros = [...new Set([...Object.keys(opts.config.backends), ...DEFAULT_BACKEND_DISTROS])];
  for (const distro of distros) {
    const configured = Object.hasOwn(opts.config.backends, distro);
    // A built-in default nobody asked for only warns; the queue check fails if jobs need it.
    const bad: CheckLevel = configured ? "FAIL" : "warn";
    const candidates = configured ? [opts.config.backends[distro]!] : builtInSettings(distro);
    for (const settings of candidates) {
      const label = configured ? distro : `${distro} (built-in default${candidates.length > 1 ? ` ${String(settings.kind)}` : ""})`;
      const runs = await backendCheck(label, bad, timeout, () => create(distro, settings), checks);
      if (runs && candidates.length > 1) {
        checks.push({ group: "backends", level: "ok", message: `${distro} (built-in default): builds with the ${String(settings.kind)} backend` });
      }
      if (runs) break;
    }
  }
  return checks;
}

/** Checks one backend's tools and whether it can run, into `checks`; true when it can. */
async function backendCheck(label: string, bad: CheckLevel, timeout: number, create: () => Backend, checks: Check[]): Promise<boolean> {
  let backend;
  try {
    backend = create();
  } catch (err) {
    checks.push({ group: "backends", level: bad, message: `${label}: ${(err as Error).message}` });
    return false;
  }
  for (const tool of backend.requiredTools()) {
    const path = findExecutable(tool);
    if (path === null) {
      const packages = toolPackages(tool);
      const how = packages ? `; Debian package ${packages.debian ?? "(none)"}, Arch package ${packages.arch ?? "(none, AUR)"}; install with ${installHint([tool])}` : "";
      checks.push({ group: "backends", level: bad, message: `${label}: ${tool} not found${how}` });
    } else {
      const version = toolPackages(tool) ? await toolVersion(path, timeout) : null;
      checks.push({ group: "backends", level: "ok", message: `${label}: ${tool} is ${path}${version ? ` (${version})` : ""}` });
    }
  }
  const reason = await backend.unavailableReason();
  checks.push({ group: "backends", level: reason ? bad : "ok", message: `${label}: the ${backend.kind} backend ${reason ? `cannot run: ${reason}` : "can run"}` });
  return reason === null;
}

/** The first line of `<tool> --version`; only for known packaged tools, never a backend script. */
async function toolVersion(path: string, timeout: number): Promise<string | null> {
  try {
    const r = await runProcess({ command: path, args: ["--version"], cwd: tmpdir(), env: process.env, timeoutSeconds: timeout, maxBytes: 4096, killAtLimit: true });
    const first = Buffer.from(r.output).toString("utf8").split("\n").find((l) => l.trim() !== "");
    return r.exitCode === 0 && first ? first.trim().slice(0, 100) : null;
  } catch {
    return null;
  }
}

function signingKeyChecks(dataDir: string): Check[] {
  const path = signingKeyPath(dataDir);
  if (!existsSync(path)) return [{ group: "signing key", level: "ok", message: `${path} does not exist yet; build and serve create it at their first start` }];
  const warnings: string[] = [];
  try {
    const key = loadOrCreateSigningKey(path, (w) => warnings.push(w));
    return [
      ...warnings.map((w): Check => ({ group: "signing key", level: "warn", message: w })),
      { group: "signing key", level: "ok", message: `${path}: key id ${key.keyid}` },
    ];
  } catch (err) {
    return [{ group: "signing key", level: "FAIL", message: (err as Error).message }];
  }
}

async function dataDirChecks(opts: DoctorOptions): Promise<Check[]> {
  const dir = opts.dataDir;
  const check = (level: CheckLevel, message: string): Check => ({ group: "data directory", level, message });
  if (!existsSync(dir)) return [check("ok", `${dir} does not exist yet; sync and build create it`)];
  const checks: Check[] = [];
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    checks.push(check("ok", `${dir} is writable`));
  } catch (err) {
    return [check("FAIL", `${dir} is not writable: ${(err as Error).message}; fix its owner or permissions, or choose another with --data-dir`)];
  }
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  const freeText = `${(free / GIB).toFixed(1)} GiB free`;
  checks.push(free < LOW_SPACE_BYTES ? check("warn", `${freeText} in ${dir}; rebuilds need several GiB each`) : check("ok", freeText));
  if (!existsSync(join(dir, "rebuilder.db"))) {
    checks.push(check("ok", "no store yet; the first sync creates it"));
    return checks;
  }
  try {
    const db = openStore(dir);
    try {
      const result = db.prepare<{ quick_check: string }>("PRAGMA quick_check").all().map((r) => r.quick_check);
      checks.push(result.join() === "ok" ? check("ok", "the store opens and passes its integrity check (quick_check)") : check("FAIL", `the store fails its integrity check: ${result.slice(0, 3).join("; ")}; restore it from a backup`));
      checks.push(...(await queueChecks(db, opts)));
    } finally {
      db.close();
    }
  } catch (err) {
    checks.push(check("FAIL", (err as Error).message));
  }
  return checks;
}

async function queueChecks(db: Parameters<typeof unbuildableJobs>[0], opts: DoctorOptions): Promise<Check[]> {
  const groups = unbuildableJobs(db, await resolveCapabilities(opts.config, opts.createBackend));
  const d = describeUnbuildable(groups);
  if (!d) return [{ group: "queue", level: "ok", message: "every queued job can be built here" }];
  return d.lines.map((line) => ({ group: "queue", level: "FAIL", message: `${line} (they wait)` }));
}

async function syncChecks(chosen: DoctorOptions["profiles"], timeout: number): Promise<Check[]> {
  const check = (level: CheckLevel, message: string): Check => ({ group: "sync profiles", level, message });
  if ("error" in chosen) return [check("FAIL", chosen.error)];
  const checks: Check[] = [check("ok", `${chosen.profiles.length} ${chosen.profiles.length === 1 ? "profile" : "profiles"} from ${chosen.from}`)];
  const probes = chosen.profiles.map(async (p) => {
    const out: Check[] = [];
    const unverified = unverifiedReason(p);
    if (unverified) out.push(check("warn", unverified));
    const keyring = profileKeyring(p);
    if (keyring) out.push(existsSync(keyring) ? check("ok", `profile "${p.name}": keyring ${keyring} is present`) : check("FAIL", `profile "${p.name}": keyring ${keyring} is missing; install it or set keyring = "<file>" in the profile`));
    const results = await Promise.all(indexUrls(p).map((url) => probe(url, timeout)));
    for (const r of results) out.push(r.error ? check("FAIL", `profile "${p.name}": cannot reach ${r.url}: ${r.error}`) : check("ok", `profile "${p.name}": ${r.url} is reachable`));
    return out;
  });
  for (const out of await Promise.all(probes)) checks.push(...out);
  return checks;
}

/** One index file per release (Debian: InRelease) or per repository and architecture (Arch: the .db). */
function indexUrls(p: SyncProfile): string[] {
  try {
    if (p.sync_method === "debian") return p.releases.map((r) => `${(r.source ?? p.source).replace(/\/+$/, "")}/dists/${r.name}/InRelease`);
    if (p.sync_method === "archlinux") return p.architectures.flatMap((a) => p.components.map((repo) => mirrorUrl(p.source, repo, a, `${repo}.db`)));
  } catch {
    // A malformed source: its probe reports the source itself.
    return [p.source];
  }
  // Other sync methods have no single index file to ask for.
  return [];
}

async function probe(url: string, timeout: number): Promise<{ url: string; error: string | null }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no answer within ${timeout} s`)), timeout * 1000);
  try {
    const opened = await openUrl(url, { maxBytes: 64 * GIB, signal: abort.signal, readTimeoutSeconds: timeout });
    return { url, error: opened.status >= 400 ? `HTTP ${opened.status}` : null };
  } catch (err) {
    return { url, error: abort.signal.aborted ? `no answer within ${timeout} s` : (err as Error).message };
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}
