/** The one runtime difference of the HTTP face: which server binds the app to a socket. */
import type { ApiBindings } from "../env.js";

/** GET handlers by path (`:name` parameters), for the runtime's own router to serve ahead of `fetch` (see app.ts directRoutes). */
export type DirectRoutes = Record<string, (params: Record<string, string>) => Response>;

export interface ServeOptions {
  fetch: (req: Request, env: ApiBindings) => Response | Promise<Response>;
  /** Served by Bun's router; Node's has none, and `fetch` answers the same paths the same way. */
  routes?: DirectRoutes;
  hostname: string;
  /** 0 picks a free port. */
  port: number;
}

export interface Listener {
  hostname: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(opts: ServeOptions): Promise<Listener> {
  if (typeof Bun !== "undefined") return (await import("./bun.js")).listenBun(opts);
  return (await import("./node.js")).listenNode(opts);
}

/** `ADDR:PORT`, `[v6]:PORT` → host and port; a clear error otherwise. */
export function parseBindAddress(value: string): { hostname: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`bind address must be ADDR:PORT (e.g. 127.0.0.1:8484 or [::1]:8484), got ${JSON.stringify(value)}`);
  return { hostname: (m[1] ?? m[2])!, port };
}
