import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/engine/store/index.js";
import { IndexFetcher, sha256Hex } from "../../src/sync/fetch.js";

let server: Server;
let base: string;
const hits: { path: string; ifNoneMatch?: string; ifModifiedSince?: string }[] = [];
const body = new TextEncoder().encode("Package: hello\nVersion: 1\n\n");

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push({
      path: req.url!,
      ifNoneMatch: req.headers["if-none-match"] as string | undefined,
      ...(req.headers["if-modified-since"] ? { ifModifiedSince: req.headers["if-modified-since"] } : {}),
    });
    if (req.url === "/index") {
      if (req.headers["if-none-match"] === '"v1"') {
        res.writeHead(304).end();
        return;
      }
      res.writeHead(200, { etag: '"v1"', "content-length": body.byteLength }).end(body);
    } else if (req.url === "/dated") {
      if (req.headers["if-modified-since"] === "Sun, 06 Nov 1994 08:49:37 GMT") {
        res.writeHead(304).end();
        return;
      }
      res.writeHead(200, { "last-modified": "Sun, 06 Nov 1994 08:49:37 GMT" }).end(body);
    } else if (req.url === "/truncated") {
      res.writeHead(200, { "content-length": 1000 });
      res.write("only a little");
      res.destroy();
    } else if (req.url === "/moved") {
      res.writeHead(301, { location: "/index" }).end();
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => server.close());

const setup = () => {
  const dataDir = mkdtempSync(join(tmpdir(), "rebuilder-fetch-"));
  const db = openStore(dataDir);
  return { dataDir, db, fetcher: new IndexFetcher(db, dataDir) };
};

describe("index fetcher", () => {
  it("revalidates with the ETag and serves an unchanged file from its cache", async () => {
    const { db, dataDir, fetcher } = setup();
    const first = await fetcher.fetch(`${base}/index`);
    expect(first.sha256).toBe(sha256Hex(body));
    hits.length = 0;
    const again = await new IndexFetcher(db, dataDir).fetch(`${base}/index`);
    expect(hits).toEqual([{ path: "/index", ifNoneMatch: '"v1"' }]);
    expect(Buffer.from(again.bytes).equals(Buffer.from(body))).toBe(true);
  });

  it("revalidates with Last-Modified when the server sends no ETag", async () => {
    const { db, dataDir, fetcher } = setup();
    await fetcher.fetch(`${base}/dated`);
    hits.length = 0;
    const again = await new IndexFetcher(db, dataDir).fetch(`${base}/dated`);
    expect(hits).toEqual([{ path: "/dated", ifNoneMatch: undefined, ifModifiedSince: "Sun, 06 Nov 1994 08:49:37 GMT" }]);
    expect(again.sha256).toBe(sha256Hex(body));
  });

  it("names the reason when a server cannot be reached", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const { fetcher } = setup();
    await expect(fetcher.fetch(`http://127.0.0.1:${port}/InRelease`)).rejects.toThrow(new RegExp(`^http://127\\.0\\.0\\.1:${port}/InRelease: .*(ECONNREFUSED|Unable to connect)`));
  });

  it("follows redirects", async () => {
    const { fetcher } = setup();
    expect((await fetcher.fetch(`${base}/moved`)).sha256).toBe(sha256Hex(body));
  });

  it("reports a missing file as null only when asked to", async () => {
    const { fetcher } = setup();
    expect(await fetcher.fetchOptional(`${base}/nothing`)).toBeNull();
    await expect(fetcher.fetch(`${base}/nothing`)).rejects.toThrow(`${base}/nothing: not found`);
  });

  it("refuses a truncated download and records nothing for it", async () => {
    const { db, fetcher } = setup();
    await expect(fetcher.fetch(`${base}/truncated`)).rejects.toThrow(/truncated/);
    expect(db.prepare("SELECT * FROM sync_files").all()).toEqual([]);
  });

  it("reads plain paths and file:// URLs, and rejects other schemes", async () => {
    const { fetcher, dataDir } = setup();
    const p = join(dataDir, "Packages");
    writeFileSync(p, body);
    expect((await fetcher.fetch(p)).sha256).toBe(sha256Hex(body));
    expect((await fetcher.fetch(`file://${p}`)).sha256).toBe(sha256Hex(body));
    await expect(fetcher.fetch("ftp://example.org/x")).rejects.toThrow(/unsupported URL scheme/);
  });
});
