/** Sync progress as a person sees it on a terminal (a real pseudo-terminal via util-linux `script`), and silence in pipes. */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DEBIAN_MIRROR } from "../support/test-data.js";

const cli = resolve(import.meta.dirname, "../../bin/rebuilder-node.mjs");
const args = ["pkgs", "sync", "debian", DEBIAN_MIRROR, "--release", "bookworm", "--component", "main", "--architecture", "amd64"];

describe("sync progress", () => {
  it("redraws a status line with bytes fetched and packages parsed on a terminal, then prints the summary", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rebuilder-progress-"));
    const command = [process.execPath, cli, "--data-dir", dataDir, ...args].map((a) => `'${a}'`).join(" ");
    const r = spawnSync("script", ["-q", "-e", "-c", command, "/dev/null"], { encoding: "utf8", env: { ...process.env, COLUMNS: "120" } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\r\x1b\[Kdebian\/main: fetching dists\/bookworm\/InRelease [\d.]+ KiB of 147\.5 KiB/);
    expect(r.stdout).toMatch(/\r\x1b\[Kdebian\/main: parsing [^\r]*Packages\.xz: [\d,]+ packages/);
    expect(r.stdout).toMatch(/\r\x1b\[Kdebian\/main: importing 16,008 source packages of debian\/bookworm\/amd64/);
    expect(r.stdout).toMatch(
      /debian\/main: 16008 source packages imported \(16008 new, 0 updated\) of 16008 listed, 32325 binaries, 0 vanished, 16008 queued, took [\d.]+s\r?\n/,
    );
  });

  it("prints only the summary when output is not a terminal", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rebuilder-progress-"));
    const r = spawnSync(process.execPath, [cli, "--data-dir", dataDir, ...args], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^debian\/main: 16008 source packages imported .*, 32325 binaries, .*\n$/);
  });
});
