/** `/api/v1` against a real server on a loopback port with a real SQLite store, spoken to like rebuildctl and rebuilderd-worker. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isZstd, zstdCompress, zstdDecompress } from "../../src/engine/compression.js";
import { publicKeyFromPem, verifyAttestation } from "../../src/engine/evidence/index.js";
import { createApp } from "../../src/engine/api/app.js";
import { ApiAuth } from "../../src/engine/api/auth.js";
import { call, COOKIE, localReport, OTHER_KEY, startServer, storeSnapshot, WORKER_KEY, type TestServer } from "./harness.js";

const ZONELESS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6}|\.\d{9})?$/;
const bytes = (s: string | Uint8Array) => [...(typeof s === "string" ? zstdCompress(s) : s)];

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

interface Page<T> {
  total: number;
  records: T[];
}
type Rec = Record<string, unknown> & { id: number };

async function importReport(report: unknown) {
  const r = await call(server, "POST", "/api/v1/packages", { body: report, cookie: COOKIE });
  expect(r.status, r.text).toBe(204);
}

function metablock(name: string) {
  return JSON.stringify({
    signatures: [],
    signed: { _type: "link", name: `rebuild ${name}`, materials: {}, products: { [name]: { sha256: "00".repeat(32) } }, environment: null, byproducts: {}, command: [] },
  });
}

describe("packages, queue and a worker's round trip", () => {
  let queueId: number;
  let buildId: number;

  it("imports a zstd-compressed PackageReport and lists sources, binaries and the queue", async () => {
    await importReport(localReport(server.root));
    await importReport({
      distribution: "debian",
      release: "trixie",
      architecture: "amd64",
      packages: [{ name: "acl", version: "2.3.2-2", url: "https://buildinfo.test/acl.buildinfo", artifacts: [{ name: "libacl1", version: "2.3.2-2", component: "main", architecture: "amd64", url: "https://mirror.test/libacl1.deb" }] }],
    });
    const sources = (await call(server, "GET", "/api/v1/packages/source")).json<Page<Rec>>();
    expect(sources.total).toBe(3);
    expect(sources.records.map((r) => r.name).sort()).toEqual(["acl", "bad", "good"]);
    for (const r of sources.records) expect(r.last_seen).toMatch(ZONELESS);
    const bins = (await call(server, "GET", "/api/v1/packages/binary?distribution=debian&component=main")).json<Page<Rec>>();
    expect(bins).toMatchObject({ total: 1, records: [{ name: "libacl1", distribution: "debian", release: "trixie", component: "main", status: null, build_id: null, seen_in_last_sync: true }] });
    const one = await call(server, "GET", `/api/v1/packages/binary/${bins.records[0]!.id}`);
    expect(one.json()).toEqual(bins.records[0]);
    expect((await call(server, "GET", "/api/v1/packages/binary/999999")).status).toBe(404);
    const queue = (await call(server, "GET", "/api/v1/queue")).json<Page<Rec>>();
    expect(queue.total).toBe(3);
    expect(queue.records[0]).toMatchObject({ priority: 1, started_at: null });
    expect(queue.records[0]!.queued_at).toMatch(ZONELESS);
  });

  it("answers binary records the same through the runtime's own router as through the app", async () => {
    // Under Bun the socket's GET /api/v1/packages/binary/{id} is answered by Bun's router (app.ts
    // directRoutes); the app answers the same request in memory. Under Node both are the app.
    const app = createApp({ engine: server.engine, auth: new ApiAuth(COOKIE, server.engine.config.worker) });
    const id = (await call(server, "GET", "/api/v1/packages/binary")).json<Page<Rec>>().records[0]!.id;
    const paths = [`/api/v1/packages/binary/${id}`, `/api/v1/packages/binary/${id}?x=1`, `/api/v1/packages/binary/+${id}`, "/api/v1/packages/binary/999999"];
    for (const path of [...paths, "/api/v1/packages/binary/abc", "/api/v1/packages/binary/99999999999", "/api/v1/packages/binary/-1", `/api/v1//packages/binary/${id}/`]) {
      for (const method of ["GET", "HEAD"]) {
        const direct = await call(server, method, path);
        const viaApp = await app.request(path, { method });
        const answer = (status: number, type: string | null | undefined, body: string) => ({ path, method, status, type: type ?? null, body });
        expect(answer(direct.status, direct.headers["content-type"] as string | undefined, direct.text)).toEqual(answer(viaApp.status, viaApp.headers.get("content-type"), await viaApp.text()));
      }
    }
    expect((await call(server, "GET", paths[0]!)).json()).toMatchObject({ id, name: "good", distribution: "archlinux" });
  });

  it("pages the way rebuildctl does (limit + after + sort=name) until an empty page, each record once", async () => {
    const seen: string[] = [];
    let after: number | undefined;
    for (let i = 0; i < 10; i++) {
      const page = (await call(server, "GET", `/api/v1/packages/binary?limit=1&sort=name${after ? `&after=${after}` : ""}`)).json<Page<Rec>>();
      expect(page.total).toBe(3);
      if (page.records.length === 0) break;
      seen.push(page.records[0]!.name as string);
      after = page.records[0]!.id;
    }
    expect(seen).toEqual(["bad", "good", "libacl1"]);
    expect((await call(server, "GET", "/api/v1/packages/binary?direction=ascending")).status).toBe(400);
    expect((await call(server, "GET", "/api/v1/packages/binary?sort=name;drop")).status).toBe(400);
    expect((await call(server, "GET", "/api/v1/packages/binary?sort=nope")).status).toBe(400);
    expect((await call(server, "GET", "/api/v1/packages/binary?limit=x")).status).toBe(400);
  });

  it("answers the meta endpoints and the public key in rebuilderd's form", async () => {
    expect((await call(server, "GET", "/api/v1/meta/distributions")).json()).toEqual(["archlinux", "debian"]);
    expect((await call(server, "GET", "/api/v1/meta/distributions/archlinux/releases")).json()).toEqual([null]);
    expect((await call(server, "GET", "/api/v1/meta/distributions/debian/architectures")).json()).toEqual(["amd64"]);
    expect((await call(server, "GET", "/api/v1/meta/distributions/archlinux/releases/-/architectures")).json()).toEqual(["x86_64"]);
    expect((await call(server, "GET", "/api/v1/meta/distributions/nope")).status).toBe(404);
    expect((await call(server, "GET", "/api/v1/meta/distributions/nope/releases")).json()).toEqual([]);
    const keys = (await call(server, "GET", "/api/v1/meta/public-keys")).json<{ current: string[] }>();
    expect(keys.current).toHaveLength(1);
    expect(keys.current[0]).toMatch(/^-----BEGIN PUBLIC KEY-----\r\nMCwwBwYDK2VwBQADIQ.*\r\n-----END PUBLIC KEY-----\r\n$/s);
  });

  it("registers a worker with the admin cookie and hands it a job on pop", async () => {
    expect((await call(server, "POST", "/api/v1/workers", { body: { name: "w1" }, workerKey: WORKER_KEY, cookie: COOKIE })).status).toBe(204);
    const workers = (await call(server, "GET", "/api/v1/workers")).json<Page<Rec>>();
    expect(workers.records).toEqual([expect.objectContaining({ name: "w1", address: "127.0.0.1", status: null, is_online: true })]);
    expect((await call(server, "GET", `/api/v1/workers/${workers.records[0]!.id}`)).json()).toEqual(workers.records[0]);

    const pop = await call(server, "POST", "/api/v1/queue/pop", {
      body: { supported_backends: ["archlinux"], architecture: "x86_64", supported_architectures: ["x86_64"] },
      workerKey: WORKER_KEY,
    });
    expect(pop.status).toBe(200);
    const job = pop.json<{ Rebuild: { job: Rec; artifacts: Rec[] } }>().Rebuild;
    expect(job.job).toMatchObject({ distribution: "archlinux", backend: "archlinux", architecture: "x86_64", started_at: null, release: null });
    expect(job.artifacts).toHaveLength(1);
    expect(Object.keys(job.artifacts[0]!).sort()).toEqual(["architecture", "name", "url", "version"]);
    queueId = job.job.id;
    const none = await call(server, "POST", "/api/v1/queue/pop", {
      body: { supported_backends: ["fedora"], architecture: "x86_64", supported_architectures: ["x86_64"] },
      workerKey: WORKER_KEY,
    });
    expect(none.json()).toBe("Nothing");
    expect((await call(server, "GET", "/api/v1/workers")).json<Page<Rec>>().records[0]!.status).toMatch(/^working hard on /);
    expect((await call(server, "GET", "/api/v1/dashboard")).json()).toMatchObject({ jobs: { running: 1, available: 2, pending: 0 } });
  });

  it("accepts pings from the job's worker only", async () => {
    expect((await call(server, "POST", `/api/v1/queue/${queueId}/ping`, { workerKey: WORKER_KEY })).status).toBe(204);
    expect((await call(server, "POST", `/api/v1/queue/999999/ping`, { workerKey: WORKER_KEY })).status).toBe(404);
    expect((await call(server, "POST", `/api/v1/queue/${queueId}/ping`, { workerKey: OTHER_KEY })).status).toBe(403);
  });

  it("records a worker's report with byte-array logs, and serves log, artifacts, diffoscope and a co-signed attestation", async () => {
    const job = (await call(server, "GET", `/api/v1/queue/${queueId}`)).json<Rec>();
    const report = {
      queue_id: queueId,
      built_at: "2026-05-30T10:04:12.123456",
      build_log: bytes("the build log\n"),
      status: "BAD",
      artifacts: [
        { name: job.name, status: "BAD", diffoscope: bytes("--- a\n+++ b\n"), attestation: null },
        { name: `${job.name as string}-extra`, status: "GOOD", diffoscope: null, attestation: bytes(metablock("x.pkg")) },
      ],
    };
    const r = await call(server, "POST", "/api/v1/builds", { body: report, workerKey: WORKER_KEY });
    expect(r.status, r.text).toBe(204);
    expect(r.body.byteLength).toBe(0);
    const builds = (await call(server, "GET", `/api/v1/builds?name=${job.name as string}`)).json<Page<Rec>>();
    expect(builds.total).toBe(1);
    expect(builds.records[0]).toMatchObject({ status: "BAD", built_at: "2026-05-30T10:04:12.123", backend: "archlinux", retries: 1 });
    buildId = builds.records[0]!.id;
    expect((await call(server, "GET", `/api/v1/builds/${buildId}`)).json()).toEqual(builds.records[0]);

    const plain = await call(server, "GET", `/api/v1/builds/${buildId}/log`);
    expect(plain.text).toBe("the build log\n");
    expect(plain.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(plain.headers["x-content-type-options"]).toBe("nosniff");
    const zstd = await call(server, "GET", `/api/v1/builds/${buildId}/log`, { headers: { "accept-encoding": "zstd" } });
    expect(zstd.headers["content-encoding"]).toBe("zstd");
    // Under Bun the HTTP client decodes Content-Encoding itself; under Node the raw frame arrives.
    if (typeof Bun === "undefined") expect(isZstd(zstd.body)).toBe(true);
    expect(Buffer.from(isZstd(zstd.body) ? zstdDecompress(zstd.body) : zstd.body).toString()).toBe("the build log\n");

    const artifacts = (await call(server, "GET", `/api/v1/builds/${buildId}/artifacts`)).json<Rec[]>();
    expect(artifacts).toEqual([
      { id: expect.any(Number), name: job.name, has_diffoscope: true, has_attestation: false, status: "BAD" },
      { id: expect.any(Number), name: `${job.name as string}-extra`, has_diffoscope: false, has_attestation: true, status: "GOOD" },
    ]);
    const [bad, good] = artifacts as [Rec, Rec];
    expect((await call(server, "GET", `/api/v1/builds/${buildId}/artifacts/${bad.id}`)).json()).toEqual(bad);
    expect((await call(server, "GET", `/api/v1/builds/${buildId}/artifacts/${bad.id}/diffoscope`)).text).toBe("--- a\n+++ b\n");
    expect((await call(server, "GET", `/api/v1/builds/${buildId}/artifacts/${bad.id}/attestation`)).status).toBe(404);
    expect((await call(server, "GET", `/api/v1/builds/${buildId + 1000}/artifacts/${bad.id}`)).status).toBe(404);

    const attestation = await call(server, "GET", `/api/v1/builds/${buildId}/artifacts/${good.id}/attestation`);
    expect(attestation.headers["content-type"]).toBe("application/json; charset=utf-8");
    const pem = (await call(server, "GET", "/api/v1/meta/public-keys")).json<{ current: string[] }>().current[0]!;
    expect(verifyAttestation(attestation.body, publicKeyFromPem(pem))).toBe(true);
    // Stored back: the second download is the same co-signed document, not signed twice.
    const again = await call(server, "GET", `/api/v1/builds/${buildId}/artifacts/${good.id}/attestation`);
    expect(again.text).toBe(attestation.text);
    expect(again.json<{ signatures: unknown[] }>().signatures).toHaveLength(1);

    // A BAD result is retried later (priority 2, next_retry in the future), as rebuilderd.
    const binary = (await call(server, "GET", `/api/v1/packages/binary?name=${job.name as string}`)).json<Page<Rec>>().records[0]!;
    expect(binary).toMatchObject({ status: "BAD", build_id: buildId, artifact_id: bad.id });
    expect((await call(server, "GET", "/api/v1/dashboard")).json()).toMatchObject({ rebuilds: { bad: 1 }, jobs: { running: 0, pending: 1 } });
  });

  it("refuses a report for a job that does not exist, recording nothing", async () => {
    const before = storeSnapshot(server.engine);
    const r = await call(server, "POST", "/api/v1/builds", { body: { queue_id: 999999, built_at: "2026-05-30T10:04:12", build_log: [], status: "FAIL", artifacts: [] }, workerKey: WORKER_KEY });
    expect(r.status).toBe(404);
    expect(r.text).toMatch(/queue job 999999 does not exist/);
    expect(storeSnapshot(server.engine)).toEqual(before);
  });

  it("queues by request, drops by filter and by id (admin)", async () => {
    expect((await call(server, "POST", "/api/v1/queue", { body: { distribution: "debian", name: "acl", priority: 0 }, cookie: COOKIE })).status).toBe(204);
    const acl = (await call(server, "GET", "/api/v1/queue?name=acl")).json<Page<Rec>>();
    expect(acl.records).toEqual([expect.objectContaining({ name: "acl", priority: 0 })]);
    expect((await call(server, "DELETE", `/api/v1/queue/${acl.records[0]!.id}`, { cookie: COOKIE })).status).toBe(204);
    expect((await call(server, "DELETE", `/api/v1/queue/${acl.records[0]!.id}`, { cookie: COOKIE })).status).toBe(404);
    expect((await call(server, "DELETE", "/api/v1/queue?distribution=archlinux&name=good", { cookie: COOKIE })).status).toBe(204);
    expect((await call(server, "GET", "/api/v1/queue?name=good")).json<Page<Rec>>().total).toBe(0);
  });

  it("normalises slashes and answers unknown paths and non-integer ids with an empty 404", async () => {
    expect((await call(server, "GET", "/api/v1//queue/")).status).toBe(200);
    for (const path of ["/api/v1/queue/pop", "/api/v1/queue/abc", "/api/v1/builds/99999999999", "/api/v2/queue", "/"]) {
      const r = await call(server, "GET", path);
      expect([path, r.status, r.text]).toEqual([path, 404, ""]);
    }
  });

  it("serves Prometheus metrics from the store", async () => {
    const { jobs } = (await call(server, "GET", "/api/v1/dashboard")).json<{ jobs: Record<string, number> }>();
    const r = await call(server, "GET", "/metrics");
    expect(r.headers["content-type"]).toMatch(/^text\/plain; version=0.0.4/);
    expect(r.text).toMatch(/^rebuilder_rebuilds\{verdict="BAD"\} 1$/m);
    for (const state of ["running", "available", "pending"]) expect(r.text).toContain(`rebuilder_queue_jobs{state="${state}"} ${jobs[state]}\n`);
    expect(r.text).toMatch(/^rebuilder_packages\{verdict="bad"\} 1$/m);
    expect(r.text).toMatch(/^rebuilder_slots\{state="idle"\} 0$/m);
  });

  it("lets a registered worker remove a worker", async () => {
    expect((await call(server, "POST", "/api/v1/workers", { body: { name: "w2" }, workerKey: OTHER_KEY, cookie: COOKIE })).status).toBe(204);
    const w2 = (await call(server, "GET", "/api/v1/workers")).json<Page<Rec>>().records.find((w) => w.name === "w2")!;
    expect((await call(server, "DELETE", `/api/v1/workers/${w2.id}`, { workerKey: WORKER_KEY })).status).toBe(204);
    expect((await call(server, "GET", `/api/v1/workers/${w2.id}`)).status).toBe(404);
    expect((await call(server, "DELETE", `/api/v1/workers/${w2.id}`, { workerKey: WORKER_KEY })).status).toBe(404);
  });

  it("reports the periodic sync as not configured", async () => {
    expect((await call(server, "GET", "/api/v1/x-sync")).json()).toEqual({ enabled: false, interval: null, config: null, profiles: [] });
  });
});
