/**
 * Reading a URL for the engine: http(s):// through undici (redirects followed, a read timeout),
 * file:// and plain paths from disk. Every body has a size limit; errors name the URL.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { fetch } from "undici";

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
  // undici's fetch under Node; under Bun the same import is Bun's own fetch, so one code path serves both.
  const controller = new AbortController();
  const onAbort = () => controller.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  const readTimeoutMs = (opts.readTimeoutSeconds ?? 60) * 1000;
  const stall = () => controller.abort(new Error(`no data for ${readTimeoutMs / 1000} seconds`));
  let timer = setTimeout(stall, readTimeoutMs);
  const done = () => {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
  };
  const failure = (err: unknown) => {
    const reason = controller.signal.reason instanceof Error ? controller.signal.reason : (err as Error);
    // Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, …) is its cause.
    const cause = (reason as { cause?: { code?: string; message?: string } }).cause;
    return new FetchError(url, cause ? `${reason.message}: ${cause.code ?? cause.message}` : reason.message);
  };
  let res;
  try {
    res = await fetch(url, { headers: { "user-agent": "rebuilder", ...opts.headers }, redirect: "follow", signal: controller.signal });
  } catch (err) {
    done();
    throw failure(err);
  }
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  const length = headers["content-length"] ? Number(headers["content-length"]) : null;
  if (res.status === 304 || res.status < 200 || res.status >= 300 || (length !== null && length > opts.maxBytes)) {
    done();
    await res.body?.cancel();
    if (res.status === 304) return { status: 304, headers, length: 0, body: (async function* () {})() };
    if (res.status < 200 || res.status >= 300) throw new FetchError(url, `HTTP ${res.status}`, res.status);
    throw new FetchError(url, `larger than the limit of ${opts.maxBytes} bytes (${length})`);
  }
  const reader = res.body?.getReader();
  async function* body(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        if (!reader) return;
        const chunk = await reader.read().catch((err) => {
          throw failure(err);
        });
        if (chunk.done) return;
        clearTimeout(timer);
        timer = setTimeout(stall, readTimeoutMs);
        yield chunk.value;
      }
    } finally {
      done();
      if (reader) await reader.cancel().catch(() => {});
    }
  }
  return { status: res.status, headers, length, body: body() };
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
