/** `/api/v1/queue`: listing, operator requests, and the worker's pop and ping (reference §3.3). */
import { Hono } from "hono";
import { announcePushed } from "../../queue-events.js";
import { claimJob, dropQueue, dropQueueItem, heartbeat, pushBuildInputs, type QueueMatch } from "../../scheduler/index.js";
import { listQueue } from "../../store/queries/queue.js";
import { requireAdmin, requireWorker } from "../auth.js";
import { readJsonBody } from "../body.js";
import type { ApiDeps, ApiEnv } from "../env.js";
import { notFound } from "../http-error.js";
import { asObject, oneOf, optInt, optString, originQuery, pageQuery, pathId, stringArray } from "../validate.js";

/** QueueJobRequest: every field optional, `{}` means everything; null means "no filter", as Rust's None. */
function parseQueueRequest(body: unknown): { match: QueueMatch; priority: number } {
  const what = "QueueJobRequest";
  const o = asObject(body, what);
  const match: QueueMatch = {};
  for (const key of ["distribution", "release", "component", "name", "version", "architecture"] as const) {
    const v = optString(o, key, what);
    if (typeof v === "string") match[key] = v;
  }
  const status = oneOf(optString(o, "status", what), ["GOOD", "BAD", "FAIL", "UNKWN"] as const, `${what} status`);
  if (status) match.status = status;
  return { match, priority: optInt(o, "priority", what) ?? 0 };
}

export function queueRoutes({ engine, auth }: ApiDeps): Hono<ApiEnv> {
  const { db, config, events } = engine;
  const app = new Hono<ApiEnv>();
  const limit = config.http.post_body_size_limit;

  app.get("/queue", (c) => c.json(listQueue(db, originQuery(c), pageQuery(c))));

  app.post("/queue", requireAdmin(auth), async (c) => {
    const { match, priority } = parseQueueRequest(await readJsonBody(c, limit));
    announcePushed(engine, pushBuildInputs(db, match, priority, new Date()));
    return c.body(null, 204);
  });

  app.delete("/queue", requireAdmin(auth), (c) => {
    dropQueue(db, originQuery(c));
    return c.body(null, 204);
  });

  app.post("/queue/pop", requireWorker(auth, db), async (c) => {
    const what = "PopQueuedJobRequest";
    const o = asObject(await readJsonBody(c, limit), what);
    const backends = stringArray(o, "supported_backends", what);
    const architectures = stringArray(o, "supported_architectures", what);
    const claimed = claimJob(db, c.get("workerId"), { backends, architectures }, config.schedule, new Date());
    if (!claimed) return c.json("Nothing");
    // The job as it was before this pop marked it (reference §3.3): started_at is null.
    const job = { ...listQueue(db, { id: claimed.queueId }, {}).records[0]!, started_at: null };
    events.publish({ type: "job.started", queueId: claimed.queueId, slot: c.get("workerName"), name: claimed.name, version: claimed.version, architecture: claimed.architecture, backend: claimed.backend });
    const artifacts = claimed.artifacts.map(({ name, version, architecture, url }) => ({ name, version, architecture, url }));
    return c.json({ Rebuild: { job, artifacts } });
  });

  // The evident intent (a queue id), not rebuilderd's quirk of looking up a source package id; no client uses it.
  app.get("/queue/:id", (c) => {
    const job = listQueue(db, { id: pathId(c) }, {}).records[0];
    if (!job) throw notFound();
    return c.json(job);
  });

  app.delete("/queue/:id", requireAdmin(auth), (c) => {
    if (!dropQueueItem(db, pathId(c))) throw notFound();
    return c.body(null, 204);
  });

  app.post("/queue/:id/ping", requireWorker(auth, db), (c) => {
    if (!heartbeat(db, pathId(c), c.get("workerId"), new Date())) throw notFound();
    return c.body(null, 204);
  });

  return app;
}
