import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readPacmanConf } from "../../src/engine/pacman-conf.js";

const archRoot = resolve(import.meta.dirname, "../fixtures/machines/archlinux");

describe("readPacmanConf", () => {
  it("reads the repositories with the first uncommented Server, following Include under the root", () => {
    expect(readPacmanConf(archRoot)).toEqual({
      architecture: null,
      gpgDir: "/etc/pacman.d/gnupg",
      repos: [
        { name: "core", server: "https://mirror.test/archlinux/$repo/os/$arch" },
        { name: "extra", server: "https://mirror.test/archlinux/$repo/os/$arch" },
        { name: "vendor", server: "https://repo.vendor.test/$arch" },
        { name: "local-only", server: null },
      ],
    });
  });

  it("takes the first of several architectures, GPGDir, and a missing Include as no server", () => {
    const root = mkdtempSync(join(tmpdir(), "rebuilder-pacman-"));
    mkdirSync(join(root, "etc"));
    writeFileSync(
      join(root, "etc/pacman.conf"),
      "[options]\nArchitecture = x86_64 x86_64_v3  # both\nGPGDir = /var/lib/keys/\n\n[core]\nInclude = /etc/pacman.d/missing\nServer = https://late.test/$repo\n",
    );
    expect(readPacmanConf(root)).toEqual({
      architecture: "x86_64",
      gpgDir: "/var/lib/keys",
      repos: [{ name: "core", server: "https://late.test/$repo" }],
    });
  });

  it("is null without a pacman.conf", () => {
    expect(readPacmanConf(mkdtempSync(join(tmpdir(), "rebuilder-pacman-")))).toBeNull();
  });
});
