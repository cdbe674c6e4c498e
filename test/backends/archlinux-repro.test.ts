/**
 * archlinux-repro needs Arch Linux, root and systemd-nspawn, so these tests drive the backend
 * end to end against test/fakes/archlinux-repro, which follows repro's options, messages and
 * exit codes, and rebuilds the way the test tells it to (FAKE_REPRO_MODE).
 */
import { afterEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ArchlinuxReproBackend } from "../../src/backends/archlinux-repro.js";
import { runProcess } from "../../src/backends/process-runner.js";
import { fakeBin, inputsOf, makeJob, readInvocations, runOptions, tempDir, text } from "./fake-tools.js";

const PACKAGE = "hello-2.12.1-2-x86_64.pkg.tar.zst";

function buildinfo(format: number): string {
  return [
    `format = ${format}`,
    "pkgname = hello",
    "pkgbase = hello",
    "pkgver = 2.12.1-2",
    "pkgarch = x86_64",
    "pkgbuild_sha256sum = 0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "packager = Jane Doe <jane@example.org>",
    "builddate = 1700000000",
    "builddir = /build",
    "buildtool = devtools",
    "buildtoolver = 1:1.2.1-1-any",
    "buildenv = !distcc",
    "options = strip",
    "installed = glibc-2.39-1-x86_64",
    "",
  ].join("\n");
}

/** A real (tiny) Arch package: a zstd tar with .PKGINFO, .BUILDINFO and a file. */
function writePackage(path: string, format = 2): void {
  const tree = tempDir("rebuilder-pkg-");
  mkdirSync(join(tree, "usr", "bin"), { recursive: true });
  writeFileSync(join(tree, ".BUILDINFO"), buildinfo(format));
  writeFileSync(join(tree, ".PKGINFO"), "pkgname = hello\npkgbase = hello\npkgver = 2.12.1-2\n");
  writeFileSync(join(tree, "usr", "bin", "hello"), "#!/bin/sh\necho hello\n");
  execFileSync("tar", ["--zstd", "-C", tree, "-cf", path, ".BUILDINFO", ".PKGINFO", "usr"]);
}

function setup(mode: string, format = 2) {
  const bin = fakeBin("archlinux-repro");
  const record = join(tempDir(), "record");
  const job = makeJob();
  const inputPath = join(inputsOf(job), PACKAGE);
  writePackage(inputPath, format);
  const env = { PATH: `${bin}:${process.env.PATH}`, FAKE_REPRO_MODE: mode, FAKE_RECORD: record };
  return { job: { ...job, inputPath }, inputPath, env, record };
}

describe("archlinux-repro backend", () => {
  it("runs `NOCHECK=1 archlinux-repro -o OUTDIR -- PACKAGE` in the cache dir and gets a reproducible package", async () => {
    const { job, inputPath, env, record } = setup("identical");
    const result = await new ArchlinuxReproBackend({}).run(job, runOptions(env));

    expect(result.exitCode).toBe(0);
    expect(text(result.output)).toContain("==> Package is reproducible!\n");
    expect(readFileSync(join(job.outDir, PACKAGE))).toEqual(readFileSync(inputPath));
    expect(readInvocations(record)).toEqual([
      {
        tool: "archlinux-repro",
        cwd: job.cacheDir,
        niceness: expect.any(Number),
        env: { NOCHECK: "1", REBUILDERD_OUTDIR: job.outDir, OUTDIR: undefined },
        argv: ["-o", job.outDir, "--", inputPath],
      },
    ]);
    // repro keeps its package cache relative to its working directory.
    expect(existsSync(join(job.cacheDir, "cache"))).toBe(true);
  });

  it("reports a package that is not reproducible with repro's message and exit code", async () => {
    const { job, inputPath, env } = setup("different");
    const result = await new ArchlinuxReproBackend({}).run(job, runOptions(env));

    expect(result.exitCode).toBe(1);
    expect(text(result.output)).toContain("==> ERROR: Package is not reproducible\n");
    const rebuilt = join(job.outDir, PACKAGE);
    expect(readFileSync(rebuilt)).not.toEqual(readFileSync(inputPath));
    expect(execFileSync("tar", ["-xOf", rebuilt, ".BUILDINFO"], { encoding: "utf8" })).toContain("builddate = 1700000001\n");
  });

  it("reports a failed build and leaves no package", async () => {
    const { job, env } = setup("crash");
    const result = await new ArchlinuxReproBackend({}).run(job, runOptions(env));
    expect(result.exitCode).toBe(1);
    expect(text(result.output)).toContain("==> ERROR: A failure occurred in build().");
    expect(existsSync(join(job.outDir, PACKAGE))).toBe(false);
  });

  it("reports a package whose .BUILDINFO format repro does not support", async () => {
    const { job, env } = setup("identical", 3);
    const result = await new ArchlinuxReproBackend({}).run(job, runOptions(env));
    expect(result.exitCode).toBe(1);
    expect(text(result.output)).toContain("==> ERROR: unsupported BUILDINFO format or no format definition found, aborting rebuild\n");
    expect(existsSync(join(job.outDir, PACKAGE))).toBe(false);
  });

  it("refuses an artifact name outside the output directory", async () => {
    const { job, env, record } = setup("identical");
    const hostile = { ...job, artifacts: [{ name: "hello", version: "2.12.1-2", architecture: "x86_64", url: "https://mirror.example/x", fileName: "../../x", publishedPath: "/tmp/x" }] };
    await expect(new ArchlinuxReproBackend({}).run(hostile, runOptions(env))).rejects.toThrow(/unsafe file name "..\/..\/x"/);
    expect(readInvocations(record)).toEqual([]);
  });
});

