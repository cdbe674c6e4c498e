/**
 * Runs a backend that is a sequence of programs (what rebuilderd's shell scripts do with `set -e`)
 * as one build: a shared deadline, one log with a shared size cap, each command echoed like
 * `set -x` would; the caller stops at the first step that is not ok, as `set -e` does.
 */
import type { BackendResult, BackendRunOptions } from "./backend.js";
import { runProcess, SpawnError, type RunResult } from "./process-runner.js";

export interface Step {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
}

/** What `sh` reports for a command it cannot find; the scripts we replace would stop with it. */
const COMMAND_NOT_FOUND = 127;
const CAPTURE_BYTES = 64 * 1024;
const encoder = new TextEncoder();

function succeeded(result: RunResult): boolean {
  return result.exitCode === 0 && !result.timedOut && !result.aborted;
}

function displayArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg);
}

export class StepRunner {
  private readonly chunks: Uint8Array[] = [];
  private readonly started = performance.now();
  private readonly deadline: number;
  /** Bytes of program output in the log; our own notes do not count against the cap. */
  private captured = 0;
  private full = false;
  private last: Pick<RunResult, "exitCode" | "signal" | "timedOut" | "aborted"> = {
    exitCode: 0,
    signal: null,
    timedOut: false,
    aborted: false,
  };

  constructor(private readonly options: BackendRunOptions) {
    this.deadline = this.started + options.timeoutSeconds * 1000;
  }

  /** Appends a line of our own to the log (and to the live view). */
  note(text: string): void {
    for (const line of text.split("\n")) this.options.onLine?.(line);
    this.chunks.push(encoder.encode(`${text}\n`));
  }

  /** Runs one step into the log; ok when it exited 0. */
  async run(step: Step): Promise<{ ok: boolean }> {
    const room = this.options.maxLogBytes === undefined ? undefined : Math.max(this.options.maxLogBytes - this.captured, 0);
    const result = await this.start(step, room, false);
    if (result === null) return { ok: false };
    // Once the cap is hit the rest of the build's output is dropped; the first cut carries the marker.
    if (!this.full) {
      this.chunks.push(result.output);
      this.captured += result.output.byteLength;
      this.full = result.truncated;
    }
    return { ok: succeeded(result) };
  }

  /**
   * Runs a step whose short answer the backend needs (a date, a list of volumes). Its output is
   * read whole, even when the log is full, and shown in the log as a note.
   */
  async capture(step: Step): Promise<{ ok: boolean; output: string }> {
    const result = await this.start(step, CAPTURE_BYTES, true);
    if (result === null) return { ok: false, output: "" };
    const output = new TextDecoder().decode(result.output);
    if (output.trim() !== "") this.note(output.trimEnd());
    return { ok: succeeded(result), output };
  }

  private async start(step: Step, maxBytes: number | undefined, killAtLimit: boolean): Promise<RunResult | null> {
    this.note(`+ ${[step.command, ...step.args].map(displayArg).join(" ")}`);
    const remainingMs = this.deadline - performance.now();
    if (remainingMs <= 0) {
      this.note(`rebuilder: the build timeout of ${this.options.timeoutSeconds} seconds was reached`);
      this.last = { exitCode: null, signal: null, timedOut: true, aborted: false };
      return null;
    }
    try {
      const result = await runProcess({
        ...step,
        timeoutSeconds: Math.ceil(remainingMs / 1000),
        maxBytes,
        killAtLimit,
        signal: this.options.signal,
        onLine: this.options.onLine,
      });
      this.last = result;
      return result;
    } catch (error) {
      if (!(error instanceof SpawnError)) throw error;
      this.note(error.message);
      this.last = { exitCode: COMMAND_NOT_FOUND, signal: null, timedOut: false, aborted: false };
      return null;
    }
  }

  /**
   * Ends the build as failed with a note, like a script's `exit 1` after a check of its own: the
   * exit code stays that of the failed step, or becomes 1 when the last step had succeeded.
   */
  fail(message: string): BackendResult {
    this.note(`rebuilder: ${message}`);
    if (this.last.exitCode === 0) this.last = { ...this.last, exitCode: 1 };
    return this.result();
  }

  result(): BackendResult {
    return {
      ...this.last,
      truncated: this.full,
      output: Buffer.concat(this.chunks),
      durationMs: performance.now() - this.started,
    };
  }
}
