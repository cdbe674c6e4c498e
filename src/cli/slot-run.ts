/** What `build` and `worker` share around their worker slots: progress lines, the summary, stopping on signals. */
import type { EventBus } from "../engine/events.js";
import type { RunSummary, WorkerSlots } from "../engine/workers/index.js";
import { safe } from "./terminal.js";

export function summaryLine(s: RunSummary): string {
  return `built ${s.built}: ${s.good} GOOD, ${s.bad} BAD, ${s.fail} FAIL, took ${s.took_s.toFixed(1)}s`;
}

/** One stderr line when a slot starts a job and one when it finishes. */
export function printJobEvents(events: EventBus): void {
  events.subscribe((e) => {
    if (e.type === "job.started") process.stderr.write(safe(`[${e.slot}] building ${e.name} ${e.version} (${e.architecture}, ${e.backend})\n`));
    if (e.type === "job.finished") process.stderr.write(safe(`[${e.slot}] ${e.status} ${e.name} ${e.version}${e.reason ? `: ${e.reason}` : ""}\n`));
  });
}

/**
 * Runs `run` with SIGINT/SIGTERM handlers: the first signal lets running builds finish, the
 * second stops them at once (handing their jobs back). `stopped` settles once the slots stopped.
 */
export async function withStopSignals<T>(slots: WorkerSlots, say: { finishing: string; stopping: string }, run: (stopped: Promise<void>) => Promise<T>): Promise<T> {
  let signals = 0;
  let stopRequested!: (stopping: Promise<void>) => void;
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  const onSignal = () => {
    signals++;
    process.stderr.write(`rebuilder: ${signals === 1 ? say.finishing : say.stopping}\n`);
    // The first stop() settles once every slot has stopped; a second one only aborts the builds.
    stopRequested(slots.stop({ handBack: signals > 1 }));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await run(stopped);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
