/**
 * Reading a URL for the engine: http(s):// through undici (redirects followed, a read timeout),
 * file:// and plain paths from disk. Every body has a size limit; errors name the URL.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Agent, interceptors, request } from "undici";

export class FetchError extends Error {
  constructor(
    readonly url: string,
    message: string,
    readonly status?: number,
  ) {
    super(`${url}: ${message}`);
    this.name = "FetchError";
  }
}

export interface OpenOptions {
  maxBytes: number;
  /** Request headers (e.g. If-None-Match); ignored for local files. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Seconds without data before a read is given up (rebuilderd: 60). */
  readTimeoutSeconds?: number;
}

export interface OpenedUrl {
  /** 200 for local files; 304 when a conditional request found the file unchanged. */
  status: number;
  headers: Record<string, string>;
  /** Content length if known. */
  length: number | null;
  body: AsyncIterable<Uint8Array>;
}

let agent: ReturnType<Agent["compose"]> | undefined;
const dispatcher = () => (agent ??= new Agent({ connectTimeout: 30_000 }).compose(interceptors.redirect({ maxRedirections: 5 })));

export function isRemote(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** A local path for file:// URLs and plain paths; null for http(s). */
export function localPath(url: string): string | null {
  if (isRemote(url)) return null;
  if (url.startsWith("file://")) return fileURLToPath(url);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new FetchError(url, "unsupported URL scheme (use http://, https://, file:// or a path)");
  return url;
}

export async function openUrl(url: string, opts: OpenOptions): Promise<OpenedUrl> {
  const path = localPath(url);
  if (path !== null) {
    let size: number;
    try {
      const st = await stat(path);
      if (!st.isFile()) throw new FetchError(url, "not a regular file");
      size = st.size;
    } catch (err) {
      if (err instanceof FetchError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw new FetchError(url, code === "ENOENT" ? "not found" : (err as Error).message, code === "ENOENT" ? 404 : undefined);
    }
    if (size > opts.maxBytes) throw new FetchError(url, `larger than the limit of ${opts.maxBytes} bytes`);
    return { status: 200, headers: {}, length: size, body: createReadStream(path) };
  }
  let res;
  try {
    res = await request(url, {
      method: "GET",
      headers: { "user-agent": "rebuilder", ...opts.headers },
      dispatcher: dispatcher(),
      signal: opts.signal,
      bodyTimeout: (opts.readTimeoutSeconds ?? 60) * 1000,
      headersTimeout: (opts.readTimeoutSeconds ?? 60) * 1000,
    });
  } catch (err) {
    throw new FetchError(url, (err as Error).message);
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers[k] = v;
  if (res.statusCode === 304) {
    await res.body.dump();
    return { status: 304, headers, length: 0, body: (async function* () {})() };
  }
  if (res.statusCode < 200 || res.statusCode >= 300) {
    await res.body.dump();
    throw new FetchError(url, `HTTP ${res.statusCode}`, res.statusCode);
  }
  const length = headers["content-length"] ? Number(headers["content-length"]) : null;
  if (length !== null && length > opts.maxBytes) {
    res.body.destroy();
    throw new FetchError(url, `larger than the limit of ${opts.maxBytes} bytes (${length})`);
  }
  return { status: res.statusCode, headers, length, body: res.body };
}

/** Reads a body to its end, enforcing the size limit while reading (servers may lie about length). */
export async function* limitBody(url: string, body: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new FetchError(url, `larger than the limit of ${maxBytes} bytes`);
    yield chunk;
  }
}
