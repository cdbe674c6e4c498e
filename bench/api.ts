/**
 * bench:api — `dist/rebuilder serve` holding the full bookworm slice (synced from test/data by
 * `dist/rebuilder pkgs sync` into a fresh data directory), measured from a separate load process
 * (undici, loopback):
 * - `listing_s`: every binary package, paged as rebuildctl pages it (`limit=1000`, `after=<last id>`
 *   until an empty page), on one keep-alive connection (best of three passes after a warm-up);
 * - `lookups_per_s`, `p99_ms`: `GET /api/v1/packages/binary/{id}` for random ids at 64 connections;
 * - `hello_per_s`, `ratio`: the same load against a hello-world Bun.serve in the same run (the floor;
 *   ratio = lookups ÷ hello);
 * - `p99_during_sync_ms`: the lookup load again while `dist/rebuilder pkgs sync --force` re-parses and
 *   re-imports the slice into the server's store;
 * - `p99_during_served_sync_ms`: the lookup load against a server restarted with a `[sync]` section,
 *   while that server's own periodic sync parses and imports the slice (what a home server does).
 * Builds dist/rebuilder first when it is missing or older than the sources. Prints `name: value` lines.
 * `bench/api.ts load URL PATHS…` is the load process itself.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client, Pool } from "undici";

const root = resolve(import.meta.dirname, "..");
const binary = join(root, "dist/rebuilder");
const bun = join(root, "node_modules/.bin/bun");
const mirror = join(root, "test/data/debian-mirror");
const PHASE_SECONDS = Number(process.env.BENCH_API_SECONDS ?? 10);
const CONNECTIONS = 64;

// ---- the load process -------------------------------------------------------------------------

interface LoadResult {
  requests: number;
  seconds: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  non200: number;
  errors: number;
}

/** Requests `paths` (cycled from a random start) on CONNECTIONS connections until stdin closes or `seconds` pass. */
async function runLoad(url: string, seconds: number, paths: string[]): Promise<LoadResult> {
  const pool = new Pool(url, { connections: CONNECTIONS, pipelining: 1 });
  let stop = false;
  process.stdin.on("end", () => (stop = true)).resume();
  const timer = setTimeout(() => (stop = true), seconds * 1000);
  const latencies: number[] = [];
  let non200 = 0;
  let errors = 0;
  let next = Math.floor(Math.random() * paths.length);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (!stop) {
        const path = paths[next++ % paths.length]!;
        const t = performance.now();
        try {
          const r = await pool.request({ path, method: "GET" });
          await r.body.dump();
          if (r.statusCode !== 200) non200++;
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  clearTimeout(timer);
  await pool.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { requests: latencies.length, seconds: elapsed, p50_ms: at(0.5), p99_ms: at(0.99), max_ms: latencies.at(-1) ?? NaN, non200, errors };
}

// ---- the benchmark ----------------------------------------------------------------------------

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function ensureBinary(): void {
  let built = 0;
  try {
    built = statSync(binary).mtimeMs;
  } catch {
    // missing: built below
  }
  if (built >= Math.max(newestMtime(join(root, "src")), newestMtime(join(root, "bin")))) return;
  console.error("bench:api: dist/rebuilder is missing or older than the sources; npm run build");
  const r = spawnSync("npm", ["run", "build"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status})`);
}

/** A child that prints `listening on http://…`; resolves with that URL. */
function startServer(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env });
  let output = "";
  return new Promise((resolvePromise, reject) => {
    const seen = (d: Buffer) => {
      output += d;
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url) resolvePromise({ url, child });
    };
    child.stdout!.on("data", seen);
    child.stderr!.on("data", seen);
    child.on("exit", (code) => reject(new Error(`${command} ${args.join(" ")} exited ${code} before listening: ${output}`)));
  });
}

/** Runs this file as the load process for the lookups in `paths`; `until` (if given) ends it early. */
function load(url: string, paths: string[], seconds: number, until?: Promise<unknown>): Promise<LoadResult> {
  const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, "load", url, String(seconds)], { stdio: ["pipe", "pipe", "inherit"] });
  child.stdin!.write(`${JSON.stringify(paths)}\n`);
  void until?.then(() => child.stdin!.end());
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  return new Promise((resolvePromise, reject) =>
    child.on("exit", (code) => (code === 0 ? resolvePromise(JSON.parse(out) as LoadResult) : reject(new Error(`load process exited ${code}`)))),
  );
}

async function listing(url: string): Promise<{ seconds: number; pages: number; records: number }> {
  const client = new Client(url);
  const started = performance.now();
  let pages = 0;
  let records = 0;
  for (let after: number | undefined; ; pages++) {
    const r = await client.request({ path: `/api/v1/packages/binary?limit=1000${after === undefined ? "" : `&after=${after}`}`, method: "GET" });
    if (r.statusCode !== 200) throw new Error(`listing page ${pages}: ${r.statusCode} ${await r.body.text()}`);
    const page = (await r.body.json()) as { records: { id: number }[] };
    if (page.records.length === 0) break;
    records += page.records.length;
    after = page.records.at(-1)!.id;
  }
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  return { seconds, pages, records };
}

