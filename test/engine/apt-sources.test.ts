import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cachedAptRelease, machineDebianMirror, readAptSources } from "../../src/engine/apt-sources.js";

const fixtureMachine = resolve(import.meta.dirname, "../fixtures/machines/debian-bookworm");
const scratch = () => mkdtempSync(join(tmpdir(), "rebuilder-apt-"));

function aptEtc(files: Record<string, string>): string {
  const dir = scratch();
  mkdirSync(join(dir, "sources.list.d"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}


describe("readAptSources", () => {
  it("reads deb822 and one-line sources with their suites and components, skipping disabled and deb-src entries", () => {
    const dir = aptEtc({
      "sources.list": "# comment\ndeb [signed-by=/k.gpg] http://one.test/debian trixie main contrib\ndeb-src http://one.test/debian trixie main\n",
      "sources.list.d/a.sources": "Types: deb\nURIs: http://two.test/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb\nEnabled: no\nURIs: http://off.test/debian\nSuites: sid\nComponents: main\n",
    });
    expect(readAptSources(dir)).toEqual([
      { uri: "http://one.test/debian", suites: ["trixie"], components: ["main", "contrib"], signedBy: "/k.gpg" },
      { uri: "http://two.test/debian", suites: ["bookworm", "bookworm-updates"], components: ["main"] },
    ]);
  });

  it("reads a machine's tree: one-line options, deb822 Signed-By files, and no inline key or foreign file names", () => {
    const dir = aptEtc({
      "sources.list.d/inline.sources":
        "Types: deb\nURIs: http://inline.test/debian\nSuites: trixie\nComponents: main\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n mQINBF\n",
    });
    expect(readAptSources(dir)).toEqual([{ uri: "http://inline.test/debian", suites: ["trixie"], components: ["main"] }]);
    const keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
    expect(readAptSources(join(fixtureMachine, "etc/apt"))).toEqual([
      { uri: "http://mirror.test/debian/", suites: ["bookworm"], components: ["main", "contrib"], signedBy: keyring },
      { uri: "https://packages.vendor.test/debian", suites: ["bookworm"], components: ["main"] },
      { uri: "http://mirror.test/debian", suites: ["bookworm-updates", "bookworm-backports"], components: ["main", "contrib"], signedBy: keyring },
      { uri: "http://security.test/debian-security", suites: ["bookworm-security"], components: ["main", "contrib"], signedBy: keyring },
      { uri: "https://nodejs.vendor.test/node_20.x", suites: ["nodistro"], components: ["main"], signedBy: "/usr/share/keyrings/nodejs.gpg" },
    ]);
  });
});

describe("cachedAptRelease", () => {
  const lists = join(fixtureMachine, "var/lib/apt/lists");

  it("reads the header of the InRelease apt cached for a suite, past its armor header", () => {
    expect(cachedAptRelease(lists, "http://security.test/debian-security/", "bookworm-security")).toEqual({
      origin: "Debian",
      label: "Debian-Security",
      suite: "oldstable-security",
      codename: "bookworm-security",
      components: ["updates/main", "updates/contrib", "updates/non-free-firmware", "updates/non-free"],
    });
  });

  it("falls back to a plain Release file and is null when apt has none", () => {
    expect(cachedAptRelease(lists, "https://user:secret@packages.vendor.test/debian", "bookworm")).toMatchObject({ origin: "Vendor", components: ["main"] });
    expect(cachedAptRelease(lists, "http://mirror.test/debian", "bookworm")).toBeNull();
  });
});

describe("machineDebianMirror", () => {
  it("reads the main archive from deb822 sources, skipping security, disabled and third-party entries", () => {
    const dir = aptEtc({
      "sources.list.d/10-vendor.sources": "Types: deb\nURIs: https://vendor.test/apt\nSuites: stable\nComponents: main\n",
      "sources.list.d/debian.sources": [
        "Types: deb\n# a comment\nURIs: http://disabled.test/debian\nSuites: bookworm\nComponents: main\nEnabled: no\n",
        "Types: deb-src\nURIs: http://sources-only.test/debian\nSuites: bookworm\nComponents: main\n",
        "Types: deb\nURIs: http://mirror.test/debian-security\nSuites: bookworm-security\nComponents: main\n",
        "Types: deb\nURIs: http://mirror.test/debian/\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n",
      ].join("\n"),
      "sources.list.d/old.sources.disabled": "Types: deb\nURIs: http://ignored.test/debian\nSuites: bookworm\nComponents: main\n",
    });
    expect(machineDebianMirror(dir)).toBe("http://mirror.test/debian");
  });

  it("reads one-line sources.list files, with options and comments", () => {
    const dir = aptEtc({
      "sources.list": "# deb http://commented.test/debian bookworm main\ndeb-src http://src.test/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] https://mirror.test/debian bookworm main\n",
    });
    expect(machineDebianMirror(dir)).toBe("https://mirror.test/debian");
  });

  it("is null without a Debian archive or without apt configuration", () => {
    expect(machineDebianMirror(aptEtc({ "sources.list.d/vendor.list": "deb https://vendor.test/apt stable main\n" }))).toBeNull();
    expect(machineDebianMirror(join(scratch(), "missing"))).toBeNull();
  });
});
