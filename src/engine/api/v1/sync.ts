/**
 * `/api/v1/x-sync` (ours; the `x-` prefix keeps it apart from rebuilderd's routes): the periodic
 * sync's settings and each profile's last run, next run, last error and last summary. Public and
 * read-only, like v1's other reads.
 */
import { Hono } from "hono";
import { listSyncSchedule } from "../../store/queries/sync-schedule.js";
import type { ApiDeps, ApiEnv } from "../env.js";

export function syncRoutes({ engine }: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get("/x-sync", (c) => {
    const settings = engine.sync.settings;
    return c.json({
      enabled: settings !== undefined,
      interval: settings?.interval ?? null,
      config: settings ? engine.sync.syncConfigPath : null,
      profiles: listSyncSchedule(engine.db),
    });
  });
  return app;
}
