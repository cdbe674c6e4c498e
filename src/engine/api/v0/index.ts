/**
 * `/api/v0`: rebuilderd v0.25's read/write surface (reference §4), backed by the same store and
 * queries as v1, one module per resource. Mutations answer 200 with the JSON `null` legacy
 * clients decode; refused callers get an empty 403 as on v1.
 */
import type { Hono } from "hono";
import type { ApiDeps, ApiEnv } from "../env.js";
import { buildRoutes } from "./build.js";
import { dashboardRoutes } from "./dashboard.js";
import { metaRoutes } from "./meta.js";
import { pkgsRoutes } from "./pkgs.js";
import { queueRoutes } from "./queue.js";
import { workerRoutes } from "./worker.js";

export function mountV0(app: Hono<ApiEnv>, deps: ApiDeps): void {
  for (const routes of [pkgsRoutes, queueRoutes, buildRoutes, dashboardRoutes, workerRoutes, metaRoutes]) {
    app.route("/api/v0", routes(deps));
  }
}
