/**
 * `/api/v0/pkgs` and `/api/v0/pkg`: the package list the rebuilderd-website front ends render
 * (with Last-Modified / If-Modified-Since), the legacy sync submission (`SuiteImport`) and
 * requeue (reference §4.2–4.3).
 */
import { createHash } from "node:crypto";
import { Hono } from "hono";
import { importReports } from "../../../sync/import.js";
import type { PackageReport, SourceGroupReport } from "../../../sync/report.js";
import { announceImported, announcePushed } from "../../queue-events.js";
import { requeueBuildInputs } from "../../scheduler/index.js";
import { buildInputsOfReleases, listPkgReleases, type PkgReleaseFilter, type V0Status } from "../../store/queries/pkg-releases.js";
import { fromDbTime } from "../../store/time.js";
import { requireAdmin } from "../auth.js";
import { readJsonBody } from "../body.js";
import type { ApiDeps, ApiEnv } from "../env.js";
import { badRequest } from "../http-error.js";
import { asObject, oneOf, optString, reqArray, reqInt, reqString, type JsonObject } from "../validate.js";

const V0_STATUSES = ["GOOD", "BAD", "UNKWN"] as const satisfies readonly V0Status[];

function reqBool(o: JsonObject, key: string, what: string): boolean {
  if (typeof o[key] !== "boolean") throw badRequest(`${what}: field "${key}" must be true or false${o[key] === undefined ? " (it is missing)" : ""}\n`);
  return o[key] as boolean;
}

/** One `PackageReport` per architecture of a `SuiteImport`; v0's suite is the component of every binary. */
export function suiteImportReports(body: unknown): { distro: string; suite: string; reports: PackageReport[] } {
  const what = "SuiteImport";
  const o = asObject(body, what);
  const distro = reqString(o, "distro", what);
  const suite = reqString(o, "suite", what);
  const byArchitecture = new Map<string, SourceGroupReport[]>();
  reqArray(o, "groups", what).forEach((raw, i) => {
    const w = `${what} group ${i}`;
    const g = asObject(raw, w);
    const architecture = reqString(g, "architecture", w);
    const artifacts = reqArray(g, "artifacts", w).map((rawArtifact, j) => {
      const wa = `${w} artifact ${j}`;
      const a = asObject(rawArtifact, wa);
      return { name: reqString(a, "name", wa), version: reqString(a, "version", wa), component: suite, architecture, url: reqString(a, "url", wa) };
    });
    // Without an input_url the legacy worker built from the alphabetically first artifact.
    const url = optString(g, "input_url", w) ?? [...artifacts].sort((a, b) => (a.name < b.name ? -1 : 1))[0]?.url;
    if (url === undefined) throw badRequest(`${w}: has neither an input_url nor artifacts\n`);
    const groups = byArchitecture.get(architecture) ?? [];
    groups.push({ name: reqString(g, "name", w), version: reqString(g, "version", w), url, artifacts });
    byArchitecture.set(architecture, groups);
  });
  return { distro, suite, reports: [...byArchitecture].map(([architecture, packages]) => ({ distribution: distro, release: null, architecture, packages })) };
}

/** PushQueue and RequeueQuery select binaries by these fields (`version` is ignored, as v0.25). */
export function releaseFilter(o: JsonObject, what: string): PkgReleaseFilter {
  const filter: PkgReleaseFilter = {};
  for (const [field, key] of [["name", "name"], ["distro", "distro"], ["suite", "suite"], ["architecture", "architecture"]] as const) {
    const v = optString(o, field, what);
    if (typeof v === "string") filter[key] = v;
  }
  return filter;
}

export function pkgsRoutes({ engine, auth }: ApiDeps): Hono<ApiEnv> {
  const { db, config, events } = engine;
  const app = new Hono<ApiEnv>();
  const limit = config.http.post_body_size_limit;

  app.get("/pkgs/list", (c) => {
    const filter: PkgReleaseFilter = {};
    for (const key of ["name", "distro", "suite", "architecture"] as const) {
      const v = c.req.query(key);
      if (v !== undefined) filter[key] = v;
    }
    const status = oneOf(c.req.query("status"), V0_STATUSES, "query parameter status");
    if (status) filter.status = status;
    const { records, lastModified } = listPkgReleases(engine.reads, filter);
    if (lastModified === null) return c.json(records);
    const modified = fromDbTime(lastModified);
    const since = Date.parse(c.req.header("if-modified-since") ?? "");
    // Whole seconds, as HTTP dates have no fraction.
    if (!Number.isNaN(since) && Math.floor(since / 1000) >= Math.floor(modified.getTime() / 1000)) return c.body(null, 304);
    c.header("Last-Modified", modified.toUTCString());
    return c.json(records);
  });

  app.post("/pkgs/sync", requireAdmin(auth), async (c) => {
    const { distro, suite, reports } = suiteImportReports(await readJsonBody(c, limit));
    const scoped = reports.map((report) => ({
      report,
      // One scope per (distro, suite, architecture): a later import replaces what this one listed.
      scope: `v0\u0000${distro}\u0000${suite}\u0000${report.architecture}`,
      digest: createHash("sha256").update(JSON.stringify(report)).digest("hex"),
    }));
    const counts = importReports(db, scoped, config.schedule, new Date());
    const profile = `api-v0:${distro}/${suite}`;
    events.publish({ type: "sync.finished", profile, summary: { ...counts } });
    announceImported(engine, "import", profile, counts.queued);
    return c.json("Nothing");
  });

  app.post("/pkg/requeue", requireAdmin(auth), async (c) => {
    const what = "RequeueQuery";
    const o = asObject(await readJsonBody(c, limit), what);
    const priority = reqInt(o, "priority", what);
    if (reqBool(o, "reset", what)) {
      throw badRequest(`${what}: reset is not supported: this server keeps every result, and a package shows its new verdict once the requeued rebuild reports; requeue without reset\n`);
    }
    const filter = releaseFilter(o, what);
    const status = oneOf(optString(o, "status", what), V0_STATUSES, `${what} status`);
    if (status) filter.status = status;
    announcePushed(engine, requeueBuildInputs(db, buildInputsOfReleases(db, filter), priority, new Date()));
    return c.json(null);
  });

  return app;
}
