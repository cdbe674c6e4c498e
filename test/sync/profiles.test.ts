import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadSyncConfig, parseSyncConfig, selectProfiles } from "../../src/sync/profiles.js";

const upstream = resolve(import.meta.dirname, "../fixtures/config/rebuilderd-sync.conf");

describe("sync profiles", () => {
  it("loads upstream's example rebuilderd-sync.conf unchanged", () => {
    const { profiles, warnings } = loadSyncConfig(upstream);
    expect(warnings).toEqual([]);
    expect(profiles.map((p) => p.name)).toContain("debian-telegram");
    const telegram = profiles.find((p) => p.name === "debian-telegram")!;
    expect(telegram.releases).toEqual([
      { name: "trixie-backports" },
      { name: "trixie-backports-debug", source: "https://debian-mirror.invalid/debian-debug" },
    ]);
    expect(telegram.pkgs).toEqual(["telegram-desktop*"]);
    const arch = profiles.find((p) => p.name === "archlinux-core")!;
    expect(arch).toMatchObject({ distro: "archlinux", sync_method: "archlinux", components: ["core"], architectures: ["x86_64"], releases: [] });
    expect(arch.verify_signature).toBe(true);
  });

  it("reads include rules as inline tables and arrays of tables", () => {
    const { profiles } = parseSyncConfig(
      `[profile."x"]
distro = "debian"
source = "/m"
include = [{ component = "main", binary_pkgs = ["a*"] }]
[[profile."y".include]]
exclude = true
source_pkgs = ["glibc"]
[profile."y"]
distro = "debian"
source = "/m"
`,
      "t.conf",
    );
    expect(profiles[0]!.include).toEqual([{ exclude: false, component: "main", binary_pkgs: ["a*"] }]);
    expect(profiles[1]!.include).toEqual([{ exclude: true, source_pkgs: ["glibc"] }]);
  });

  it("warns about unknown and removed keys, naming the file and key", () => {
    const { warnings } = parseSyncConfig(`[profile."x"]\ndistro = "debian"\nsource = "/m"\nsuite = "main"\ncolour = "blue"\n`, "t.conf");
    expect(warnings).toEqual([
      't.conf: [profile."x"] key "suite" was removed from rebuilderd, use "releases"; ignored',
      't.conf: unknown key [profile."x"].colour, ignored',
    ]);
  });

  it("gives clear errors for wrong types, missing keys and broken TOML", () => {
    expect(() => parseSyncConfig(`[profile."x"]\ndistro = "debian"\nsource = "/m"\ncomponents = "main"\n`, "t.conf")).toThrow(
      't.conf: [profile."x"].components must be a list of strings',
    );
    expect(() => parseSyncConfig(`[profile."x"]\ndistro = "debian"\n`, "t.conf")).toThrow('t.conf: [profile."x"] needs "source"');
    expect(() => parseSyncConfig(`[profile."x"\n`, "t.conf")).toThrow(/t\.conf: not valid TOML/);
    expect(() => loadSyncConfig("/nonexistent/sync.conf")).toThrow("/nonexistent/sync.conf: cannot read sync config: ENOENT; check the --sync-config path");
  });

  it("takes a relative keyring or local source from the sync config's folder; URLs stay as written", () => {
    const dir = mkdtempSync(join(tmpdir(), "rebuilder-sync-conf-"));
    writeFileSync(
      join(dir, "sync.conf"),
      `[profile."arch"]\ndistro = "archlinux"\nsource = "mirror/$repo/os/$arch"\nkeyring = "keys/arch.gpg"\n` +
        `[profile."deb"]\ndistro = "debian"\nsource = "https://mirror.example/debian"\nreleases = ["bookworm", { name = "bookworm-security", source = "../security" }]\n`,
    );
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const [arch, deb] = loadSyncConfig("sync.conf").profiles;
      expect(arch).toMatchObject({ source: join(dir, "mirror/$repo/os/$arch"), keyring: join(dir, "keys", "arch.gpg") });
      expect(deb!.source).toBe("https://mirror.example/debian");
      expect(deb!.releases).toEqual([{ name: "bookworm" }, { name: "bookworm-security", source: join(dir, "..", "security") }]);
    } finally {
      process.chdir(cwd);
    }
  });

  it("selects named profiles and names the missing one", () => {
    const { profiles } = loadSyncConfig(upstream);
    expect(selectProfiles(profiles, ["tails"], upstream).map((p) => p.name)).toEqual(["tails"]);
    expect(() => selectProfiles(profiles, ["nope"], upstream)).toThrow(/no profile "nope"/);
  });
});
