/** Serving the app in the compiled binary: Bun.serve. */
import type { Listener, ServeOptions } from "./index.js";

export function listenBun({ fetch, hostname, port, maxBodyBytes }: ServeOptions): Promise<Listener> {
  const server = Bun.serve({
    hostname,
    port,
    // The app enforces the body limit itself (and says so); Bun's own default of 128 MiB would cut it short.
    maxRequestBodySize: maxBodyBytes + 1,
    // Seconds; event streams send a comment every 15 s, well inside this.
    idleTimeout: 60,
    fetch: (req, srv) => fetch(req, { peer: srv.requestIP(req)?.address ?? "" }),
  });
  return Promise.resolve({
    hostname: server.hostname ?? hostname,
    port: server.port ?? port,
    close: () => server.stop(true),
  });
}
