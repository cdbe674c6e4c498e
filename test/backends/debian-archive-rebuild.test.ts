/**
 * Real rebuilds from the machine's Debian mirror in a throw-away chroot: tzdata (arch:all)
 * reproduces bit for bit, hello (amd64) does not. Both come from bookworm: the mirror's
 * bookworm-updates still lists tzdata 2025b-0+deb12u1, whose .dsc has left the pool since the
 * 12.x point release moved 2026b-0+deb12u1 into bookworm, so only the latter can be rebuilt.
 * They take minutes (the first creates the cached chroot), so they run only with
 * REBUILDER_SLOW_TESTS=1 or in CI.
 */
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DebianArchiveBackend } from "../../src/backends/debian-archive.js";
import { machineDebianMirror } from "../../src/backends/debian-archive-mirror.js";
import { runProcess } from "../../src/backends/process-runner.js";
import { download, findPublished, makeJob, MACHINE_APT_STATE, runOptions, scratch, snapshotTree } from "./debian-archive-helpers.js";

const slow = process.env.REBUILDER_SLOW_TESTS === "1" || process.env.CI === "true";
const mirror = machineDebianMirror();
const cacheDir = join(scratch(), "cache");
const REBUILD_TIMEOUT_MS = 30 * 60 * 1000;

async function rebuild(suite: string, source: string, binary: string, arch: string) {
  const published = await findPublished(mirror ?? "", suite, binary, arch);
  const base = scratch();
  const job = makeJob(
    base,
    {
      name: source,
      version: published.version,
      release: suite,
      architecture: arch,
      artifacts: [{ name: binary, version: published.version, architecture: arch, url: published.url, fileName: published.fileName, publishedPath: join(base, published.fileName) }],
    },
    cacheDir,
  );
  await download(published.url, join(base, published.fileName));
  const before = snapshotTree(...MACHINE_APT_STATE);
  const lines: string[] = [];
  const result = await new DebianArchiveBackend({ kind: "debian-archive" }).run(job, runOptions(lines));
  expect(snapshotTree(...MACHINE_APT_STATE)).toEqual(before);
  const rebuilt = join(job.outDir, published.fileName);
  if (!existsSync(rebuilt)) throw new Error(`no ${published.fileName} was built; log:\n${lines.slice(-60).join("\n")}`);
  return { result, published: readFileSync(join(base, published.fileName)), rebuilt: readFileSync(rebuilt), rebuiltPath: rebuilt, job };
}

async function debField(path: string, field: string): Promise<string> {
  const r = await runProcess({ command: "dpkg-deb", args: ["--field", path, field], cwd: "/", env: { PATH: process.env.PATH }, timeoutSeconds: 60 });
  return new TextDecoder().decode(r.output).trim();
}

describe.runIf(slow && mirror !== null)("debian-archive real rebuilds", () => {
  it(
    "rebuilds tzdata bit for bit, recording the .dsc as material",
    async () => {
      const { result, published, rebuilt, job } = await rebuild("bookworm", "tzdata", "tzdata", "all");
      expect(result.exitCode).toBe(0);
      expect(Buffer.compare(rebuilt, published)).toBe(0);
      expect(result.materials).toEqual([join(job.workDir, "source", `tzdata_${job.version.replace(/^[0-9]+:/, "")}.dsc`)]);
    },
    REBUILD_TIMEOUT_MS,
  );

  it(
    "rebuilds hello from bookworm into a same-named package that differs from the published one",
    async () => {
      const { result, published, rebuilt, rebuiltPath, job } = await rebuild("bookworm", "hello", "hello", "amd64");
      expect(result.exitCode).toBe(0);
      expect(await debField(rebuiltPath, "Package")).toBe("hello");
      expect(await debField(rebuiltPath, "Version")).toBe(job.version);
      expect(Buffer.compare(rebuilt, published)).not.toBe(0);
    },
    REBUILD_TIMEOUT_MS,
  );
});
