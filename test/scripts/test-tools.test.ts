/** scripts/test-tools.sh: the one list of system tools the tests need, checked on a PATH that lacks some. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SCRIPT = resolve(import.meta.dirname, "../../scripts/test-tools.sh");

/** A PATH of one directory linking every command of this machine's PATH except `left out`. */
function pathWithout(...leftOut: string[]): string {
  const bin = mkdtempSync(join(tmpdir(), "rebuilder-path-"));
  for (const dir of process.env.PATH!.split(delimiter)) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (leftOut.includes(name)) continue;
      try {
        symlinkSync(join(dir, name), join(bin, name));
      } catch {
        // An earlier PATH entry already provides this name, as it would on the real PATH.
      }
    }
  }
  return bin;
}

function run(mode: string, path: string) {
  return spawnSync("/bin/bash", [SCRIPT, mode], { encoding: "utf8", env: { PATH: path } });
}

describe("scripts/test-tools.sh", () => {
  it("--check is silent and succeeds when every tool is present", () => {
    const r = run("--check", process.env.PATH!);
    expect(r.stderr + r.stdout).toBe("");
    expect(r.status).toBe(0);
  });

  it("--check names each missing tool with the packages that provide it, and fails", () => {
    const r = run("--check", pathWithout("rpmbuild", "diffoscope"));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^ {2}rpmbuild +Debian: rpm +Arch: rpm-tools /m);
    expect(r.stderr).toMatch(/^ {2}diffoscope +Debian: diffoscope-minimal +Arch: diffoscope /m);
    expect(r.stderr).toContain("apt-get install --no-install-recommends rpm diffoscope-minimal\n");
    expect(r.stderr).toContain("pacman -S --needed rpm-tools diffoscope\n");
    expect(r.stderr).not.toMatch(/^ {2}(gpgv|xz|tar) /m);
  });

  it("--install without apt-get (or without root) installs nothing, says why and lists what is missing", () => {
    const r = run("--install", pathWithout("apt-get", "dcmd"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(process.getuid!() === 0 ? "not installing: this system has no apt-get" : "not installing: installing packages needs root");
    expect(r.stderr).toMatch(/^ {2}apt-get +Debian: apt /m);
    expect(r.stderr).toMatch(/^ {2}dcmd +Debian: devscripts +Arch: devscripts \(AUR\)/m);
    expect(r.stderr).toContain("Arch Linux, from the AUR: devscripts");
  });

  it("rejects an unknown mode with its usage", () => {
    const r = run("--frobnicate", process.env.PATH!);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--check | --install");
  });
});