describe("the archlinux-repro fake follows repro's command line", () => {
  const repro = (args: string[], cwd = tempDir()) =>
    runProcess({ command: join(fakeBin("archlinux-repro"), "archlinux-repro"), args, cwd, env: { PATH: process.env.PATH, FAKE_REPRO_MODE: "identical" }, timeoutSeconds: 60 });

  it("takes exactly one existing package", async () => {
    const { inputPath } = setup("identical");
    const two = await repro(["--", inputPath, inputPath]);
    expect(two.exitCode).toBe(1);
    // The error goes to stderr and the usage to stdout: their interleaving is up to the scheduler.
    expect(text(two.output)).toContain("==> ERROR: too many packages provided\n");
    expect(text(two.output)).toContain("Usage:\n  repro [options] <local-package>\n");
    const missing = await repro(["/nonexistent.pkg.tar.zst"]);
    expect(missing.exitCode).toBe(1);
    expect(text(missing.output)).toContain("==> ERROR: argument provided /nonexistent.pkg.tar.zst isn't a valid file\n");
  });

  it("parses getopts :hdnfM:Vo:", async () => {
    expect(text((await repro(["-V"])).output)).toBe("repro 20250101\n");
    const unknown = await repro(["-x"]);
    expect(unknown.exitCode).toBe(1);
    expect(text(unknown.output)).toContain("==> ERROR: unknown argument x\n");
    const noValue = await repro(["-o"]);
    expect(text(noValue.output)).toContain("==> ERROR: unknown argument o\n");
    const { inputPath } = setup("identical");
    const cwd = tempDir();
    const withOptions = await repro(["-n", "-d", "-M", "12G", inputPath], cwd);
    expect(withOptions.exitCode).toBe(0);
    // Without -o, repro writes to ./build.
    expect(existsSync(join(cwd, "build", PACKAGE))).toBe(true);
  });
});

describe("archlinux-repro availability", () => {
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  it("names what is missing: the tool, then systemd-nspawn", async () => {
    process.env.PATH = tempDir();
    expect(await new ArchlinuxReproBackend({}).unavailableReason()).toBe(
      "missing tools: archlinux-repro, systemd-nspawn; install with apt-get install systemd-container (Debian), pacman -S archlinux-repro systemd (Arch)",
    );
    const bin = fakeBin("archlinux-repro");
    process.env.PATH = bin;
    expect(await new ArchlinuxReproBackend({}).unavailableReason()).toBe("missing tool: systemd-nspawn; install with apt-get install systemd-container (Debian), pacman -S systemd (Arch)");
    writeFileSync(join(bin, "systemd-nspawn"), "#!/bin/sh\n");
    chmodSync(join(bin, "systemd-nspawn"), 0o755);
    // Root needs no sudo; anyone else needs sudo, which this PATH does not have.
    const expected = process.getuid?.() === 0 ? null : "archlinux-repro needs root, or sudo to become root";
    expect(await new ArchlinuxReproBackend({}).unavailableReason()).toBe(expected);
  });

  it("uses the configured path", async () => {
    process.env.PATH = tempDir();
    expect(await new ArchlinuxReproBackend({ path: "/opt/repro/bin/repro" }).unavailableReason()).toBe(
      "missing tools: /opt/repro/bin/repro, systemd-nspawn; install with apt-get install systemd-container (Debian), pacman -S systemd (Arch)",
    );
  });
});
