/** The dashboard's share of installed packages verified follows the store: a finished sync makes it count again at once. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { installedPackages } from "../../src/engine/installed.js";
import { markSyncFinished, markSyncStarted } from "../../src/engine/store/queries/sync-schedule.js";
import { LocalSource } from "../../src/tui/data/local-source.js";
import { addPackage } from "../engine/fixtures.js";
import { tuiEngine } from "./harness.js";

let t: Awaited<ReturnType<typeof tuiEngine>> | undefined;
afterEach(async () => {
  await t?.dispose();
});

it("counts the packages a sync just brought in, without waiting for the next periodic refresh", async () => {
  t = await tuiEngine();
  const root = mkdtempSync(join(tmpdir(), "rebuilder-tui-machine-"));
  mkdirSync(join(root, "var/lib/dpkg/info"), { recursive: true });
  mkdirSync(join(root, "var/lib/dpkg/updates"), { recursive: true });
  const stanza = (name: string) => `Package: ${name}\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nVersion: 1.0-1\nMaintainer: J <j@example.org>\nDescription: test\n`;
  writeFileSync(join(root, "var/lib/dpkg/status"), `${stanza("good-pkg")}\n${stanza("late-pkg")}`);
  const source = new LocalSource(t.engine, { installed: () => installedPackages(root) });

  expect((await source.dashboard()).installed).toMatchObject({ manager: "dpkg", installed: 2, known: 1, verified: 1 });
  // A sync imports late-pkg and finishes.
  const db = t.engine.db;
  markSyncStarted(db, "bookworm", "2026-01-01 00:00:00");
  addPackage(db, { name: "late-pkg", release: "bookworm" });
  markSyncFinished(db, "bookworm", "2026-01-01 00:01:00", "2026-01-01 06:01:00", { summary: {} });
  expect((await source.dashboard()).installed).toMatchObject({ installed: 2, known: 2, verified: 1 });
});
