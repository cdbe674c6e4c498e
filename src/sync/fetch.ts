/**
 * The index Fetcher: whole files into memory (with a size limit), http(s) with conditional
 * requests against an on-disk cache so an unchanged index is not downloaded again, local files
 * read directly. Every file comes back with its SHA-256, which decides whether it is parsed again.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Database } from "../engine/store/index.js";
import { nowDb } from "../engine/store/time.js";
import type { Readable } from "node:stream";
import { FetchError, isRemote, limitBody, localPath, openUrl, type OpenedUrl } from "../engine/http.js";
import type { FetchedFile, Fetcher, SyncProgress } from "./types.js";

/** Generous: the largest real index (Fedora primary.xml.gz) is ~20 MB compressed. */
export const MAX_INDEX_BYTES = 1 << 30;

interface CachedFile {
  sha256: string;
  etag: string | null;
  last_modified: string | null;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export class IndexFetcher implements Fetcher {
  private readonly cacheDir: string;

  constructor(
    private readonly db: Database,
    dataDir: string,
    private readonly progress: (event: SyncProgress) => void = () => {},
  ) {
    this.cacheDir = join(dataDir, "cache", "index");
  }

  async fetch(url: string): Promise<FetchedFile> {
    const file = await this.fetchOptional(url);
    if (!file) throw new FetchError(url, "not found", 404);
    return file;
  }

  async fetchOptional(url: string): Promise<FetchedFile | null> {
    const cached = this.db
      .prepare<CachedFile>("SELECT sha256, etag, last_modified FROM sync_files WHERE url = ?")
      .get(url);
    const cachePath = join(this.cacheDir, sha256Hex(new TextEncoder().encode(url)));
    const headers: Record<string, string> = {};
    if (cached && isRemote(url)) {
      if (cached.etag) headers["if-none-match"] = cached.etag;
      if (cached.last_modified) headers["if-modified-since"] = cached.last_modified;
    }
    let opened;
    try {
      opened = await openUrl(url, { maxBytes: MAX_INDEX_BYTES, headers });
    } catch (err) {
      if (err instanceof FetchError && err.status === 404) return null;
      throw err;
    }
    if (opened.status === 304 && cached) {
      const bytes = this.readCache(cachePath, cached.sha256);
      if (bytes) {
        this.progress({ kind: "fetch", url, bytes: bytes.byteLength, total: bytes.byteLength });
        return { url, bytes, sha256: cached.sha256 };
      }
      // The cached copy is gone or damaged: ask again without validators.
      this.db.prepare("DELETE FROM sync_files WHERE url = ?").run(url);
      return this.fetchOptional(url);
    }
    const path = localPath(url);
    const bytes = path === null ? await this.readBody(url, opened) : await this.readLocal(url, path, opened.body);
    const sha256 = sha256Hex(bytes);
    if (isRemote(url)) this.writeCache(cachePath, bytes);
    this.db
      .prepare(
        `INSERT INTO sync_files (url, sha256, size, etag, last_modified, fetched_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (url) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size, etag = excluded.etag,
           last_modified = excluded.last_modified, fetched_at = excluded.fetched_at`,
      )
      .run(url, sha256, bytes.byteLength, opened.headers.etag ?? null, opened.headers["last-modified"] ?? null, nowDb());
    return { url, bytes, sha256 };
  }

  private async readBody(url: string, opened: OpenedUrl): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let received = 0;
    for await (const chunk of limitBody(url, opened.body, MAX_INDEX_BYTES)) {
      chunks.push(chunk);
      received += chunk.byteLength;
      this.progress({ kind: "fetch", url, bytes: received, total: opened.length });
    }
    const bytes = new Uint8Array(Buffer.concat(chunks));
    if (opened.length !== null && received !== opened.length) {
      throw new FetchError(url, `truncated download (${received} of ${opened.length} bytes)`);
    }
    return bytes;
  }

  /**
   * A local file in one read instead of a stream of small chunks (which costs more than hashing
   * it); openUrl has already checked that it exists, is a regular file and within the limit.
   */
  private async readLocal(url: string, path: string, unread: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
    (unread as Partial<Readable>).destroy?.();
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new FetchError(url, (err as Error).message);
    }
    this.progress({ kind: "fetch", url, bytes: bytes.byteLength, total: bytes.byteLength });
    return bytes;
  }

  private readCache(path: string, sha256: string): Uint8Array | null {
    try {
      const bytes = new Uint8Array(readFileSync(path));
      return sha256Hex(bytes) === sha256 ? bytes : null;
    } catch {
      return null;
    }
  }

  private writeCache(path: string, bytes: Uint8Array): void {
    mkdirSync(this.cacheDir, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  }
}
