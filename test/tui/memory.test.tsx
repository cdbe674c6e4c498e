/**
 * `rebuilder tui` is left running for days while builds stream their logs: the memory it holds
 * must not grow with the number of distinct lines it has drawn (Ink caches the layout of every
 * distinct <Text> it measured, for good).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { claimJob } from "../../src/engine/scheduler/index.js";
import { addJob, addPackage, schedulePolicy } from "../engine/fixtures.js";
import { tuiEngine } from "./harness.js";
import { renderApp } from "./render-app.js";

/** A full, synchronous collection: Bun's own under Bun, V8's (exposed at run time) under Node. */
const bun = (globalThis as { Bun?: { gc(full: boolean): void } }).Bun;
const gc: () => void = bun ? () => bun.gc(true) : (setFlagsFromString("--expose-gc"), runInNewContext("gc") as () => void);

/** Heap in use once everything unreachable is gone. */
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** React commits a frame in a later macrotask (setImmediate, not faked) than the timer that asked for it. */
async function reactCommits(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

let t: Awaited<ReturnType<typeof tuiEngine>>;
beforeEach(async () => {
  t = await tuiEngine();
});
afterEach(async () => {
  vi.useRealTimers();
  await t.dispose();
});

describe("tui memory", () => {
  it("slots: streaming thousands of distinct log lines does not grow the heap", async () => {
    const { ui, see } = renderApp(t.source, 2);
    await see("slot-1");
    const p = addPackage(t.engine.db, { name: "streaming-pkg", release: "bookworm" });
    addJob(t.engine.db, p.buildInputId, -10);
    const job = claimJob(t.engine.db, t.engine.slots.info()[0]!.workerId!, { backends: ["debian"], architectures: ["amd64"] }, schedulePolicy(), new Date())!;
    t.engine.events.publish({ type: "job.started", queueId: job.queueId, slot: "slot-1", name: job.name, version: job.version, architecture: "amd64", backend: "debian" });
    await see(/slot-1 .*streaming-pkg/);

    // The view redraws its logs twice a second: the clock is stepped from frame to frame.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    // Long lines (a compiler's command line) make each one the view drew weigh ~4 KB if it is kept.
    const padding = "x".repeat(2000);
    const stream = async (frames: number, from: number) => {
      for (let f = from; f < from + frames; f++) {
        // Eight lines a frame, all of them on screen (the view shows a slot's last eight).
        for (let i = 0; i < 8; i++) t.engine.events.publish({ type: "job.log", queueId: job.queueId, slot: "slot-1", line: `cc -c unit-${f}-${i}.c ${padding}` });
        await vi.advanceTimersByTimeAsync(500);
        await reactCommits();
        expect(ui.lastFrame()).toContain(`cc -c unit-${f}-7.c xxx`);
        ui.frames.length = 0; // the test's own record of every frame is not the TUI's memory
      }
    };
    await stream(50, 0);
    const before = heapAfterGc();
    await stream(500, 50);
    const grown = heapAfterGc() - before;
    // 4,000 distinct lines: kept, they would take 16 MB or more.
    expect(grown).toBeLessThan(4 * 1024 * 1024);
  });
});
