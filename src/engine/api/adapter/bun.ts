/** Serving the app in the compiled binary: Bun.serve. */
import type { Listener, ServeOptions } from "./index.js";

export function listenBun({ fetch, routes = {}, hostname, port }: ServeOptions): Promise<Listener> {
  const server = Bun.serve({
    hostname,
    port,
    // GET only: HEAD is answered from GET by Bun, other methods fall through to fetch.
    routes: Object.fromEntries(Object.entries(routes).map(([path, handle]) => [path, { GET: (req: Bun.BunRequest) => handle(req.params) }])),
    // The app enforces the body limit itself while it streams the body, with a message saying so;
    // Bun's own limit (default 128 MiB) would answer an empty 413 first, or cut a larger limit short.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    // Seconds; event streams send a comment every 15 s, well inside this.
    idleTimeout: 60,
    // The peer address is looked up only when read (worker registration): requestIP costs more
    // than a whole single-record lookup.
    fetch: (req, srv) =>
      fetch(req, {
        get peer() {
          return srv.requestIP(req)?.address ?? "";
        },
      }),
  });
  return Promise.resolve({
    hostname: server.hostname ?? hostname,
    port: server.port ?? port,
    close: () => server.stop(true),
  });
}
