/**
 * Remote workers end to end on real processes: `rebuilder serve` holding a synced store and
 * `rebuilder worker --connect` processes that pop, ping and report over the v1 worker protocol
 * with the `command` backend (a rebuilderd backend script).
 */
import { afterEach, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, fixture } from "./fixture.js";

type Fixture = ReturnType<typeof fixture>;

interface Proc {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  /** Resolves once stderr matched `pattern` (`count` times). */
  waitFor: (pattern: RegExp, count?: number) => Promise<void>;
  exited: Promise<number | null>;
}

const started: ChildProcess[] = [];

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

function run(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  started.push(child);
  let stdout = "";
  let stderr = "";
  const waiters: { pattern: RegExp; count: number; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if ((stderr.match(new RegExp(w.pattern.source, "g")) ?? []).length >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => {
    stderr += d;
    check();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    waitFor: (pattern, count = 1) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ pattern, count, resolve });
        check();
        void exited.then((code) => reject(new Error(`process exited (${code}) before ${pattern} appeared:\n${stderr}`)));
      }),
  };
}

const SECRET = "let-me-in";

/**
 * The CLI fixture's Arch repository (packages `good` and `bad`, queued by a sync) behind a
 * server; its backend script holds each build until the file `go` exists and leaves its pid.
 */
function setUp(): Fixture & { go: string; marks: string } {
  const f = fixture();
  const script = join(f.root, "rebuild.sh");
  const go = join(f.root, "go");
  const marks = join(f.root, "marks");
  spawnSync("mkdir", [marks]);
  writeFileSync(script, readFileSync(script, "utf8").replace(/sleep \d+\n/, () => `echo $$ > "${marks}/$f.tmp" && mv "${marks}/$f.tmp" "${marks}/$f.pid"\nwhile [ ! -e "${go}" ]; do sleep 0.1; done\n`));
  appendFileSync(f.config, `\n[worker]\nsignup_secret = "${SECRET}"\n\n[schedule]\nping_deadline = 4\n`);
  return { ...f, go, marks };
}

async function startServer(f: Fixture): Promise<{ proc: Proc; url: string }> {
  const proc = run(["--data-dir", f.dataDir, "-c", f.config, "serve", "--bind", "127.0.0.1:0", "--slots", "0"], { REBUILDERD_COOKIE_PATH: COOKIE_PATH(f) });
  await proc.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+/);
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(proc.output().stderr)![1]!;
  return { proc, url };
}

/** A worker with its own data dir and config (the fixture's backend script), `slots` builds at once; `secret` null: none. */
function workerConfig(f: Fixture, name: string, slots: number, secret: string | null = SECRET): { dataDir: string; config: string } {
  const config = join(f.root, `${name}.conf`);
  writeFileSync(
    config,
    `${secret === null ? "" : `signup_secret = "${secret}"\n`}idle_delay = 1\nsupported_architectures = ["x86_64"]\n\n[backend."archlinux"]\npath = "${join(f.root, "rebuild.sh")}"\n\n` +
      `[slots]\ncount = ${slots}\n\n[diffoscope]\nenabled = false\n\n[build]\nsilent = true\n`,
  );
  return { dataDir: join(f.root, name), config };
}

function startWorker(f: Fixture, url: string, name: string, slots: number, o: { secret?: string | null; env?: Record<string, string> } = {}): Proc {
  const w = workerConfig(f, name, slots, o.secret);
  // The fixture's mirror is a directory on this machine.
  return run(["--data-dir", w.dataDir, "-c", w.config, "worker", "--connect", url, "--name", name, "--ping-interval", "1", "--allow-local-urls"], o.env);
}

const COOKIE_PATH = (f: Fixture) => join(f.root, "auth-cookie");

