/**
 * `rebuilder serve` as a real child process on a loopback port, run the way test/cli/fixture.ts
 * runs the CLI, plus what the resilience tests check on its store: integrity and a digest of
 * every table.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { request } from "undici";
import { openDatabase, type Database } from "../../src/engine/store/sqlite.js";
import { cli } from "../cli/fixture.js";
import { DEBIAN_MIRROR } from "../support/test-data.js";

/** Polls `check` until it returns a value other than undefined, at most `seconds`; fails naming `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, seconds = 60, everyMs = 100): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${seconds}s waiting for ${what}`);
}

export interface ServeOptions {
  dataDir: string;
  config: string;
  /** Extra arguments after `serve`, e.g. ["--slots", "0"]. */
  args?: string[];
}

export interface Served {
  url: string;
  child: ChildProcess;
  /** The admin cookie the server wrote (REBUILDERD_COOKIE_PATH points into the data directory's parent). */
  cookie: () => Promise<string>;
  output: () => { stdout: string; stderr: string };
  exited: Promise<number | null>;
  /** `kill -9`, then waits for the exit. */
  killHard: () => Promise<void>;
  /** SIGTERM, then waits for the exit. */
  stop: () => Promise<number | null>;
}

/** The environment every served process gets: its cookie and XDG homes inside the test's directory, never the user's. */
export function serveEnv(root: string): NodeJS.ProcessEnv {
  const home = join(root, "home");
  mkdirSync(home, { recursive: true });
  return {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local/share"),
    REBUILDERD_COOKIE_PATH: join(root, "auth-cookie"),
  };
}

/** Servers still running when the test process ends (a failed test, a timeout) are killed with it. */
const running = new Set<ChildProcess>();
process.on("exit", () => killServers());

/** Kills every server this process started that still runs: for afterEach, so a failed test leaves none behind (Bun's test workers may end without an exit event). */
export function killServers(): void {
  for (const child of running) child.kill("SIGKILL");
}

/** Starts `rebuilder serve` on a port the kernel picks (read from its "listening on" line) and resolves once `/api/v1/meta/distributions` answers 200. */
export async function startServe(opts: ServeOptions): Promise<Served> {
  const root = join(opts.dataDir, "..");
  const child = spawn(process.execPath, [cli, "--data-dir", opts.dataDir, "-c", opts.config, "serve", "--bind", "127.0.0.1:0", ...(opts.args ?? [])], {
    stdio: ["ignore", "pipe", "pipe"],
    env: serveEnv(root),
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const url = await waitFor("rebuilder serve's listening line", () => {
    if (gone) throw new Error(`serve exited: ${stderr}`);
    return /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
  });
  await waitFor(`rebuilder serve on ${url}`, async () => {
    if (gone) throw new Error(`serve exited: ${stderr}`);
    const r = await request(`${url}/api/v1/meta/distributions`).catch(() => undefined);
    await r?.body.text();
    return r?.statusCode === 200 ? true : undefined;
  });
  return {
    url,
    child,
    cookie: async () => (await readFile(join(root, "auth-cookie"), "utf8")).trim(),
    output: () => ({ stdout, stderr }),
    exited,
    killHard: async () => {
      child.kill("SIGKILL");
      await exited;
    },
    stop: async () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

/** Opens the store file itself through the project's SQLite seam (not the engine), so a check sees exactly what is on disk; read-write, so a crashed server's WAL is recovered. */
export function openDb(dataDir: string): Database {
  const path = join(dataDir, "rebuilder.db");
  if (!existsSync(path)) throw new Error(`no store at ${path}`);
  return openDatabase(path);
}

/** `PRAGMA integrity_check` and `foreign_key_check` of the store file, after a crash. */
export function integrity(dataDir: string): { integrity: string; foreignKeyErrors: number } {
  const db = openDb(dataDir);
  try {
    const integrity = db
      .prepare<{ integrity_check: string }>("PRAGMA integrity_check")
      .all()
      .map((r) => r.integrity_check)
      .join("\n");
    return { integrity, foreignKeyErrors: db.prepare("PRAGMA foreign_key_check").all().length };
  } finally {
    db.close();
  }
}

/**
 * A SHA-256 over every row of every table, ordered by all its columns. A worker's own liveness
 * columns (last_ping, online, status) are left out: every authenticated worker request refreshes
 * them before its body is read, as in rebuilderd.
 */
export function storeDigest(dataDir: string): string {
  const db = openDb(dataDir);
  try {
    const hash = createHash("sha256");
    for (const { name } of db.prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()) {
      const columns = db
        .prepare<{ name: string }>("SELECT name FROM pragma_table_info(?)")
        .all(name)
        .map((c) => c.name)
        .filter((c) => name !== "workers" || !["last_ping", "online", "status"].includes(c));
      hash.update(`\u0000${name}\u0000`);
      const select = `SELECT ${columns.map((c) => `"${c}"`).join(", ")} FROM "${name}" ORDER BY ${columns.map((_, i) => i + 1).join(", ")}`;
      for (const row of db.prepare(select).iterate()) {
        hash.update(JSON.stringify(Object.values(row), (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v)));
      }
    }
    return hash.digest("hex");
  } finally {
    db.close();
  }
}

/** GET a JSON document on a connection of its own (closed afterwards), so polling never races a keep-alive timeout. */
export async function getJson<T>(url: string): Promise<T> {
  const r = await request(url, { reset: true });
  if (r.statusCode !== 200) throw new Error(`GET ${url}: ${r.statusCode} ${await r.body.text()}`);
  return (await r.body.json()) as T;
}

export interface ServerEvent {
  event: string;
  data: Record<string, unknown>;
}

/**
 * Subscribes to `/api/v1/x-events` now and resolves with the first event `match` accepts
 * (at most `seconds`); the stream is closed afterwards.
 */
export async function nextEvent(url: string, match: (e: ServerEvent) => boolean, seconds = 120): Promise<ServerEvent> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no matching event from ${url}/api/v1/x-events within ${seconds}s`)), seconds * 1000);
  try {
    const r = await request(`${url}/api/v1/x-events`, { signal: abort.signal });
    if (r.statusCode !== 200) throw new Error(`x-events answered ${r.statusCode}`);
    let buffer = "";
    for await (const chunk of r.body) {
      buffer += chunk.toString();
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event && data) {
          const e = { event, data: JSON.parse(data) as Record<string, unknown> };
          if (match(e)) return e;
        }
      }
    }
    throw new Error("x-events stream ended");
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/**
 * The signed bookworm slice of test/data as a sync profile (`bookworm`), and the `[sync]`
 * section that makes `serve` sync it at start and then hourly.
 */
export function bookwormSync(root: string): { syncConfig: string; section: string } {
  const syncConfig = join(root, "rebuilder-sync.conf");
  writeFileSync(
    syncConfig,
    `[profile."bookworm"]\ndistro = "debian"\ncomponents = ["main"]\narchitectures = ["amd64", "all"]\nreleases = ["bookworm"]\nsource = "${DEBIAN_MIRROR}"\n`,
  );
  return { syncConfig, section: `[sync]\nprofiles = ["bookworm"]\ninterval = "1h"\nconfig = "${syncConfig}"\n` };
}
