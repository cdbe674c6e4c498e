/**
 * Building Tails needs KVM, libvirt and vagrant, so `rake build` and virsh are fakes
 * (test/fakes/rake, test/fakes/virsh) that follow the real commands' arguments, output and exit
 * codes. Everything before the build is real: gpg imports a signing key, git clones a local
 * repository with a signed release tag and verifies it, dpkg-parsechangelog and date compute
 * SOURCE_DATE_EPOCH.
 */
import { afterEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BackendJob } from "../../src/backends/backend.js";
import { UnsafeJobError } from "../../src/backends/job-checks.js";
import { builderVolumes, TailsBackend, tailsTag } from "../../src/backends/tails.js";
import { fakeBin, makeJob, readInvocations, runOptions, stopAgent, tempDir, text } from "./fake-tools.js";

const VERSION = "6.0~rc1";
const TAG = "6.0-rc1";
const CHANGELOG_DATE = "Tue, 09 Jan 2024 12:34:56 +0100";
const BUILDER_VOLUME = "tails-builder-amd64-bookworm-20240101-0a1b2c3d.qcow2";

/** A GnuPG home with a fresh signing key; returns the home, the key's fingerprint and its exported public key. */
function signingKey(name: string): { home: string; fingerprint: string; publicKey: string } {
  const home = tempDir("rebuilder-gpg-");
  const gpg = (...args: string[]) => execFileSync("gpg", ["--batch", "--quiet", ...args], { env: { ...process.env, GNUPGHOME: home }, encoding: "utf8" });
  gpg("--passphrase", "", "--quick-gen-key", `${name} <release@example.org>`, "ed25519", "sign", "never");
  const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(gpg("--with-colons", "--list-keys"))?.[1] ?? "";
  const publicKey = join(home, "signing-key.asc");
  writeFileSync(publicKey, gpg("--armor", "--export"));
  stopAgent(home);
  return { home, fingerprint, publicKey };
}

/** A Tails-like repository: debian/changelog, a Rakefile and a release tag signed with `signer`. */
function tailsRepository(signer: { home: string; fingerprint: string }): string {
  const repo = tempDir("rebuilder-tails-repo-");
  mkdirSync(join(repo, "debian"));
  writeFileSync(join(repo, "debian", "changelog"), `tails (${VERSION}) stable; urgency=medium\n\n  * New release.\n\n -- Tails developers <tails@example.org>  ${CHANGELOG_DATE}\n`);
  writeFileSync(join(repo, "Rakefile"), "# the fake rake only checks that it exists\n");
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=Release Manager", "-c", "user.email=release@example.org", "-c", `user.signingkey=${signer.fingerprint}`, ...args], {
      cwd: repo,
      env: { ...process.env, GNUPGHOME: signer.home },
      stdio: "pipe",
    });
  git("init", "-q");
  git("add", ".");
  git("commit", "-q", "-m", `Release ${VERSION}`);
  git("tag", "-s", TAG, "-m", `Tails ${VERSION}`);
  stopAgent(signer.home);
  return repo;
}

function publishedImages(): string {
  const dir = tempDir("rebuilder-tails-published-");
  for (const ext of ["img", "iso"]) writeFileSync(join(dir, `tails-amd64-${VERSION}.${ext}`), `published ${ext} bytes\n`);
  return dir;
}

function setup(mode: string, options: { tagSigner?: ReturnType<typeof signingKey>; env?: Record<string, string> } = {}) {
  const trusted = signingKey("Tails developers");
  const repo = tailsRepository(options.tagSigner ?? trusted);
  const published = publishedImages();
  const record = join(tempDir(), "record");
  const job: BackendJob = makeJob({
    distribution: "tails",
    architecture: "amd64",
    inputUrl: `https://mirror.example/tails/stable/tails-amd64-${VERSION}/tails-amd64-${VERSION}.img`,
  });
  const env = {
    PATH: `${fakeBin("rake", "virsh")}:${process.env.PATH}`,
    FAKE_RECORD: record,
    FAKE_TAILS_MODE: mode,
    FAKE_TAILS_PUBLISHED: published,
    FAKE_VIRSH_VOLUMES: `${BUILDER_VOLUME} debian-12.qcow2`,
    ...options.env,
  };
  const backend = new TailsBackend({ repository: repo, signing_key: trusted.publicKey });
  return { job, env, record, published, repo, backend };
}

