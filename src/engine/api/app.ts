/**
 * The HTTP app: one web-standard Hono app (Request → Response) serving `/api/v1`, `/api/v0` and
 * `/metrics` from one engine; the runtime adapter (adapter/) only binds it to a socket. As
 * rebuilderd, paths are normalised before routing (duplicate and trailing slashes dropped),
 * unknown paths are 404 with an empty body, and errors are plain text, never a JSON envelope.
 */
import { Hono } from "hono";
import { listen, type DirectRoutes, type Listener } from "./adapter/index.js";
import type { ApiDeps, ApiEnv } from "./env.js";
import { metricsRoutes } from "./metrics.js";
import { errorResponse, textResponse } from "./responses.js";
import { mountV0 } from "./v0/index.js";
import { binaryPackageById } from "./v1/package.js";
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

export function createApp(deps: ApiDeps, log: (message: string) => void = () => {}): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>({ getPath: (req) => requestPath(req.url) });
  mountV1(app, deps);
  mountV0(app, deps);
  app.route("/", metricsRoutes(deps));
  app.notFound(() => textResponse("", 404));
  app.onError((err) => errorResponse(err, log));
  return app;
}

/**
 * GET routes whose handler the app's route of the same path also calls, for a runtime with a
 * router of its own to answer before the app: Bun's is native, and the API's most frequent request
 * skips Hono's routing and context (~10 µs of ~40). A path it does not match exactly (a doubled
 * slash, another method) reaches the app, which answers the same.
 */
export function directRoutes({ engine }: ApiDeps, log: (message: string) => void = () => {}): DirectRoutes {
  const answer = (handle: () => Response): Response => {
    try {
      return handle();
    } catch (err) {
      return errorResponse(err, log);
    }
  };
  return {
    "/api/v1/packages/binary/:id": (params) => answer(() => binaryPackageById(engine, params.id ?? "")),
  };
}

/** The API bound to a socket: the app, with its direct routes for the runtime's router. */
export function listenApi(deps: ApiDeps, bind: { hostname: string; port: number }, log: (message: string) => void = () => {}): Promise<Listener> {
  const app = createApp(deps, log);
  return listen({ fetch: (req, env) => app.fetch(req, env), routes: directRoutes(deps, log), ...bind });
}
