/**
 * A real server for API tests: an engine on a fresh SQLite store in a temp data directory, the
 * HTTP app on a loopback port picked by the OS, and a client that speaks like rebuildctl and
 * rebuilderd-worker (zstd request bodies, the three credential headers).
 */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import type { Listener } from "../../src/engine/api/adapter/index.js";
import { listenApi } from "../../src/engine/api/app.js";
import { ApiAuth } from "../../src/engine/api/auth.js";
import { zstdCompress } from "../../src/engine/compression.js";
import { parseEngineConfig } from "../../src/engine/config.js";
import { Engine } from "../../src/engine/engine.js";

export const COOKIE = "test-admin-cookie-0123456789abcdef";
/** Two worker keys in rebuilderd-worker's form (base64 of 32 bytes). */
export const WORKER_KEY = Buffer.alloc(32, 7).toString("base64");
export const OTHER_KEY = Buffer.alloc(32, 9).toString("base64");

export interface TestServer {
  url: string;
  engine: Engine;
  root: string;
  errors: string[];
  close(): Promise<void>;
}

/** `configToml` is an engine config (rebuilderd.conf form), or made from the server's temp root; slots default to none, and run when there are some. */
export async function startServer(configToml: string | ((root: string) => string) = "", { slots = 0 } = {}): Promise<TestServer> {
  const root = mkdtempSync(join(tmpdir(), "rebuilder-api-"));
  const { config } = parseEngineConfig(typeof configToml === "string" ? configToml : configToml(root), "test.conf");
  config.slots.count = slots;
  const engine = await Engine.open({ dataDir: join(root, "data"), config, echoOutput: false });
  const errors: string[] = [];
  engine.slots.start();
  const listener: Listener = await listenApi({ engine, auth: new ApiAuth(COOKIE, config.worker) }, { hostname: "127.0.0.1", port: 0 }, (m) => errors.push(m));
  return {
    url: `http://127.0.0.1:${listener.port}`,
    engine,
    root,
    errors,
    async close() {
      await listener.close();
      await engine.close({ handBack: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json<T = unknown>(): T;
}

export interface CallOptions {
  body?: unknown;
  /** Raw bytes sent as they are (with the given headers). */
  raw?: Uint8Array | string;
  /** Compress the JSON body as the Rust clients do; default zstd. */
  encoding?: "zstd" | "gzip" | "identity";
  cookie?: string;
  workerKey?: string;
  signupSecret?: string;
  headers?: Record<string, string>;
}

export async function call(server: { url: string }, method: string, path: string, o: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.cookie !== undefined) headers["x-auth-cookie"] = o.cookie;
  if (o.workerKey !== undefined) headers["x-worker-key"] = o.workerKey;
  if (o.signupSecret !== undefined) headers["x-signup-secret"] = o.signupSecret;
  let body: Uint8Array | string | undefined = o.raw;
  if (o.body !== undefined) {
    const json = new TextEncoder().encode(JSON.stringify(o.body));
    const encoding = o.encoding ?? "zstd";
    headers["content-type"] ??= "application/json";
    if (encoding === "zstd") {
      body = zstdCompress(json);
      headers["content-encoding"] = "zstd";
    } else if (encoding === "gzip") {
      body = (await import("node:zlib")).gzipSync(json);
      headers["content-encoding"] = "gzip";
    } else body = json;
  }
  const res = await request(`${server.url}${path}`, { method: method as "GET", headers, ...(body !== undefined ? { body } : {}) });
  const buf = Buffer.from(await res.body.arrayBuffer());
  return {
    status: res.statusCode,
    headers: res.headers,
    body: buf,
    text: buf.toString("utf8"),
    json: <T>() => JSON.parse(buf.toString("utf8")) as T,
  };
}

/** Row counts of every table: "nothing changed in the store". */
export function storeSnapshot(engine: Engine): Record<string, number> {
  const tables = engine.db.prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
  return Object.fromEntries(tables.map(({ name }) => [name, engine.db.prepare<{ n: number }>(`SELECT count(*) AS n FROM "${name}"`).get()!.n]));
}

/** A package report for two source packages whose artifacts are local files, so a `command` backend can rebuild them. */
export function localReport(root: string, names = ["good", "bad"]) {
  return {
    distribution: "archlinux",
    release: null,
    architecture: "x86_64",
    packages: names.map((name) => {
      const file = join(root, `${name}-1.0-1-x86_64.pkg.tar.zst`);
      writeFileSync(file, `package ${name}\n`);
      return { name, version: "1.0-1", url: file, artifacts: [{ name, version: "1.0-1", component: "core", architecture: "x86_64", url: file }] };
    }),
  };
}

/** A rebuilderd backend script: `good-*` rebuilds identically, anything else differs; each build waits for `gate` to exist. */
export function backendScript(root: string, gate?: string): string {
  const script = join(root, "rebuild.sh");
  writeFileSync(
    script,
    `#!/bin/sh\nset -e\nf=$(basename "$1")\necho "rebuilding $f"\n` +
      (gate ? `while [ ! -e "${gate}" ]; do sleep 0.05; done\n` : "") +
      `case "$f" in\n  good-*) cp "$1" "$REBUILDERD_OUTDIR/$f" ;;\n  *) echo other > "$REBUILDERD_OUTDIR/$f" ;;\nesac\necho "done $f"\n`,
  );
  chmodSync(script, 0o755);
  return script;
}
