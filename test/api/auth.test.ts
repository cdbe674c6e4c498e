/** Who may call what: every mutating endpoint refuses anonymous and wrong callers with an empty 403, and registration follows the configured rule. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, COOKIE, OTHER_KEY, startServer, storeSnapshot, WORKER_KEY, type TestServer } from "./harness.js";

const POP = { supported_backends: ["archlinux"], architecture: "x86_64", supported_architectures: ["x86_64"] };
const REPORT = { queue_id: 1, built_at: "2026-05-30T10:04:12", build_log: [], status: "FAIL", artifacts: [] };

/** Method, path and a valid body of every endpoint that changes something. */
const ADMIN_ENDPOINTS: [string, string, unknown?][] = [
  ["POST", "/api/v1/packages", { distribution: "debian", architecture: "amd64", packages: [] }],
  ["POST", "/api/v1/queue", {}],
  ["DELETE", "/api/v1/queue"],
  ["DELETE", "/api/v1/queue/1"],
];
const WORKER_ENDPOINTS: [string, string, unknown?][] = [
  ["POST", "/api/v1/queue/pop", POP],
  ["POST", "/api/v1/queue/1/ping"],
  ["POST", "/api/v1/builds", REPORT],
  ["DELETE", "/api/v1/workers/1"],
];

describe("with registration closed (no signup secret, no allow-list)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
    // One registered worker, so that "a registered key on an admin route" is tested too.
    expect((await call(server, "POST", "/api/v1/workers", { body: { name: "w" }, workerKey: WORKER_KEY, cookie: COOKIE })).status).toBe(204);
  });
  afterAll(() => server.close());

  const callers = {
    anonymous: {},
    "a wrong cookie": { cookie: `${COOKIE}x` },
    "a cookie of another length": { cookie: "short" },
    "an unregistered worker key": { workerKey: OTHER_KEY },
    "a malformed worker key": { workerKey: "local:host:slot-1" },
    "the signup secret header": { signupSecret: "anything" },
  };

  const ENDPOINTS = [
    ...ADMIN_ENDPOINTS.map((e) => ({ e, who: "the admin cookie", others: { "a registered worker": { workerKey: WORKER_KEY } } })),
    ...WORKER_ENDPOINTS.map((e) => ({ e, who: "a registered worker", others: { "the admin cookie": { cookie: COOKIE } } })),
  ];
  for (const { e: [method, path, body], who, others } of ENDPOINTS) {
    it(`${method} ${path} refuses everyone without ${who}`, async () => {
      const before = storeSnapshot(server.engine);
      for (const [caller, creds] of Object.entries({ ...callers, ...others })) {
        const r = await call(server, method, path, { ...creds, ...(body !== undefined ? { body } : {}) });
        expect([caller, r.status, r.body.byteLength]).toEqual([caller, 403, 0]);
      }
      expect(storeSnapshot(server.engine)).toEqual(before);
    });
  }

  it("lets a worker register only with the admin cookie", async () => {
    for (const creds of [{}, { signupSecret: "x" }, { cookie: "wrong" }]) {
      const r = await call(server, "POST", "/api/v1/workers", { body: { name: "x" }, workerKey: OTHER_KEY, ...creds });
      expect([r.status, r.body.byteLength]).toEqual([403, 0]);
    }
    // A key that is not a base64 ed25519 key cannot take over a local slot's identity.
    expect((await call(server, "POST", "/api/v1/workers", { body: { name: "x" }, workerKey: "local:x", cookie: COOKIE })).status).toBe(403);
  });

  it("keeps every read public", async () => {
    for (const path of ["/api/v1/workers", "/api/v1/queue", "/api/v1/builds", "/api/v1/packages/source", "/api/v1/packages/binary", "/api/v1/dashboard", "/api/v1/meta/distributions", "/api/v1/meta/public-keys", "/api/v1/x-sync", "/metrics"]) {
      expect([path, (await call(server, "GET", path)).status]).toEqual([path, 200]);
    }
  });
});

describe("with a signup secret", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(`[worker]\nsignup_secret = "s3cret"\n`);
  });
  afterAll(() => server.close());

  it("registers a worker presenting the secret, and refuses a wrong or missing one", async () => {
    for (const secret of [undefined, "wrong", "s3cret-but-longer"]) {
      const r = await call(server, "POST", "/api/v1/workers", { body: { name: "w" }, workerKey: WORKER_KEY, ...(secret ? { signupSecret: secret } : {}) });
      expect([secret, r.status, r.body.byteLength]).toEqual([secret, 403, 0]);
    }
    expect((await call(server, "POST", "/api/v1/workers", { body: { name: "w" }, workerKey: WORKER_KEY, signupSecret: "s3cret" })).status).toBe(204);
    // The registered worker may now pop, with or without the secret (workers send every credential they hold).
    expect((await call(server, "POST", "/api/v1/queue/pop", { body: POP, workerKey: WORKER_KEY })).json()).toBe("Nothing");
  });
});

describe("with an allow-list", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(`[worker]\nauthorized_workers = ["${WORKER_KEY}"]\n`);
  });
  afterAll(() => server.close());

  it("registers listed keys without a secret and refuses others, even with the admin cookie", async () => {
    expect((await call(server, "POST", "/api/v1/workers", { body: { name: "w" }, workerKey: WORKER_KEY })).status).toBe(204);
    const other = await call(server, "POST", "/api/v1/workers", { body: { name: "o" }, workerKey: OTHER_KEY, cookie: COOKIE });
    expect([other.status, other.body.byteLength]).toEqual([403, 0]);
    expect((await call(server, "GET", "/api/v1/workers")).json<{ total: number }>().total).toBe(1);
  });
});
