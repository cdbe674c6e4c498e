/** Workers as the v1 API shows them (reference §3.4), and the look-ups worker authentication needs. */
import type { Database } from "../sqlite.js";
import { toWireTime } from "../time.js";
import { paginate, type Page } from "./pagination.js";

export interface WorkerRecord {
  id: number;
  name: string;
  address: string;
  status: string | null;
  last_ping: string;
  is_online: boolean;
}

const COLUMNS = ["id", "name", "address", "status", "last_ping", "is_online"] as const;
const SQL = "SELECT id, name, address, status, last_ping, online AS is_online FROM workers";

const toRecord = (r: WorkerRecord & { is_online: number | boolean }): WorkerRecord => ({ ...r, last_ping: toWireTime(r.last_ping)!, is_online: Boolean(r.is_online) });

export function listWorkers(db: Database, page: Page): { total: number; records: WorkerRecord[] } {
  const { total, records } = paginate<WorkerRecord>(db, { sql: SQL, params: [], columns: COLUMNS }, page);
  return { total, records: records.map(toRecord) };
}

export function getWorker(db: Database, id: number): WorkerRecord | null {
  const row = db.prepare<WorkerRecord>(`${SQL} WHERE id = ?`).get(id);
  return row ? toRecord(row) : null;
}

export function deleteWorker(db: Database, id: number): boolean {
  return db.prepare("DELETE FROM workers WHERE id = ?").run(id).changes > 0;
}

export function findWorkerByKey(db: Database, key: string): { id: number; name: string } | null {
  return db.prepare<{ id: number; name: string }>("SELECT id, name FROM workers WHERE key = ?").get(key) ?? null;
}

/** A worker proved itself: it is online as of `at`. */
export function touchWorker(db: Database, id: number, at: string): void {
  db.prepare("UPDATE workers SET last_ping = ?, online = 1 WHERE id = ?").run(at, id);
}
