import { spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/engine/store/index.js";
import { addJob, addPackage, jobs, tempDataDir } from "./fixtures.js";

const CLAIMERS = 8;
const JOBS_PER_CLAIMER = 500;
const script = fileURLToPath(new URL("./scheduler-claimer.ts", import.meta.url));
/** Bun runs TypeScript itself; Node loads it through tsx. */
const runtimeArgs = typeof process.versions.bun === "string" ? [] : ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href];

function startClaimer(dataDir: string, name: string) {
  const child = spawn(process.execPath, [...runtimeArgs, script, dataDir, name], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  child.stdout.setEncoding("utf8");
  const ready = new Promise<void>((resolve) => {
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
      if (out.startsWith("ready\n")) resolve();
    });
  });
  const result = once(child, "exit").then(([code]) => {
    if (code !== 0) throw new Error(`claimer ${name} exited with ${code}`);
    return JSON.parse(out.slice("ready\n".length)) as { workerId: number; claimed: number[] };
  });
  return { child, ready, result };
}

describe("concurrent claimers in separate processes", () => {
  it("hand every job out exactly once", async () => {
    const dataDir = tempDataDir();
    const db = openStore(dataDir);
    db.transaction(() => {
      for (let i = 0; i < CLAIMERS * JOBS_PER_CLAIMER; i++) {
        addJob(db, addPackage(db, { name: `pkg${i}`, architecture: i % 3 === 0 ? "all" : "amd64" }).buildInputId, i % 2);
      }
    });
    const claimers = Array.from({ length: CLAIMERS }, (_, i) => startClaimer(dataDir, `claimer-${i}`));
    await Promise.all(claimers.map((c) => c.ready));
    for (const c of claimers) c.child.stdin.end("go\n");
    const results = await Promise.all(claimers.map((c) => c.result));

    const all = results.flatMap((r) => r.claimed);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(CLAIMERS * JOBS_PER_CLAIMER);
    const rows = jobs(db);
    expect(rows.filter((j) => j.worker === null)).toEqual([]);
    // the database agrees with every claimer about who holds which job
    const holder = new Map(rows.map((j) => [j.id, j.worker]));
    for (const r of results) for (const id of r.claimed) expect(holder.get(id)).toBe(r.workerId);
    // more than one process actually took part
    expect(results.filter((r) => r.claimed.length > 0).length).toBeGreaterThan(1);
    db.close();
  });
});
