/**
 * Drives every operation of rebuilderd's v1 OpenAPI file against a real server and validates each
 * answer against the file's schema, with the reference's corrections (§11.2, listed in
 * openapi-schema.ts) where the file is wrong about the real server.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { zstdCompress } from "../../src/engine/compression.js";
import { call, COOKIE, localReport, startServer, WORKER_KEY, type CallOptions, type TestServer } from "./harness.js";
import { CORRECTIONS, loadCorrectedSpec, validate } from "./openapi-schema.js";

const spec = loadCorrectedSpec();
const exercised = new Set<string>();
let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

/** Calls `method template` with path parameters filled in, checks the status is one the spec lists and validates a JSON body. */
async function op(method: string, template: string, params: Record<string, string | number> = {}, o: CallOptions & { query?: string } = {}) {
  const path = template.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(String(params[k])));
  const r = await call(server, method, `/api/v1${path}${o.query ? `?${o.query}` : ""}`, o);
  exercised.add(`${method} ${template}`);
  const responses = spec.paths[template]![method.toLowerCase()]!.responses;
  expect(Object.keys(responses), `${method} ${path} answered ${r.status}: ${r.text}`).toContain(String(r.status));
  if (r.status === 204) expect(r.body.byteLength).toBe(0);
  const content = responses[String(r.status)]?.content;
  if (r.status === 200 && content?.["application/json"]) {
    expect(r.headers["content-type"]).toMatch(/^application\/json/);
    expect(validate(spec, content["application/json"].schema, r.json()), `${method} ${path}`).toEqual([]);
  }
  if (r.status === 200 && content?.["text/plain"]) expect(r.headers["content-type"]).toBe("text/plain; charset=utf-8");
  return r;
}

it("rejects what rebuildctl would reject: a zone suffix, UNKNOWN, a missing required field, an extra field", () => {
  const job = { id: 1, name: "a", version: "1", distribution: "d", release: null, architecture: "x", backend: "d", url: "u", next_retry: null, priority: 1, queued_at: "2026-05-30T09:00:00.100", started_at: null };
  const queuedJob = { $ref: "#/components/schemas/QueuedJob" };
  expect(validate(spec, queuedJob, job)).toEqual([]);
  expect(validate(spec, queuedJob, { ...job, queued_at: "2026-05-30T09:00:00.100Z" })).toEqual(['$.queued_at: "2026-05-30T09:00:00.100Z" is not a zone-less UTC timestamp']);
  const { priority: _, ...withoutPriority } = job;
  expect(validate(spec, queuedJob, withoutPriority)).toEqual(["$: missing required priority"]);
  expect(validate(spec, queuedJob, { ...job, component: "main" })).toEqual(["$: unexpected property component"]);
  expect(validate(spec, { $ref: "#/components/schemas/BuildStatus" }, "UNKNOWN")).toHaveLength(1);
  expect(CORRECTIONS.map(([why]) => why)).toContain("§1.6/§11.2 statuses are spelled UNKWN, not UNKNOWN");
});

