/**
 * v0's worker check: the rule this server applies to registration (ApiAuth.mayRegister), which
 * is v0.25's (reference §2.5: a key within the allow-list, plus the signup secret or else the
 * admin cookie) except that a key on a configured allow-list needs nothing more. There was no
 * registration call in v0: a worker that passes is registered on first contact and refreshed
 * afterwards, keeping its status.
 */
import type { MiddlewareHandler } from "hono";
import { registerWorker } from "../../scheduler/index.js";
import type { Database } from "../../store/index.js";
import { findWorkerByKey, touchWorker } from "../../store/queries/workers.js";
import { toDbTime } from "../../store/time.js";
import type { ApiAuth } from "../auth.js";
import type { ApiEnv } from "../env.js";
import { forbidden } from "../http-error.js";

export function requireV0Worker(auth: ApiAuth, db: Database): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const key = auth.mayRegister(c);
    if (!key) throw forbidden();
    const now = new Date();
    const known = findWorkerByKey(db, key);
    if (known) {
      touchWorker(db, known.id, toDbTime(now));
      c.set("workerId", known.id);
      c.set("workerName", known.name);
    } else {
      // v0 workers have no name; the start of the key tells them apart.
      const name = `v0 worker ${key.slice(0, 8)}`;
      c.set("workerId", registerWorker(db, { name, key, address: c.env.peer }, now));
      c.set("workerName", name);
    }
    await next();
  };
}
