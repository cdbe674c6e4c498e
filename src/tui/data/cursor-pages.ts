/**
 * Offset windows over a listing that pages by cursor (rebuilderd's `after`/`before` id
 * cursors have no offset): pages are fetched in order up to the window asked for and kept
 * until `invalidate()`, so scrolling re-reads nothing and only a jump far ahead costs requests.
 */
import type { Window } from "./source.js";

export class CursorPages<T> {
  private pages: T[][] = [];
  private total = 0;
  private complete = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    /** The page after `last` (the first page when undefined). */
    private readonly fetchPage: (last: T | undefined, limit: number) => Promise<Window<T>>,
    private readonly pageSize = 500,
  ) {}

  window(offset: number, limit: number): Promise<Window<T>> {
    // One reader at a time, so two windows never fetch the same page twice.
    const run = this.queue.then(() => this.read(offset, limit));
    this.queue = run.catch(() => {});
    return run;
  }

  invalidate(): void {
    this.pages = [];
    this.complete = false;
  }

  private async read(offset: number, limit: number): Promise<Window<T>> {
    while (!this.complete && this.pages.length * this.pageSize < offset + limit) {
      const page = await this.fetchPage(this.pages.at(-1)?.at(-1), this.pageSize);
      this.total = page.total;
      if (page.records.length > 0) this.pages.push(page.records);
      if (page.records.length < this.pageSize) this.complete = true;
    }
    const records: T[] = [];
    for (let i = Math.floor(offset / this.pageSize); i < this.pages.length && records.length < limit; i++) {
      const start = i === Math.floor(offset / this.pageSize) ? offset % this.pageSize : 0;
      records.push(...this.pages[i]!.slice(start, start + limit - records.length));
    }
    return { total: this.total, records };
  }
}
