/**
 * Nudges for Bun's collector, which is lazy: a sync makes garbage much faster than Bun collects
 * it by itself, and the peak memory of the process is what a user sees. Node collects on its
 * own; there these do nothing.
 */
const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;

/** A full collection, between the phases of a sync. */
export function collectGarbage(): void {
  bun?.gc(true);
}

const ROWS_PER_NUDGE = 8192;

/** For a loop that writes rows through statement calls (each call leaves a little garbage): a quick collection every few thousand rows. */
export class RowGarbage {
  private rows = 0;

  wrote(rows = 1): void {
    this.rows += rows;
    if (this.rows < ROWS_PER_NUDGE) return;
    this.rows = 0;
    bun?.gc(false);
  }
}
