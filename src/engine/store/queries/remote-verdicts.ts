/** The cache of remote rebuilders' answers (migration 003): one row per (remote, question). */
import type { Database } from "../sqlite.js";
import { toDbTime, toWireTime } from "../time.js";

export interface CachedAnswer<T> {
  answer: T;
  /** Wire time (UTC, no zone suffix) the answer was fetched. */
  fetched_at: string;
}

type Question = { name: string; version?: string; architecture?: string };

export class RemoteVerdictCache {
  private readonly upsert;
  private readonly select;

  constructor(private readonly db: Database) {
    this.upsert = db.prepare(
      `INSERT INTO remote_verdicts (remote, name, version, architecture, answer, fetched_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (remote, name, version, architecture) DO UPDATE SET answer = excluded.answer, fetched_at = excluded.fetched_at`,
    );
    this.select = db.prepare<{ answer: string; fetched_at: string }>(
      "SELECT answer, fetched_at FROM remote_verdicts WHERE remote = ? AND name = ? AND version = ? AND architecture = ?",
    );
  }

  /** Stores many answers in one transaction. */
  putAll(entries: { remote: string; question: Question; answer: unknown; at: Date }[]): void {
    this.db.transaction(() => {
      for (const e of entries) {
        this.upsert.run(e.remote, e.question.name, e.question.version ?? "", e.question.architecture ?? "", JSON.stringify(e.answer), toDbTime(e.at));
      }
    });
  }

  get<T>(remote: string, q: Question): CachedAnswer<T> | null {
    const row = this.select.get(remote, q.name, q.version ?? "", q.architecture ?? "");
    return row ? { answer: JSON.parse(row.answer) as T, fetched_at: toWireTime(row.fetched_at)! } : null;
  }
}
