import { afterAll, describe, expect, it } from "vitest";
import { withBuildUmask } from "../../src/backends/debian-archive-umask.js";
import { StepRunner } from "../../src/backends/step-runner.js";
import { removeScratchDirs, scratch } from "./debian-archive-helpers.js";

afterAll(removeScratchDirs);

describe("withBuildUmask", () => {
  it("starts the step with umask 022 and leaves the engine's umask as it was", async () => {
    const original = process.umask(0o077);
    try {
      const runner = new StepRunner({ timeoutSeconds: 30, env: {} });
      const step = await withBuildUmask(() => runner.capture({ command: "/bin/sh", args: ["-c", "umask"], cwd: scratch(), env: {} }));
      expect(step.output.trim()).toBe("0022");
      expect(process.umask(0o077)).toBe(0o077);
    } finally {
      process.umask(original);
    }
  });
});
