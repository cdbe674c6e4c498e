/** `/api/v1/dashboard` (reference §3.6): public, not cached. */
import { Hono } from "hono";
import { dashboard } from "../../store/queries/dashboard.js";
import { nowDb } from "../../store/time.js";
import type { ApiDeps, ApiEnv } from "../env.js";
import { originQuery } from "../validate.js";

export function dashboardRoutes({ engine }: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get("/dashboard", (c) => c.json(dashboard(engine.db, originQuery(c), nowDb())));
  return app;
}