async function bench(): Promise<void> {
  ensureBinary();
  const dir = mkdtempSync(join(tmpdir(), "rebuilder-bench-api-"));
  const home = join(dir, "home");
  mkdirSync(home);
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), XDG_DATA_HOME: join(home, ".local/share"), REBUILDERD_COOKIE_PATH: join(dir, "auth-cookie") };
  const dataDir = join(dir, "data");
  const syncArgs = ["--data-dir", dataDir, "pkgs", "sync", "debian", mirror, "--component", "main", "--architecture", "amd64", "--architecture", "all", "--release", "bookworm", "--json"];
  const children: ChildProcess[] = [];
  try {
    const synced = spawnSync(binary, syncArgs, { env, encoding: "utf8" });
    if (synced.status !== 0) throw new Error(`dist/rebuilder pkgs sync failed: ${synced.stderr}`);
    const served = await startServer(binary, ["--data-dir", dataDir, "serve", "--bind", "127.0.0.1:0", "--slots", "0"], env);
    children.push(served.child);
    const hello = await startServer(bun, [join(import.meta.dirname, "api-hello.ts")], env);
    children.push(hello.child);

    await listing(served.url); // warm: the first pass reads the store file from disk and warms both JITs
    // The best of three: on a shared machine one pass can be slowed by others by several times.
    const passes = [await listing(served.url), await listing(served.url), await listing(served.url)];
    const list = passes.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const total = list.records;
    // Random ids of the listing, shuffled once: every request a single-record lookup.
    const ids = Array.from({ length: 20_000 }, () => 1 + Math.floor(Math.random() * total));
    const lookupPaths = ids.map((id) => `/api/v1/packages/binary/${id}`);

    const lookups = await load(served.url, lookupPaths, PHASE_SECONDS);
    const floor = await load(hello.url, ["/"], PHASE_SECONDS);

    const syncStarted = performance.now();
    const resync = spawn(binary, [...syncArgs, "--force"], { env, stdio: ["ignore", "pipe", "pipe"] });
    children.push(resync);
    let resyncErr = "";
    resync.stderr!.on("data", (d) => (resyncErr += d));
    const resyncDone = new Promise<number | null>((r) => resync.on("exit", r));
    const during = await load(served.url, lookupPaths, 600, resyncDone);
    if ((await resyncDone) !== 0) throw new Error(`dist/rebuilder pkgs sync --force failed: ${resyncErr}`);
    const syncSeconds = (performance.now() - syncStarted) / 1000;

    // The server's own periodic sync: restart it on the same store with a [sync] section.
    served.child.kill("SIGKILL");
    await new Promise((r) => served.child.once("exit", r));
    const syncConfig = join(dir, "rebuilder-sync.conf");
    writeFileSync(syncConfig, `[profile."served"]\ndistro = "debian"\ncomponents = ["main"]\narchitectures = ["amd64", "all"]\nreleases = ["bookworm"]\nsource = "${mirror}"\n`);
    const config = join(dir, "rebuilder.conf");
    writeFileSync(config, `[sync]\nconfig = "${syncConfig}"\ninterval = "1d"\n`);
    const syncing = await startServer(binary, ["--data-dir", dataDir, "-c", config, "serve", "--bind", "127.0.0.1:0", "--slots", "0"], env);
    children.push(syncing.child);
    const servedSyncStarted = performance.now();
    const servedSyncDone = (async () => {
      const client = new Client(syncing.url);
      try {
        for (;;) {
          const r = await client.request({ path: "/api/v1/x-sync", method: "GET" });
          const state = (await r.body.json()) as { profiles: { last_finished: string | null; last_error: string | null }[] };
          const p = state.profiles[0];
          if (p?.last_error) throw new Error(`the served sync failed: ${p.last_error}`);
          if (p?.last_finished) return;
          await new Promise((r) => setTimeout(r, 500));
        }
      } finally {
        await client.close();
      }
    })();
    const duringServed = await load(syncing.url, lookupPaths, 600, servedSyncDone);
    await servedSyncDone;
    const servedSyncSeconds = (performance.now() - servedSyncStarted) / 1000;

    for (const [what, r] of [["lookups", lookups], ["hello", floor], ["lookups during sync", during], ["lookups during the served sync", duringServed]] as const) {
      if (r.errors || r.non200) throw new Error(`${what}: ${r.errors} failed requests, ${r.non200} not 200`);
    }
    const rate = (r: LoadResult) => r.requests / r.seconds;
    const lines: [string, string | number][] = [
      ["binaries", total],
      ["listing_pages", list.pages],
      ["listing_s", list.seconds.toFixed(3)],
      ["lookups_per_s", rate(lookups).toFixed(0)],
      ["p50_ms", lookups.p50_ms.toFixed(2)],
      ["p99_ms", lookups.p99_ms.toFixed(2)],
      ["hello_per_s", rate(floor).toFixed(0)],
      ["hello_p99_ms", floor.p99_ms.toFixed(2)],
      ["ratio", (rate(lookups) / rate(floor)).toFixed(2)],
      ["sync_s", syncSeconds.toFixed(1)],
      ["lookups_during_sync_per_s", rate(during).toFixed(0)],
      ["p99_during_sync_ms", during.p99_ms.toFixed(2)],
      ["max_during_sync_ms", during.max_ms.toFixed(0)],
      ["served_sync_s", servedSyncSeconds.toFixed(1)],
      ["p99_during_served_sync_ms", duringServed.p99_ms.toFixed(2)],
      ["max_during_served_sync_ms", duringServed.max_ms.toFixed(0)],
    ];
    for (const [name, value] of lines) console.log(`${name}: ${value}`);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "load") {
  const [url, seconds] = process.argv.slice(3);
  let input = "";
  process.stdin.setEncoding("utf8");
  const paths = await new Promise<string[]>((r) => {
    const onData = (d: string) => {
      input += d;
      const nl = input.indexOf("\n");
      if (nl >= 0) {
        process.stdin.off("data", onData);
        r(JSON.parse(input.slice(0, nl)) as string[]);
      }
    };
    process.stdin.on("data", onData);
  });
  // stdin stays open in timed phases: exit once the result is out.
  process.stdout.write(JSON.stringify(await runLoad(url!, Number(seconds), paths)), () => process.exit(0));
} else {
  await bench();
}
