/**
 * Sending stored evidence (zstd blobs): passed through with `Content-Encoding: zstd` when the
 * client accepts zstd, decompressed otherwise; uncompressed legacy blobs as they are. With the
 * headers rebuilderd sets so a browser never renders a log as a page (reference §3.1).
 */
import type { Context } from "hono";
import { isZstd, zstdDecompress } from "../compression.js";

export const TEXT = "text/plain; charset=utf-8";
export const JSON_UTF8 = "application/json; charset=utf-8";

/** True when Accept-Encoding lists zstd with a non-zero quality (or `*`). */
export function acceptsZstd(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return (coding === "zstd" || coding === "*") && (q === undefined || Number(q.slice(2)) > 0);
  });
}

export function sendBlob(c: Context, blob: Uint8Array, contentType: string): Response {
  const headers: Record<string, string> = {
    "Content-Type": contentType,
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'",
    Vary: "Accept-Encoding",
  };
  let body = blob;
  if (isZstd(blob)) {
    if (acceptsZstd(c.req.header("accept-encoding"))) headers["Content-Encoding"] = "zstd";
    else body = zstdDecompress(blob);
  }
  return new Response(body as Uint8Array<ArrayBuffer>, { status: 200, headers });
}
