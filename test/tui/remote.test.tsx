/**
 * The TUI attached to a real `rebuilder serve` on loopback (`--remote`): the same views read
 * through its API and event stream, and actions go through the admin cookie.
 */
import { rmSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RebuilderdClient } from "../../src/cli/client/rebuilderd-client.js";
import type { EngineEvent } from "../../src/engine/events.js";
import { RemoteSource } from "../../src/tui/data/remote-source.js";
import { archRepo, type ArchRepo } from "../serve/arch-repo.js";
import { getJson, startServe, waitFor, type Served } from "../serve/serve-process.js";
import { renderApp } from "./render-app.js";

let repo: ArchRepo;
let served: Served;
let source: RemoteSource;

beforeAll(async () => {
  repo = archRepo(["good", "bad-one"]);
  served = await startServe({ dataDir: repo.dataDir, config: repo.config });
  await waitFor("both packages built", async () => {
    const d = await getJson<{ rebuilds: { good: number; bad: number } }>(`${served.url}/api/v1/dashboard`);
    return d.rebuilds.good === 1 && d.rebuilds.bad === 1 ? true : undefined;
  });
  source = new RemoteSource(new RebuilderdClient(served.url, { cookie: await served.cookie() }));
}, 120_000);

afterAll(async () => {
  source?.close();
  await served?.stop();
});

const start = (initialView: number) => renderApp(source, initialView);

describe("tui --remote", () => {
  it("dashboard: verdicts from the server, its workers and its sync state", async () => {
    const { ui, see } = start(0);
    await see(/archlinux +1 +1 +0 +0 +50\.0%/);
    expect(ui.lastFrame()).toMatch(/building with: worker \S+\/slot-1/);
    ui.unmount();
  });

  it("BAD diffs and the build log come through the API", async () => {
    const { ui, see, press } = start(3);
    await see(/bad-one 1\.0-1 +archlinux/);
    await press("l");
    await see("rebuilding bad-one-1.0-1-x86_64.pkg.tar.zst");
    ui.unmount();
  });

  it("packages: requeue goes to the server with the admin cookie; slots say pausing is not remote", async () => {
    const { ui, see, press } = start(4);
    await see(/1 of 2/);
    expect(ui.lastFrame()).toMatch(/package[^\n]*\nbad-one 1\.0-1 [^\n]*BAD\ngood 1\.0-1 [^\n]*GOOD/);
    // The requeued job starts at once on the server; its event arrives through /api/v1/x-events.
    const started = new Promise<EngineEvent>((resolve) => {
      const off = source.subscribe((e) => e.type === "job.started" && e.name === "bad-one" && (off(), resolve(e)));
    });
    // Held, so the job is still queued when read below (a finished BAD is requeued at priority 2).
    writeFileSync(repo.hold, "");
    await press("r");
    await see("requeued bad-one 1.0-1");
    expect(await started).toMatchObject({ type: "job.started", name: "bad-one", queueId: expect.any(Number), backend: "archlinux" });
    const queue = await getJson<{ records: { name: string; priority: number }[] }>(`${served.url}/api/v1/queue`);
    rmSync(repo.hold);
    expect(queue.records.map((j) => [j.name, j.priority])).toContainEqual(["bad-one", 0]);
    await press("3");
    await see("slot-1");
    await press("p");
    await see("failed: slots cannot be paused remotely");
    ui.unmount();
  });
});
