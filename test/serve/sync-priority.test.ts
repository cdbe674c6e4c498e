/**
 * A sync runs at a lower CPU priority than what started it: the periodic sync's child below the
 * server, `rebuilder pkgs sync` below the shell, so a small machine keeps answering requests (and
 * drawing the TUI) while it parses and imports.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getPriority } from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyncSchedule } from "../../src/engine/sync-schedule.js";
import { startServer, type TestServer } from "../api/harness.js";
import { cli } from "../cli/fixture.js";

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

  it("runs niced below the server", async () => {
    const syncConf = join(server.root, "rebuilderd-sync.conf");
    const { port } = hanging.address() as AddressInfo;
    writeFileSync(syncConf, `[profile."hangs"]\ndistro = "archlinux"\ncomponents = ["core"]\narchitectures = ["x86_64"]\nsource = "http://127.0.0.1:${port}/$repo"\n`);
    const config = { ...server.engine.config, sync: { profiles: ["hangs"], interval: 3600, config: syncConf } };
    const schedule = new SyncSchedule({ db: server.engine.db, dataDir: join(server.root, "data"), config, events: server.engine.events });
    const started = new Promise<number>((resolve) => server.engine.events.subscribe((e) => e.type === "sync.started" && resolve(e.pid)));
    const run = schedule.runNow("hangs");
    const pid = await started;
    try {
      expect(getPriority(pid)).toBe(Math.min(19, getPriority() + 10));
    } finally {
      await schedule.stop({ wait: false });
      await run.catch(() => {});
    }
  });
});

describe("rebuilder pkgs sync", () => {
  it("runs niced below the process that started it", async () => {
    let requested!: () => void;
    const firstRequest = new Promise<void>((resolve) => (requested = resolve));
    // A mirror that never answers: the sync stays in its first fetch while the test looks at it.
    const hanging = createServer(() => requested());
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    const { port } = hanging.address() as AddressInfo;
    const dataDir = join(mkdtempSync(join(tmpdir(), "rebuilder-sync-nice-")), "data");
    const child = spawn(process.execPath, [cli, "--data-dir", dataDir, "pkgs", "sync", "archlinux", `http://127.0.0.1:${port}/$repo`, "--component", "core", "--architecture", "x86_64"], {
      stdio: "ignore",
    });
    try {
      await firstRequest;
      expect(getPriority(child.pid)).toBe(Math.min(19, getPriority() + 10));
    } finally {
      child.kill("SIGKILL");
      hanging.closeAllConnections();
      hanging.close();
    }
  });
});
