/**
 * `rebuilder serve` as a real process: it binds a loopback port, writes its admin cookie (0600)
 * where rebuildctl looks, serves the API while its local slots build, and stops like `build`
 * on signals (once: finish the running builds; twice: hand them back). Bad --bind values and a
 * taken port are refused with a reason.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { cli, fixture } from "./fixture.js";

type Fixture = ReturnType<typeof fixture>;

function startServe(f: Fixture, ...args: string[]) {
  const env = { ...process.env, REBUILDERD_COOKIE_PATH: join(f.root, "auth-cookie"), XDG_CONFIG_HOME: join(f.root, "xdg-config"), XDG_DATA_HOME: join(f.root, "xdg-data") };
  const child = spawn(process.execPath, [cli, "--data-dir", f.dataDir, "-c", f.config, "serve", "--bind", "127.0.0.1:0", ...args], { stdio: ["ignore", "pipe", "pipe"], env });
  let stderr = "";
  const waiters: { pattern: RegExp; count: number; resolve: () => void }[] = [];
  const check = () => {
    for (const w of waiters.filter((w) => (stderr.match(new RegExp(w.pattern, "gm")) ?? []).length >= w.count)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stderr.on("data", (d) => {
    stderr += d;
    check();
  });
  /** Resolves once stderr has `count` lines matching `pattern`. */
  const lines = (pattern: RegExp, count = 1) =>
    new Promise<void>((resolve) => {
      waiters.push({ pattern, count, resolve });
      check();
    });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  // The startup report ends with the periodic sync line.
  const listening = Promise.race([
    lines(/periodic sync/).then(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)![1]!),
    exited.then((code) => Promise.reject(new Error(`serve exited ${code} before listening: ${stderr}`))),
  ]);
  return { child, listening, exited, lines, stderr: () => stderr };
}

const json = async <T>(url: string) => (await (await request(url)).body.json()) as T;

describe("rebuilder serve", () => {
  it("serves the API while its slots build, with a 0600 cookie where rebuildctl finds it, and finishes running builds on SIGTERM", async () => {
    const f = fixture(1);
    const serve = startServe(f, "--slots", "2");
    const url = await serve.listening;
    expect(serve.stderr()).toMatch(/worker registration: closed except with the admin cookie/);
    expect(serve.stderr()).toMatch(/2 local worker slots \(backends: archlinux/);
    const cookiePath = join(f.root, "auth-cookie");
    expect(readFileSync(cookiePath, "utf8")).toMatch(/^[A-Za-z0-9]{32}\n$/);
    expect(statSync(cookiePath).mode & 0o777).toBe(0o600);

    // Both queued packages get built by the local slots.
    await serve.lines(/^rebuilder: \[slot-\d\] (GOOD|BAD) /, 2);
    const bins = await json<{ records: { name: string; status: string }[] }>(`${url}/api/v1/packages/binary?sort=name`);
    expect(bins.records.map((b) => [b.name, b.status])).toEqual([["bad", "BAD"], ["good", "GOOD"]]);
    const cookie = readFileSync(cookiePath, "utf8").trim();
    const push = await request(`${url}/api/v1/queue`, { method: "POST", headers: { "x-auth-cookie": cookie, "content-type": "application/json" }, body: JSON.stringify({ name: "good" }) });
    expect(push.statusCode).toBe(204);
    await push.body.text();

    serve.child.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
    expect(serve.stderr()).toMatch(/stopping: finishing running builds/);
    // Every result is reported before the last line.
    expect(serve.stderr()).toMatch(/\nrebuilder: stopped after building \d+ \(\d+ GOOD, \d+ BAD, 0 FAIL\)\n$/);
  });

  it("hands running builds back on a second signal, recording nothing", async () => {
    const f = fixture(60);
    const serve = startServe(f, "--slots", "2");
    await serve.listening;
    await serve.lines(/^rebuilder: \[slot-\d\] building /, 2);
    serve.child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 300));
    serve.child.kill("SIGINT");
    expect(await serve.exited).toBe(0);
    expect(serve.stderr()).toMatch(/handing running builds back to the queue/);
    const status = spawnSync(process.execPath, [cli, "--data-dir", f.dataDir, "-c", f.config, "status"], { encoding: "utf8" });
    expect(status.stdout).toMatch(/queue: 2 waiting, 0 running/);
  });

  it("refuses a bind address it cannot use, saying why", async () => {
    const f = fixture();
    const bad = spawnSync(process.execPath, [cli, "--data-dir", f.dataDir, "-c", f.config, "serve", "--bind", "localhost"], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/bind address must be ADDR:PORT \(e\.g\. 127\.0\.0\.1:8484 or \[::1\]:8484\), got "localhost"/);

    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    const serve = spawnSync(process.execPath, [cli, "--data-dir", f.dataDir, "-c", f.config, "serve", "--slots", "0", "--bind", `127.0.0.1:${port}`], {
      encoding: "utf8",
      env: { ...process.env, REBUILDERD_COOKIE_PATH: join(f.root, "auth-cookie") },
    });
    taken.close();
    expect(serve.status).toBe(1);
    expect(serve.stderr).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*another program listens there; pick another with --bind ADDR:PORT`));
  });
});
