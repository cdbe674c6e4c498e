/** The real, signed bookworm slice in test/data, verified with the machine's Debian keyring. */
import { DEBIAN_MIRROR } from "../support/test-data.js";
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { decompressStream } from "../../src/engine/compression.js";
import { verifyClearsigned } from "../../src/sync/gpgv.js";
import { sha256Hex } from "../../src/sync/fetch.js";
import { parseRelease } from "../../src/sync/debian/inrelease.js";
import type { PackageReport } from "../../src/sync/report.js";
import { debianProfile, runDebianSync } from "./debian-sync-helpers.js";

const MIRROR = DEBIAN_MIRROR;
const DISTS = `${MIRROR}/dists/bookworm`;
const KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";

const profile = (architectures: string[]) =>
  debianProfile({ source: MIRROR, releases: [{ name: "bookworm" }], components: ["main"], architectures, keyring: KEYRING });

const count = (reports: PackageReport[]) => ({
  groups: reports.reduce((n, r) => n + r.packages.length, 0),
  binaries: reports.reduce((n, r) => n + r.packages.reduce((m, g) => m + g.artifacts.length, 0), 0),
});

const group = (report: PackageReport | undefined, name: string, version: string) =>
  report?.packages.find((g) => g.name === name && g.version === version);

describe("Debian bookworm (real data)", () => {
  it("imports the 32,325 amd64 binaries in 16,008 uploads, every index file matching the signed InRelease", async () => {
    const { plans, reports, warnings } = await runDebianSync(profile(["amd64"]), MIRROR);
    expect(reports.map((r) => r.architecture)).toEqual(["amd64"]);
    expect(count(reports)).toEqual({ groups: 16008, binaries: 32325 });
    expect(warnings).toEqual([]);

    const inRelease = readFileSync(`${DISTS}/InRelease`);
    const release = parseRelease("InRelease", new TextDecoder().decode(await verifyClearsigned(inRelease, KEYRING)));
    const indexFiles = plans[0]!.files.slice(1);
    expect(indexFiles.map((f) => f.url)).toEqual([`${DISTS}/main/source/Sources.xz`, `${DISTS}/main/binary-amd64/Packages.xz`]);
    for (const file of indexFiles) {
      const bytes = readFileSync(file.url);
      expect(release.files.get(file.url.slice(DISTS.length + 1))).toEqual({ sha256: file.sha256, size: bytes.length });
      expect(sha256Hex(bytes)).toBe(file.sha256);
    }

    const [amd64] = reports;
    expect(group(amd64, "acl", "2.3.1-3")).toEqual({
      name: "acl",
      version: "2.3.1-3",
      url: expect.stringMatching(/\/buildinfo-pool\/a\/acl\/acl_2\.3\.1-3_amd64\.buildinfo$/),
      artifacts: [
        {
          name: "acl",
          version: "2.3.1-3",
          component: "main",
          architecture: "amd64",
          url: `${MIRROR}/pool/main/a/acl/acl_2.3.1-3_amd64.deb`,
          sha256: "a6954f6eaebac71a758b5da0c9aea8e41fe300122c5a19e15d7ccc9f9c04a2f3",
          size: 61244,
        },
        expect.objectContaining({ name: "libacl1" }),
        expect.objectContaining({ name: "libacl1-dev" }),
      ],
    });
    expect(group(amd64, "aclock.app", "0.4.0-2+b4")?.url).toMatch(/\/a\/aclock\.app\/aclock\.app_0\.4\.0-2\+b4_amd64\.buildinfo$/);
  });

  it("imports 63,764 amd64 and all binaries in 38,542 uploads, amd64 and all in separate groups", async () => {
    const { reports } = await runDebianSync(profile(["amd64", "all"]), MIRROR);
    expect(reports.map((r) => r.architecture)).toEqual(["amd64", "all"]);
    expect(count(reports)).toEqual({ groups: 38542, binaries: 63764 });
    const [amd64, all] = reports;
    expect(group(amd64, "acl2", "8.5dfsg-5")?.artifacts.map((a) => a.name)).toEqual(["acl2", "acl2-books", "acl2-infix"]);
    expect(group(all, "acl2", "8.5dfsg-5")?.url).toMatch(/\/acl2_8\.5dfsg-5_all\.buildinfo$/);
    expect(group(all, "acl2", "8.5dfsg-5")?.artifacts.every((a) => a.architecture === "all")).toBe(true);
  });

  it("measures decompression alone against the whole sync (logged, not asserted)", async () => {
    const files = ["main/source/Sources.xz", "main/binary-amd64/Packages.xz", "main/binary-all/Packages.xz"];
    let start = performance.now();
    for (const f of files) for await (const _ of decompressStream(readFileSync(`${DISTS}/${f}`), f));
    const decompressOnly = performance.now() - start;
    start = performance.now();
    const { reports } = await runDebianSync(profile(["amd64", "all"]), MIRROR);
    const sync = performance.now() - start;
    console.log(
      `bookworm main amd64+all: decompress only ${decompressOnly.toFixed(0)} ms, ` +
        `fetch+verify+decompress+parse ${sync.toFixed(0)} ms (${(sync / decompressOnly).toFixed(2)}x)`,
    );
    expect(reports).toHaveLength(2);
  });
});
