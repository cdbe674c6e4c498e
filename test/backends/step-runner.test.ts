import { describe, expect, it } from "vitest";
import { StepRunner } from "../../src/backends/step-runner.js";
import { runOptions, tempDir, text } from "./fake-tools.js";

const env = { PATH: process.env.PATH };
const sh = (script: string) => ({ command: "sh", args: ["-c", script], cwd: tempDir(), env });

describe("step runner", () => {
  it("echoes each command like set -x and keeps the exit code of the step that failed", async () => {
    const lines: string[] = [];
    const runner = new StepRunner(runOptions(env, { onLine: (line) => lines.push(line) }));
    expect((await runner.run({ command: "echo", args: ["a b", "plain", "$(x)"], cwd: tempDir(), env })).ok).toBe(true);
    expect((await runner.run(sh("echo failing >&2; exit 4"))).ok).toBe(false);
    const result = runner.result();
    expect(result.exitCode).toBe(4);
    expect(text(result.output)).toBe('+ echo "a b" plain "$(x)"\na b plain $(x)\n+ sh -c "echo failing >&2; exit 4"\nfailing\n');
    expect(lines).toEqual(['+ echo "a b" plain "$(x)"', "a b plain $(x)", '+ sh -c "echo failing >&2; exit 4"', "failing"]);
  });

  it("fails a build on a check of its own with exit code 1, or keeps the failed step's code", async () => {
    const checked = new StepRunner(runOptions(env));
    await checked.run(sh("true"));
    const own = checked.fail("no .dsc was downloaded");
    expect(own.exitCode).toBe(1);
    expect(text(own.output)).toBe("+ sh -c true\nrebuilder: no .dsc was downloaded\n");
    const stepFailed = new StepRunner(runOptions(env));
    await stepFailed.run(sh("exit 3"));
    expect(stepFailed.fail("apt-get update failed").exitCode).toBe(3);
  });

  it("caps the log over all steps and drops what comes after the cut", async () => {
    const runner = new StepRunner(runOptions(env, { maxLogBytes: 100 }));
    await runner.run(sh("head -c 60 /dev/zero | tr '\\0' a"));
    await runner.run(sh("head -c 60 /dev/zero | tr '\\0' b"));
    await runner.run(sh("echo third"));
    const result = runner.result();
    const log = text(result.output);
    expect(result.truncated).toBe(true);
    expect(result.exitCode).toBe(0);
    expect(log).toContain("a".repeat(60));
    expect(log).toContain(`${"b".repeat(40)}\n\nTRUNCATED DUE TO SIZE LIMIT: 40 bytes\n\n`);
    expect(log).not.toContain("b".repeat(41));
    expect(log).not.toMatch(/^third$/m);
    expect(log).toContain('+ sh -c "echo third"\n');
  });

  it("still reads a step's answer when the log is full", async () => {
    const runner = new StepRunner(runOptions(env, { maxLogBytes: 10 }));
    await runner.run(sh("echo 0123456789abcdef"));
    const answer = await runner.capture(sh("echo 1700000000"));
    expect(answer).toEqual({ ok: true, output: "1700000000\n" });
  });

  it("shares one deadline between the steps and reports the timeout", async () => {
    const runner = new StepRunner(runOptions(env, { timeoutSeconds: 1 }));
    const first = await runner.run(sh("echo started; sleep 30"));
    expect(first.ok).toBe(false);
    const result = runner.result();
    expect(result.timedOut).toBe(true);
    expect(text(result.output)).toContain("started\n\n\nTRUNCATED DUE TO TIMEOUT: 1 seconds\n\n");
    expect((await runner.run(sh("echo never"))).ok).toBe(false);
    expect(text(runner.result().output)).toContain("rebuilder: the build timeout of 1 seconds was reached\n");
    expect(text(runner.result().output)).not.toMatch(/^never$/m);
  });

  it("reports a program it cannot start like sh does, with exit code 127", async () => {
    const runner = new StepRunner(runOptions(env));
    expect((await runner.run({ command: "/nonexistent/dcmd", args: [], cwd: tempDir(), env })).ok).toBe(false);
    const result = runner.result();
    expect(result.exitCode).toBe(127);
    expect(text(result.output)).toMatch(/cannot run \/nonexistent\/dcmd/);
  });
});
