/** After a sync, the installed packages never rebuilt are queued ahead of everything else; rebuilt ones keep their schedule. */
import { afterEach, beforeEach, expect, it } from "vitest";
import { queueInstalledFirst } from "../../src/tui/data/installed-first.js";
import { tuiEngine } from "./harness.js";

let t: Awaited<ReturnType<typeof tuiEngine>>;
beforeEach(async () => {
  t = await tuiEngine();
});
afterEach(async () => {
  await t.dispose();
});

it("queues installed packages that were never rebuilt first, and leaves rebuilt ones alone", async () => {
  const pkg = (name: string) => ({ name, version: "1.0-1", architecture: "amd64" });
  // filler-007: never built, not queued; waiting-pkg: queued at priority 1; good-pkg: rebuilt GOOD; not-here: unknown to the store.
  const n = await queueInstalledFirst(t.engine, { manager: "dpkg", packages: [pkg("filler-007"), pkg("waiting-pkg"), pkg("good-pkg"), pkg("not-here")] });
  expect(n).toBe(2);
  const queued = t.engine.db
    .prepare<{ name: string; priority: number }>("SELECT sp.name, q.priority FROM queue q JOIN build_inputs bi ON bi.id = q.build_input_id JOIN source_packages sp ON sp.id = bi.source_package_id ORDER BY q.priority, sp.name")
    .all();
  expect(queued).toEqual([
    { name: "filler-007", priority: -1 },
    { name: "waiting-pkg", priority: -1 },
    // The BAD package waits for its retry as before (it is not installed here anyway).
    { name: expect.stringMatching(/^evil/), priority: 2 },
  ]);
});
