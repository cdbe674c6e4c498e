/** `/api/v0/queue`: the listing, operator push and drop, and the legacy worker's pop (reference §4.3). */
import { Hono } from "hono";
import { announcePushed } from "../../queue-events.js";
import { claimJob, dropQueue, reclaimExpired, requeueBuildInputs } from "../../scheduler/index.js";
import { buildInputsOfReleases } from "../../store/queries/pkg-releases.js";
import { listQueueItems } from "../../store/queries/queue-items.js";
import { toDbTime, toWireTime } from "../../store/time.js";
import { requireAdmin } from "../auth.js";
import { readJsonBody } from "../body.js";
import type { ApiDeps, ApiEnv } from "../env.js";
import { badRequest } from "../http-error.js";
import { asObject, optString, reqInt, reqString, stringArray } from "../validate.js";
import { releaseFilter } from "./pkgs.js";
import { requireV0Worker } from "./worker-auth.js";

export function queueRoutes({ engine, auth }: ApiDeps): Hono<ApiEnv> {
  const { db, config, events } = engine;
  const app = new Hono<ApiEnv>();
  const limit = config.http.post_body_size_limit;

  app.post("/queue/list", async (c) => {
    const o = asObject(await readJsonBody(c, limit), "ListQueue");
    const max = o.limit;
    if (max !== undefined && max !== null && (typeof max !== "number" || !Number.isSafeInteger(max) || max < 0)) throw badRequest('ListQueue: field "limit" must be a non-negative integer or null\n');
    const now = new Date();
    reclaimExpired(db, config.schedule, now);
    return c.json({ now: toWireTime(toDbTime(now)), queue: listQueueItems(db, { limit: max ?? null }) });
  });

  app.post("/queue/push", requireAdmin(auth), async (c) => {
    const what = "PushQueue";
    const o = asObject(await readJsonBody(c, limit), what);
    for (const key of ["name", "distro", "suite"]) reqString(o, key, what);
    const priority = reqInt(o, "priority", what);
    announcePushed(engine, requeueBuildInputs(db, buildInputsOfReleases(db, releaseFilter(o, what)), priority, new Date()));
    return c.json(null);
  });

  app.post("/queue/drop", requireAdmin(auth), async (c) => {
    const what = "DropQueueItem";
    const o = asObject(await readJsonBody(c, limit), what);
    // v0's pkgbase name and version are the source package's; its suite is a component of its binaries.
    const version = optString(o, "version", what);
    const architecture = optString(o, "architecture", what);
    dropQueue(db, {
      name: reqString(o, "name", what),
      distribution: reqString(o, "distro", what),
      component: reqString(o, "suite", what),
      ...(typeof version === "string" ? { version } : {}),
      ...(typeof architecture === "string" ? { architecture } : {}),
    });
    return c.json(null);
  });

  app.post("/queue/pop", requireV0Worker(auth, db), async (c) => {
    const backends = stringArray(asObject(await readJsonBody(c, limit), "WorkQuery"), "supported_backends", "WorkQuery");
    // v0 workers name no architecture: every job of their backends is theirs.
    const claimed = claimJob(db, c.get("workerId"), { backends, architectures: ["*"] }, config.schedule, new Date());
    if (!claimed) return c.json("Nothing");
    events.publish({ type: "job.started", queueId: claimed.queueId, slot: c.get("workerName"), name: claimed.name, version: claimed.version, architecture: claimed.architecture, backend: claimed.backend });
    return c.json({ Rebuild: listQueueItems(db, { id: claimed.queueId })[0]! });
  });

  return app;
}
