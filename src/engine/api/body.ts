/**
 * Request bodies for v0 and v1: JSON only, at most `[http] post_body_size_limit` bytes both as
 * sent and once decoded, `Content-Encoding: zstd` (every rebuilderd ≥ 0.26 client compresses its
 * bodies) or `gzip` decoded first. Every failure is a 4xx with a plain-text reason, raised before
 * a handler touches the store.
 */
import { gunzipSync } from "node:zlib";
import type { Context } from "hono";
import { isZstd, zstdDecompressCapped } from "../compression.js";
import { HttpError } from "./http-error.js";

const tooLarge = (limit: number) => new HttpError(413, `request body larger than the limit of ${limit} bytes ([http] post_body_size_limit)\n`);

/** Reads the raw body, stopping as soon as it exceeds `limit`. */
async function readCapped(req: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  if (!req.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (err) {
      throw new HttpError(400, `request body could not be read: ${(err as Error).message}\n`);
    }
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks);
}

function decode(raw: Uint8Array, encoding: string, limit: number): Uint8Array {
  let out: Uint8Array;
  try {
    if (encoding === "zstd") {
      if (!isZstd(raw)) throw new Error("not a zstd frame");
      out = zstdDecompressCapped(raw, limit);
    } else {
      // Both stop a bomb while it decodes, never holding much more than the limit.
      out = gunzipSync(raw, { maxOutputLength: limit + 1 });
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge(limit);
    throw new HttpError(400, `request body is not valid ${encoding} data (Content-Encoding: ${encoding}): ${(err as Error).message}\n`);
  }
  if (out.byteLength > limit) throw tooLarge(limit);
  return out;
}

/** The parsed JSON body of a request, or an HttpError (400, 413, 415) that names the problem. */
export async function readJsonBody(c: Context, limit: number): Promise<unknown> {
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json" && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    throw new HttpError(415, `request body must be JSON (Content-Type: application/json), got ${JSON.stringify(type || "no Content-Type")}\n`);
  }
  const encoding = (c.req.header("content-encoding") ?? "identity").trim().toLowerCase();
  if (!["identity", "zstd", "gzip"].includes(encoding)) {
    throw new HttpError(415, `unsupported Content-Encoding ${JSON.stringify(encoding)}: send zstd, gzip or an uncompressed body\n`);
  }
  const raw = await readCapped(c.req.raw, limit);
  const bytes = encoding === "identity" ? raw : decode(raw, encoding, limit);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, "request body is not valid UTF-8\n");
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, `request body is not valid JSON: ${(err as Error).message}\n`);
  }
}
