/**
 * Real rebuilds from the machine's Debian mirror in a throw-away chroot: tzdata (arch:all) and
 * ca-certificates from bookworm-updates (fetched with bookworm under it) reproduce bit for bit,
 * hello (amd64) does not. tzdata comes from bookworm: the mirror's bookworm-updates still lists
 * tzdata 2025b-0+deb12u1, whose .dsc has left the pool since a point release moved
 * 2026b-0+deb12u1 into bookworm. They take minutes (each suite set gets its cached chroot
 * first), so they run only with REBUILDER_SLOW_TESTS=1 (CI sets it for the Node run).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename, join } from "node:path";
import { DebianArchiveBackend } from "../../src/backends/debian-archive.js";
import { chrootTarball } from "../../src/backends/debian-archive-chroot.js";
import { DEFAULT_KEYRING, parseSettings, planRebuild } from "../../src/backends/debian-archive-plan.js";
import { machineDebianMirror } from "../../src/engine/apt-sources.js";
import { runProcess } from "../../src/backends/process-runner.js";
import { download, findPublished, MACHINE_APT_STATE, makeJob, removeScratchDirs, runOptions, scratch, snapshotTree } from "./debian-archive-helpers.js";

const slow = process.env.REBUILDER_SLOW_TESTS === "1";
const mirror = machineDebianMirror();
/** Shared by the rebuilds, as a worker's cache is. */
let cacheDir = "";
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

/** Mounts and processes that a killed build could have left in the job's work directory. */
function leftovers(workDir: string): string[] {
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((line) => line.includes(workDir));
  const processes = readdirSync("/proc")
    .filter((name) => /^[0-9]+$/.test(name))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/root`).startsWith(workDir);
      } catch {
        return false;
      }
    });
  return [...mounts, ...processes.map((pid) => `process ${pid}`)];
}

/** Runs a tzdata rebuild and aborts it when a log line matches `when`. */
async function abortedRebuild(when: RegExp, cache: string) {
  const published = await findPublished(mirror ?? "", "bookworm", "tzdata", "all");
  const base = scratch();
  const job = makeJob(base, { name: "tzdata", version: published.version, architecture: "all", artifacts: [{ name: "tzdata", version: published.version, architecture: "all", url: published.url, fileName: published.fileName, publishedPath: join(base, published.fileName) }] }, cache);
  const controller = new AbortController();
  const options = { ...runOptions(), signal: controller.signal, onLine: (line: string) => when.test(line) && controller.abort() };
  const result = await new DebianArchiveBackend({}).run(job, options);
  return { result, job };
}

async function debField(path: string, field: string): Promise<string> {
  const r = await runProcess({ command: "dpkg-deb", args: ["--field", path, field], cwd: "/", env: { PATH: process.env.PATH }, timeoutSeconds: 60 });
  return new TextDecoder().decode(r.output).trim();
}


describe.runIf(slow && mirror !== null)("debian-archive real rebuilds", () => {
  beforeAll(() => {
    cacheDir = join(scratch(), "cache");
  });
  afterAll(removeScratchDirs);

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
    "rebuilds ca-certificates from bookworm-updates bit for bit",
    async () => {
      const { result, published, rebuilt } = await rebuild("bookworm-updates", "ca-certificates", "ca-certificates", "all");
      expect(result.exitCode).toBe(0);
      expect(Buffer.compare(rebuilt, published)).toBe(0);
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
      expect(readdirSync(join(cacheDir, "chroots"))).toContain(basename(chrootTarball(cacheDir, planRebuild(job, parseSettings({})), "amd64", DEFAULT_KEYRING).path));
    },
    REBUILD_TIMEOUT_MS,
  );

  it(
    "leaves no process, mount or tarball behind when the chroot creation is killed",
    async () => {
      const cache = join(scratch(), "cache");
      const { result, job } = await abortedRebuild(/^I: (extracting|installing) /, cache);
      expect(result.aborted).toBe(true);
      expect(leftovers(job.workDir)).toEqual([]);
      expect(readdirSync(join(cache, "chroots"))).toEqual([]);
      expect(readdirSync(job.outDir)).toEqual([]);
    },
    REBUILD_TIMEOUT_MS,
  );

  it(
    "leaves no process or mount behind when the build is killed, and keeps the cached chroot",
    async () => {
      const { result, job } = await abortedRebuild(/^dpkg-buildpackage: info: source package tzdata/, cacheDir);
      expect(result.aborted).toBe(true);
      expect(leftovers(job.workDir)).toEqual([]);
      expect(readdirSync(job.outDir)).toEqual([]);
      expect(readdirSync(join(cacheDir, "chroots")).filter((name) => name.includes(".partial-"))).toEqual([]);
    },
    REBUILD_TIMEOUT_MS,
  );
});