async function api<T>(url: string, path: string): Promise<T> {
  const res = await fetch(`${url}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

interface Rebuild {
  id: number;
  name: string;
  status: string;
}

/** Stops a process as a service manager would (SIGTERM) and returns its exit code. */
async function stop(p: Proc): Promise<number | null> {
  p.child.kill("SIGTERM");
  return p.exited;
}

describe("rebuilder worker --connect", () => {
  it("two workers, one with the signup secret and one with the admin cookie, share the queue of a server: each builds one job, every result is recorded once", async () => {
    const f = setUp();
    const server = await startServer(f);

    // Registration without the right signup secret is refused, with how to fix it (the server from `endpoint =`, as rebuilderd-worker.conf has it).
    const refused = workerConfig(f, "intruder", 1, "wrong");
    writeFileSync(refused.config, `endpoint = "${server.url}"\n${readFileSync(refused.config, "utf8")}`);
    const r = spawnSync(process.execPath, [cli, "--data-dir", refused.dataDir, "-c", refused.config, "worker"], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${server.url} refused to register this worker (HTTP 403): the signup secret it sent was refused. Fix one of: set signup_secret`);

    const a = startWorker(f, server.url, "worker-a", 1);
    // No signup secret: the admin cookie of the server on this machine, found as rebuildctl finds it.
    const b = startWorker(f, server.url, "worker-b", 1, { secret: null, env: { REBUILDERD_COOKIE_PATH: COOKIE_PATH(f) } });
    // One slot each and two jobs held until `go`: each worker holds one of them.
    await Promise.all([a.waitFor(/\[slot-1\] building /), b.waitFor(/\[slot-1\] building /)]);
    const workers = await api<{ total: number; records: { name: string; status: string | null }[] }>(server.url, "/api/v1/workers");
    expect(workers.records.map((w) => w.name).sort()).toEqual(["worker-a", "worker-b"]);
    expect(workers.records.every((w) => w.status?.startsWith("working hard on "))).toBe(true);
    writeFileSync(f.go, "");

    await Promise.all([a.waitFor(/\[slot-1\] (GOOD|BAD) /), b.waitFor(/\[slot-1\] (GOOD|BAD) /)]);
    const builds = await api<{ total: number; records: Rebuild[] }>(server.url, "/api/v1/builds");
    expect(builds.records.map((x) => [x.name, x.status]).sort()).toEqual([
      ["bad", "BAD"],
      ["good", "GOOD"],
    ]);
    // The GOOD artifact carries the worker's attestation; the log came through.
    const good = builds.records.find((x) => x.name === "good")!;
    const artifacts = await api<{ name: string; status: string; has_attestation: boolean }[]>(server.url, `/api/v1/builds/${good.id}/artifacts`);
    expect(artifacts).toEqual([expect.objectContaining({ name: "good", status: "GOOD", has_attestation: true })]);
    expect(await (await fetch(`${server.url}/api/v1/builds/${good.id}/log`, { headers: { "accept-encoding": "identity" } })).text()).toContain("rebuilding good-1.0-1-x86_64.pkg.tar.zst");

    expect(await stop(a), a.output().stderr).toBe(0);
    expect(await stop(b), b.output().stderr).toBe(0);
    expect(a.output().stdout).toMatch(/^built 1: /);
    expect(b.output().stdout).toMatch(/^built 1: /);
    expect(await stop(server.proc), server.proc.output().stderr).toBe(0);
  }, 300_000);

  it("a worker killed mid-build loses nothing: the server reclaims its jobs after the ping deadline and another worker finishes them, recorded once", async () => {
    const f = setUp();
    const server = await startServer(f);
    const doomed = startWorker(f, server.url, "doomed", 2);
    await doomed.waitFor(/\[slot-\d\] building /, 2);
    // Both backend scripts run (each left its pid).
    const pids = () => readdirSync(f.marks).filter((name) => name.endsWith(".pid"));
    while (pids().length < 2) await new Promise((resolve) => setTimeout(resolve, 100));
    const running = await api<{ records: { started_at: string | null }[] }>(server.url, "/api/v1/queue");
    expect(running.records.every((j) => j.started_at !== null)).toBe(true);

    doomed.child.kill("SIGKILL");
    await doomed.exited;
    // Its backend scripts ran in their own process groups; end them (by pid) as a service manager would.
    for (const file of pids()) {
      try {
        process.kill(Number(readFileSync(join(f.marks, file), "utf8")), "SIGKILL");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
      }
    }
    writeFileSync(f.go, "");

    const rescuer = startWorker(f, server.url, "rescuer", 1);
    await rescuer.waitFor(/\[slot-1\] (GOOD|BAD) /, 2);
    const builds = await api<{ total: number; records: Rebuild[] }>(server.url, "/api/v1/builds");
    expect(builds.total).toBe(2);
    expect(builds.records.map((x) => [x.name, x.status]).sort()).toEqual([
      ["bad", "BAD"],
      ["good", "GOOD"],
    ]);
    // Nothing is running any more; only BAD's retry waits for its backoff.
    const queue = await api<{ records: { name: string; started_at: string | null; priority: number }[] }>(server.url, "/api/v1/queue");
    expect(queue.records.map((j) => [j.name, j.started_at, j.priority])).toEqual([["bad", null, 2]]);

    expect(await stop(rescuer), rescuer.output().stderr).toBe(0);
    expect(rescuer.output().stdout).toMatch(/^built 2: 1 GOOD, 1 BAD, 0 FAIL/);
    expect(await stop(server.proc), server.proc.output().stderr).toBe(0);
    expect(existsSync(join(f.root, "doomed", "rebuilder.v2.key"))).toBe(true);
  }, 300_000);
});
