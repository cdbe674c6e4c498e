/**
 * diffoscope exactly as rebuilderd-worker runs it (reference B.5):
 * `diffoscope <args…> --timeout=<T> -- <published> <rebuilt>`, its own hard limit at T + 600 s,
 * stdout and stderr captured together, killed at the size cap, exit status ignored (1 means
 * "the files differ"), the text lossily decoded as UTF-8 and stored zstd-compressed.
 */
import { tmpdir } from "node:os";
import { runProcess, SpawnError } from "../../backends/process-runner.js";
import { zstdCompress } from "../compression.js";

export interface DiffoscopeOptions {
  args: string[];
  timeoutSeconds: number;
  maxBytes?: number;
  signal?: AbortSignal;
  /** The diffoscope executable; "diffoscope" from PATH by default. */
  command?: string;
}

export class DiffoscopeError extends Error {}

/** diffoscope's --timeout only stops its comparisons; the process itself is killed this much later. */
const HARD_LIMIT_MARGIN_SECONDS = 600;

/** Returns the zstd-compressed text report. Rejects when diffoscope cannot be started or the run is aborted. */
export async function runDiffoscope(published: string, rebuilt: string, o: DiffoscopeOptions): Promise<Uint8Array> {
  const command = o.command ?? "diffoscope";
  let result;
  try {
    result = await runProcess({
      command,
      args: [...o.args, `--timeout=${o.timeoutSeconds}`, "--", published, rebuilt],
      cwd: tmpdir(),
      env: { ...process.env },
      timeoutSeconds: o.timeoutSeconds + HARD_LIMIT_MARGIN_SECONDS,
      maxBytes: o.maxBytes,
      killAtLimit: true,
      signal: o.signal,
    });
  } catch (err) {
    if (err instanceof SpawnError) throw new DiffoscopeError(`diffoscope is not available (install it or fix [diffoscope] settings): ${err.message}`);
    throw err;
  }
  if (result.aborted) throw o.signal?.reason ?? new DiffoscopeError("diffoscope was aborted");
  return zstdCompress(new TextDecoder().decode(result.output));
}
