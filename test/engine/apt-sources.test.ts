import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { machineDebianMirror, readAptSources } from "../../src/engine/apt-sources.js";

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
      { uri: "http://one.test/debian", suites: ["trixie"], components: ["main", "contrib"] },
      { uri: "http://two.test/debian", suites: ["bookworm", "bookworm-updates"], components: ["main"] },
    ]);
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
