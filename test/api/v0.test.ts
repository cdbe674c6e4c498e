/**
 * `/api/v0` against a real server on a loopback port with a real SQLite store, spoken to like
 * rebuildctl ≤ v0.25, rebuilderd-worker ≤ v0.25 and the rebuilderd-website front ends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zstdDecompress } from "../../src/engine/compression.js";
import { publicKeyPem } from "../../src/engine/evidence/index.js";
import { call, COOKIE, OTHER_KEY, startServer, storeSnapshot, WORKER_KEY, type CallOptions, type TestServer } from "./harness.js";
import { loadCorrectedV0Spec, validateV0 } from "./openapi-v0.js";
import { join } from "node:path";
import { writeFileSync } from "node:fs";

const ZONELESS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6}|\.\d{9})?$/;
const SECRET = "v0-signup-secret";
const worker = { workerKey: WORKER_KEY, signupSecret: SECRET };
const spec = loadCorrectedV0Spec();
/** The answer validates against rebuilderd's v0 OpenAPI schema (with the reference's corrections). */
const conforms = (method: string, path: string, value: unknown) => expect(validateV0(spec, method, path, value), `${method} ${path}`).toEqual([]);

let server: TestServer;
beforeAll(async () => {
  server = await startServer(`[worker]\nsignup_secret = "${SECRET}"\n`);
});
afterAll(() => server.close());

/** A SuiteImport of two Arch packages whose files are local. */
function suiteImport() {
  return {
    distro: "archlinux",
    suite: "core",
    groups: ["good", "bad"].map((name) => {
      const file = join(server.root, `${name}-1.0-1-x86_64.pkg.tar.zst`);
      writeFileSync(file, `package ${name}\n`);
      return { name, version: "1.0-1", distro: "archlinux", suite: "core", architecture: "x86_64", input_url: file, artifacts: [{ name, version: "1.0-1", url: file }] };
    }),
  };
}

const metablock = JSON.stringify({
  signatures: [],
  signed: { _type: "link", name: "rebuild good-1.0-1-x86_64.pkg.tar.zst", materials: {}, products: {}, environment: null, byproducts: {}, command: [] },
});

interface QueueItem {
  id: number;
  pkgbase: { name: string; artifacts: unknown[] };
  worker_id: number | null;
}
interface PkgRelease {
  name: string;
  status: string;
  build_id: number | null;
  built_at: string | null;
  has_diffoscope: boolean;
  has_attestation: boolean;
}

const list = async (query = "") => (await call(server, "GET", `/api/v0/pkgs/list${query}`)).json<PkgRelease[]>();
const queue = async () => (await call(server, "POST", "/api/v0/queue/list", { body: { limit: null } })).json<{ now: string; queue: QueueItem[] }>();
const pop = async () => (await call(server, "POST", "/api/v0/queue/pop", { body: { supported_backends: ["archlinux"] }, ...worker })).json<"Nothing" | { Rebuild: QueueItem }>();

