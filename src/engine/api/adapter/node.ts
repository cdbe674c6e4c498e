/** Serving the app under Node: @hono/node-server over node:http. */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import type { Listener, ServeOptions } from "./index.js";

export function listenNode({ fetch, hostname, port }: ServeOptions): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: (req, env) => fetch(req, { peer: "incoming" in env ? (env.incoming.socket.remoteAddress ?? "") : "" }), hostname, port },
      (info: AddressInfo) =>
        resolve({
          hostname: info.address,
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              // Open event streams and keep-alive sockets would hold close() forever.
              (server as Server).closeAllConnections();
              server.close(() => done());
            }),
        }),
    ) as Server;
    server.once("error", reject);
  });
}
