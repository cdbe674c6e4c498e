/** The Debian sync on small fixture mirrors: grouping semantics (reference A.5, C.2) and filters. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zstdCompress } from "../../src/engine/compression.js";
import { DEFAULT_BUILDINFO_SOURCE } from "../../src/sync/debian/buildinfo-url.js";
import type { PackageReport } from "../../src/sync/report.js";
import { buildMirror, fixture, gz, xz, type MirrorOptions } from "./debian-test-mirror.js";
import { debianProfile, MIRROR_URL, runDebianSync, type TestProfile } from "./debian-sync-helpers.js";
import { createTestKey, type TestKey } from "./gpgv-test-key.js";

let key: TestKey;
beforeAll(() => {
  key = createTestKey();
});
afterAll(() => key.dispose());

const fixtureFiles = () => ({
  "main/source/Sources.xz": xz(fixture("Sources")),
  "main/binary-amd64/Packages.xz": xz(fixture("Packages-amd64")),
  "main/binary-all/Packages.xz": xz(fixture("Packages-all")),
  "main/debian-installer/binary-amd64/Packages.xz": xz(fixture("Packages-udeb-amd64")),
});

async function sync(overrides: Partial<TestProfile> = {}, mirror: Partial<MirrorOptions> = {}) {
  const { root } = buildMirror({ key, files: fixtureFiles(), ...mirror });
  return runDebianSync(debianProfile({ keyring: key.keyring, ...overrides }), root);
}

const pool = (path: string) => `${MIRROR_URL}/pool/main/${path}`;
const buildinfo = (path: string) => `${DEFAULT_BUILDINFO_SOURCE}/buildinfo-pool/${path}`;

/** name version → artifact names, per report architecture. */
const summary = (reports: PackageReport[]) =>
  Object.fromEntries(
    reports.map((r) => [r.architecture, r.packages.map((g) => `${g.name} ${g.version}: ${g.artifacts.map((a) => a.name).join(" ")}`)]),
  );

