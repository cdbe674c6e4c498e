/**
 * Malformed, truncated, oversized and wrongly-encoded request bodies against a real
 * `rebuilder serve`: each gets a 4xx whose text names the problem, and the store is byte-for-byte
 * what it was (a digest of every table before and after). A valid body at the end shows the
 * digest does notice a write.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import { request } from "undici";
import { zstdCompress } from "../../src/engine/compression.js";
import { archRepo } from "./arch-repo.js";
import { startServe, storeDigest, type Served } from "./serve-process.js";

const LIMIT = 4096;
const report = {
  distribution: "archlinux",
  architecture: "x86_64",
  packages: [{ name: "extra", version: "1.0-1", url: "file:///extra-1.0-1.pkg", artifacts: [{ name: "extra", version: "1.0-1", component: "core", architecture: "x86_64", url: "file:///extra-1.0-1.pkg" }] }],
};
const json = JSON.stringify(report);
const truncatedJson = json.slice(0, json.indexOf('"artifacts"') + 5);
const workerKey = randomBytes(32).toString("base64");

let served: Served;
let dataDir: string;
let cookie: string;

beforeAll(async () => {
  const repo = archRepo(["good", "bad"], { extraConfig: `[http]\npost_body_size_limit = ${LIMIT}\n` });
  dataDir = repo.dataDir;
  served = await startServe({ dataDir, config: repo.config, args: ["--slots", "0"] });
  cookie = await served.cookie();
  // A registered worker, for the worker endpoints.
  const r = await request(`${served.url}/api/v1/workers`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-auth-cookie": cookie, "x-worker-key": workerKey },
    body: JSON.stringify({ name: "bodies-test" }),
  });
  expect(r.statusCode).toBe(204);
  await r.body.text();
}, 120_000);

afterAll(async () => {
  await served?.stop();
});

async function post(path: string, body: Uint8Array | string, headers: Record<string, string> = {}) {
  const r = await request(`${served.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-auth-cookie": cookie, "x-worker-key": workerKey, ...headers },
    body,
  });
  return { status: r.statusCode, text: await r.body.text() };
}

/** Raw HTTP/1.1 on a socket, for what no well-behaved client sends: a body shorter than its Content-Length. */
function rawPost(path: string, declared: number, body: string, end: "half-close" | "destroy"): Promise<string> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(served.url);
    const socket = connect(Number(port), "127.0.0.1");
    let answer = "";
    const timer = setTimeout(() => socket.destroy(new Error("no answer within 20 s")), 20_000);
    socket.on("data", (d) => (answer += d));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on("error", (err) => ((err as NodeJS.ErrnoException).code === "ECONNRESET" ? undefined : reject(err)));
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Auth-Cookie: ${cookie}\r\nContent-Length: ${declared}\r\nConnection: close\r\n\r\n${body}`,
      () => (end === "half-close" ? socket.end() : setTimeout(() => socket.destroy(), 50)),
    );
  });
}

const zstdMagic = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd);
const gzipHeader = Uint8Array.of(0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03);
const garbage = randomBytes(200);
const cat = (...parts: Uint8Array[]) => Buffer.concat(parts);

const cases: [name: string, path: string, body: Uint8Array | string, headers: Record<string, string>, status: number, message: RegExp][] = [
  ["bytes that are not zstd", "/api/v1/packages", garbage, { "content-encoding": "zstd" }, 400, /not valid zstd/],
  ["a zstd magic followed by garbage", "/api/v1/packages", cat(zstdMagic, garbage), { "content-encoding": "zstd" }, 400, /not valid zstd/],
  ["a zstd frame cut in half", "/api/v1/packages", zstdCompress(json).slice(0, 40), { "content-encoding": "zstd" }, 400, /not valid zstd/],
  ["a gzip header with garbage", "/api/v1/packages", cat(gzipHeader, garbage), { "content-encoding": "gzip" }, 400, /not valid gzip/],
  ["a gzip stream cut short", "/api/v1/packages", gzipSync(json).subarray(0, 30), { "content-encoding": "gzip" }, 400, /not valid gzip/],
  ["JSON truncated mid-object", "/api/v1/packages", truncatedJson, {}, 400, /not valid JSON/],
  ["JSON truncated mid-object, zstd-compressed", "/api/v1/packages", zstdCompress(truncatedJson), { "content-encoding": "zstd" }, 400, /not valid JSON/],
  ["JSON truncated mid-object, gzip-compressed", "/api/v1/packages", gzipSync(truncatedJson), { "content-encoding": "gzip" }, 400, /not valid JSON/],
  ["bytes that are not UTF-8", "/api/v1/packages", Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d), {}, 400, /UTF-8/],
  ["JSON of the wrong shape", "/api/v1/packages", JSON.stringify({ distribution: "archlinux", architecture: "x86_64" }), {}, 400, /packages/],
  ["a body over the limit", "/api/v1/packages", JSON.stringify({ ...report, pad: "x".repeat(LIMIT) }), {}, 413, /post_body_size_limit/],
  ["a zstd body over the limit once decoded", "/api/v1/packages", zstdCompress(JSON.stringify({ ...report, pad: " ".repeat(LIMIT * 50) })), { "content-encoding": "zstd" }, 413, /post_body_size_limit/],
  ["a gzip bomb", "/api/v1/packages", gzipSync(" ".repeat(10 * 1024 * 1024)), { "content-encoding": "gzip" }, 413, /post_body_size_limit/],
  ["a body that is not JSON by its type", "/api/v1/packages", json, { "content-type": "text/plain" }, 415, /Content-Type: application\/json/],
  ["an encoding the server does not speak", "/api/v1/packages", json, { "content-encoding": "br" }, 415, /Content-Encoding/],
  ["a truncated rebuild report", "/api/v1/builds", '{"queue_id": 1, "built_at": "2026-05-30T10:04:12", "build_log": [40,181', {}, 400, /not valid JSON/],
  ["a rebuild report in bad zstd", "/api/v1/builds", cat(zstdMagic, garbage), { "content-encoding": "zstd" }, 400, /not valid zstd/],
  ["a rebuild report over the limit", "/api/v1/builds", JSON.stringify({ queue_id: 1, build_log: Array.from({ length: LIMIT }, () => 1) }), {}, 413, /post_body_size_limit/],
  ["a pop request with a gzip header and garbage", "/api/v1/queue/pop", cat(gzipHeader, garbage), { "content-encoding": "gzip" }, 400, /not valid gzip/],
  ["a truncated queue request", "/api/v1/queue", '{"name": "good", "priori', {}, 400, /not valid JSON/],
  ["a worker registration in bad zstd", "/api/v1/workers", garbage, { "content-encoding": "zstd" }, 400, /not valid zstd/],
];

describe("rebuilder serve refuses bad request bodies and changes nothing", () => {
  it.each(cases.map(([name, path, body, headers, status, message]) => ({ name, path, body, headers, status, message })))("$name → $status", async ({ path, body, headers, status, message }) => {
    const before = storeDigest(dataDir);
    const r = await post(path, body, headers);
    expect(r.status).toBe(status);
    expect(r.text).toMatch(message);
    expect(storeDigest(dataDir)).toBe(before);
  });

  it("a streamed body without Content-Length is cut off at the limit → 413", async () => {
    const before = storeDigest(dataDir);
    // Chunked, on a connection of its own: the server answers before the upload ends and then closes it.
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(`${served.url}/api/v1/packages`, { method: "POST", agent: false, headers: { "content-type": "application/json", "x-auth-cookie": cookie } }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      });
      // The server may reset the rest of the upload once it has answered.
      req.on("error", (err) => ((err as NodeJS.ErrnoException).code === "ECONNRESET" || (err as NodeJS.ErrnoException).code === "EPIPE" ? undefined : reject(err)));
      req.write('{"pad":"');
      for (let i = 0; i < 64; i++) req.write("x".repeat(1024));
      req.end();
    });
    expect(answer.status).toBe(413);
    expect(answer.text).toMatch(/post_body_size_limit/);
    expect(storeDigest(dataDir)).toBe(before);
  });

  it("a Content-Length over the limit is refused before the body is read → 413", async () => {
    const before = storeDigest(dataDir);
    const answer = await rawPost("/api/v1/packages", LIMIT * 1000, json, "half-close");
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/post_body_size_limit/);
    expect(storeDigest(dataDir)).toBe(before);
  });

  it("a body shorter than its Content-Length (the client gives up) gets no 2xx and leaves the store alone", async () => {
    const before = storeDigest(dataDir);
    const answer = await rawPost("/api/v1/packages", json.length + 100, json, "half-close");
    // Either a 400 naming the cut-off body, or the connection closed without an answer.
    if (answer !== "") expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(storeDigest(dataDir)).toBe(before);
  });

  it("an upload aborted mid-body changes nothing and the server keeps answering", async () => {
    const before = storeDigest(dataDir);
    const answer = await rawPost("/api/v1/packages", json.length * 2, json.slice(0, json.length / 2), "destroy");
    expect(answer).not.toMatch(/^HTTP\/1\.1 2/);
    expect(storeDigest(dataDir)).toBe(before);
    const r = await request(`${served.url}/api/v1/packages/binary`);
    expect(r.statusCode).toBe(200);
    expect((await r.body.json()) as { total: number }).toMatchObject({ total: 2 });
  });

  it("a body longer than its Content-Length is read only that far, the rest is a malformed next request → 400", async () => {
    const before = storeDigest(dataDir);
    const answer = await rawPost("/api/v1/packages", 40, json, "half-close");
    // The HTTP parser may reject the trailing bytes before the app answers the cut-off JSON.
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(storeDigest(dataDir)).toBe(before);
  });

  it("the same report, well formed and zstd-compressed, is accepted and changes the store (the digest notices writes)", async () => {
    const before = storeDigest(dataDir);
    const r = await post("/api/v1/packages", zstdCompress(json), { "content-encoding": "zstd" });
    expect(r).toEqual({ status: 204, text: "" });
    expect(storeDigest(dataDir)).not.toBe(before);
    const listed = (await (await request(`${served.url}/api/v1/packages/binary?name=extra`)).body.json()) as { total: number };
    expect(listed.total).toBe(1);
  });
});
