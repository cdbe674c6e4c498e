/**
 * `GET /metrics` in Prometheus text format (prom-client). Every value is read from the store or
 * the slots when scraped, so the numbers are the store's, also for work done by remote workers.
 */
import { Hono } from "hono";
import { Gauge, Registry } from "prom-client";
import type { Engine } from "../engine.js";
import { dashboard, rebuildsByStatus } from "../store/queries/dashboard.js";
import { listSyncSchedule } from "../store/queries/sync-schedule.js";
import { fromDbTime, nowDb } from "../store/time.js";
import type { ApiDeps, ApiEnv } from "./env.js";

function engineRegistry(engine: Engine): Registry {
  const registry = new Registry();
  const { db } = engine;
  new Gauge({
    name: "rebuilder_queue_jobs",
    help: "Jobs on the queue: running (held by a worker), available (due now), pending (waiting for a retry time)",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const { jobs } = dashboard(db, {}, nowDb());
      for (const [state, n] of Object.entries(jobs)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: "rebuilder_packages",
    help: "Packages still in their index, by the verdict of their latest rebuild (unknown: not rebuilt yet)",
    labelNames: ["verdict"],
    registers: [registry],
    collect() {
      const { rebuilds } = dashboard(db, {}, nowDb());
      for (const [verdict, n] of Object.entries(rebuilds)) this.set({ verdict }, n);
    },
  });
  new Gauge({
    name: "rebuilder_rebuilds",
    help: "Rebuild attempts recorded in the store, by verdict",
    labelNames: ["verdict"],
    registers: [registry],
    collect() {
      this.reset();
      for (const verdict of ["GOOD", "BAD", "FAIL", "UNKWN"]) this.set({ verdict }, 0);
      for (const r of rebuildsByStatus(db)) this.set({ verdict: r.status }, r.n);
    },
  });
  new Gauge({
    name: "rebuilder_slots",
    help: "Local worker slots by state",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const counts: Record<string, number> = { idle: 0, busy: 0, paused: 0, stopped: 0 };
      for (const s of engine.slots.info()) counts[s.state] = (counts[s.state] ?? 0) + 1;
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: "rebuilder_sync_age_seconds",
    help: "Seconds since the last successful periodic sync of each profile",
    labelNames: ["profile"],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of listSyncSchedule(db)) {
        if (p.last_success) this.set({ profile: p.profile }, (Date.now() - fromDbTime(p.last_success).getTime()) / 1000);
      }
    },
  });
  new Gauge({
    name: "rebuilder_sync_failing",
    help: "1 when the last periodic sync of the profile failed",
    labelNames: ["profile"],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of listSyncSchedule(db)) this.set({ profile: p.profile }, p.last_error ? 1 : 0);
    },
  });
  return registry;
}

export function metricsRoutes({ engine }: ApiDeps): Hono<ApiEnv> {
  const registry = engineRegistry(engine);
  const app = new Hono<ApiEnv>();
  app.get("/metrics", async (c) => c.body(await registry.metrics(), 200, { "Content-Type": registry.contentType }));
  return app;
}
