/**
 * The HTTP app: one web-standard Hono app (Request → Response) serving `/api/v1`, `/api/v0` and
 * `/metrics` from one engine; the runtime adapter (adapter/) only binds it to a socket. As
 * rebuilderd, paths are normalised before routing (duplicate and trailing slashes dropped),
 * unknown paths are 404 with an empty body, and errors are plain text, never a JSON envelope.
 */
import { Hono } from "hono";
import { QueryError } from "../store/queries/pagination.js";
import type { ApiDeps, ApiEnv } from "./env.js";
import { HttpError } from "./http-error.js";
import { metricsRoutes } from "./metrics.js";
import { mountV0 } from "./v0/index.js";
import { mountV1 } from "./v1/index.js";

/** `/api/v1//queue/` → `/api/v1/queue`. */
export function normalisePath(path: string): string {
  const collapsed = path.replace(/\/{2,}/g, "/");
  return collapsed.length > 1 ? collapsed.replace(/\/+$/, "") : collapsed;
}

/** A path made of plain segments (letters, digits, `_`, `-`): nothing to normalise or decode. */
const PLAIN_PATH = /^(?:\/[\w-]+)+$/;

/** The request's normalised path; plain paths (nearly all) are cut from the URL without parsing it. */
export function requestPath(url: string): string {
  const start = url.indexOf("/", url.indexOf("://") + 3);
  const query = url.indexOf("?", start);
  const path = url.slice(start, query < 0 ? undefined : query);
  return PLAIN_PATH.test(path) ? path : normalisePath(new URL(url).pathname);
}

const text = (body: string, status: number) => new Response(body, { status, headers: body ? { "Content-Type": "text/plain; charset=utf-8" } : {} });

export function createApp(deps: ApiDeps, log: (message: string) => void = () => {}): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>({ getPath: (req) => requestPath(req.url) });
  mountV1(app, deps);
  mountV0(app, deps);
  app.route("/", metricsRoutes(deps));
  app.notFound(() => text("", 404));
  app.onError((err) => {
    if (err instanceof HttpError) return text(err.message, err.status);
    if (err instanceof QueryError) return text(`${err.message}\n`, 400);
    // Unexpected (a store error, a bug): the message, as rebuilderd renders its error chain; logged too.
    log(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return text(`${err instanceof Error ? err.message : String(err)}\n`, 500);
  });
  return app;
}
