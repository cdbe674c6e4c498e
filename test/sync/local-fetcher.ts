/**
 * A Fetcher over local files for tests: plain paths are read directly, and URLs under a mapped
 * prefix (e.g. "https://mirror.example/") are read from a directory, so a test can use a
 * mirror-style source. Every requested URL is recorded.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { FetchError } from "../../src/engine/http.js";
import type { FetchedFile, Fetcher } from "../../src/sync/types.js";

export class LocalFetcher implements Fetcher {
  readonly requested: string[] = [];

  constructor(private readonly mirrors: Record<string, string> = {}) {}

  async fetch(url: string): Promise<FetchedFile> {
    const file = await this.fetchOptional(url);
    if (!file) throw new FetchError(url, "not found", 404);
    return file;
  }

  async fetchOptional(url: string): Promise<FetchedFile | null> {
    this.requested.push(url);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(this.pathOf(url)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw new FetchError(url, (err as Error).message);
    }
    return { url, bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
  }

  private pathOf(url: string): string {
    for (const [prefix, dir] of Object.entries(this.mirrors)) {
      if (url.startsWith(prefix)) return join(dir, decodeURIComponent(url.slice(prefix.length)));
    }
    if (/^[a-z]+:\/\//i.test(url)) throw new FetchError(url, "no local directory mapped for this URL");
    return url;
  }
}
