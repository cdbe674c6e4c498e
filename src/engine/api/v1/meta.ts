/** `/api/v1/meta`: what the store holds, and the daemon's public key (reference §3.5). Public; never 404. */
import { Hono } from "hono";
import { publicKeyPem } from "../../evidence/index.js";
import { architectures, distributions, releases } from "../../store/queries/meta.js";
import type { ApiDeps, ApiEnv } from "../env.js";
import { queryBool } from "../validate.js";

export function metaRoutes({ engine }: ApiDeps): Hono<ApiEnv> {
  const { db } = engine;
  const app = new Hono<ApiEnv>();

  app.get("/meta/distributions", (c) => c.json(distributions(db, queryBool(c, "seen_only"))));
  app.get("/meta/distributions/:distribution/releases", (c) => c.json(releases(db, c.req.param("distribution"), queryBool(c, "seen_only"))));
  app.get("/meta/distributions/:distribution/architectures", (c) =>
    c.json(architectures(db, c.req.param("distribution"), undefined, queryBool(c, "seen_only"))),
  );
  // "-" stands for "no release" (rolling distributions).
  app.get("/meta/distributions/:distribution/releases/:release/architectures", (c) => {
    const release = c.req.param("release");
    return c.json(architectures(db, c.req.param("distribution"), release === "-" ? null : release, queryBool(c, "seen_only")));
  });
  app.get("/meta/public-keys", (c) => c.json({ current: [publicKeyPem(engine.signingKey)] }));

  return app;
}
