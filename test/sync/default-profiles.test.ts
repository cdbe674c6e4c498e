import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { detectDefaultProfiles, machineDefaultProfiles, NoDefaultProfileError } from "../../src/sync/default-profiles.js";
import { ConfigError } from "../../src/sync/profiles.js";

const machines = resolve(import.meta.dirname, "../fixtures/machines");
const debianRoot = join(machines, "debian-bookworm");
const archRoot = join(machines, "archlinux");
const cli = resolve(import.meta.dirname, "../../bin/rebuilder-node.mjs");
/** Under a fixture root the machine architecture is node's, in each distribution's spelling. */
const nodeArch = { debian: { x64: "amd64", arm64: "arm64" }, arch: { x64: "x86_64", arm64: "aarch64" } } as const;
const hostArch = process.arch as "x64" | "arm64";

/** A copy of a fixture machine (or an empty one) with files added or replaced. */
function machine(files: Record<string, string>, base?: string): string {
  const root = mkdtempSync(join(tmpdir(), "rebuilder-machine-"));
  if (base) cpSync(base, root, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("default profiles on Debian", () => {
  it("follows every suite of the release apt follows, each from its own mirror, for the machine's architecture and all", () => {
    const { profiles } = detectDefaultProfiles(debianRoot);
    expect(profiles).toEqual([
      {
        name: "debian-bookworm",
        distro: "debian",
        sync_method: "debian",
        components: ["main", "contrib"],
        releases: [
          { name: "bookworm" },
          { name: "bookworm-updates" },
          { name: "bookworm-backports" },
          { name: "bookworm-security", source: "http://security.test/debian-security" },
        ],
        architectures: [nodeArch.debian[hostArch], "all"],
        source: "http://mirror.test/debian",
        keyring: join(debianRoot, "usr/share/keyrings/debian-archive-keyring.gpg"),
        include: [],
        maintainers: [],
        pkgs: [],
        excludes: [],
        verify_signature: true,
      },
    ]);
  });

  it("names the third-party sources it leaves out in one line, judging by the cached Release's Origin first", () => {
    expect(detectDefaultProfiles(debianRoot).warnings).toEqual([
      "left out 2 third-party or other-release apt sources: https://packages.vendor.test/debian bookworm, https://nodejs.vendor.test/node_20.x nodistro",
    ]);
  });

  it("asks each release only for components its Release offers, and splits releases with other components into their own profile", () => {
    const root = machine(
      {
        "etc/apt/sources.list.d/debian.sources":
          "Types: deb\nURIs: http://mirror.test/debian\nSuites: bookworm-updates\nComponents: main contrib\n\n" +
          "Types: deb\nURIs: http://security.test/debian-security\nSuites: bookworm-security\nComponents: main contrib non-free-firmware\n",
        "var/lib/apt/lists/security.test_debian-security_dists_bookworm-security_InRelease":
          "Origin: Debian\nCodename: bookworm-security\nComponents: updates/main updates/non-free-firmware\n",
      },
      debianRoot,
    );
    const { profiles } = detectDefaultProfiles(root);
    expect(profiles.map((p) => [p.name, p.components, p.releases, p.source])).toEqual([
      ["debian-bookworm", ["main", "contrib"], [{ name: "bookworm" }, { name: "bookworm-updates" }], "http://mirror.test/debian"],
      ["debian-bookworm-2", ["main", "non-free-firmware"], [{ name: "bookworm-security" }], "http://security.test/debian-security"],
    ]);
  });

  it("recognizes Ubuntu's pockets and archive", () => {
    const root = machine({
      "etc/os-release": "ID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=jammy\n",
      "etc/apt/sources.list":
        "deb http://ubuntu-mirror.test/ubuntu jammy main universe\ndeb http://ubuntu-mirror.test/ubuntu jammy-updates main universe\n" +
        "deb http://security-mirror.test/ubuntu jammy-security main universe\ndeb http://ppa.test/team/ppa/ubuntu jammy-ppa main\n",
    });
    const { profiles, warnings } = detectDefaultProfiles(root);
    expect(profiles).toMatchObject([
      {
        distro: "ubuntu",
        sync_method: "debian",
        releases: [{ name: "jammy" }, { name: "jammy-updates" }, { name: "jammy-security", source: "http://security-mirror.test/ubuntu" }],
        keyring: join(root, "usr/share/keyrings/ubuntu-archive-keyring.gpg"),
      },
    ]);
    expect(warnings).toEqual(["left out 1 third-party or other-release apt sources: http://ppa.test/team/ppa/ubuntu jammy-ppa"]);
  });

  it("says what it found when no apt source follows the release", () => {
    const root = machine({
      "etc/os-release": "ID=debian\nVERSION_CODENAME=trixie\n",
      "etc/apt/sources.list": "deb http://mirror.test/debian bookworm main\n",
    });
    expect(() => detectDefaultProfiles(root)).toThrow(NoDefaultProfileError);
    expect(() => detectDefaultProfiles(root)).toThrow(/says debian trixie, but no apt source .* follows it \(found: http:\/\/mirror.test\/debian bookworm\)/);
  });
});

describe("default profiles on Arch Linux", () => {
  it("follows the pacman.conf repositories with the first uncommented Server of their mirror list", () => {
    const { profiles, warnings } = detectDefaultProfiles(archRoot);
    expect(profiles).toEqual([
      {
        name: "archlinux",
        distro: "archlinux",
        sync_method: "archlinux",
        components: ["core", "extra"],
        releases: [],
        architectures: [nodeArch.arch[hostArch]],
        source: "https://mirror.test/archlinux/$repo/os/$arch",
        include: [],
        maintainers: [],
        pkgs: [],
        excludes: [],
        verify_signature: true,
      },
      expect.objectContaining({ name: "archlinux-2", components: ["vendor"], source: "https://repo.vendor.test/$arch" }),
    ]);
    expect(warnings).toEqual(["left out 1 pacman repositories without a Server: local-only"]);
  });

  it("takes an explicit Architecture and the pacman keyring when there is one", () => {
    const root = machine(
      {
        "etc/pacman.conf": "[options]\nArchitecture = aarch64\n\n[core]\nInclude = /etc/pacman.d/mirrorlist\n",
        "etc/pacman.d/gnupg/pubring.gpg": "keys",
      },
      archRoot,
    );
    expect(detectDefaultProfiles(root).profiles).toMatchObject([
      { components: ["core"], architectures: ["aarch64"], keyring: join(root, "etc/pacman.d/gnupg/pubring.gpg") },
    ]);
  });
});

describe("no default profile", () => {
  it("says what was found and what to write where", () => {
    const root = machine({ "etc/os-release": 'ID=plan9\nPRETTY_NAME="Plan 9"\n' });
    expect(() => machineDefaultProfiles(root, "/home/u/.config/rebuilder/rebuilder-sync.conf")).toThrow(ConfigError);
    expect(() => machineDefaultProfiles(root, "/home/u/.config/rebuilder/rebuilder-sync.conf")).toThrow(
      /os-release says Plan 9; .*Debian, Ubuntu and Arch Linux.*\nWrite your profiles to \/home\/u\/\.config\/rebuilder\/rebuilder-sync\.conf .*\n {2}\[profile\."debian-bookworm"\]/s,
    );
    expect(() => machineDefaultProfiles(machine({}), "x.conf")).toThrow(/no os-release under/);
  });
});

describe("rebuilder sync --print-json", () => {
  const run = (root: string, ...args: string[]) =>
    spawnSync(process.execPath, [cli, "--data-dir", join(root, "data"), "sync", "--print-json", ...args], {
      encoding: "utf8",
      env: { ...process.env, REBUILDER_SYSTEM_ROOT: root, XDG_CONFIG_HOME: join(root, "no-config") },
    });

  it("prints the profiles detected from the machine, without syncing", () => {
    const root = machine({}, debianRoot);
    const r = run(root);
    expect(r.status).toBe(0);
    expect(existsSync(join(root, "data"))).toBe(false);
    const profiles = JSON.parse(r.stdout);
    expect(profiles.map((p: { name: string; releases: { name: string }[] }) => [p.name, p.releases.map((x) => x.name)])).toEqual([
      ["debian-bookworm", ["bookworm", "bookworm-updates", "bookworm-backports", "bookworm-security"]],
    ]);
    expect(r.stderr).toBe(
      "rebuilder: warning: left out 2 third-party or other-release apt sources: https://packages.vendor.test/debian bookworm, https://nodejs.vendor.test/node_20.x nodistro\n",
    );
  });

  it("selects detected profiles by name and refuses an unknown one", () => {
    const root = machine({}, archRoot);
    expect(JSON.parse(run(root, "archlinux-2").stdout).map((p: { name: string }) => p.name)).toEqual(["archlinux-2"]);
    const r = run(root, "nope");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no profile "nope" \(have: archlinux, archlinux-2\)/);
  });

  it("exits non-zero with the way out when nothing can be detected", () => {
    const root = machine({ "etc/os-release": "ID=debian\nVERSION_CODENAME=bookworm\n" });
    const r = run(root);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/found no enabled deb source.*\nWrite your profiles to .*no-config\/rebuilder\/rebuilder-sync\.conf/s);
  });
});
