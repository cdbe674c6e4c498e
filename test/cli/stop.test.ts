/**
 * Stopping `rebuilder build` as a person would, with Ctrl-C (SIGINT) on a real process: once lets
 * the running builds finish and be recorded; twice hands them back to the queue, recording nothing.
 */
import { describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, fixture, rebuilder } from "./fixture.js";

function startBuild(f: ReturnType<typeof fixture>) {
  const child = spawn(process.execPath, [cli, "--data-dir", f.dataDir, "-c", f.config, "build", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += d));
  const started = new Promise<void>((resolve) =>
    child.stderr.on("data", (d) => {
      stderr += d;
      // Both slots have a build running.
      if ((stderr.match(/building /g) ?? []).length === 2) resolve();
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { child, started, exited, output: () => ({ stdout, stderr }) };
}

describe("stopping rebuilder build", () => {
  it("lets running builds finish on the first Ctrl-C", async () => {
    const f = fixture(2);
    const run = startBuild(f);
    await run.started;
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(0);
    expect(run.output().stderr).toContain("finishing running builds");
    expect(JSON.parse(run.output().stdout)).toMatchObject({ built: 2, good: 1, bad: 1 });
    expect(JSON.parse(rebuilder(f, "pkgs", "ls", "--json")).map((p: { status: string }) => p.status).sort()).toEqual(["BAD", "GOOD"]);
  });

  it("hands running builds back on the second Ctrl-C, leaving the queue as it was", async () => {
    const f = fixture(60);
    const run = startBuild(f);
    await run.started;
    run.child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 300));
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(0);
    expect(run.output().stderr).toContain("handing running builds back to the queue");
    // Nothing recorded, both jobs waiting again and not running.
    expect(JSON.parse(rebuilder(f, "pkgs", "ls", "--json")).map((p: { build_id: number | null }) => p.build_id)).toEqual([null, null]);
    expect(JSON.parse(rebuilder(f, "queue", "ls", "--json")).map((j: { started_at: string | null }) => j.started_at)).toEqual([null, null]);
    expect(rebuilder(f, "status")).toMatch(/queue: 2 waiting, 0 running/);
  });
});

describe("a killed rebuilder build", () => {
  it("loses nothing: its jobs stay leased until the ping deadline, then the next build reclaims and finishes them", async () => {
    const f = fixture(60);
    appendFileSync(f.config, "\n[schedule]\nping_deadline = 1\n");
    const run = startBuild(f);
    await run.started;
    run.child.kill("SIGKILL");
    await run.exited;
    expect(rebuilder(f, "status")).toMatch(/queue: 0 waiting, 2 running/);
    // The backend scripts were in the killed process's session; end them as a service manager would.
    spawnSync("pkill", ["-f", f.root]);
    await new Promise((r) => setTimeout(r, 1500));
    const script = join(f.root, "rebuild.sh");
    writeFileSync(script, readFileSync(script, "utf8").replace("sleep 60", "sleep 0"));
    expect(JSON.parse(rebuilder(f, "build", "--until-idle", "--json"))).toMatchObject({ built: 2, good: 1, bad: 1, fail: 0 });
  });
});
