/**
 * Keeps a claimed job's lease alive while the slot works on it (downloads, build, diffoscope —
 * everything, as rebuilderd-worker pings), and reports when the scheduler says the job is no
 * longer ours, so the build can be stopped instead of running on as a phantom.
 */

/** Default heartbeat interval: rebuilderd's PING_INTERVAL. */
export const DEFAULT_HEARTBEAT_SECONDS = 60;

export interface Lease {
  release(): void;
}

/**
 * Calls `beat` every `intervalSeconds`. `beat` returns false when the job is gone or owned by
 * someone else; then `onLost` is called once and the beats stop. A throwing beat (database busy)
 * is retried on the next tick: the scheduler's ping deadline is many intervals long.
 */
export function holdLease(intervalSeconds: number, beat: () => boolean, onLost: () => void): Lease {
  const timer = setInterval(() => {
    let owned: boolean;
    try {
      owned = beat();
    } catch {
      return;
    }
    if (!owned) {
      clearInterval(timer);
      onLost();
    }
  }, intervalSeconds * 1000);
  return { release: () => clearInterval(timer) };
}
