/**
 * Runs one external program for the engine: never through a shell, in its own process group,
 * with a timeout that takes the whole group down (SIGTERM, then SIGKILL after a grace period),
 * and stdout/stderr captured into one interleaved, size-capped log (rebuilderd's proc.rs rules).
 * execa is imported statically: the spawn must happen synchronously inside runProcess, since
 * withBuildUmask (debian-archive-umask.ts) sets the umask only for that moment.
 */
import { execa } from "execa";

export interface RunOptions {
  command: string;
  args: string[];
  cwd: string;
  /** The complete environment of the child (nothing is inherited implicitly). */
  env: Record<string, string | undefined>;
  timeoutSeconds: number;
  /** Cap on the captured log. Beyond it the log is cut and marked; see killAtLimit. */
  maxBytes?: number;
  /** Kill the process when maxBytes is reached (diffoscope) instead of letting it run on (builds). */
  killAtLimit?: boolean;
  graceSeconds?: number;
  /** Ends the run early (program shutdown); the group is killed as on a timeout. */
  signal?: AbortSignal;
  /** Called with each complete output line and the stream it came from, for live logs. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
}

export interface RunResult {
  exitCode: number | null;
  /** The signal that ended the process, if any. */
  signal: string | null;
  timedOut: boolean;
  aborted: boolean;
  truncated: boolean;
  /** Interleaved stdout+stderr, with rebuilderd's truncation markers appended. */
  output: Uint8Array;
  durationMs: number;
}

export class SpawnError extends Error {}

export async function runProcess(opts: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const child = execa(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: false,
    shell: false,
    detached: true,
    stdin: "ignore",
    buffer: false,
    reject: false,
    cleanup: true,
    stripFinalNewline: false,
  });

  const chunks: Uint8Array[] = [];
  let captured = 0;
  let truncated = false;
  let timedOut = false;
  let aborted = false;

  const killGroup = (sig: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // The group is already gone.
    }
  };
  let killTimer: NodeJS.Timeout | undefined;
  const terminate = () => {
    killGroup("SIGTERM");
    killTimer ??= setTimeout(() => killGroup("SIGKILL"), (opts.graceSeconds ?? 10) * 1000);
  };

  /** Lines are split per stream: a line half-written to stdout must not be joined with stderr's. */
  const lineSplitter = (stream: "stdout" | "stderr") => {
    const decoder = new TextDecoder();
    let partial = "";
    return {
      push(data: Uint8Array) {
        const lines = (partial + decoder.decode(data, { stream: true })).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) opts.onLine?.(line, stream);
      },
      flush() {
        if (partial) opts.onLine?.(partial, stream);
      },
    };
  };
  const outLines = lineSplitter("stdout");
  const errLines = lineSplitter("stderr");

  const capture = (data: Uint8Array) => {
    if (truncated) return;
    const room = opts.maxBytes === undefined ? data.byteLength : opts.maxBytes - captured;
    if (data.byteLength <= room) {
      chunks.push(data);
      captured += data.byteLength;
      return;
    }
    chunks.push(data.subarray(0, room));
    captured += room;
    truncated = true;
    if (opts.killAtLimit) terminate();
  };
  child.stdout?.on("data", (data: Uint8Array) => {
    outLines.push(data);
    capture(data);
  });
  child.stderr?.on("data", (data: Uint8Array) => {
    errLines.push(data);
    capture(data);
  });

  const timer = setTimeout(() => {
    timedOut = true;
    terminate();
  }, opts.timeoutSeconds * 1000);
  const onAbort = () => {
    aborted = true;
    terminate();
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener("abort", onAbort, { once: true });

  const result = await child;
  clearTimeout(timer);
  opts.signal?.removeEventListener("abort", onAbort);
  // The leader has exited; make sure nothing it left behind in its group lives on.
  killGroup("SIGKILL");
  if (killTimer) clearTimeout(killTimer);
  outLines.flush();
  errLines.flush();

  if (result.failed && result.exitCode === undefined && !result.signal) {
    throw new SpawnError(`cannot run ${opts.command}: ${result.originalMessage ?? result.message}`);
  }

  let tail = "";
  if (truncated) tail += `\n\nTRUNCATED DUE TO SIZE LIMIT: ${opts.maxBytes} bytes\n\n`;
  if (timedOut) tail += `\n\nTRUNCATED DUE TO TIMEOUT: ${opts.timeoutSeconds} seconds\n\n`;
  if (tail) chunks.push(new TextEncoder().encode(tail));

  return {
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    timedOut,
    aborted,
    truncated,
    output: Buffer.concat(chunks),
    durationMs: performance.now() - started,
  };
}
