/** The compiled binary, as a user runs it: version, help, syncs of the real index data, listing, bad input. */
import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { ARCH_REPO, DEBIAN_MIRROR } from "../support/test-data.js";

const binary = resolve(import.meta.dirname, "../../dist/rebuilder");

function run(args: string[], dataDir = mkdtempSync(join(tmpdir(), "rebuilder-e2e-"))) {
  const r = spawnSync(binary, ["--data-dir", dataDir, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { ...r, dataDir };
}

describe("dist/rebuilder", () => {
  it("exists (run `npm run build` first)", () => {
    expect(existsSync(binary)).toBe(true);
  });

  it("prints its version and help", () => {
    expect(execFileSync(binary, ["--version"], { encoding: "utf8" }).trim()).toBe(pkg.version);
    const help = execFileSync(binary, ["--help"], { encoding: "utf8" });
    for (const c of ["sync", "pkgs", "queue", "build"]) expect(help).toContain(c);
  });

  it("syncs the real Arch core.db and lists all 265 packages", () => {
    const sync = run(["pkgs", "sync", "archlinux", ARCH_REPO, "--component", "core", "--architecture", "x86_64", "--json"]);
    // No keyring given: the one thing said is that this profile syncs unverified.
    expect(sync.stderr).toMatch(/^rebuilder: warning: profile "archlinux[^\n]*unverified[^\n]*\n$/);
    expect(sync.status).toBe(0);
    // The template has no $repo/$arch: the .db sits directly in the folder.
    const summary = JSON.parse(sync.stdout);
    expect(summary.binaries).toBe(265);
    const ls = run(["pkgs", "ls", "--json", "--distro", "archlinux"], sync.dataDir);
    expect(JSON.parse(ls.stdout)).toHaveLength(265);
  });

  it("syncs the signed Debian slice, verifying InRelease, and filters the listing", () => {
    const sync = run(["pkgs", "sync", "debian", DEBIAN_MIRROR, "--release", "bookworm", "--component", "main", "--architecture", "amd64"]);
    expect(sync.status).toBe(0);
    expect(sync.stdout).toMatch(/16008 source packages imported \(16008 new, 0 updated\) of 16008 listed, 32325 binaries, 0 vanished, 16008 queued/);
    const ls = run(["pkgs", "ls", "--json", "--name", "hello"], sync.dataDir);
    const records = JSON.parse(ls.stdout);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ name: "hello", distribution: "debian", release: "bookworm", component: "main", architecture: "amd64", status: null });
    const again = run(["pkgs", "sync", "debian", DEBIAN_MIRROR, "--release", "bookworm", "--component", "main", "--architecture", "amd64", "--json"], sync.dataDir);
    expect(JSON.parse(again.stdout)).toMatchObject({ unchanged: 1, new: 0, queued: 0 });
  });

  it("refuses a bad sync with a clear error and a non-zero exit", () => {
    const r = run(["pkgs", "sync", "debian", "/nonexistent/mirror", "--release", "bookworm", "--component", "main", "--architecture", "amd64"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^rebuilder: error: .*\/nonexistent\/mirror\/dists\/bookworm\/InRelease/);
  });
});
