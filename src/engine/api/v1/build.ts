/** `/api/v1/builds`: rebuild attempts, their evidence, and the worker's report (reference §3.1). */
import { Hono, type Context } from "hono";
import { recordRebuild, type RebuildOutcome } from "../../scheduler/index.js";
import { getRebuild, getRebuildArtifact, listRebuildArtifacts, listRebuilds } from "../../store/queries/builds.js";
import { listQueue } from "../../store/queries/queue.js";
import { buildLogBlob, diffoscopeBlob } from "../../store/queries/evidence.js";
import { parseWireTime } from "../../store/time.js";
import { sendAttestation } from "../attestation.js";
import { requireWorker } from "../auth.js";
import { sendBlob, TEXT } from "../blob.js";
import { readJsonBody } from "../body.js";
import type { ApiDeps, ApiEnv } from "../env.js";
import { badRequest, HttpError, notFound } from "../http-error.js";
import { asObject, oneOf, optBytes, originQuery, pageQuery, pathId, reqArray, reqInt, reqString } from "../validate.js";

const WHAT = "RebuildReport";

/** A v1 RebuildReport as the worker sends it: byte arrays of zstd data, a zone-less built_at. */
export function parseRebuildReport(body: unknown, workerName: string): { queueId: number; outcome: RebuildOutcome } {
  const o = asObject(body, WHAT);
  const builtAtText = reqString(o, "built_at", WHAT);
  const builtAt = parseWireTime(builtAtText);
  if (!builtAt) throw badRequest(`${WHAT}: built_at must be a UTC timestamp without zone such as 2026-05-30T10:04:12.123, got ${JSON.stringify(builtAtText)}\n`);
  const artifacts = reqArray(o, "artifacts", WHAT).map((raw, i) => {
    const a = asObject(raw, `${WHAT} artifact ${i}`);
    const what = `${WHAT} artifact ${i}`;
    return {
      name: reqString(a, "name", what),
      status: oneOf(reqString(a, "status", what), ["GOOD", "BAD", "UNKWN"] as const, `${what} status`)!,
      diffoscope: optBytes(a, "diffoscope", what),
      attestation: optBytes(a, "attestation", what),
      note: null,
    };
  });
  return {
    queueId: reqInt(o, "queue_id", WHAT),
    outcome: {
      status: oneOf(reqString(o, "status", WHAT), ["GOOD", "BAD", "FAIL", "UNKWN"] as const, `${WHAT} status`)!,
      builtAt,
      buildLog: optBytes(o, "build_log", WHAT) ?? new Uint8Array(),
      exitCode: null,
      failReason: null,
      workerName,
      artifacts,
    },
  };
}

export function buildRoutes({ engine, auth }: ApiDeps): Hono<ApiEnv> {
  const { db, config, events } = engine;
  const app = new Hono<ApiEnv>();

  app.get("/builds", (c) => c.json(listRebuilds(db, originQuery(c), pageQuery(c))));

  app.post("/builds", requireWorker(auth, db), async (c) => {
    const { queueId, outcome } = parseRebuildReport(await readJsonBody(c, config.http.post_body_size_limit), c.get("workerName"));
    const job = listQueue(db, { id: queueId }, {}).records[0];
    if (!job) throw new HttpError(404, `queue job ${queueId} does not exist (dropped, or already reported)\n`);
    const { buildId } = recordRebuild(db, queueId, outcome, config.schedule, new Date());
    events.publish({ type: "job.finished", queueId, slot: c.get("workerName"), name: job.name, version: job.version, status: outcome.status, buildId });
    return c.body(null, 204);
  });

  app.get("/builds/:id", (c) => {
    const build = getRebuild(db, pathId(c));
    if (!build) throw notFound();
    return c.json(build);
  });

  app.get("/builds/:id/log", (c) => {
    const blob = buildLogBlob(db, pathId(c));
    if (!blob) throw notFound();
    return sendBlob(c, blob, TEXT);
  });

  app.get("/builds/:id/artifacts", (c) => c.json(listRebuildArtifacts(db, pathId(c))));

  const artifactOf = (c: Context<ApiEnv>) => {
    const artifact = getRebuildArtifact(db, pathId(c), pathId(c, "artifact_id"));
    if (!artifact) throw notFound();
    return artifact;
  };

  app.get("/builds/:id/artifacts/:artifact_id", (c) => c.json(artifactOf(c)));

  app.get("/builds/:id/artifacts/:artifact_id/diffoscope", (c) => {
    const blob = diffoscopeBlob(db, artifactOf(c).id);
    if (!blob) throw notFound();
    return sendBlob(c, blob, TEXT);
  });

  app.get("/builds/:id/artifacts/:artifact_id/attestation", (c) => {
    const sent = sendAttestation(c, engine, artifactOf(c).id);
    if (!sent) throw notFound();
    return sent;
  });

  return app;
}
