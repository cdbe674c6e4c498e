/** The private apt: its own configuration only, and the machine's apt state never changes. */
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { aptStep, createPrivateApt, downloadSourceStep } from "../../src/backends/debian-archive-apt.js";
import { machineDebianMirror } from "../../src/engine/apt-sources.js";
import { parseSettings, planRebuild } from "../../src/backends/debian-archive-plan.js";
import { StepRunner } from "../../src/backends/step-runner.js";
import { findPublished, MACHINE_APT_STATE, makeJob, removeScratchDirs, scratch, snapshotTree } from "./debian-archive-helpers.js";

const mirror = machineDebianMirror();
const settings = parseSettings({});

function helloJob(version: string, base = scratch()) {
  const url = `${mirror}/pool/main/h/hello/hello_${version}_amd64.deb`;
  return makeJob(base, { name: "hello", version, release: "bookworm", architecture: "amd64", artifacts: [{ name: "hello", version, architecture: "amd64", url, fileName: `hello_${version}_amd64.deb`, publishedPath: join(base, "p.deb") }] });
}

afterAll(removeScratchDirs);

describe("private apt", () => {
  it("reads none of the machine's apt configuration", async () => {
    const job = helloJob("2.10-3");
    const apt = await createPrivateApt(join(job.workDir, "apt"), planRebuild(job, settings), settings.keyring, { PATH: process.env.PATH });
    const runner = new StepRunner({ timeoutSeconds: 60, env: {} });
    const dump = await runner.capture({ command: "apt-config", args: ["dump"], cwd: job.workDir, env: apt.env });
    expect(dump.ok).toBe(true);
    expect(dump.output).toContain(`Dir "${join(job.workDir, "apt")}/";`);
    // Set by /etc/apt/apt.conf.d/01autoremove on every Debian machine.
    expect(dump.output).not.toContain("NeverAutoRemove");
  });

  it.runIf(mirror !== null)(
    "downloads a verified source package into the job without touching the machine's apt state",
    async () => {
      const published = await findPublished(mirror ?? "", "bookworm", "hello", "amd64");
      const job = helloJob(published.version);
      const plan = planRebuild(job, settings);
      const before = snapshotTree(...MACHINE_APT_STATE);
      const apt = await createPrivateApt(join(job.workDir, "apt"), plan, settings.keyring, { PATH: process.env.PATH });
      const runner = new StepRunner({ timeoutSeconds: 300, env: {} });
      expect((await runner.run(aptStep(apt, job.workDir, "update"))).ok).toBe(true);
      expect((await runner.run(downloadSourceStep(apt, plan, job.workDir))).ok).toBe(true);
      expect(snapshotTree(...MACHINE_APT_STATE)).toEqual(before);
      expect(existsSync(join(job.workDir, plan.dscName))).toBe(true);
      expect(readdirSync(join(job.workDir, "apt/var/lib/apt/lists")).some((name) => name.endsWith("_bookworm_InRelease"))).toBe(true);
    },
    300_000,
  );

  it.runIf(mirror !== null)(
    "refuses indexes that the configured keyring did not sign",
    async () => {
      const job = helloJob("2.10-3");
      const apt = await createPrivateApt(join(job.workDir, "apt"), planRebuild(job, settings), "/usr/share/keyrings/debian-archive-removed-keys.gpg", { PATH: process.env.PATH });
      const runner = new StepRunner({ timeoutSeconds: 300, env: {} });
      expect((await runner.run(aptStep(apt, job.workDir, "update"))).ok).toBe(false);
      expect(new TextDecoder().decode(runner.result().output)).toMatch(/NO_PUBKEY|not signed/);
      expect(readdirSync(join(job.workDir, "apt/var/lib/apt/lists")).some((name) => name.endsWith("Sources"))).toBe(false);
    },
    300_000,
  );

  it.runIf(mirror !== null)(
    "fails, naming the version, when the mirror does not have it",
    async () => {
      const job = helloJob("0.0-0");
      const plan = planRebuild(job, settings);
      const apt = await createPrivateApt(join(job.workDir, "apt"), plan, settings.keyring, { PATH: process.env.PATH });
      const runner = new StepRunner({ timeoutSeconds: 300, env: {} });
      expect((await runner.run(aptStep(apt, job.workDir, "update"))).ok).toBe(true);
      expect((await runner.run(downloadSourceStep(apt, plan, job.workDir))).ok).toBe(false);
      expect(new TextDecoder().decode(runner.result().output)).toContain("hello=0.0-0");
    },
    300_000,
  );
});
