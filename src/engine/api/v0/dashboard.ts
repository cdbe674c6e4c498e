/**
 * `GET /api/v0/dashboard` (reference §4.2–4.3), the page the rebuilderd-website front ends
 * render: listed binaries per component by verdict, the running builds and the queue length.
 * Recomputed at most once a second, reclaiming stale jobs when it is, as v0.25.
 */
import { Hono } from "hono";
import { reclaimExpired } from "../../scheduler/index.js";
import { suiteStats, type SuiteStats } from "../../store/queries/pkg-releases.js";
import { listQueueItems, queueLength, type QueueItem } from "../../store/queries/queue-items.js";
import { toDbTime, toWireTime } from "../../store/time.js";
import type { ApiDeps, ApiEnv } from "../env.js";

interface DashboardResponse {
  suites: Record<string, SuiteStats>;
  active_builds: QueueItem[];
  queue_length: number;
  now: string;
}

const CACHE_MS = 1000;

export function dashboardRoutes({ engine }: ApiDeps): Hono<ApiEnv> {
  const { db, config } = engine;
  const app = new Hono<ApiEnv>();
  let cached: { at: number; body: DashboardResponse } | null = null;

  app.get("/dashboard", (c) => {
    const now = new Date();
    if (!cached || now.getTime() - cached.at >= CACHE_MS) {
      reclaimExpired(db, config.schedule, now);
      cached = {
        at: now.getTime(),
        body: { suites: suiteStats(db), active_builds: listQueueItems(db, { running: true }), queue_length: queueLength(db), now: toWireTime(toDbTime(now))! },
      };
    }
    return c.json(cached.body);
  });

  return app;
}
