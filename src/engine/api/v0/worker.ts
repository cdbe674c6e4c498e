/** `GET /api/v0/workers` (admin): the online workers, after marking silent ones offline (reference §4.3). */
import { Hono } from "hono";
import { onlineWorkers } from "../../store/queries/online-workers.js";
import { addSeconds, toDbTime } from "../../store/time.js";
import { requireAdmin } from "../auth.js";
import type { ApiDeps, ApiEnv } from "../env.js";

export function workerRoutes({ engine, auth }: ApiDeps): Hono<ApiEnv> {
  const { db, config } = engine;
  const app = new Hono<ApiEnv>();
  app.get("/workers", requireAdmin(auth), (c) => c.json(onlineWorkers(db, toDbTime(addSeconds(new Date(), -config.schedule.ping_deadline)))));
  return app;
}
