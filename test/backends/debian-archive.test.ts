import { afterAll, afterEach, describe, expect, it } from "vitest";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DebianArchiveBackend } from "../../src/backends/debian-archive.js";
import { machineDebianMirror } from "../../src/engine/apt-sources.js";
import { UnsafeJobError } from "../../src/backends/job-checks.js";
import { runProcess } from "../../src/backends/process-runner.js";
import { findPublished, makeJob, removeScratchDirs, runOptions, scratch } from "./debian-archive-helpers.js";

const mirror = machineDebianMirror();
const machinePath = process.env.PATH;
const texinfoInstalled = await installed("texinfo");

async function installed(pkg: string): Promise<boolean> {
  const r = await runProcess({ command: "dpkg-query", args: ["-W", "-f=${Status}", pkg], cwd: "/", env: { PATH: machinePath }, timeoutSeconds: 30 });
  return new TextDecoder().decode(r.output).includes("install ok installed");
}

async function machineArch(): Promise<string> {
  const r = await runProcess({ command: "dpkg", args: ["--print-architecture"], cwd: "/", env: { PATH: machinePath }, timeoutSeconds: 30 });
  return new TextDecoder().decode(r.output).trim();
}

afterAll(removeScratchDirs);

describe("DebianArchiveBackend.unavailableReason", () => {
  afterEach(() => {
    process.env.PATH = machinePath;
  });

  it("needs mmdebstrap for chroot builds unless host_build is set", async () => {
    process.env.PATH = scratch();
    expect(await new DebianArchiveBackend({}).unavailableReason()).toMatch(/chroot builds need mmdebstrap.*host_build = true/);
  });

  it("names the missing tools of a host build", async () => {
    process.env.PATH = scratch();
    expect(await new DebianArchiveBackend({ host_build: true }).unavailableReason()).toBe(
      "missing tools: apt-get, dpkg, dpkg-source, dpkg-checkbuilddeps, dpkg-parsechangelog, dpkg-buildpackage; install with apt-get install apt dpkg dpkg-dev (Debian), pacman -S apt dpkg (Arch)",
    );
  });

  it("names a missing keyring", async () => {
    expect(await new DebianArchiveBackend({ host_build: true, keyring: "/nonexistent/keyring.gpg" }).unavailableReason()).toBe("keyring /nonexistent/keyring.gpg is missing");
  });

  it.runIf(process.getuid?.() === 0)("is available for chroot builds as root with mmdebstrap", async () => {
    expect(await new DebianArchiveBackend({}).unavailableReason()).toBeNull();
  });
});

describe("DebianArchiveBackend.run", () => {
  it.each(["../../x", "$(touch /tmp/rebuilder-pwned)", "hello\nworld"])("refuses the source name %j before running anything", async (name) => {
    const job = makeJob(scratch(), { name, version: "2.10-3", architecture: "amd64", artifacts: [] });
    const lines: string[] = [];
    await expect(new DebianArchiveBackend({ mirror: "http://mirror.test/debian" }).run(job, runOptions(lines))).rejects.toThrow(UnsafeJobError);
    expect(lines).toEqual([]);
    expect(readdirSync(job.workDir)).toEqual([]);
    expect(existsSync(job.cacheDir)).toBe(false);
    expect(existsSync("/tmp/rebuilder-pwned")).toBe(false);
  });

  it("refuses a host build for another architecture before downloading anything", async () => {
    const foreign = (await machineArch()) === "s390x" ? "ppc64el" : "s390x";
    const job = makeJob(scratch(), { name: "hello", version: "2.10-3", architecture: foreign });
    const lines: string[] = [];
    const result = await new DebianArchiveBackend({ host_build: true, mirror: "http://mirror.test/debian" }).run(job, runOptions(lines));
    expect(result.exitCode).not.toBe(0);
    expect(lines).toContain(`rebuilder: host_build cannot build ${foreign} packages on this ${await machineArch()} machine`);
    expect(lines.some((line) => line.includes("apt-get"))).toBe(false);
  });

  it.runIf(mirror !== null && !texinfoInstalled)(
    "never installs build dependencies on the machine: a host build without them fails and says so",
    async () => {
      const published = await findPublished(mirror ?? "", "bookworm", "hello", "amd64");
      const base = scratch();
      const job = makeJob(base, {
        name: "hello",
        version: published.version,
        architecture: "amd64",
        artifacts: [{ name: "hello", version: published.version, architecture: "amd64", url: published.url, fileName: published.fileName, publishedPath: join(base, published.fileName) }],
      });
      const lines: string[] = [];
      const result = await new DebianArchiveBackend({ host_build: true }).run(job, runOptions(lines));
      const log = new TextDecoder().decode(result.output);
      expect(result.exitCode).not.toBe(0);
      expect(log).toMatch(/Unmet build dependencies:.*texinfo/);
      expect(log).toContain("host_build never installs packages on this machine");
      expect(log).not.toContain("+ dpkg-buildpackage");
      expect(readdirSync(job.outDir)).toEqual([]);
      expect(result.materials).toEqual([join(job.workDir, "source", `hello_${published.version}.dsc`)]);
    },
    300_000,
  );
});
