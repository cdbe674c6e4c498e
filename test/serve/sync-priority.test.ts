/**
 * A sync runs as background work: in the idle scheduling class and niced by 10 below what started
 * it (the periodic sync's child below the server, `rebuilder pkgs sync` below the shell), so a
 * small machine keeps answering requests (and drawing the TUI) while it parses and imports.
 * The served sync's child leads its own session, so its autogroup is lowered too; a sync started
 * from a shell leaves the shell's group alone. `--no-background` keeps the caller's priority.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getPriority } from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyncSchedule } from "../../src/engine/sync-schedule.js";
import { startServer, type TestServer } from "../api/harness.js";
import { cli } from "../cli/fixture.js";

const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

/**
 * The nice of `pid`'s autogroup (proc(5): "/autogroup-N nice K"), or null where no autogroup
 * schedules it (no such file, or an empty one, as in some sandboxes), so sessions do not compete
 * as groups.
 */
function autogroupNice(pid: number | "self"): number | null {
  if (!existsSync(`/proc/${pid}/autogroup`)) return null;
  const nice = / nice (-?\d+)/.exec(readFileSync(`/proc/${pid}/autogroup`, "utf8"));
  return nice ? Number(nice[1]) : null;
}

/** The scheduling policy of every thread of `pid` (proc(5): field 41 of each task's stat). */
function policies(pid: number): number[] {
  const tasks = readdirSync(`/proc/${pid}/task`);
  return tasks.map((tid) => Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ").at(-1)!.split(" ")[38]));
}

describe("the served sync's process", () => {
  let server: TestServer;
  // A mirror that never answers: the sync stays in its first fetch while the test looks at it.
  const hanging = createServer(() => {});

  beforeAll(async () => {
    server = await startServer();
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    hanging.closeAllConnections();
    hanging.close();
    await server.close();
  });

  it("runs in the idle class, niced below the server, in a session group lowered to nice 19", async () => {
    const syncConf = join(server.root, "rebuilderd-sync.conf");
    const { port } = hanging.address() as AddressInfo;
    writeFileSync(syncConf, `[profile."hangs"]\ndistro = "archlinux"\ncomponents = ["core"]\narchitectures = ["x86_64"]\nsource = "http://127.0.0.1:${port}/$repo"\n`);
    const config = { ...server.engine.config, sync: { profiles: ["hangs"], interval: 3600, config: syncConf } };
    const schedule = new SyncSchedule({ db: server.engine.db, dataDir: join(server.root, "data"), config, events: server.engine.events });
    const started = new Promise<number>((resolve) => server.engine.events.subscribe((e) => e.type === "sync.started" && resolve(e.pid)));
    const serverGroup = autogroupNice("self");
    const run = schedule.runNow("hangs");
    const pid = await started;
    try {
      expect(getPriority(pid)).toBe(Math.min(19, getPriority() + 10));
      expect(new Set(policies(pid))).toEqual(new Set([SCHED_IDLE]));
      // Its own group, not the server's: the server's keeps its share.
      if (autogroupNice("self") !== null) {
        expect(readFileSync(`/proc/${pid}/autogroup`, "utf8")).not.toBe(readFileSync("/proc/self/autogroup", "utf8"));
        expect(autogroupNice(pid)).toBe(19);
        expect(autogroupNice("self")).toBe(serverGroup);
      }
    } finally {
      await schedule.stop({ wait: false });
      await run.catch(() => {});
    }
  });
});

/** Starts `pkgs sync` against a mirror that never answers; calls `look` with its pid and stderr once it is fetching. */
async function whileSyncing(extra: string[], look: (pid: number, stderr: string) => void, env = process.env): Promise<void> {
  let requested!: () => void;
  const firstRequest = new Promise<void>((resolve) => (requested = resolve));
  // A mirror that never answers: the sync stays in its first fetch while the test looks at it.
  const hanging = createServer(() => requested());
  await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
  const { port } = hanging.address() as AddressInfo;
  const dataDir = join(mkdtempSync(join(tmpdir(), "rebuilder-sync-nice-")), "data");
  const args = [cli, "--data-dir", dataDir, "pkgs", "sync", "archlinux", `http://127.0.0.1:${port}/$repo`, "--component", "core", "--architecture", "x86_64", ...extra];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"], env });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  try {
    await firstRequest;
    look(child.pid!, stderr);
  } finally {
    child.kill("SIGKILL");
    hanging.closeAllConnections();
    hanging.close();
  }
}

describe("rebuilder pkgs sync", () => {
  it("runs in the idle class, niced below the process that started it, and leaves that session's group alone", async () => {
    const groupBefore = autogroupNice("self");
    await whileSyncing([], (pid) => {
      expect(getPriority(pid)).toBe(Math.min(19, getPriority() + 10));
      expect(new Set(policies(pid))).toEqual(new Set([SCHED_IDLE]));
      expect(autogroupNice(pid)).toBe(groupBefore);
    });
    expect(autogroupNice("self")).toBe(groupBefore);
  });

  it("says so when it cannot enter the idle class, and runs niced", async () => {
    // No chrt on this PATH.
    await whileSyncing([], (pid, stderr) => {
      expect(stderr).toMatch(/the sync runs at nice \d+ instead of the idle scheduling class \(chrt: not found on PATH\); install util-linux, which has chrt/);
      expect(getPriority(pid)).toBe(Math.min(19, getPriority() + 10));
      expect(new Set(policies(pid))).toEqual(new Set([SCHED_OTHER]));
    }, { ...process.env, PATH: mkdtempSync(join(tmpdir(), "rebuilder-no-chrt-")) });
  });

  it("keeps the caller's priority with --no-background", async () => {
    await whileSyncing(["--no-background"], (pid) => {
      expect(getPriority(pid)).toBe(getPriority());
      expect(new Set(policies(pid))).toEqual(new Set([SCHED_OTHER]));
    });
  });
});