describe("Debian grouping", () => {
  it("groups binaries by upload: binNMU, epoch, lib prefix, Extra-Source-Only, udeb, arch:all once", async () => {
    const { reports, warnings } = await sync({
      architectures: ["amd64", "all"],
      components: ["main", "main/debian-installer"],
    });
    expect(reports.map((r) => [r.distribution, r.release, r.architecture])).toEqual([
      ["debian", "sid", "amd64"],
      ["debian", "sid", "all"],
    ]);
    const [amd64, all] = reports;
    expect(amd64!.packages).toEqual([
      {
        name: "hello",
        version: "2.10-3",
        url: buildinfo("h/hello/hello_2.10-3_amd64.buildinfo"),
        artifacts: [
          {
            name: "hello",
            version: "2.10-3",
            component: "main",
            architecture: "amd64",
            url: pool("h/hello/hello_2.10-3_amd64.deb"),
            sha256: "1".repeat(64),
            size: 53256,
          },
          {
            name: "hello-udeb",
            version: "2.10-3",
            component: "main/debian-installer",
            architecture: "amd64",
            url: pool("h/hello/hello-udeb_2.10-3_amd64.udeb"),
          },
        ],
      },
      {
        name: "hello",
        version: "2.10-3+b1",
        url: buildinfo("h/hello/hello_2.10-3+b1_amd64.buildinfo"),
        artifacts: [
          {
            name: "hello-extra",
            version: "2.10-3+b1",
            component: "main",
            architecture: "amd64",
            url: pool("h/hello/hello-extra_2.10-3+b1_amd64.deb"),
          },
        ],
      },
      {
        name: "libfoo",
        version: "1:1.6.0-1",
        url: buildinfo("libf/libfoo/libfoo_1.6.0-1_amd64.buildinfo"),
        artifacts: [expect.objectContaining({ name: "libfoo1", version: "1:1.6.0-1" })],
      },
      {
        name: "libfoo",
        version: "1:1.5.0-1",
        url: buildinfo("libf/libfoo/libfoo_1.5.0-1_amd64.buildinfo"),
        artifacts: [expect.objectContaining({ name: "libfoo-dev", version: "1:1.5.0-1" })],
      },
      {
        name: "courier",
        version: "1.0.16-3+b1",
        url: buildinfo("c/courier/courier_1.0.16-3+b1_amd64.buildinfo"),
        artifacts: [expect.objectContaining({ name: "courier-imap", version: "5.0.13+1.0.16-3+b1" })],
      },
    ]);
    expect(all!.packages).toEqual([
      {
        name: "hello",
        version: "2.10-3",
        url: buildinfo("h/hello/hello_2.10-3_all.buildinfo"),
        artifacts: [
          {
            name: "hello-doc",
            version: "2.10-3",
            component: "main",
            architecture: "all",
            url: pool("h/hello/hello-doc_2.10-3_all.deb"),
            sha256: "2".repeat(64),
            size: 1200,
          },
        ],
      },
      {
        name: "courier",
        version: "1.0.16-3",
        url: buildinfo("c/courier/courier_1.0.16-3_all.buildinfo"),
        artifacts: [expect.objectContaining({ name: "courier-doc", architecture: "all" })],
      },
    ]);
    expect(warnings).toEqual([
      expect.stringMatching(/main\/debian-installer\/binary-all\/Packages\.xz: not listed in .*\/InRelease; skipped$/),
      `${MIRROR_URL}/dists/sid/main/binary-amd64/Packages.xz: orphan 1.0-1 skipped: source gone 1.0-1 is not in Sources`,
    ]);
  });

  it("imports arch:all binaries only when `all` is configured", async () => {
    const { reports } = await sync({ architectures: ["amd64"] });
    expect(summary(reports)).toEqual({
      amd64: [
        "hello 2.10-3: hello",
        "hello 2.10-3+b1: hello-extra",
        "libfoo 1:1.6.0-1: libfoo1",
        "libfoo 1:1.5.0-1: libfoo-dev",
        "courier 1.0.16-3+b1: courier-imap",
      ],
    });
  });

  it("plans one scope per architecture, lists every fetched file, and reports an architecture without packages empty", async () => {
    const { plans, reports, warnings } = await sync({ architectures: ["amd64", "arm64"] });
    expect(plans).toHaveLength(1);
    expect(plans[0]!.scopes).toEqual([
      { release: "sid", architecture: "amd64" },
      { release: "sid", architecture: "arm64" },
    ]);
    expect(plans[0]!.files.map((f) => f.url)).toEqual([
      `${MIRROR_URL}/dists/sid/InRelease`,
      `${MIRROR_URL}/dists/sid/main/source/Sources.xz`,
      `${MIRROR_URL}/dists/sid/main/binary-amd64/Packages.xz`,
    ]);
    expect(reports.find((r) => r.architecture === "arm64")).toEqual({
      distribution: "debian",
      release: "sid",
      architecture: "arm64",
      packages: [],
    });
    expect(warnings).toContain(
      `${MIRROR_URL}/dists/sid/main/binary-arm64/Packages.xz: not listed in ${MIRROR_URL}/dists/sid/InRelease; skipped`,
    );
  });

  it("makes one plan per release, each from its own source", async () => {
    const { root } = buildMirror({ key, files: fixtureFiles() });
    const other = buildMirror({ key, release: "sid-debug", files: { "main/source/Sources": "", "main/binary-amd64/Packages": "" } });
    const { plans, reports } = await runDebianSync(
      debianProfile({ keyring: key.keyring, releases: [{ name: "sid" }, { name: "sid-debug", source: `${other.root}/` }] }),
      root,
    );
    expect(plans.map((p) => p.files.map((f) => f.url.replace(other.root, "<other>")))).toEqual([
      [`${MIRROR_URL}/dists/sid/InRelease`, `${MIRROR_URL}/dists/sid/main/source/Sources.xz`, `${MIRROR_URL}/dists/sid/main/binary-amd64/Packages.xz`],
      ["<other>/dists/sid-debug/InRelease", "<other>/dists/sid-debug/main/source/Sources", "<other>/dists/sid-debug/main/binary-amd64/Packages"],
    ]);
    expect(reports.map((r) => [r.release, r.packages.length])).toEqual([
      ["sid", 5],
      ["sid-debug", 0],
    ]);
  });

  it("takes the buildinfo base from buildinfo_source", async () => {
    const { reports } = await sync({ buildinfo_source: "https://buildinfo.example/" });
    expect(reports[0]!.packages[0]!.url).toBe("https://buildinfo.example/buildinfo-pool/h/hello/hello_2.10-3_amd64.buildinfo");
  });

  it("reads the gzip, zstd or uncompressed variant when the InRelease lists no .xz", async () => {
    const { reports, plans } = await sync(
      { architectures: ["amd64", "all"] },
      {
        files: {
          "main/source/Sources.gz": gz(fixture("Sources")),
          "main/binary-amd64/Packages": fixture("Packages-amd64"),
          "main/binary-all/Packages.zst": zstdCompress(fixture("Packages-all")),
        },
      },
    );
    expect(plans[0]!.files.map((f) => f.url.slice(`${MIRROR_URL}/dists/sid/`.length))).toEqual([
      "InRelease",
      "main/source/Sources.gz",
      "main/binary-amd64/Packages",
      "main/binary-all/Packages.zst",
    ]);
    expect(summary(reports).all).toEqual(["hello 2.10-3: hello-doc", "courier 1.0.16-3: courier-doc"]);
  });

  it("reports parse progress per file", async () => {
    const { progress } = await sync();
    // The files are decoded and parsed at the same time: they report in either order.
    expect(progress).toHaveLength(2);
    expect(progress).toEqual(expect.arrayContaining([
      { kind: "parse", file: `${MIRROR_URL}/dists/sid/main/source/Sources.xz`, packages: 4 },
      { kind: "parse", file: `${MIRROR_URL}/dists/sid/main/binary-amd64/Packages.xz`, packages: 7 },
    ]));
  });

  it("fails when the Sources index is missing", async () => {
    const files: Record<string, Uint8Array> = fixtureFiles();
    delete files["main/source/Sources.xz"];
    await expect(sync({}, { files })).rejects.toThrow(
      `${MIRROR_URL}/dists/sid/main/source/Sources.xz: not listed in ${MIRROR_URL}/dists/sid/InRelease`,
    );
  });
});

