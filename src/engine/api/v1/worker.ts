/** `/api/v1/workers`: the public list, registration under the signup rules, removal by a worker (reference §3.4). */
import { isIP } from "node:net";
import { Hono } from "hono";
import { registerWorker } from "../../scheduler/index.js";
import { deleteWorker, getWorker, listWorkers } from "../../store/queries/workers.js";
import { requireWorker } from "../auth.js";
import { readJsonBody } from "../body.js";
import type { ApiDeps, ApiEnv } from "../env.js";
import { badRequest, forbidden, notFound } from "../http-error.js";
import { asObject, pageQuery, pathId, reqString } from "../validate.js";

export function workerRoutes({ engine, auth }: ApiDeps): Hono<ApiEnv> {
  const { db, config } = engine;
  const app = new Hono<ApiEnv>();

  app.get("/workers", (c) => c.json(listWorkers(db, pageQuery(c))));

  app.post("/workers", async (c) => {
    const key = auth.mayRegister(c);
    if (!key) throw forbidden();
    const name = reqString(asObject(await readJsonBody(c, config.http.post_body_size_limit), "RegisterWorkerRequest"), "name", "RegisterWorkerRequest");
    let address = c.env.peer;
    const header = config.http.real_ip_header;
    if (header) {
      const value = c.req.header(header)?.trim() ?? "";
      if (!isIP(value)) throw badRequest(`header ${header} ([http] real_ip_header) must carry the worker's IP address, got ${JSON.stringify(value)}\n`);
      address = value;
    }
    registerWorker(db, { name, key, address }, new Date());
    return c.body(null, 204);
  });

  app.get("/workers/:id", (c) => {
    const worker = getWorker(db, pathId(c));
    if (!worker) throw notFound();
    return c.json(worker);
  });

  // Any registered worker may remove any worker, as in rebuilderd.
  app.delete("/workers/:id", requireWorker(auth, db), (c) => {
    if (!deleteWorker(db, pathId(c))) throw notFound();
    return c.body(null, 204);
  });

  return app;
}
