/**
 * Every view of the TUI rendered with ink-testing-library over a real engine and store, driven
 * by keys; hostile names, logs and diffoscope output must show as plain text and never reach
 * the terminal as sequences.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runDoctor } from "../../src/engine/diagnostics/doctor.js";
import { installedPackages } from "../../src/engine/installed.js";
import { claimJob, recordRebuild } from "../../src/engine/scheduler/index.js";
import { LocalSource } from "../../src/tui/data/local-source.js";
import { addJob, addPackage, outcome, schedulePolicy } from "../engine/fixtures.js";
import { DIFFOSCOPE, leaks, tuiEngine } from "./harness.js";
import { renderApp } from "./render-app.js";

const DOWN = "\u001b[B";
const ESC = "\u001b";
const ENTER = "\r";
const TAB = "\t";

let t: Awaited<ReturnType<typeof tuiEngine>>;
let quits: number[];

beforeEach(async () => {
  t = await tuiEngine();
  quits = [];
});
afterEach(async () => {
  await t.dispose();
});

function start(initialView = 0) {
  return renderApp(t.source, initialView, (n) => quits.push(n));
}

describe("tui views", () => {
  it("dashboard: verdicts overall and per release, reproducible share, queue and backends", async () => {
    const { ui, see, frames } = start();
    await see(/all\s+1\s+1\s+0\s+301\s+50\.0%/);
    expect(ui.lastFrame()).toMatch(/debian bookworm\s+1\s+1\s+0\s+301/);
    expect(ui.lastFrame()).toContain("Queue: 0 running, 1 waiting");
    expect(ui.lastFrame()).toMatch(/Backends/);
    t.engine.events.publish({ type: "sync.progress", profile: "bookworm\u001b]0;PWNED-TITLE\u0007", kind: "parse", detail: "/m/dists/bookworm/main/binary-amd64/Packages.xz", packages: 12345 });
    await see(/bookworm +parsing main\/binary-amd64\/Packages\.xz 12,345 packages/);
    expect(leaks(frames())).toEqual([]);
  });

  it("queue: waiting jobs in pop order with priority, a filter that narrows them", async () => {
    const { ui, see, press, frames } = start(1);
    await see("waiting-pkg 1.0-1");
    // The BAD package waits for its retry, drawn with its hostile name made inert.
    expect(ui.lastFrame()).toMatch(/evilclickname 1\.0-1 .* 2 {2}retry in \d+h/);
    expect(ui.lastFrame()).toMatch(/waiting-pkg 1\.0-1 .* 1 {2}waiting/);
    await press("/", "z", "z", "z");
    await see('no queued job matches "zzz"');
    await press(ESC);
    await see("waiting-pkg");
    expect(leaks(frames())).toEqual([]);
  });

  it("slots: the job each slot holds and the last lines of its build log as they stream", async () => {
    const { ui, see, frames } = start(2);
    await see("slot-1");
    const p = addPackage(t.engine.db, { name: "streaming-pkg", release: "bookworm" });
    addJob(t.engine.db, p.buildInputId, -10);
    const job = claimJob(t.engine.db, t.engine.slots.info()[0]!.workerId!, { backends: ["debian"], architectures: ["amd64"] }, schedulePolicy(), new Date())!;
    t.engine.events.publish({ type: "job.started", queueId: job.queueId, slot: "slot-1", name: job.name, version: job.version, architecture: "amd64", backend: "debian" });
    for (let i = 0; i < 20; i++) t.engine.events.publish({ type: "job.log", queueId: job.queueId, slot: "slot-1", line: `log line ${i}\u001b]0;PWNED-TITLE\u0007` });
    await see(/slot-1 .*streaming-pkg 1\.0-1 .*debian/);
    await see("log line 19");
    expect(ui.lastFrame()).not.toContain("log line 0\n");
    expect(leaks(frames())).toEqual([]);
  });

  it("resize: the layout follows the terminal, and a terminal too small gets a clear message", async () => {
    const { ui, see } = start();
    await see("Verdicts");
    const resize = (columns: number, rows: number) => {
      Object.defineProperty(ui.stdout, "columns", { value: columns, configurable: true });
      Object.defineProperty(ui.stdout, "rows", { value: rows, configurable: true });
      ui.stdout.emit("resize");
    };
    resize(40, 10);
    await see(/Terminal too small: 40×10, rebuilder\s+needs at least 60×12/);
    resize(80, 20);
    await see("Verdicts");
    expect(ui.lastFrame()!.split("\n").length).toBe(19);
  });

  it("slots: p pauses the selected slot and P resumes all", async () => {
    const { see, press } = start(2);
    await see("slot-1");
    await press("p");
    await see("slot-1 paused");
    expect(t.engine.slots.info()[0]!.paused).toBe(true);
    await press("P");
    await see("all slots paused");
    await press("P");
    await see("all slots resumed");
    expect(t.engine.slots.info().every((s) => !s.paused)).toBe(true);
  });

  it("BAD diffs: newest first, a coloured diffoscope viewer with search, the build log, all sanitized", async () => {
    const { ui, see, press, frames } = start(3);
    await see("evilclickname");
    await press(ENTER);
    await see("diffoscope: evilclickname");
    await see("usr/bin/hello");
    await press("/", ..."needle", ENTER);
    await see(/match 1 of 2/);
    expect(ui.lastFrame()).toContain("needle in the old build");
    await press("n");
    await see(/match 2 of 2/);
    await press(ESC);
    await see("built");
    await press("l");
    await see("log line with hostile bytes");
    await press(ESC);
    expect(leaks(frames())).toEqual([]);
    expect(DIFFOSCOPE).toContain("PWNED-TITLE");
  });

  it("BAD diffs: a new BAD result appears without a keypress", async () => {
    const { see } = start(3);
    await see("evilclickname");
    const db = t.engine.db;
    const p = addPackage(db, { name: "fresh-bad", release: "bookworm" });
    addJob(db, p.buildInputId, -5);
    const job = claimJob(db, 1, { backends: ["debian"], architectures: ["amd64"] }, schedulePolicy(), new Date())!;
    const { buildId } = recordRebuild(db, job.queueId, outcome("BAD", new Date(Date.now() + 1000), [{ name: "fresh-bad", status: "BAD", diffoscope: null, attestation: null, note: null }]), schedulePolicy(), new Date());
    t.engine.events.publish({ type: "job.finished", queueId: job.queueId, slot: "slot-1", name: "fresh-bad", version: "1.0-1", status: "BAD", buildId });
    await see(/fresh-bad 1\.0-1[^\n]*\n[^\n]*evilclickname/);
  });

  it("packages: windowed browsing, search, history, requeue and drop", async () => {
    const { ui, see, press, frames } = start(4);
    await see(/1 of 303/);
    expect(ui.lastFrame()).toMatch(/evilclickname 1\.0-1 +debian bookworm amd64 +BAD/);
    await press("G");
    await see(/303 of 303/);
    await press("g", "/", ..."good", ENTER);
    await see(/1 of 1/);
    await press(ENTER);
    await see(/#\d+ .* GOOD/);
    await press("r");
    await see("requeued good-pkg");
    await see("queued");
    await press("x");
    await see("dropped good-pkg 1.0-1");
    await press(ESC, "/");
    for (let i = 0; i < 4; i++) await press("\u007f");
    await press(ENTER);
    await see(/1 of 303/);
    await press(DOWN, DOWN);
    await see(/3 of 303/);
    expect(ui.lastFrame()!.split("\n").length).toBeLessThanOrEqual(23);
    expect(leaks(frames())).toEqual([]);
  });

  it("packages: a search typed fast or pasted is typed, not obeyed as keys", async () => {
    const { ui, see, press } = start(4);
    await see(/1 of 303/);
    // All in one input, as a paste arrives: the r of "filler" must not requeue, the Enter accepts.
    await press("/filler-299\r");
    await see(/1 of 1\b/);
    expect(ui.lastFrame()).toMatch(/filler-299 1\.0-1/);
    expect(ui.lastFrame()).toContain("search: filler-299");
    // Separate keys in one tick, before the entry is drawn: q is typed (and erased), not a quit.
    await press("/", ..."\u007f".repeat(10), ENTER);
    await see(/1 of 303/);
    for (const k of ["/", "filler-29", "q", "\u007f", "8", ENTER]) ui.stdin.write(k);
    await see(/1 of 1\b/);
    expect(ui.lastFrame()).toMatch(/filler-298 1\.0-1/);
    expect(ui.lastFrame()).not.toContain("requeued");
    expect(quits).toEqual([]);
  });

  it("keys: Tab cycles views, ? shows help, q asks to quit once and again", async () => {
    const { ui, see, press } = start();
    await see("Verdicts");
    await press(TAB);
    await see("filter by name");
    await press("?");
    await see("Keys");
    await press("x");
    await see("filter by name");
    await press("q");
    await see("Finishing running builds (and a running sync) before exiting; press q again");
    expect(quits).toEqual([1]);
    await press("q");
    await see("Handing running builds back");
    expect(quits).toEqual([1, 2]);
    ui.unmount();
  });
});

describe("tui dashboard on a machine that cannot build yet", () => {
  it("shows what doctor says is missing, and the share of installed packages verified", async () => {
    // A machine with dpkg: good-pkg (GOOD in the store) and a package no rebuilder knows.
    const root = mkdtempSync(join(tmpdir(), "rebuilder-tui-machine-"));
    mkdirSync(join(root, "var/lib/dpkg/info"), { recursive: true });
    mkdirSync(join(root, "var/lib/dpkg/updates"), { recursive: true });
    const stanza = (name: string) => `Package: ${name}\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nVersion: 1.0-1\nMaintainer: J <j@example.org>\nDescription: test\n`;
    writeFileSync(join(root, "var/lib/dpkg/status"), `${stanza("good-pkg")}\n${stanza("nobody-knows-me")}`);
    // Debian's backend configured without the mirror it needs: whatever this machine has, nothing can build.
    await t.dispose();
    t = await tuiEngine({ debian: { kind: "debrebuild" } });
    const source = new LocalSource(t.engine, {
      diagnose: () => runDoctor({ dataDir: t.engine.dataDir, config: t.engine.config, configPath: null, profiles: { error: "none configured" } }),
      installed: () => installedPackages(root),
      syncProblem: "nothing is synced: cannot detect a default sync profile",
    });
    const { ui, see } = renderApp(source);
    await see("No backend can build on this machine", 60_000);
    await see("FAIL nothing is synced: cannot detect a default sync profile", 60_000);
    await see(/FAIL +debian: the debrebuild backend cannot run: debrebuild needs `mirror`/, 60_000);
    expect(ui.lastFrame()).toContain("This machine (dpkg): 1 of 1 installed packages the store knows are verified (100.0%); 1 unknown");
    ui.unmount();
  }, 90_000);
});