describe("Debian filters", () => {
  const names = (reports: PackageReport[]) => reports.flatMap((r) => r.packages.flatMap((g) => g.artifacts.map((a) => a.name)));

  it("matches maintainer filters against the Sources Uploaders, including wrapped lines and quoted commas", async () => {
    const mustermann = await sync({ architectures: ["amd64", "all"], maintainers: ["Max Mustermann"] });
    expect(names(mustermann.reports)).toEqual(["hello", "hello-extra", "hello-doc"]);
    const roe = await sync({ maintainers: ['"Roe, John" <john@'] });
    expect(names(roe.reports)).toEqual(["hello", "hello-extra"]);
  });

  it("matches maintainer filters against the Sources Maintainer", async () => {
    const { reports } = await sync({ maintainers: ["Jane Doe"] });
    expect(names(reports)).toEqual(["hello", "hello-extra", "courier-imap"]);
  });

  it("gives include rules the source name and the configured component", async () => {
    const { reports } = await sync({
      components: ["main", "main/debian-installer"],
      include: [
        { exclude: false, component: "main/debian-installer" },
        { exclude: false, source_pkgs: ["lib*"] },
      ],
    });
    expect(names(reports)).toEqual(["libfoo1", "libfoo-dev", "hello-udeb"]);
  });

  it("warns about a binary without source only when the filters want it", async () => {
    expect((await sync({ pkgs: ["hello*"] })).warnings).toEqual([]);
    expect((await sync({ pkgs: ["orphan"] })).warnings).toEqual([expect.stringContaining("orphan 1.0-1 skipped")]);
  });
});
