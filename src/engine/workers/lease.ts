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
 * Calls `beat` every `intervalSeconds` (never two at once). `beat` resolves false when the job is
 * gone or owned by someone else; then `onLost` is called once and the beats stop. A failing beat
 * (database busy, server unreachable) is retried on the next tick: the ping deadline is many
 * intervals long.
 */
export function holdLease(intervalSeconds: number, beat: () => Promise<boolean>, onLost: () => void): Lease {
  let released = false;
  let beating = false;
  const timer = setInterval(async () => {
    if (beating) return;
    beating = true;
    try {
      if (!(await beat()) && !released) {
        release();
        onLost();
      }
    } catch {
      // retried on the next tick
    } finally {
      beating = false;
    }
  }, intervalSeconds * 1000);
  function release() {
    released = true;
    clearInterval(timer);
  }
  return { release };
}
