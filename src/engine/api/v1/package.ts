/** `/api/v1/packages`: index submissions ("sync") and the source and binary listings (reference §3.2). */
import { createHash } from "node:crypto";
import { Hono } from "hono";
import { getBinaryPackage, listBinaryPackages, listSourcePackages, type BinaryPackageFilter } from "../../store/queries/packages.js";
import { importReports } from "../../../sync/import.js";
import { announceImported } from "../../queue-events.js";
import type { PackageReport } from "../../../sync/report.js";
import { requireAdmin } from "../auth.js";
import { readJsonBody } from "../body.js";
import type { ApiDeps, ApiEnv } from "../env.js";
import { notFound } from "../http-error.js";
import { jsonResponse } from "../responses.js";
import { asObject, oneOf, optString, originQuery, pageQuery, parseId, pathId, queryBool, reqArray, reqString } from "../validate.js";
import type { Engine } from "../../engine.js";

/** A PackageReport (v0.27 shape; a v0.26 report-level `component` is ignored, as rebuilderd does). */
export function parsePackageReport(body: unknown): PackageReport {
  const what = "PackageReport";
  const o = asObject(body, what);
  return {
    distribution: reqString(o, "distribution", what),
    release: optString(o, "release", what) ?? null,
    architecture: reqString(o, "architecture", what),
    packages: reqArray(o, "packages", what).map((raw, i) => {
      const w = `${what} package ${i}`;
      const p = asObject(raw, w);
      return {
        name: reqString(p, "name", w),
        version: reqString(p, "version", w),
        url: reqString(p, "url", w),
        artifacts: reqArray(p, "artifacts", w).map((rawArtifact, j) => {
          const wa = `${w} artifact ${j}`;
          const a = asObject(rawArtifact, wa);
          return {
            name: reqString(a, "name", wa),
            version: reqString(a, "version", wa),
            component: optString(a, "component", wa) ?? null,
            architecture: reqString(a, "architecture", wa),
            url: reqString(a, "url", wa),
          };
        }),
      };
    }),
  };
}

/**
 * `GET /api/v1/packages/binary/{id}`, the API's most frequent request: served by the app's route and,
 * under Bun, by the runtime's own router ahead of the app (app.ts directRoutes).
 */
export function binaryPackageById(engine: Engine, id: string): Response {
  const record = getBinaryPackage(engine.reads, parseId(id));
  if (!record) throw notFound();
  return jsonResponse(record);
}

/** The listings and records read through `engine.reads` (one snapshot per event-loop turn); the import writes through `engine.db`. */
export function packageRoutes({ engine, auth }: ApiDeps): Hono<ApiEnv> {
  const { db, config, events } = engine;
  const app = new Hono<ApiEnv>();

  app.post("/packages", requireAdmin(auth), async (c) => {
    const report = parsePackageReport(await readJsonBody(c, config.http.post_body_size_limit));
    // One report is one (distribution, release, architecture) scope, as in rebuilderd.
    const scope = `api\u0000${report.distribution}\u0000${report.release ?? ""}\u0000${report.architecture}`;
    const digest = createHash("sha256").update(JSON.stringify(report)).digest("hex");
    const counts = importReports(db, [{ report, scope, digest }], config.schedule, new Date());
    const profile = `api:${report.distribution}/${report.release ?? "-"}/${report.architecture}`;
    events.publish({ type: "sync.finished", profile, summary: { ...counts } });
    announceImported(engine, "import", profile, counts.queued);
    return c.body(null, 204);
  });

  app.get("/packages/source", (c) => {
    const seen = queryBool(c, "seen_only");
    return c.json(listSourcePackages(engine.reads, { ...originQuery(c), ...(seen === undefined ? {} : { seen_only: seen }) }, pageQuery(c)));
  });

  app.get("/packages/source/:id", (c) => {
    const record = listSourcePackages(engine.reads, { id: pathId(c) }, { limit: 1 }).records[0];
    if (!record) throw notFound();
    return c.json(record);
  });

  app.get("/packages/binary", (c) => {
    const filter: BinaryPackageFilter = originQuery(c);
    const seen = queryBool(c, "seen_only");
    if (seen !== undefined) filter.seen_only = seen;
    const sourceName = c.req.query("source_name");
    if (sourceName !== undefined) filter.source_name = sourceName;
    const status = oneOf(c.req.query("status"), ["GOOD", "BAD", "UNKWN"] as const, "query parameter status");
    if (status) filter.status = status;
    return c.json(listBinaryPackages(engine.reads, filter, pageQuery(c)));
  });

  app.get("/packages/binary/:id", (c) => binaryPackageById(engine, c.req.param("id")));

  return app;
}
