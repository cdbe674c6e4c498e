/** `GET /api/v0/public-keys` (v0.25): the daemon's signing key, as v1's meta endpoint serves it. */
import { Hono } from "hono";
import { publicKeyPem } from "../../evidence/index.js";
import type { ApiDeps, ApiEnv } from "../env.js";

export function metaRoutes({ engine }: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get("/public-keys", (c) => c.json({ current: [publicKeyPem(engine.signingKey)] }));
  return app;
}
