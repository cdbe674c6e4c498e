/**
 * The `command` backend runs any rebuilderd backend script exactly as rebuilderd-worker does:
 * `<script> <absolute input path>`, stdin /dev/null, the worker's environment plus
 * REBUILDERD_OUTDIR, in the worker's working directory (here: the backend's cacheDir).
 */
import { mkdir } from "node:fs/promises";
import type { Backend, BackendJob, BackendResult, BackendRunOptions, BackendSettings } from "./backend.js";
import { findExecutable } from "./executables.js";
import { checkJob, requireInput } from "./job-checks.js";
import { runProcess } from "./process-runner.js";
import { BackendConfigError, stringSetting } from "./settings.js";

/** Runs one backend program under rebuilderd's contract; `extraEnv` is what a wrapped script would export. */
export async function runBackendProgram(
  command: string,
  args: string[],
  job: BackendJob,
  options: BackendRunOptions,
  extraEnv: Record<string, string> = {},
): Promise<BackendResult> {
  await mkdir(job.cacheDir, { recursive: true });
  return runProcess({
    command,
    args,
    cwd: job.cacheDir,
    env: { ...options.env, REBUILDERD_OUTDIR: job.outDir, ...extraEnv },
    timeoutSeconds: options.timeoutSeconds,
    maxBytes: options.maxLogBytes,
    signal: options.signal,
    onLine: options.onLine,
  });
}

export class CommandBackend implements Backend {
  readonly kind = "command";
  readonly needsInput = true;
  private readonly script: string;

  constructor(settings: BackendSettings) {
    const script = stringSetting(settings, "path");
    if (script === undefined) throw new BackendConfigError("the command backend needs `path`, the backend script to run");
    this.script = script;
  }

  requiredTools(): string[] {
    return [this.script];
  }

  async unavailableReason(): Promise<string | null> {
    return findExecutable(this.script) === null ? `backend script ${this.script} is missing or not executable` : null;
  }

  async run(job: BackendJob, options: BackendRunOptions): Promise<BackendResult> {
    checkJob(job, this.needsInput);
    return runBackendProgram(this.script, [requireInput(job)], job, options);
  }
}