describe("/api/v0", () => {
  it("imports a SuiteImport and lists packages in the exact PkgRelease shape", async () => {
    const r = await call(server, "POST", "/api/v0/pkgs/sync", { body: suiteImport(), cookie: COOKIE });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toBe("Nothing");
    conforms("post", "/pkgs/sync", r.json());

    const res = await call(server, "GET", "/api/v0/pkgs/list");
    expect(res.status).toBe(200);
    expect(res.headers["last-modified"]).toBeUndefined();
    const records = res.json<Record<string, unknown>[]>();
    conforms("get", "/pkgs/list", records);
    expect(records).toHaveLength(2);
    expect(Object.keys(records[0]!)).toEqual(["name", "version", "status", "distro", "suite", "architecture", "artifact_url", "build_id", "built_at", "has_diffoscope", "has_attestation"]);
    expect(records[0]).toEqual({
      name: "bad",
      version: "1.0-1",
      status: "UNKWN",
      distro: "archlinux",
      suite: "core",
      architecture: "x86_64",
      artifact_url: join(server.root, "bad-1.0-1-x86_64.pkg.tar.zst"),
      build_id: null,
      built_at: null,
      has_diffoscope: false,
      has_attestation: false,
    });
    expect((await list("?name=good&distro=archlinux&suite=core&architecture=x86_64")).map((p) => p.name)).toEqual(["good"]);
    expect(await list("?suite=extra")).toEqual([]);
    const bad = await call(server, "GET", "/api/v0/pkgs/list?status=UNKNOWN");
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("status must be one of GOOD, BAD, UNKWN");
  });

  it("lists the queue as a QueueList of QueueItems with their PkgGroup", async () => {
    const q = await queue();
    conforms("post", "/queue/list", q);
    expect(Object.keys(q)).toEqual(["now", "queue"]);
    expect(q.now).toMatch(ZONELESS);
    expect(q.queue).toHaveLength(2);
    const item = q.queue.find((i) => i.pkgbase.name === "good") as unknown as Record<string, unknown>;
    expect(Object.keys(item)).toEqual(["id", "pkgbase", "version", "queued_at", "worker_id", "started_at", "last_ping"]);
    expect(item).toMatchObject({ version: "1.0-1", worker_id: null, started_at: null, last_ping: null });
    expect(item.queued_at).toMatch(ZONELESS);
    const file = join(server.root, "good-1.0-1-x86_64.pkg.tar.zst");
    expect(item.pkgbase).toEqual({ name: "good", version: "1.0-1", distro: "archlinux", suite: "core", architecture: "x86_64", input_url: file, artifacts: [{ name: "good", version: "1.0-1", url: file }] });
    expect((await call(server, "POST", "/api/v0/queue/list", { body: { limit: 1 } })).json<{ queue: unknown[] }>().queue).toHaveLength(1);
  });

  it("runs a legacy worker's pop, ping and report, and serves the results, log, diffoscope and a co-signed attestation", async () => {
    expect((await call(server, "POST", "/api/v0/queue/pop", { body: { supported_backends: ["debian"] }, ...worker })).json()).toBe("Nothing");
    const results = new Map<string, number>();
    for (let i = 0; i < 2; i++) {
      const assignment = await pop();
      conforms("post", "/queue/pop", assignment);
      if (assignment === "Nothing") throw new Error("expected a job");
      const item = assignment.Rebuild;
      expect(item.worker_id).not.toBeNull();
      const ping = await call(server, "POST", "/api/v0/build/ping", { body: { queue_id: item.id }, ...worker });
      expect([ping.status, ping.text]).toEqual([200, "null"]);
      // Another worker may not ping a job it does not hold.
      expect((await call(server, "POST", "/api/v0/build/ping", { body: { queue_id: item.id }, workerKey: OTHER_KEY, signupSecret: SECRET })).status).toBe(404);
      const name = item.pkgbase.name;
      const artifact = { name, version: "1.0-1", url: "ignored" };
      const rebuild = name === "good" ? { status: "Good", diffoscope: null, attestation: metablock } : { status: "Bad", diffoscope: "--- a\n+++ b\n", attestation: null };
      const report = await call(server, "POST", "/api/v0/build/report", { body: { queue: item, build_log: `log of ${name}\n`, rebuilds: [[artifact, rebuild]] }, ...worker });
      expect([report.status, report.text]).toEqual([200, "null"]);
      results.set(name, item.id);
    }
    // A report for a job that is gone.
    expect((await call(server, "POST", "/api/v0/build/report", { body: { queue: { id: 999 }, build_log: "", rebuilds: [] }, ...worker })).status).toBe(404);

    const pkgs = await list();
    conforms("get", "/pkgs/list", pkgs);
    expect(pkgs.map((p) => [p.name, p.status, p.has_diffoscope, p.has_attestation])).toEqual([
      ["bad", "BAD", true, false],
      ["good", "GOOD", false, true],
    ]);
    for (const p of pkgs) expect(p.built_at).toMatch(ZONELESS);
    const good = pkgs.find((p) => p.name === "good")!;
    const bad = pkgs.find((p) => p.name === "bad")!;

    // Conditional requests on the newest build time.
    const res = await call(server, "GET", "/api/v0/pkgs/list");
    const lastModified = res.headers["last-modified"] as string;
    expect(lastModified).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    const unchanged = await call(server, "GET", "/api/v0/pkgs/list", { headers: { "if-modified-since": lastModified } });
    expect([unchanged.status, unchanged.text]).toEqual([304, ""]);
    const older = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    expect((await call(server, "GET", "/api/v0/pkgs/list", { headers: { "if-modified-since": older } })).status).toBe(200);

    const log = await call(server, "GET", `/api/v0/builds/${good.build_id}/log`);
    expect([log.status, log.text, log.headers["content-type"]]).toEqual([200, "log of good\n", "text/plain; charset=utf-8"]);
    const zstdLog = await call(server, "GET", `/api/v0/builds/${good.build_id}/log`, { headers: { "accept-encoding": "zstd" } });
    expect(zstdLog.headers["content-encoding"]).toBe("zstd");
    // undici under Node hands over the zstd bytes; Bun's fetch, behind its undici, decodes them itself.
    const zstdMagic = zstdLog.body[0] === 0x28 && zstdLog.body[1] === 0xb5;
    expect(Buffer.from(zstdMagic ? zstdDecompress(zstdLog.body) : zstdLog.body).toString()).toBe("log of good\n");
    expect((await call(server, "GET", `/api/v0/builds/${bad.build_id}/diffoscope`)).text).toBe("--- a\n+++ b\n");
    const attestation = await call(server, "GET", `/api/v0/builds/${good.build_id}/attestation`);
    expect(attestation.headers["content-type"]).toBe("application/json; charset=utf-8");
    conforms("get", "/builds/{id}/attestation", attestation.json());
    expect(attestation.json<{ signatures: { keyid: string }[] }>().signatures.map((s) => s.keyid)).toEqual([server.engine.signingKey.keyid]);
    for (const path of [`/builds/${good.build_id}/diffoscope`, `/builds/${bad.build_id}/attestation`, "/builds/999/log"]) {
      const missing = await call(server, "GET", `/api/v0${path}`);
      expect([missing.status, missing.text]).toEqual([404, "Not found\n"]);
    }

    const workers = await call(server, "GET", "/api/v0/workers", { cookie: COOKIE });
    conforms("get", "/workers", workers.json());
    const me = workers.json<Record<string, unknown>[]>().find((w) => w.key === WORKER_KEY)!;
    expect(Object.keys(me)).toEqual(["id", "name", "key", "addr", "address", "status", "last_ping", "online"]);
    expect(me).toMatchObject({ addr: "127.0.0.1", address: "127.0.0.1", online: true, status: null });
    expect(me.last_ping).toMatch(ZONELESS);
  });

  it("pushes, drops and requeues like the legacy rebuildctl", async () => {
    const names = async () => (await queue()).queue.map((i) => i.pkgbase.name).sort();
    // BAD waits for its retry; GOOD is not queued.
    expect(await names()).toEqual(["bad"]);
    const push = await call(server, "POST", "/api/v0/queue/push", { body: { name: "good", version: null, priority: 0, distro: "archlinux", suite: "core", architecture: null }, cookie: COOKIE });
    expect([push.status, push.text]).toEqual([200, "null"]);
    expect(await names()).toEqual(["bad", "good"]);
    const drop = await call(server, "POST", "/api/v0/queue/drop", { body: { name: "good", version: null, distro: "archlinux", suite: "core", architecture: null }, cookie: COOKIE });
    expect([drop.status, drop.text]).toEqual([200, "null"]);
    expect(await names()).toEqual(["bad"]);

    const requeue = { name: null, status: "GOOD", priority: 0, distro: "archlinux", suite: null, architecture: null, reset: false };
    expect((await call(server, "POST", "/api/v0/pkg/requeue", { body: requeue, cookie: COOKIE })).text).toBe("null");
    expect(await names()).toEqual(["bad", "good"]);
    const reset = await call(server, "POST", "/api/v0/pkg/requeue", { body: { ...requeue, reset: true }, cookie: COOKIE });
    expect(reset.status).toBe(400);
    expect(reset.text).toContain("reset is not supported");
  });

  it("serves the dashboard in the exact DashboardResponse shape, and the public key", async () => {
    const running = await pop();
    expect(running).not.toBe("Nothing");
    const d = (await call(server, "GET", "/api/v0/dashboard")).json<Record<string, unknown>>();
    conforms("get", "/dashboard", d);
    expect(Object.keys(d)).toEqual(["suites", "active_builds", "queue_length", "now"]);
    expect(d.suites).toEqual({ core: { good: 1, unknown: 0, bad: 1 } });
    expect(Object.keys((d.suites as Record<string, object>).core!)).toEqual(["good", "unknown", "bad"]);
    expect((d.active_builds as QueueItem[]).map((i) => i.id)).toEqual([(running as { Rebuild: QueueItem }).Rebuild.id]);
    expect(d.queue_length).toBe(2);
    expect(d.now).toMatch(ZONELESS);

    const keys = (await call(server, "GET", "/api/v0/public-keys")).json();
    conforms("get", "/public-keys", keys);
    expect(keys).toEqual({ current: [publicKeyPem(server.engine.signingKey)] });
    expect((keys as { current: string[] }).current[0]).toMatch(/^-----BEGIN PUBLIC KEY-----\r\nMCwwBwYDK2VwBQADIQ/);
  });

  it("a later SuiteImport of the same suite replaces the earlier one: packages it no longer lists leave the list", async () => {
    const only = suiteImport();
    only.groups = only.groups.filter((g) => g.name === "good");
    expect((await call(server, "POST", "/api/v0/pkgs/sync", { body: only, cookie: COOKIE })).json()).toBe("Nothing");
    expect((await list()).map((p) => [p.name, p.status])).toEqual([["good", "GOOD"]]);
    expect((await list("?status=BAD"))).toEqual([]);
  });

  it("refuses every mutating endpoint (and the admin worker list) to anonymous and wrong callers with an empty 403, changing nothing", async () => {
    const before = storeSnapshot(server.engine);
    const admin: [string, string, unknown][] = [
      ["POST", "/api/v0/pkgs/sync", suiteImport()],
      ["POST", "/api/v0/queue/push", { name: "good", priority: 0, distro: "archlinux", suite: "core" }],
      ["POST", "/api/v0/queue/drop", { name: "bad", distro: "archlinux", suite: "core" }],
      ["POST", "/api/v0/pkg/requeue", { priority: 0, reset: false }],
      ["GET", "/api/v0/workers", undefined],
    ];
    const workerOnly: [string, string, unknown][] = [
      ["POST", "/api/v0/queue/pop", { supported_backends: ["archlinux"] }],
      ["POST", "/api/v0/build/ping", { queue_id: 1 }],
      ["POST", "/api/v0/build/report", { queue: { id: 1 }, build_log: "", rebuilds: [] }],
    ];
    const wrong: CallOptions[] = [{}, { cookie: "wrong" }, { workerKey: WORKER_KEY, signupSecret: "wrong" }];
    for (const [method, path, body] of admin) {
      for (const creds of [...wrong, worker]) {
        const r = await call(server, method, path, { ...(body === undefined ? {} : { body }), ...creds });
        expect([path, r.status, r.text]).toEqual([path, 403, ""]);
      }
    }
    for (const [method, path, body] of workerOnly) {
      for (const creds of [...wrong, { workerKey: "not-a-key", signupSecret: SECRET }, { signupSecret: SECRET }]) {
        const r = await call(server, method, path, { body, ...creds });
        expect([path, r.status, r.text]).toEqual([path, 403, ""]);
      }
    }
    expect(storeSnapshot(server.engine)).toEqual(before);
  });
});
