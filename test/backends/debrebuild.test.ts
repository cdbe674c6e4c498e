/**
 * The debrebuild backend runs apt-get, dcmd and nice for real, against a signed one-package
 * archive on disk (local-apt-archive.ts). debrebuild itself is a recording shim
 * (test/fakes/debrebuild): its sbuild+unshare build assembles the original build environment
 * from snapshot services that this machine cannot reach. apt-get is wrapped by a recorder that
 * runs the real apt-get, so the exact command sequence can be asserted. A separate test asks the
 * installed debrebuild which of our options it knows.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BackendJob } from "../../src/backends/backend.js";
import { aptSourcesList, DebrebuildBackend, sourceToFetch, unknownDebrebuildOptions } from "../../src/backends/debrebuild.js";
import { UnsafeJobError } from "../../src/backends/job-checks.js";
import { fakeBin, inputsOf, makeJob, readInvocations, runOptions, tempDir, text } from "./fake-tools.js";
import { createLocalArchive, type LocalArchive } from "./local-apt-archive.js";

const SUITE = "rebuilder-test";

function buildinfo(version: string): string {
  return [
    "Format: 1.0",
    "Source: hello (2.10-3)",
    "Binary: hello",
    "Architecture: amd64",
    `Version: ${version}`,
    "Checksums-Sha256:",
    " 6d2b3ac5a9b2e7b9e2bcb1e7b7cfb0d5a6c0d34e7f7b1b8e8c1a4e3b2d1c0f9e 52864 hello_2.10-3+b1_amd64.deb",
    "Build-Origin: Debian",
    "Build-Architecture: amd64",
    "Build-Path: /build/reproducible-path/hello-2.10",
    "Installed-Build-Depends:",
    " gcc (= 4:12.2.0-3)",
    "",
  ].join("\n");
}

interface Setup {
  job: BackendJob;
  buildinfoPath: string;
  inputs: string;
  env: Record<string, string | undefined>;
  record: string;
  built: string;
}

function setup(archive: LocalArchive, fileName: string, version: string, env: Record<string, string> = {}): Setup {
  const job = makeJob({ distribution: "debian", architecture: "amd64" });
  const inputs = inputsOf(job);
  const buildinfoPath = join(inputs, fileName);
  writeFileSync(buildinfoPath, buildinfo(version));
  const record = join(tempDir(), "record");
  const built = join(tempDir(), "hello_2.10-3+b1_amd64.deb");
  writeFileSync(built, "rebuilt deb\n");
  return {
    job: { ...job, inputPath: buildinfoPath },
    buildinfoPath,
    inputs,
    record,
    built,
    env: { PATH: `${fakeBin("apt-get", "debrebuild")}:${process.env.PATH}`, FAKE_RECORD: record, FAKE_DEBREBUILD_RESULTS: built, ...env },
  };
}

const backendFor = (archive: LocalArchive) => new DebrebuildBackend({ mirror: archive.mirror, suites: [SUITE], components: ["main"], keyring: archive.keyring });
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

describe("debrebuild backend", () => {
  it("downloads the source next to the buildinfo with a private apt tree, then runs nice debrebuild", async () => {
    const archive = createLocalArchive(SUITE, "hello", "2.10-3");
    const { job, buildinfoPath, inputs, env, record, built } = setup(archive, "hello_2.10-3+b1_amd64.buildinfo", "2.10-3+b1");
    const result = await backendFor(archive).run(job, runOptions(env));

    expect(result.exitCode).toBe(0);
    const calls = readInvocations(record);
    const apt = (...args: string[]) => ({ tool: "apt-get", cwd: inputs, niceness: calls[0]?.niceness, env: { TMPDIR: "/var/tmp" }, argv: ["-o", "Dir=.", ...args] });
    expect(calls).toEqual([
      { tool: "debrebuild", cwd: inputs, niceness: calls[0]?.niceness, env: { TMPDIR: "/var/tmp", REBUILDERD_OUTDIR: job.outDir }, argv: ["--buildresult=.", "--builder=sbuild+unshare", "--cache=.", "--help"] },
      apt("update", "-q"),
      apt("source", "-qq", "--print-uris", "hello=2.10-3"),
      apt("source", "-qq", "--download-only", "hello=2.10-3"),
      {
        tool: "debrebuild",
        cwd: inputs,
        niceness: Math.min((calls[0]?.niceness ?? 0) + 10, 19),
        env: { TMPDIR: "/var/tmp", REBUILDERD_OUTDIR: job.outDir },
        argv: [`--buildresult=${job.outDir}`, "--builder=sbuild+unshare", `--cache=${join(job.cacheDir, "debian-cache")}`, "--", buildinfoPath],
      },
    ]);
    expect(readFileSync(join(inputs, "etc", "apt", "sources.list"), "utf8")).toBe(`deb-src [signed-by=${archive.keyring}] ${archive.mirror} ${SUITE} main\n`);
    for (const [name, data] of Object.entries(archive.files)) {
      expect(readFileSync(join(inputs, name))).toEqual(data);
      // dcmd sha256sum lists the .dsc and every file it names.
      expect(text(result.output)).toContain(`${sha256(data)}  ${name}\n`);
    }
    expect(readFileSync(join(job.outDir, "hello_2.10-3+b1_amd64.deb"))).toEqual(readFileSync(built));
    expect(existsSync(join(job.cacheDir, "debian-cache"))).toBe(true);
    expect(result.materials).toEqual([buildinfoPath, ...Object.keys(archive.files).sort().map((name) => join(inputs, name))]);
    expect(text(result.output)).toContain(`+ nice debrebuild --buildresult=${job.outDir} --builder=sbuild+unshare`);
  });

  it("leaves --cache out, with a note, for a debrebuild without it (bookworm's 2.23.4)", async () => {
    const archive = createLocalArchive(SUITE, "hello", "2.10-3");
    const { job, buildinfoPath, env, record } = setup(archive, "hello_2.10-3_amd64.buildinfo", "2.10-3", { FAKE_DEBREBUILD_VERSION: "2.23.4" });
    const result = await backendFor(archive).run(job, runOptions(env));

    expect(result.exitCode).toBe(0);
    expect(readInvocations(record).at(-1)?.argv).toEqual([`--buildresult=${job.outDir}`, "--builder=sbuild+unshare", "--", buildinfoPath]);
    expect(text(result.output)).toContain("This debrebuild has no --cache option");
  });

  it("stops with apt-get's exit code when the version is not in the configured suites", async () => {
    const archive = createLocalArchive(SUITE, "hello", "2.10-3");
    const { job, env, record } = setup(archive, "hello_2.11-1_amd64.buildinfo", "2.11-1");
    const result = await backendFor(archive).run(job, runOptions(env));

    expect(result.exitCode).toBe(100);
    expect(text(result.output)).toContain("Can not find version '2.11-1' of package 'hello'");
    expect(readInvocations(record).map((call) => `${call.tool} ${call.argv.at(-1)}`)).toEqual(["debrebuild --help", "apt-get -q", "apt-get hello=2.11-1"]);
    expect(existsSync(join(job.outDir, "hello_2.10-3+b1_amd64.deb"))).toBe(false);
  });

  it("refuses hostile buildinfo names and versions before running anything", async () => {
    const archive = createLocalArchive(SUITE, "hello", "2.10-3");
    const cases: [string, string, RegExp][] = [
      ["$(touch pwned)_1.0_amd64.buildinfo", "1.0", /is not a Debian source package name/],
      ["-oDir=x_1.0_amd64.buildinfo", "1.0", /is not a Debian source package name/],
      ["hello_1.0_amd64.buildinfo", "1.0; touch pwned", /invalid Version field "1.0; touch pwned"/],
      ["hello_1.0_amd64.buildinfo", "-o=APT::Get::x", /invalid Version field/],
      ["hello_1.0_amd64.buildinfo", "1.0\u001b]0;title\u0007", /invalid Version field/],
    ];
    for (const [fileName, version, message] of cases) {
      const { job, inputs, env, record } = setup(archive, fileName, version);
      await expect(backendFor(archive).run(job, runOptions(env))).rejects.toThrow(UnsafeJobError);
      await expect(backendFor(archive).run(job, runOptions(env))).rejects.toThrow(message);
      expect(readInvocations(record)).toEqual([]);
      expect(existsSync(join(inputs, "etc"))).toBe(false);
      expect(existsSync(join(job.cacheDir, "pwned"))).toBe(false);
      expect(existsSync(join(inputs, "pwned"))).toBe(false);
    }
  });
});

describe("reading SOURCE and VERSION from a buildinfo", () => {
  it("keeps the epoch, drops the binNMU suffix and ignores a signature's armor headers", async () => {
    const path = join(tempDir(), "hello_2.10-3+b2_amd64.buildinfo");
    writeFileSync(
      path,
      "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nFormat: 1.0\nSource: hello\nVersion: 1:2.10-3+b2\r\n\n-----BEGIN PGP SIGNATURE-----\nVersion: GnuPG v2\n\niQIz\n-----END PGP SIGNATURE-----\n",
    );
    expect(await sourceToFetch(path)).toEqual({ source: "hello", version: "1:2.10-3" });
  });

  it("names the file that has no Version field", async () => {
    const path = join(tempDir(), "hello_2.10-3_amd64.buildinfo");
    writeFileSync(path, "Format: 1.0\nSource: hello\n");
    await expect(sourceToFetch(path)).rejects.toThrow('"hello_2.10-3_amd64.buildinfo": no Version field');
  });
});

describe("the private sources.list", () => {
  it("takes -security suites from the security mirror, by default the mirror's -security sibling", () => {
    const keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
    expect(
      aptSourcesList({ mirror: "https://mirror.example/debian", securityMirror: "https://mirror.example/debian-security", suites: ["trixie", "trixie-security"], components: ["main", "non-free-firmware"], keyring }),
    ).toBe(
      `deb-src [signed-by=${keyring}] https://mirror.example/debian trixie main non-free-firmware\n` +
        `deb-src [signed-by=${keyring}] https://mirror.example/debian-security trixie-security main non-free-firmware\n`,
    );
  });

  it("follows rebuilder-debian.sh's suites and areas unless configured", async () => {
    const { job, inputs, env } = setup(createLocalArchive(SUITE, "hello", "2.10-3"), "hello_2.10-3_amd64.buildinfo", "2.10-3");
    // The default suites are not in the local archive: apt-get update fails, after writing the list.
    const result = await new DebrebuildBackend({ mirror: "file:///nonexistent/debian/" }).run(job, runOptions(env));
    expect(result.exitCode).toBe(100);
    const list = readFileSync(join(inputs, "etc", "apt", "sources.list"), "utf8").trim().split("\n");
    expect(list.map((line) => line.split(" ").slice(2, 4).join(" "))).toEqual([
      "file:///nonexistent/debian trixie",
      "file:///nonexistent/debian-security trixie-security",
      "file:///nonexistent/debian trixie-updates",
      "file:///nonexistent/debian trixie-proposed-updates",
      "file:///nonexistent/debian trixie-backports",
      "file:///nonexistent/debian forky",
      "file:///nonexistent/debian sid",
      "file:///nonexistent/debian experimental",
    ]);
    expect(list.every((line) => line.startsWith("deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ") && line.endsWith(" main non-free-firmware"))).toBe(true);
  });

  it("rejects settings that would break the list", () => {
    expect(() => new DebrebuildBackend({ mirror: "https://mirror.example/debian\ndeb-src x" })).toThrow(/mirror .* is not valid/);
    expect(() => new DebrebuildBackend({ mirror: "https://mirror.example/debian", suites: ["sid main"] })).toThrow(/suite "sid main" is not valid/);
    expect(() => new DebrebuildBackend({ mirror: "https://mirror.example/debian", keyring: "keys.gpg" })).toThrow(/keyring "keys.gpg" is not valid/);
    expect(() => new DebrebuildBackend({ mirror: "https://mirror.example/debian", components: "main" })).toThrow(/components must be a list/);
  });
});

describe("debrebuild availability", () => {
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  it("needs a mirror, then the build tools", async () => {
    expect(await new DebrebuildBackend({}).unavailableReason()).toMatch(/needs `mirror`/);
    await expect(new DebrebuildBackend({}).run({ ...makeJob(), inputPath: "/tmp/hello_1.0_amd64.buildinfo" }, runOptions({}))).rejects.toThrow(/needs `mirror`/);
    process.env.PATH = fakeBin("apt-get", "debrebuild");
    expect(await new DebrebuildBackend({ mirror: "https://mirror.example/debian" }).unavailableReason()).toBe(
      "missing tools: dcmd, nice, sbuild, mmdebstrap, newuidmap; install with apt-get install devscripts coreutils sbuild mmdebstrap uidmap (Debian), pacman -S coreutils mmdebstrap shadow (Arch)",
    );
  });
});

describe("the installed debrebuild", () => {
  it("knows the options we pass, and --cache exactly when its source declares it", async () => {
    const installed = "/usr/bin/debrebuild";
    const declaresCache = readFileSync(installed, "utf8").includes("'cache=s'");
    const unknown = await unknownDebrebuildOptions(installed, { PATH: process.env.PATH }, tempDir());
    expect(unknown).toEqual(declaresCache ? [] : ["cache"]);
  });
});
