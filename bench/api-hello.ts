/**
 * bench:api's floor: the smallest HTTP server on the runtime of dist/rebuilder (Bun.serve),
 * answering every request with a small JSON object. Run with the bun binary; prints its URL.
 */
const body = JSON.stringify({ hello: "world" });
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(body, { headers: { "content-type": "application/json" } }) });
console.log(`listening on http://127.0.0.1:${server.port}`);
