/**
 * One job from claim to RebuildOutcome, following rebuilderd-worker (reference B.3–B.6) with
 * these differences, each on purpose:
 * - `build.timeout` bounds the downloads and the build together (issue #168: a hung download
 *   used to keep a "phantom build" running forever);
 * - every file name is checked before anything is written, and index sizes/sha256 are enforced;
 * - FAIL (a worker-side problem, reason kept in failReason) is also given when the backend
 *   exits non-zero without leaving a single file in its output directory: it did not build
 *   anything, so "not reproducible" (BAD) would be a false claim. A backend that produced some
 *   files is judged as rebuilderd does, whatever its exit code (which is recorded);
 * - a job without artifacts FAILs instead of being vacuously GOOD;
 * - only the package's own problems (JobFailure, UnsafeJobError) become FAIL. Anything else is
 *   our setup's fault (a job directory that cannot be made, a full disk, a backend that cannot
 *   start, a bug) and is thrown as SetupFailure, so no FAIL is recorded against the package.
 */
import { lstat, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { UnsafeJobError } from "../../backends/job-checks.js";
import { SpawnError } from "../../backends/process-runner.js";
import { BackendConfigError } from "../../backends/settings.js";
import type { Backend, BackendJob, BackendResult } from "../../backends/backend.js";
import { zstdCompress } from "../compression.js";
import { createLinkAttestation, judgeArtifact, runDiffoscope, type SigningKey } from "../evidence/index.js";
import type { ClaimedJob, RebuildOutcome } from "../scheduler/index.js";
import { downloadToFile, isLocalFileError, JobFailure, planDownloads, quoteName, SetupFailure } from "./download.js";
import { jobDirPrefix } from "./leftovers.js";

export interface JobSettings {
  buildTimeoutSeconds: number;
  buildMaxBytes?: number;
  maxDownloadBytes: number;
  diffoscope: { enabled: boolean; args: string[]; timeoutSeconds: number; maxBytes?: number };
}

export interface JobContext {
  backend: Backend;
  settings: JobSettings;
  signingKey: SigningKey;
  /** Job directories are created in here and removed afterwards. */
  tmpRoot: string;
  /** The backend's persistent working directory (its caches live there); created if missing. */
  cacheDir: string;
  workerName: string;
  env: Record<string, string | undefined>;
  /** Aborts the job from outside (shutdown, lost lease): runJob then rejects with its reason. */
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

type Artifact = RebuildOutcome["artifacts"][number];

const encoder = new TextEncoder();

/**
 * Runs `job` and returns what to record. Never rejects for job problems; rejects with a
 * SetupFailure for problems of this machine, and with the abort reason when `ctx.signal` aborts.
 */
export async function runJob(job: ClaimedJob, ctx: JobContext): Promise<RebuildOutcome> {
  const log: Uint8Array[] = [];
  let exitCode: number | null = null;
  let dir: string | null = null;
  try {
    dir = await prepareDirectories(job, ctx);
    const built = await build(job, ctx, dir, log);
    exitCode = built.exitCode;
    await assertProducedSomething(built);
    const artifacts = await judge(built, ctx, log);
    const status = artifacts.every((a) => a.status === "GOOD") ? "GOOD" : "BAD";
    return outcome(status, log, exitCode, null, ctx.workerName, artifacts);
  } catch (err) {
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    if (!(err instanceof JobFailure || err instanceof UnsafeJobError)) throw asSetupFailure(err);
    const reason = err.message;
    log.push(encoder.encode(`\n\nrebuilderd: unexpected error while rebuilding package: ${reason}\n`));
    return outcome("FAIL", log, exitCode, reason, ctx.workerName, []);
  } finally {
    // A directory that cannot be removed stays under tmpRoot; it must not cost the result.
    if (dir) await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

async function prepareDirectories(job: ClaimedJob, ctx: JobContext): Promise<string> {
  try {
    await mkdir(ctx.cacheDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new SetupFailure(`cannot create the backend directory ${ctx.cacheDir}: ${(err as Error).message}`);
  }
  try {
    return await mkdtemp(join(ctx.tmpRoot, jobDirPrefix(job.queueId)));
  } catch (err) {
    throw new SetupFailure(`cannot create a job directory in ${ctx.tmpRoot}: ${(err as Error).message}`);
  }
}

function asSetupFailure(err: unknown): SetupFailure {
  if (err instanceof SetupFailure) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof BackendConfigError) return new SetupFailure(`backend configuration: ${message}`);
  return new SetupFailure(isLocalFileError(err) ? message : `internal error: ${message}`);
}

function outcome(status: RebuildOutcome["status"], log: Uint8Array[], exitCode: number | null, failReason: string | null, workerName: string, artifacts: Artifact[]): RebuildOutcome {
  return { status, builtAt: new Date(), buildLog: zstdCompress(Buffer.concat(log)), exitCode, failReason, workerName, artifacts };
}

interface Built extends BackendResult {
  job: BackendJob;
  inputPath: string | null;
}

/** Downloads everything and runs the backend, all within `build.timeout`. */
async function build(job: ClaimedJob, ctx: JobContext, dir: string, log: Uint8Array[]): Promise<Built> {
  const deadline = AbortSignal.timeout(ctx.settings.buildTimeoutSeconds * 1000);
  const signal = ctx.signal ? AbortSignal.any([deadline, ctx.signal]) : deadline;
  try {
    return await downloadAndRun(job, ctx, dir, signal, log);
  } catch (err) {
    if (deadline.aborted && !ctx.signal?.aborted) throw new JobFailure(timedOut(ctx));
    throw err;
  }
}

const timedOut = (ctx: JobContext) => `timed out after ${ctx.settings.buildTimeoutSeconds} seconds (downloads and build)`;

async function downloadAndRun(job: ClaimedJob, ctx: JobContext, dir: string, signal: AbortSignal, log: Uint8Array[]): Promise<Built> {
  const plan = planDownloads(job.artifacts, job.url, ctx.backend.needsInput);
  if (plan.artifacts.length === 0) throw new JobFailure("the job lists no artifacts to compare");
  const inputs = join(dir, "inputs");
  const outDir = join(dir, "out");
  const workDir = join(dir, "work");
  await Promise.all([inputs, outDir, workDir].map((d) => mkdir(d)));
  for (const d of plan.downloads) {
    await downloadToFile(d, inputs, { maxBytes: ctx.settings.maxDownloadBytes, signal });
  }

  const inputPath = plan.inputFileName === null ? null : join(inputs, plan.inputFileName);
  const backendJob: BackendJob = {
    queueId: job.queueId,
    name: job.name,
    version: job.version,
    distribution: job.distribution,
    release: job.release,
    architecture: job.architecture,
    inputUrl: job.url,
    inputPath,
    artifacts: plan.artifacts.map((a) => ({ name: a.name, version: a.version, architecture: a.architecture, url: a.url, fileName: a.fileName, publishedPath: join(inputs, a.fileName) })),
    outDir,
    workDir,
    cacheDir: ctx.cacheDir,
  };
  let result: BackendResult;
  try {
    result = await ctx.backend.run(backendJob, {
      timeoutSeconds: ctx.settings.buildTimeoutSeconds,
      maxLogBytes: ctx.settings.buildMaxBytes,
      signal,
      onLine: ctx.onLine,
      env: ctx.env,
    });
  } catch (err) {
    if (err instanceof SpawnError) throw new SetupFailure(`the ${ctx.backend.kind} backend could not be started: ${err.message}`);
    throw err;
  }
  log.push(result.output);
  signal.throwIfAborted();
  if (result.timedOut) throw new JobFailure(timedOut(ctx));
  return { ...result, job: backendJob, inputPath };
}

/** A backend that failed without leaving a single file did not build anything: FAIL, not BAD. */
async function assertProducedSomething(built: Built): Promise<void> {
  if (built.exitCode === 0 || (await readdir(built.job.outDir)).length > 0) return;
  const how = built.exitCode === null ? `was killed by ${built.signal ?? "a signal"}` : `exited with code ${built.exitCode}`;
  throw new JobFailure(`backend ${how} and produced no artifacts`);
}

/** Verdict per artifact, with a diffoscope report for BAD ones and an attestation for GOOD ones. */
async function judge(built: Built, ctx: JobContext, log: Uint8Array[]): Promise<Artifact[]> {
  const materialPaths = built.materials ?? (built.inputPath ? [built.inputPath] : []);
  const materials = materialPaths.map((path) => ({ name: basename(path), path }));
  const results: Artifact[] = [];
  for (const a of built.job.artifacts) {
    const rebuilt = join(built.job.outDir, a.fileName);
    const verdict = await judgeArtifact(a.publishedPath, rebuilt);
    const notes = [verdict.reason, verdict.note].filter((n): n is string => !!n);
    let diffoscope: Uint8Array | null = null;
    let attestation: Uint8Array | null = null;
    if (verdict.status === "BAD" && ctx.settings.diffoscope.enabled && (await isRegularFile(rebuilt))) {
      try {
        diffoscope = await runDiffoscope(a.publishedPath, rebuilt, {
          args: ctx.settings.diffoscope.args,
          timeoutSeconds: ctx.settings.diffoscope.timeoutSeconds,
          maxBytes: ctx.settings.diffoscope.maxBytes,
          signal: ctx.signal,
        });
      } catch (err) {
        if (ctx.signal?.aborted) throw err;
        notes.push(`diffoscope failed: ${(err as Error).message}`);
        log.push(encoder.encode(`\nrebuilderd: diffoscope failed for ${quoteName(a.fileName)}: ${(err as Error).message}\n`));
      }
    }
    if (verdict.status === "GOOD") {
      try {
        attestation = zstdCompress(await createLinkAttestation(ctx.signingKey, a.fileName, materials, { name: a.fileName, path: rebuilt }));
      } catch (err) {
        // As in rebuilderd, a signing problem costs the attestation, not the verdict.
        log.push(encoder.encode(`\nrebuilderd: warning: no attestation for ${quoteName(a.fileName)}: ${(err as Error).message}\n`));
      }
    }
    results.push({ name: a.name, status: verdict.status, diffoscope, attestation, note: notes.length ? notes.join("; ") : null });
  }
  return results;
}

/** Not following links: diffoscope must never report on a file a backend merely pointed at. */
async function isRegularFile(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isFile();
  } catch {
    return false;
  }
}
