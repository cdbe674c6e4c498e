import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { ConfigError, detectDefaultProfile, loadSyncConfig, parseSyncConfig, selectProfiles } from "../../src/sync/profiles.js";

const upstream = resolve(import.meta.dirname, "../fixtures/config/rebuilderd-sync.conf");

function machine(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "rebuilder-machine-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

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
    expect(() => loadSyncConfig("/nonexistent/sync.conf")).toThrow(/\/nonexistent\/sync\.conf: cannot read sync config: ENOENT/);
  });

  it("selects named profiles and names the missing one", () => {
    const { profiles } = loadSyncConfig(upstream);
    expect(selectProfiles(profiles, ["tails"], upstream).map((p) => p.name)).toEqual(["tails"]);
    expect(() => selectProfiles(profiles, ["nope"], upstream)).toThrow(/no profile "nope"/);
  });

  it("detects Debian from os-release and the apt mirror the machine already uses", () => {
    const root = machine({
      "etc/os-release": 'ID=debian\nVERSION_CODENAME=bookworm\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
      "etc/apt/sources.list.d/debian.sources":
        "Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\nComponents: main\n\nTypes: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n",
    });
    const p = detectDefaultProfile(root);
    expect(p).toMatchObject({ distro: "debian", releases: [{ name: "bookworm" }], components: ["main"], source: "http://mirror.example/debian" });
    expect(p.architectures).toHaveLength(1);
  });

  it("reads one-line apt sources too", () => {
    const root = machine({
      "etc/os-release": "ID=debian\nVERSION_CODENAME=trixie\n",
      "etc/apt/sources.list": "# comment\ndeb [signed-by=/k.gpg] http://mirror.example/debian trixie main contrib\n",
    });
    expect(detectDefaultProfile(root).source).toBe("http://mirror.example/debian");
  });

  it("detects Arch from the pacman mirror list", () => {
    const root = machine({
      "etc/os-release": "ID=arch\n",
      "etc/pacman.d/mirrorlist": "## comment\n#Server = http://off.example/$repo/os/$arch\nServer = https://mirror.example/archlinux/$repo/os/$arch\n",
    });
    expect(detectDefaultProfile(root)).toMatchObject({ distro: "archlinux", components: ["core"], source: "https://mirror.example/archlinux/$repo/os/$arch" });
  });

  it("explains what to do on an unknown system", () => {
    expect(() => detectDefaultProfile(machine({ "etc/os-release": 'ID=plan9\nPRETTY_NAME="Plan 9"\n' }))).toThrow(ConfigError);
    expect(() => detectDefaultProfile(machine({ "etc/os-release": 'ID=plan9\nPRETTY_NAME="Plan 9"\n' }))).toThrow(/Plan 9.*--sync-config/);
  });
});