it("answers every operation of the v1 spec in shapes the corrected schema accepts", async () => {
  const report = localReport(server.root);
  report.packages.push({ name: "mixed", version: "2", url: `${server.root}/mixed.in`, artifacts: [] });
  await op("POST", "/packages", {}, { body: report, cookie: COOKIE });
  await op("POST", "/packages", {}, { body: { distribution: "debian", release: "trixie", architecture: "amd64", packages: [{ name: "acl", version: "1", url: "https://b.test/acl.buildinfo", artifacts: [{ name: "libacl1", version: "1", component: "main", architecture: "amd64", url: "https://m.test/libacl1.deb" }] }] }, cookie: COOKIE });
  await op("POST", "/workers", {}, { body: { name: "w1" }, workerKey: WORKER_KEY, cookie: COOKIE });

  const pop = await op("POST", "/queue/pop", {}, { body: { supported_backends: ["archlinux"], architecture: "x86_64", supported_architectures: ["x86_64"] }, workerKey: WORKER_KEY });
  const job = pop.json<{ Rebuild: { job: { id: number; name: string } } }>().Rebuild.job;
  await op("POST", "/queue/{id}/ping", { id: job.id }, { workerKey: WORKER_KEY });
  const attestation = JSON.stringify({ signatures: [], signed: { _type: "link", name: "rebuild x", materials: {}, products: {}, environment: null, byproducts: {}, command: [] } });
  await op("POST", "/builds", {}, {
    body: {
      queue_id: job.id,
      built_at: "2026-05-30T10:04:12.5",
      build_log: [...zstdCompress("log\n")],
      status: "BAD",
      artifacts: [{ name: job.name, status: "BAD", diffoscope: [...zstdCompress("diff\n")], attestation: [...zstdCompress(attestation)] }],
    },
    workerKey: WORKER_KEY,
  });
  expect((await op("POST", "/queue/pop", {}, { body: { supported_backends: ["none"], architecture: "x86_64", supported_architectures: ["x86_64"] }, workerKey: WORKER_KEY })).json()).toBe("Nothing");

  const builds = (await op("GET", "/builds", {}, { query: "limit=10&direction=Descending" })).json<{ records: { id: number }[] }>();
  const buildId = builds.records[0]!.id;
  await op("GET", "/builds/{id}", { id: buildId });
  await op("GET", "/builds/{id}/log", { id: buildId });
  const artifacts = (await op("GET", "/builds/{id}/artifacts", { id: buildId })).json<{ id: number }[]>();
  const artifactId = artifacts[0]!.id;
  await op("GET", "/builds/{id}/artifacts/{artifact_id}", { id: buildId, artifact_id: artifactId });
  await op("GET", "/builds/{id}/artifacts/{artifact_id}/diffoscope", { id: buildId, artifact_id: artifactId });
  await op("GET", "/builds/{id}/artifacts/{artifact_id}/attestation", { id: buildId, artifact_id: artifactId });
  await op("GET", "/builds/{id}", { id: 999_999 });

  const sources = (await op("GET", "/packages/source", {}, { query: "seen_only=true&sort=name" })).json<{ records: { id: number }[] }>();
  await op("GET", "/packages/source/{id}", { id: sources.records[0]!.id });
  const binaries = (await op("GET", "/packages/binary", {}, { query: "distribution=archlinux&architecture=x86_64" })).json<{ records: { id: number }[] }>();
  await op("GET", "/packages/binary/{id}", { id: binaries.records[0]!.id });
  await op("GET", "/packages/binary/{id}", { id: 999_999 });

  await op("POST", "/queue", {}, { body: { distribution: "debian", release: null, component: "main", name: "acl", version: null, architecture: null, status: null, priority: 0 }, cookie: COOKIE });
  const queue = (await op("GET", "/queue")).json<{ records: { id: number }[] }>();
  await op("GET", "/queue/{id}", { id: queue.records[0]!.id });
  await op("DELETE", "/queue/{id}", { id: queue.records[0]!.id }, { cookie: COOKIE });
  await op("DELETE", "/queue/{id}", { id: queue.records[0]!.id }, { cookie: COOKIE });
  await op("DELETE", "/queue", {}, { query: "distribution=debian&component=main&name=acl", cookie: COOKIE });

  await op("GET", "/dashboard", {}, { query: "distribution=archlinux" });
  const workers = (await op("GET", "/workers")).json<{ records: { id: number }[] }>();
  await op("GET", "/workers/{id}", { id: workers.records[0]!.id });

  await op("GET", "/meta/distributions");
  await op("GET", "/meta/distributions/{distribution}/releases", { distribution: "archlinux" });
  await op("GET", "/meta/distributions/{distribution}/architectures", { distribution: "debian" });
  await op("GET", "/meta/distributions/{distribution}/releases/{release}/architectures", { distribution: "debian", release: "trixie" });
  await op("GET", "/meta/public-keys");
  await op("DELETE", "/workers/{id}", { id: workers.records[0]!.id }, { workerKey: WORKER_KEY });

  const all = Object.entries(spec.paths).flatMap(([path, methods]) => Object.keys(methods).filter((m) => ["get", "post", "delete"].includes(m)).map((m) => `${m.toUpperCase()} ${path}`));
  expect(all.filter((o) => !exercised.has(o))).toEqual([]);
});