describe("tails backend", () => {
  it("clones and verifies the release tag, then runs rake build with the reproducibility settings", async () => {
    const { job, env, record, published, repo, backend } = setup("identical");
    const result = await backend.run(job, runOptions(env));
    const log = text(result.output);

    expect(result.exitCode).toBe(0);
    for (const ext of ["img", "iso"]) {
      const name = `tails-amd64-${VERSION}.${ext}`;
      expect(readFileSync(join(job.outDir, name))).toEqual(readFileSync(join(published, name)));
    }
    const clone = join(job.workDir, "tails");
    const niceness = expect.any(Number);
    expect(readInvocations(record)).toEqual([
      { tool: "virsh", cwd: job.workDir, niceness, env: {}, argv: ["vol-list", "default"] },
      { tool: "virsh", cwd: job.workDir, niceness, env: {}, argv: ["vol-delete", "--pool", "default", BUILDER_VOLUME] },
      {
        tool: "rake",
        cwd: clone,
        niceness,
        env: {
          ARTIFACTS: job.outDir,
          SOURCE_DATE_EPOCH: String(Date.UTC(2024, 0, 9, 11, 34, 56) / 1000),
          TAILS_BUILD_OPTIONS: "nomergebasebranch forcecleanup",
          GNUPGHOME: join(job.workDir, "gpg"),
          REBUILDERD_OUTDIR: job.outDir,
        },
        argv: ["build"],
      },
    ]);
    const tagCommit = execFileSync("git", ["rev-parse", `${TAG}^{commit}`], { cwd: repo, encoding: "utf8" });
    expect(execFileSync("git", ["rev-parse", "HEAD"], { cwd: clone, encoding: "utf8" })).toBe(tagCommit);
    expect(log).toContain(`+ git clone --branch ${TAG} -- ${repo} ${clone}\n`);
    expect(log).toContain(`+ git verify-tag -v -- ${TAG}\n`);
    expect(log).toContain(`+ gpg --no-autostart --import -- `);
    expect(log).toContain('Good signature from "Tails developers <release@example.org>"');
    expect(log).toContain(`tails-amd64-${VERSION}.iso`);
    // libvirt's user has to reach the build directory.
    expect(statSync(job.workDir).mode & 0o777).toBe(0o711);
  });

  it("stops before building when the tag is not signed by the configured key", async () => {
    const { job, env, record, backend } = setup("identical", { tagSigner: signingKey("Somebody else") });
    const result = await backend.run(job, runOptions(env));

    expect(result.exitCode).not.toBe(0);
    expect(text(result.output)).toContain(`+ git verify-tag -v -- ${TAG}\n`);
    expect(text(result.output)).not.toContain("+ rake build");
    expect(readInvocations(record).map((call) => call.tool)).toEqual(["virsh", "virsh"]);
    expect(existsSync(join(job.outDir, `tails-amd64-${VERSION}.img`))).toBe(false);
  });

  it("goes on when libvirt has no default pool to clean, and reports a failed build", async () => {
    const { job, env, record, backend } = setup("crash", { env: { FAKE_VIRSH_POOL: "missing" } });
    const result = await backend.run(job, runOptions(env));

    expect(result.exitCode).toBe(1);
    expect(text(result.output)).toContain("error: failed to get pool 'default'");
    expect(text(result.output)).toContain("rake aborted!\nVagrant command failed");
    expect(readInvocations(record).map((call) => `${call.tool} ${call.argv.join(" ")}`)).toEqual(["virsh vol-list default", "rake build"]);
    expect(existsSync(join(job.outDir, `tails-amd64-${VERSION}.img`))).toBe(false);
  });

  it("refuses image names that are not Tails images before running anything", async () => {
    const { job, env, record, backend } = setup("identical");
    for (const name of ["tails-amd64-$(touch pwned).img", "tails-amd64--rf.img", "tails-amd64-6.0.img%0a", "tails-amd64-6.0;id.iso", "hello.img"]) {
      const hostile = { ...job, inputUrl: `https://mirror.example/tails/stable/${name}` };
      await expect(backend.run(hostile, runOptions(env))).rejects.toThrow(UnsafeJobError);
      await expect(backend.run(hostile, runOptions(env))).rejects.toThrow(/is not named like a Tails image/);
    }
    expect(readInvocations(record)).toEqual([]);
    expect(existsSync(join(job.workDir, "pwned"))).toBe(false);
  });
});

describe("tails names", () => {
  it("derives the git tag from the image name", () => {
    expect(tailsTag("tails-amd64-6.10.img")).toBe("6.10");
    expect(tailsTag("tails-amd64-6.0~rc1.iso")).toBe("6.0-rc1");
    expect(() => tailsTag("tails-i386-6.10.img")).toThrow(/not named like a Tails image/);
  });

  it("picks only the build VMs' volumes from virsh vol-list", () => {
    const listing = ` Name    Path\n------------\n ${BUILDER_VOLUME}   /var/lib/libvirt/images/${BUILDER_VOLUME}\n debian-12.qcow2   /var/lib/libvirt/images/debian-12.qcow2\n\n`;
    expect(builderVolumes(listing)).toEqual([BUILDER_VOLUME]);
  });
});

describe("tails availability", () => {
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  it("names KVM, the signing key and the missing tools", async () => {
    if (!existsSync("/dev/kvm")) {
      expect(await new TailsBackend({}).unavailableReason()).toBe("no /dev/kvm: building Tails needs KVM");
      return;
    }
    expect(await new TailsBackend({}).unavailableReason()).toBe("tails needs `signing_key`, the file with the Tails signing key");
    expect(await new TailsBackend({ signing_key: "/nonexistent/tails-signing.key" }).unavailableReason()).toBe("signing key /nonexistent/tails-signing.key is missing");
    const key = signingKey("Tails developers").publicKey;
    const bin = fakeBin("rake", "virsh");
    process.env.PATH = `${bin}:${savedPath}`;
    expect(await new TailsBackend({ signing_key: key }).unavailableReason()).toBe("missing tool: vagrant; install with apt-get install vagrant (Debian), pacman -S vagrant (Arch)");
    writeFileSync(join(bin, "vagrant"), "#!/bin/sh\n");
    chmodSync(join(bin, "vagrant"), 0o755);
    expect(await new TailsBackend({ signing_key: key }).unavailableReason()).toBeNull();
  });
});
