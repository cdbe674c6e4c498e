/** The periodic sync's child runs at a lower CPU priority than the server, so a small machine keeps answering requests while it parses and imports. */
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getPriority } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyncSchedule } from "../../src/engine/sync-schedule.js";
import { startServer, type TestServer } from "../api/harness.js";

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
