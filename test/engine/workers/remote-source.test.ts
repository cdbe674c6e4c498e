/**
 * The remote job source against real HTTP servers on loopback that misbehave: nobody listening,
 * a server that is not rebuilderd, and one that answers the pop with something unexpected.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { zstdDecompress } from "../../../src/engine/compression.js";
import { signingKeyFromSeed } from "../../../src/engine/evidence/index.js";
import { RemoteJobSource, workerKey } from "../../../src/engine/workers/remote-source.js";
import { WorkerSlots } from "../../../src/engine/workers/slots.js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { dispose, DISTRO, harness, script, type Harness } from "./harness.js";

const key = signingKeyFromSeed(new Uint8Array(32).fill(7));
const filter = { backends: ["debian"], architectures: ["x86_64"] };
let server: Server | undefined;
let h: Harness | undefined;

afterEach(async () => {
  dispose(h);
  h = undefined;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

async function serve(handler: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handler(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const connect = (endpoint: string) => RemoteJobSource.connect({ endpoint, key, name: "w", signupSecret: "s", nativeArchitecture: "x86_64" });

describe("RemoteJobSource", () => {
  it("says when nobody listens at the URL", async () => {
    const url = await serve(() => {});
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    // Bun adds its own sentence after the code; the cause and the advice are what the user needs.
    const error = await connect(url).then(() => null, (err: Error) => err.message);
    expect(error).toContain(`cannot reach ${url} (POST /api/v1/workers): ECONNREFUSED`);
    expect(error).toMatch(/; check the URL and that the server is running$/);
  });

  it("says when the server has no worker API", async () => {
    const url = await serve((_req, _body, res) => res.writeHead(404).end("<html>not here</html>"));
    await expect(connect(url)).rejects.toThrow(/has no \/api\/v1 worker API \(POST \/api\/v1\/workers gave HTTP 404\)/);
  });

  it("registers with the worker key and zstd JSON, and refuses a pop answer it does not understand", async () => {
    const seen: { path: string; headers: IncomingMessage["headers"]; body: unknown }[] = [];
    const url = await serve((req, body, res) => {
      seen.push({ path: req.url!, headers: req.headers, body: body.length ? JSON.parse(Buffer.from(zstdDecompress(body)).toString()) : null });
      if (req.url === "/api/v1/workers") return res.writeHead(204).end();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ Rebuild: { job: { id: "seven" }, artifacts: [] } }));
    });
    const worker = await (await connect(`${url}/`)).register();
    await expect(worker.claim(filter)).rejects.toThrow(`${url}: POST /api/v1/queue/pop: unexpected answer (job.id is not an integer); is this a rebuilderd-compatible server?`);
    expect(seen[0]).toMatchObject({ path: "/api/v1/workers", body: { name: "w" }, headers: { "x-worker-key": workerKey(key), "x-signup-secret": "s", "content-encoding": "zstd" } });
    expect(seen[1]).toMatchObject({ path: "/api/v1/queue/pop", body: { supported_backends: ["debian"], architecture: "x86_64", supported_architectures: ["x86_64"] } });
  });

  it("refuses a job that names a local file instead of an http(s) URL, unless local URLs are allowed", async () => {
    const job = { id: 3, name: "acl", version: "1", distribution: "debian", release: null, architecture: "amd64", backend: "debian", url: "https://x.test/acl.buildinfo", next_retry: null, priority: 1, queued_at: "2026-05-30T09:00:00.1", started_at: null };
    const artifacts = [{ name: "acl", version: "1", architecture: "amd64", url: "/home/someone/.ssh/id_ed25519" }];
    const url = await serve((req, _body, res) => (req.url === "/api/v1/workers" ? res.writeHead(204).end() : res.writeHead(200).end(JSON.stringify({ Rebuild: { job, artifacts } }))));
    const worker = await (await connect(url)).register();
    await expect(worker.claim(filter)).rejects.toThrow(`handed out job 3 (acl 1) naming "/home/someone/.ssh/id_ed25519", which is not an http(s) URL; refused`);
    const trusting = await (await RemoteJobSource.connect({ endpoint: url, key, name: "w", nativeArchitecture: "x86_64", allowLocalUrls: true })).register();
    expect(await trusting.claim(filter)).toMatchObject({ queueId: 3, url: "https://x.test/acl.buildinfo", queuedAt: "2026-05-30 09:00:00.1", artifacts: [{ url: "/home/someone/.ssh/id_ed25519" }] });
  });

  it("refuses an answer too large to be a rebuilderd answer", async () => {
    const url = await serve((req, _body, res) => (req.url === "/api/v1/workers" ? res.writeHead(204).end() : res.writeHead(200).end(Buffer.alloc(17 * 1024 * 1024, 32))));
    const worker = await (await connect(url)).register();
    await expect(worker.claim(filter)).rejects.toThrow(`${url}: the answer to POST /api/v1/queue/pop is larger than 16777216 bytes; is this a rebuilderd-compatible server?`);
  });

  it("refuses an answer that is not JSON", async () => {
    const url = await serve((req, _body, res) => (req.url === "/api/v1/workers" ? res.writeHead(204).end() : res.writeHead(200).end("Nothing to see")));
    const worker = await (await connect(url)).register();
    await expect(worker.claim(filter)).rejects.toThrow(/answered something that is not JSON \("Nothing to see"\); is this a rebuilderd-compatible server\?/);
  });

  it("worker slots stopped while a pop is in flight do not start the job it brings back", async () => {
    h = harness();
    h.config.backends[DISTRO] = { path: script(h, "backend", `touch "$MARKS/started"`) };
    const paths: string[] = [];
    let popArrived!: () => void;
    const popped = new Promise<void>((resolve) => (popArrived = resolve));
    let answerPop!: () => void;
    const answer = new Promise<void>((resolve) => (answerPop = resolve));
    const job = { id: 5, name: "acl", version: "1", distribution: DISTRO, release: null, architecture: "x86_64", backend: DISTRO, url: "https://x.test/acl.buildinfo", next_retry: null, priority: 1, queued_at: "2026-05-30T09:00:00", started_at: null };
    const url = await serve((req, _body, res) => {
      paths.push(req.url!);
      if (req.url !== "/api/v1/queue/pop") return res.writeHead(204).end();
      popArrived();
      void answer.then(() => res.writeHead(200).end(JSON.stringify({ Rebuild: { job, artifacts: [{ name: "acl", version: "1", architecture: "x86_64", url: "https://x.test/acl.deb" }] } })));
    });
    const source = await connect(url);
    const slots = await WorkerSlots.create({ source, dataDir: h.dataDir, config: h.config, events: h.events, signingKey: h.key, env: { PATH: process.env.PATH, MARKS: h.marks }, pollSeconds: 0.5 });
    slots.start();
    await popped;
    const stopped = slots.stop({ handBack: false });
    answerPop();
    await stopped;
    expect(existsSync(join(h.marks, "started"))).toBe(false);
    expect(h.seen.some((e) => e.type === "job.started")).toBe(false);
    expect(paths).toEqual(["/api/v1/workers", "/api/v1/queue/pop"]);
  });
});
