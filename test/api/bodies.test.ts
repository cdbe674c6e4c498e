/** Malformed, truncated, oversized and wrongly-encoded bodies: a 4xx that says what is wrong, and nothing changes in the store. */
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zstdCompress } from "../../src/engine/compression.js";
import { call, COOKIE, startServer, storeSnapshot, type TestServer } from "./harness.js";

const LIMIT = 4096;
let server: TestServer;
beforeAll(async () => {
  server = await startServer(`[http]\npost_body_size_limit = ${LIMIT}\n`);
});
afterAll(() => server.close());

const report = (n: number) => ({
  distribution: "debian",
  release: "trixie",
  architecture: "amd64",
  packages: Array.from({ length: n }, (_, i) => ({ name: `p${i}`, version: "1", url: `https://b.test/p${i}.buildinfo`, artifacts: [{ name: `p${i}`, version: "1", component: "main", architecture: "amd64", url: `https://m.test/p${i}.deb` }] })),
});
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

/**
 * A zstd frame of 8 GiB of zeros in 256 KiB: RLE blocks of 128 KiB, 4 bytes each, as a
 * compressor makes them. `declareSize` writes the size into the frame header, as zstd does.
 */
function zstdBomb(declareSize: boolean): Buffer {
  const BLOCK = 128 * 1024;
  const blocks = 65_536;
  const header = declareSize
    ? Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0x38]), Buffer.alloc(8)])
    : Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38]);
  if (declareSize) header.writeBigUInt64LE(BigInt(BLOCK * blocks), 6);
  const body = Buffer.alloc(blocks * 4);
  for (let i = 0; i < blocks; i++) {
    // Block header: last-block bit, type 1 (RLE), size; then the byte to repeat.
    const last = i === blocks - 1 ? 1 : 0;
    body.writeUIntLE(last | (1 << 1) | (BLOCK << 3), i * 4, 3);
  }
  return Buffer.concat([header, body]);
}

const cases: [string, Record<string, string>, Uint8Array | string, number, RegExp][] = [
  ["malformed JSON", { "content-type": "application/json" }, "{\"distribution\": ", 400, /not valid JSON/],
  ["truncated zstd", { "content-type": "application/json", "content-encoding": "zstd" }, zstdCompress(json(report(3))).subarray(0, 20), 400, /not valid zstd data/],
  ["gzip labelled zstd", { "content-type": "application/json", "content-encoding": "zstd" }, gzipSync(json(report(1))), 400, /not valid zstd data/],
  ["truncated gzip", { "content-type": "application/json", "content-encoding": "gzip" }, gzipSync(json(report(3))).subarray(0, 30), 400, /not valid gzip data/],
  ["an unsupported encoding", { "content-type": "application/json", "content-encoding": "br" }, json(report(1)), 415, /unsupported Content-Encoding "br"/],
  ["a non-JSON content type", { "content-type": "text/plain" }, json(report(1)), 415, /must be JSON/],
  ["oversized", { "content-type": "application/json" }, json(report(100)), 413, /larger than the limit of 4096 bytes/],
  ["oversized once decompressed (zstd)", { "content-type": "application/json", "content-encoding": "zstd" }, zstdCompress(json(report(100))), 413, /larger than the limit/],
  ["oversized once decompressed (gzip)", { "content-type": "application/json", "content-encoding": "gzip" }, gzipSync(json(report(100))), 413, /larger than the limit/],
  ["a missing field", { "content-type": "application/json" }, json({ distribution: "debian", packages: [] }), 400, /field "architecture" must be a string \(it is missing\)/],
  ["a wrong type deep inside", { "content-type": "application/json" }, json({ ...report(1), packages: [{ name: "a", version: 1, url: "u", artifacts: [] }] }), 400, /package 0: field "version" must be a string/],
  ["invalid UTF-8", { "content-type": "application/json" }, Buffer.from([0x7b, 0xff, 0x7d]), 400, /not valid UTF-8/],
];

describe("POST /api/v1/packages with a bad body", () => {
  for (const [what, headers, raw, status, message] of cases) {
    it(`refuses ${what} with ${status}`, async () => {
      const before = storeSnapshot(server.engine);
      const r = await call(server, "POST", "/api/v1/packages", { raw, headers, cookie: COOKIE });
      expect(r.status).toBe(status);
      expect(r.text).toMatch(message);
      expect(r.headers["content-type"]).toBe("text/plain; charset=utf-8");
      expect(storeSnapshot(server.engine)).toEqual(before);
    });
  }

  it("still accepts a good body of the same endpoint afterwards (zstd, gzip and plain)", async () => {
    for (const encoding of ["zstd", "gzip", "identity"] as const) {
      expect((await call(server, "POST", "/api/v1/packages", { body: report(2), encoding, cookie: COOKIE })).status).toBe(204);
    }
    expect((await call(server, "GET", "/api/v1/packages/source")).json<{ total: number }>().total).toBe(2);
  });
});

describe("a zstd bomb", () => {
  // The bomb itself (256 KiB) is within this limit: only decoding can find it too large.
  let roomy: TestServer;
  beforeAll(async () => {
    roomy = await startServer(`[http]\npost_body_size_limit = 1048576\n`);
  });
  afterAll(() => roomy.close());

  for (const declareSize of [true, false]) {
    it(`is refused with 413 while it decodes (8 GiB of zeros, ${declareSize ? "" : "no "}size in the frame header)`, async () => {
      const headers = { "content-type": "application/json", "content-encoding": "zstd" };
      const r = await call(roomy, "POST", "/api/v1/packages", { raw: zstdBomb(declareSize), headers, cookie: COOKIE });
      expect(r.status).toBe(413);
      expect(r.text).toMatch(/larger than the limit of 1048576 bytes/);
    });
  }
});

describe("bad bodies on the worker endpoints", () => {
  it("refuses a report whose byte fields are base64 strings or out of range, and a zone-suffixed built_at", async () => {
    const key = Buffer.alloc(32, 3).toString("base64");
    expect((await call(server, "POST", "/api/v1/workers", { body: { name: "w" }, workerKey: key, cookie: COOKIE })).status).toBe(204);
    const base = { queue_id: 1, built_at: "2026-05-30T10:04:12", build_log: [1, 2], status: "FAIL", artifacts: [] };
    const before = storeSnapshot(server.engine);
    for (const [body, message] of [
      [{ ...base, build_log: "KLUv/QQA" }, /build_log" must be an array of byte values/],
      [{ ...base, build_log: [1, 256] }, /element 1 is not/],
      [{ ...base, built_at: "2026-05-30T10:04:12Z" }, /built_at must be a UTC timestamp without zone/],
      [{ ...base, status: "UNKNOWN" }, /status must be one of GOOD, BAD, FAIL, UNKWN/],
      [{ ...base, artifacts: [{ name: "a", status: "FAIL" }] }, /artifact 0 status must be one of GOOD, BAD, UNKWN/],
    ] as const) {
      const r = await call(server, "POST", "/api/v1/builds", { body, workerKey: key });
      expect([r.status, r.text]).toEqual([400, expect.stringMatching(message)]);
    }
    const pop = await call(server, "POST", "/api/v1/queue/pop", { body: { supported_backends: ["debian"] }, workerKey: key });
    expect([pop.status, pop.text]).toEqual([400, expect.stringMatching(/supported_architectures" must be an array/)]);
    expect(storeSnapshot(server.engine)).toEqual(before);
  });
});
