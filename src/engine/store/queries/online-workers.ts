/** The v0 worker list (reference §4.3): workers silent for longer than the ping deadline are marked offline first. */
import type { Database } from "../sqlite.js";
import { toWireTime } from "../time.js";

/**
 * Both spellings of the address: `addr` for clients up to v0.25, `address` (and `name`) for
 * later ones; each ignores the fields it does not know.
 */
export interface V0Worker {
  id: number;
  name: string;
  key: string;
  addr: string;
  address: string;
  status: string | null;
  last_ping: string;
  online: boolean;
}

/** `staleBefore` is a store timestamp: workers whose last ping is older go offline (and lose their status). */
export function onlineWorkers(db: Database, staleBefore: string): V0Worker[] {
  return db.transaction(() => {
    db.prepare("UPDATE workers SET online = 0, status = NULL WHERE online = 1 AND last_ping < ?").run(staleBefore);
    return db
      .prepare<{ id: number; name: string; key: string; address: string; status: string | null; last_ping: string }>(
        "SELECT id, name, key, address, status, last_ping FROM workers WHERE online = 1 ORDER BY id",
      )
      .all()
      .map((w) => ({ id: w.id, name: w.name, key: w.key, addr: w.address, address: w.address, status: w.status, last_ping: toWireTime(w.last_ping)!, online: true }));
  });
}
