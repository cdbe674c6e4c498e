import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProcess, SpawnError } from "../../src/backends/process-runner.js";

const cwd = () => mkdtempSync(join(tmpdir(), "rebuilder-run-"));
const env = { PATH: process.env.PATH };
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("process runner", () => {
  it("interleaves stdout and stderr and reports the exit code", async () => {
    const r = await runProcess({ command: "sh", args: ["-c", "echo out; echo err >&2; exit 3"], cwd: cwd(), env, timeoutSeconds: 30 });
    expect(r.exitCode).toBe(3);
    expect(text(r.output)).toContain("out\n");
    expect(text(r.output)).toContain("err\n");
  });

  it("never passes arguments through a shell", async () => {
    const dir = cwd();
    const marker = join(dir, "pwned");
    const r = await runProcess({ command: "echo", args: [`$(touch ${marker})`, "; touch", marker], cwd: dir, env, timeoutSeconds: 30 });
    expect(text(r.output)).toBe(`$(touch ${marker}) ; touch ${marker}\n`);
    expect(existsSync(marker)).toBe(false);
  });

  it("runs in the given directory with exactly the given environment", async () => {
    const dir = cwd();
    const r = await runProcess({ command: "sh", args: ["-c", "pwd; echo ${REBUILDERD_OUTDIR}; echo home=${HOME}"], cwd: dir, env: { ...env, REBUILDERD_OUTDIR: "/out" }, timeoutSeconds: 30 });
    expect(text(r.output)).toBe(`${dir}\n/out\nhome=\n`);
  });

  it("kills the whole process group on timeout and marks the log", async () => {
    const dir = cwd();
    // The grandchild would create the file after 3 s if it survived the timeout.
    const r = await runProcess({
      command: "sh",
      args: ["-c", `(sleep 3; touch ${join(dir, "survivor")}) & echo started; sleep 60`],
      cwd: dir,
      env,
      timeoutSeconds: 1,
      graceSeconds: 1,
    });
    expect(r.timedOut).toBe(true);
    expect(text(r.output)).toMatch(/started\n[\s\S]*TRUNCATED DUE TO TIMEOUT: 1 seconds\n\n$/);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(existsSync(join(dir, "survivor"))).toBe(false);
  });

  it("escalates to SIGKILL when SIGTERM is ignored", async () => {
    const r = await runProcess({ command: "sh", args: ["-c", "trap '' TERM; echo ready; sleep 60"], cwd: cwd(), env, timeoutSeconds: 1, graceSeconds: 1 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe("SIGKILL");
  });

  it("cuts the log at the cap, marks it and lets a build run on", async () => {
    const r = await runProcess({ command: "sh", args: ["-c", "head -c 5000 /dev/zero | tr '\\0' x; echo; echo done >&2"], cwd: cwd(), env, timeoutSeconds: 30, maxBytes: 100 });
    expect(r.exitCode).toBe(0);
    expect(r.truncated).toBe(true);
    expect(text(r.output)).toBe("x".repeat(100) + "\n\nTRUNCATED DUE TO SIZE LIMIT: 100 bytes\n\n");
  });

  it("kills at the cap when asked to (diffoscope)", async () => {
    const r = await runProcess({ command: "sh", args: ["-c", "while true; do echo yyyyyyyy; done"], cwd: cwd(), env, timeoutSeconds: 30, maxBytes: 1000, killAtLimit: true });
    expect(r.truncated).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(r.output.byteLength).toBe(1000 + "\n\nTRUNCATED DUE TO SIZE LIMIT: 1000 bytes\n\n".length);
  });

  it("stops on abort (shutdown)", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const r = await runProcess({ command: "sleep", args: ["60"], cwd: cwd(), env, timeoutSeconds: 60, signal: ac.signal, graceSeconds: 1 });
    expect(r.aborted).toBe(true);
    expect(r.exitCode).toBeNull();
  });

  it("streams complete lines to a live listener", async () => {
    const lines: string[] = [];
    await runProcess({ command: "printf", args: ["a\\nb\\nc"], cwd: cwd(), env, timeoutSeconds: 30, onLine: (l) => lines.push(l) });
    expect(lines).toEqual(["a", "b", "c"]);
  });

  it("names the program it cannot start", async () => {
    await expect(runProcess({ command: "/nonexistent/backend.sh", args: [], cwd: cwd(), env, timeoutSeconds: 5 })).rejects.toThrow(SpawnError);
    await expect(runProcess({ command: "/nonexistent/backend.sh", args: [], cwd: cwd(), env, timeoutSeconds: 5 })).rejects.toThrow(/backend\.sh/);
  });
});
