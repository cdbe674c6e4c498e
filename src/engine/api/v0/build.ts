/**
 * `/api/v0/build` and `/api/v0/builds`: the legacy worker's ping and report (string logs,
 * `[PkgArtifact, Rebuild]` pairs with `Good`/`Bad`/`Fail`), and each build's log, diffoscope
 * report and attestation by rebuild id (reference §4.2–4.4).
 */
import { Hono } from "hono";
import { heartbeat, recordRebuild, type ArtifactStatus, type RebuildOutcome } from "../../scheduler/index.js";
import { buildLogBlob, diffoscopeBlob, firstArtifactWith } from "../../store/queries/evidence.js";
import { listQueueItems } from "../../store/queries/queue-items.js";
import { sendAttestation } from "../attestation.js";
import { sendBlob, TEXT } from "../blob.js";
import { readJsonBody } from "../body.js";
import type { ApiDeps, ApiEnv } from "../env.js";
import { badRequest, HttpError } from "../http-error.js";
import { asObject, oneOf, optString, pathId, reqArray, reqInt, reqString } from "../validate.js";
import { requireV0Worker } from "./worker-auth.js";

const WHAT = "BuildReport";
const v0NotFound = () => new HttpError(404, "Not found\n");
const encoder = new TextEncoder();
const bytes = (text: string | null | undefined) => (typeof text === "string" ? encoder.encode(text) : null);

/**
 * A v0 BuildReport as a RebuildOutcome: GOOD when every artifact is Good; FAIL (with no artifact
 * verdicts, as a v1 worker reports it) when any is Fail or none is reported; BAD otherwise.
 */
export function parseV0Report(body: unknown, workerName: string, now: Date): { queueId: number; outcome: RebuildOutcome } {
  const o = asObject(body, WHAT);
  const queueId = reqInt(asObject(o.queue, `${WHAT} queue`), "id", `${WHAT} queue`);
  const pairs = reqArray(o, "rebuilds", WHAT).map((raw, i) => {
    const w = `${WHAT} rebuild ${i}`;
    if (!Array.isArray(raw) || raw.length !== 2) throw badRequest(`${w} must be a [PkgArtifact, Rebuild] pair\n`);
    const artifact = asObject(raw[0], `${w} artifact`);
    const rebuild = asObject(raw[1], `${w} result`);
    return {
      name: reqString(artifact, "name", `${w} artifact`),
      status: oneOf(reqString(rebuild, "status", `${w} result`), ["Good", "Bad", "Fail"] as const, `${w} result status`)!,
      diffoscope: bytes(optString(rebuild, "diffoscope", `${w} result`)),
      attestation: bytes(optString(rebuild, "attestation", `${w} result`)),
    };
  });
  const failed = pairs.length === 0 || pairs.some((p) => p.status === "Fail");
  const status = failed ? "FAIL" : pairs.every((p) => p.status === "Good") ? "GOOD" : "BAD";
  return {
    queueId,
    outcome: {
      status,
      // v0.25 stamped reports with the server's clock.
      builtAt: now,
      buildLog: encoder.encode(reqString(o, "build_log", WHAT)),
      exitCode: null,
      failReason: failed ? (pairs.length === 0 ? "the v0 worker reported no artifacts" : "the v0 worker reported the build as failed") : null,
      workerName,
      artifacts: failed ? [] : pairs.map((p) => ({ name: p.name, status: (p.status === "Good" ? "GOOD" : "BAD") as ArtifactStatus, diffoscope: p.diffoscope, attestation: p.attestation, note: null })),
    },
  };
}

export function buildRoutes({ engine, auth }: ApiDeps): Hono<ApiEnv> {
  const { db, config, events } = engine;
  const app = new Hono<ApiEnv>();
  const limit = config.http.post_body_size_limit;

  app.post("/build/ping", requireV0Worker(auth, db), async (c) => {
    const queueId = reqInt(asObject(await readJsonBody(c, limit), "PingRequest"), "queue_id", "PingRequest");
    if (!heartbeat(db, queueId, c.get("workerId"), new Date())) throw new HttpError(404, `queue item ${queueId} is not assigned to this worker\n`);
    return c.json(null);
  });

  app.post("/build/report", requireV0Worker(auth, db), async (c) => {
    const now = new Date();
    const { queueId, outcome } = parseV0Report(await readJsonBody(c, limit), c.get("workerName"), now);
    const job = listQueueItems(db, { id: queueId })[0];
    if (!job) throw new HttpError(404, `queue item ${queueId} does not exist (dropped, or already reported)\n`);
    const { buildId } = recordRebuild(db, queueId, outcome, config.schedule, now);
    events.publish({ type: "job.finished", queueId, slot: c.get("workerName"), name: job.pkgbase.name, version: job.version, status: outcome.status, buildId });
    return c.json(null);
  });

  app.get("/builds/:id/log", (c) => {
    const blob = buildLogBlob(db, pathId(c));
    if (!blob) throw v0NotFound();
    return sendBlob(c, blob, TEXT);
  });

  app.get("/builds/:id/diffoscope", (c) => {
    const artifact = firstArtifactWith(db, pathId(c), "diffoscope");
    const blob = artifact === null ? null : diffoscopeBlob(db, artifact);
    if (!blob) throw v0NotFound();
    return sendBlob(c, blob, TEXT);
  });

  app.get("/builds/:id/attestation", (c) => {
    const artifact = firstArtifactWith(db, pathId(c), "attestation");
    const sent = artifact === null ? null : sendAttestation(c, engine, artifact);
    if (!sent) throw v0NotFound();
    return sent;
  });

  return app;
}
