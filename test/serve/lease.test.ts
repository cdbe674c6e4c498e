/**
 * A short `[schedule] ping_deadline` (as the resilience tests use, so a dead server's jobs come
 * back quickly) must not let a live build lose its lease: a build that outlasts the deadline
 * keeps its job, no other slot starts it again, and it is recorded once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { archRepo } from "./arch-repo.js";
import { killServers, openDb, startServe, waitFor } from "./serve-process.js";

afterEach(killServers);

describe("rebuilder serve with a short ping deadline", () => {
  it("keeps the leases of builds that outlast the deadline: each package built and recorded once", async () => {
    const names = ["a", "b", "c"];
    const repo = archRepo(names, { buildSeconds: 6, extraConfig: "[schedule]\nping_deadline = 2\n" });
    const served = await startServe(repo);
    const recorded = () => {
      const db = openDb(repo.dataDir);
      try {
        return db
          .prepare<{ name: string; n: number }>("SELECT sp.name, count(r.id) AS n FROM source_packages sp JOIN build_inputs bi ON bi.source_package_id = sp.id LEFT JOIN rebuilds r ON r.build_input_id = bi.id GROUP BY sp.name ORDER BY sp.name")
          .all();
      } finally {
        db.close();
      }
    };
    await waitFor("every package recorded", () => (recorded().every((r) => r.n > 0) ? true : undefined), 180, 250);
    expect(await served.stop()).toBe(0);
    expect(recorded()).toEqual(names.map((name) => ({ name, n: 1 })));
    // One build script run per package: no job was started twice.
    expect(repo.pids()).toHaveLength(names.length);
  }, 300_000);
});
