/**
 * bench:check — `check --installed` for 2,000 installed packages (a dpkg database read by the
 * real dpkg-query) against three local `rebuilder serve` processes holding the bookworm slice,
 * against the floor of the same number of plain HTTP look-ups by a minimal client in the same
 * run (same concurrency per server); then the cold start of `dist/rebuilder check PKG` on the
 * local store against `dist/rebuilder --version`. Prints one `name: value` line per figure.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fetch } from "undici";
import { main } from "../src/cli/main.js";
import { openStore } from "../src/engine/store/index.js";
import { syncBookworm } from "./bookworm.js";
import { ensureBinary } from "./dist-binary.js";

const root = resolve(import.meta.dirname, "..");
const binary = join(root, "dist/rebuilder");
const PACKAGES = 2000;
const SERVERS = 3;
/** The check's own per-remote concurrency (engine/verification/check.ts), used by the floor too. */
const CONCURRENCY = 16;

const work = mkdtempSync(join(tmpdir(), "rebuilder-bench-check-"));
const children: ChildProcess[] = [];

/** 2,000 binaries of the store, spread over it, as an installed dpkg database. */
function installedRoot(dataDir: string): { root: string; rows: { name: string; version: string; architecture: string }[] } {
  const db = openStore(dataDir);
  const total = db.prepare<{ n: number }>("SELECT count(*) AS n FROM binary_packages").get()!.n;
  const step = Math.floor(total / PACKAGES);
  const rows = db
    .prepare<{ name: string; version: string; architecture: string }>(`SELECT name, version, architecture FROM binary_packages WHERE id % ? = 0 GROUP BY name ORDER BY id LIMIT ?`)
    .all(step, PACKAGES);
  db.close();
  if (rows.length !== PACKAGES) throw new Error(`wanted ${PACKAGES} packages from the store, found ${rows.length}`);
  const dir = join(work, "machine");
  mkdirSync(join(dir, "var/lib/dpkg"), { recursive: true });
  const status = rows.map((r) => `Package: ${r.name}\nStatus: install ok installed\nVersion: ${r.version}\nArchitecture: ${r.architecture}\n`).join("\n");
  writeFileSync(join(dir, "var/lib/dpkg/status"), `${status}\n`);
  return { root: dir, rows };
}

async function startServe(dataDir: string, n: number): Promise<string> {
  const home = join(work, `home-${n}`);
  const child = spawn(binary, ["--data-dir", dataDir, "serve", "--bind", "127.0.0.1:0", "--slots", "0"], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), XDG_DATA_HOME: join(home, ".local/share"), REBUILDERD_COOKIE_PATH: join(home, "auth-cookie") },
  });
  children.push(child);
  let stderr = "";
  return new Promise((done, fail) => {
    child.stderr!.setEncoding("utf8").on("data", (t: string) => {
      stderr += t;
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
      if (url) done(url);
    });
    child.on("exit", (code) => fail(new Error(`serve exited with ${code}: ${stderr}`)));
  });
}

/** The floor: each installed package looked up once per server, as plainly as a client can. */
async function plainLookups(urls: string[], rows: { name: string; version: string; architecture: string }[]): Promise<number> {
  const started = performance.now();
  await Promise.all(
    urls.map(async (url) => {
      let next = 0;
      const worker = async () => {
        while (next < rows.length) {
          const r = rows[next++]!;
          const res = await fetch(`${url}/api/v1/packages/binary?name=${encodeURIComponent(r.name)}&version=${encodeURIComponent(r.version)}&architecture=${r.architecture}`);
          const body = (await res.json()) as { total: number };
          if (body.total < 1) throw new Error(`${url} does not know ${r.name} ${r.version}`);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    }),
  );
  return (performance.now() - started) / 1000;
}

/** `rebuilder check --installed` in this process, output captured; returns seconds and the parsed answer. */
async function checkInstalled(dataDir: string, machine: string, urls: string[]): Promise<{ seconds: number; summary: { installed: { known: number } } }> {
  let stdout = "";
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof write;
  const started = performance.now();
  let code: number;
  try {
    code = await main(["node", "rebuilder", "--data-dir", dataDir, "check", "--installed", "--root", machine, "--no-config-remotes", ...urls.flatMap((u) => ["--remote", u]), "--json"]);
  } finally {
    process.stdout.write = write;
  }
  const seconds = (performance.now() - started) / 1000;
  if (code > 1) throw new Error(`check --installed failed with exit code ${code}`);
  return { seconds, summary: JSON.parse(stdout).summary };
}

function medianSeconds(args: string[], runs = 7): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const r = spawnSync(binary, args, { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    times.push((performance.now() - started) / 1000);
    if (r.status !== 0 && r.status !== 1) throw new Error(`${binary} ${args.join(" ")} failed: ${r.stderr}`);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

try {
  ensureBinary();
  const local = join(work, "local");
  await syncBookworm(local);
  const { root: machine, rows } = installedRoot(local);
  const urls: string[] = [];
  for (let n = 0; n < SERVERS; n++) {
    const dir = join(work, `server-${n}`);
    mkdirSync(dir);
    copyFileSync(join(local, "rebuilder.db"), join(dir, "rebuilder.db"));
    urls.push(await startServe(dir, n));
  }
  await plainLookups(urls, rows.slice(0, 50)); // warm both sides' connections and caches
  const plain = [await plainLookups(urls, rows)];
  const check = [await checkInstalled(local, machine, urls)];
  plain.push(await plainLookups(urls, rows));
  check.push(await checkInstalled(local, machine, urls));
  if (check[0]!.summary.installed.known !== PACKAGES) throw new Error(`check knew ${check[0]!.summary.installed.known} of ${PACKAGES} packages`);
  const checkS = Math.min(...check.map((c) => c.seconds));
  const plainS = Math.min(...plain);
  const cold = medianSeconds(["--data-dir", local, "check", rows[0]!.name]);
  const version = medianSeconds(["--version"]);
  const lines: [string, string | number][] = [
    ["packages", PACKAGES],
    ["servers", SERVERS],
    ["lookups", PACKAGES * SERVERS],
    ["check_s", checkS.toFixed(3)],
    ["plain_s", plainS.toFixed(3)],
    ["ratio", (checkS / plainS).toFixed(2)],
    ["cold_check_s", cold.toFixed(3)],
    ["cold_version_s", version.toFixed(3)],
    ["cold_start_ratio", (cold / version).toFixed(2)],
  ];
  for (const [k, v] of lines) console.log(`${k}: ${v}`);
} finally {
  for (const c of children) c.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
}
