/** `/api/v1`: one module per resource, as rebuilderd's api/v1/{build,package,queue,worker,meta,dashboard}, plus our x-sync and x-events. */
import type { Hono } from "hono";
import type { ApiDeps, ApiEnv } from "../env.js";
import { eventRoutes } from "../events.js";
import { buildRoutes } from "./build.js";
import { dashboardRoutes } from "./dashboard.js";
import { metaRoutes } from "./meta.js";
import { packageRoutes } from "./package.js";
import { queueRoutes } from "./queue.js";
import { syncRoutes } from "./sync.js";
import { workerRoutes } from "./worker.js";

export function mountV1(app: Hono<ApiEnv>, deps: ApiDeps): void {
  for (const routes of [buildRoutes, packageRoutes, queueRoutes, workerRoutes, metaRoutes, dashboardRoutes, syncRoutes, eventRoutes]) {
    app.route("/api/v1", routes(deps));
  }
}
