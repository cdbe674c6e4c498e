import { afterAll, describe, expect, it } from "vitest";
import { UnsafeJobError } from "../../src/backends/job-checks.js";
import { BackendConfigError } from "../../src/backends/settings.js";
import {
  buildDependencyScope,
  buildEnvironment,
  DEFAULT_KEYRING,
  dpkgBuildpackageArgs,
  parseSettings,
  planRebuild,
  sourcesList,
  stripBinNmu,
  suiteChain,
} from "../../src/backends/debian-archive-plan.js";
import { makeJob, removeScratchDirs, scratch } from "./debian-archive-helpers.js";

const MIRROR = "http://mirror.test/debian";
const defaults = parseSettings({});

function artifact(path: string, fileName = path.split("/").pop() ?? "") {
  return { name: "x", version: "1", architecture: "amd64", url: `${MIRROR}/${path}`, fileName, publishedPath: `/tmp/${fileName}` };
}

function job(fields: Parameters<typeof makeJob>[1]) {
  return makeJob(scratch(), fields);
}

afterAll(removeScratchDirs);

describe("debian-archive settings", () => {
  it("defaults to chroot builds with the Debian archive keyring", () => {
    expect(defaults).toEqual({ mirror: undefined, securityMirror: undefined, suites: undefined, components: undefined, keyring: DEFAULT_KEYRING, hostBuild: false });
  });

  it("refuses values that would break out of a sources.list line or an option", () => {
    expect(() => parseSettings({ host_build: "yes" })).toThrow(BackendConfigError);
    expect(() => parseSettings({ mirror: "http://mirror.test/debian [trusted=yes]" })).toThrow(/mirror/);
    expect(() => parseSettings({ mirror: "http://mirror.test/debian\ndeb http://evil.test/ sid main" })).toThrow(/mirror/);
    expect(() => parseSettings({ mirror: "ftp://mirror.test/debian" })).toThrow(/mirror/);
    expect(() => parseSettings({ keyring: "keyring.gpg" })).toThrow(/keyring/);
    expect(() => parseSettings({ suites: ["bookworm main"] })).toThrow(/suite/);
    expect(() => parseSettings({ suites: [] })).toThrow(/suites/);
    expect(() => parseSettings({ components: ["../main"] })).toThrow(/component/);
  });

  it("drops a trailing slash from the mirror", () => {
    expect(parseSettings({ mirror: `${MIRROR}/` }).mirror).toBe(MIRROR);
  });
});

describe("debian-archive plan", () => {
  it("fetches an arch:all package from its updates suite and the release under it, building with -A", () => {
    const plan = planRebuild(
      job({ name: "tzdata", version: "2025b-0+deb12u1", release: "bookworm-updates", architecture: "all", artifacts: [artifact("pool/main/t/tzdata/tzdata_2025b-0+deb12u1_all.deb")] }),
      defaults,
    );
    expect(plan).toEqual({
      source: "tzdata",
      version: "2025b-0+deb12u1",
      dscName: "tzdata_2025b-0+deb12u1.dsc",
      sourceDir: "tzdata-2025b",
      sources: [
        { uri: MIRROR, suite: "bookworm-updates", components: ["main"] },
        { uri: MIRROR, suite: "bookworm", components: ["main"] },
      ],
      baseSuite: "bookworm",
      indep: true,
      architecture: null,
    });
    expect(dpkgBuildpackageArgs(plan)).toEqual(["-A", "-us", "-uc", "--sanitize-env"]);
    expect(buildDependencyScope(plan)).toBe("--indep-only");
  });

  it("rebuilds a binNMU from its source version and builds arch-specific packages with -B", () => {
    const plan = planRebuild(job({ name: "hello", version: "2.10-3+b1", architecture: "amd64", artifacts: [artifact("pool/main/h/hello/hello_2.10-3+b1_amd64.deb")] }), defaults);
    expect(plan.version).toBe("2.10-3");
    expect(plan.dscName).toBe("hello_2.10-3.dsc");
    expect(plan.architecture).toBe("amd64");
    expect(dpkgBuildpackageArgs(plan)[0]).toBe("-B");
    expect(buildDependencyScope(plan)).toBe("--arch-only");
  });

  it("keeps the epoch for apt but not in file names, and handles native versions", () => {
    const epoch = planRebuild(job({ name: "libx11", version: "2:1.8.4-2+deb12u2", architecture: "amd64", artifacts: [artifact("pool/main/libx/libx11/libx11-6_1.8.4-2+deb12u2_amd64.deb")] }), defaults);
    expect(epoch.version).toBe("2:1.8.4-2+deb12u2");
    expect(epoch.dscName).toBe("libx11_1.8.4-2+deb12u2.dsc");
    expect(epoch.sourceDir).toBe("libx11-1.8.4");
    const native = planRebuild(job({ name: "debianutils", version: "5.7", architecture: "amd64", artifacts: [artifact("pool/main/d/debianutils/debianutils_5.7_amd64.deb")] }), defaults);
    expect(native.dscName).toBe("debianutils_5.7.dsc");
    expect(native.sourceDir).toBe("debianutils-5.7");
  });

  it("takes security updates from the security archive and the release from the main archive", () => {
    const plan = planRebuild(
      job({ name: "openssl", version: "3.0.15-1~deb12u1", release: "bookworm-security", architecture: "amd64", artifacts: [{ ...artifact("x"), url: "http://mirror.test/debian-security/pool/updates/main/o/openssl/libssl3_3.0.15-1~deb12u1_amd64.deb" }] }),
      defaults,
    );
    expect(plan.sources).toEqual([
      { uri: "http://mirror.test/debian-security", suite: "bookworm-security", components: ["main"] },
      { uri: MIRROR, suite: "bookworm", components: ["main"] },
    ]);
  });

  it("adds the job's component to main", () => {
    const plan = planRebuild(job({ name: "foo", version: "1.0-1", architecture: "amd64", artifacts: [artifact("pool/contrib/f/foo/foo_1.0-1_amd64.deb")] }), defaults);
    expect(plan.sources[0]?.components).toEqual(["main", "contrib"]);
  });

  it("lets the settings name the mirror, suites and components", () => {
    const plan = planRebuild(
      job({ name: "hello", version: "2.10-3", release: null, architecture: "amd64", artifacts: [artifact("pool/main/h/hello/hello_2.10-3_amd64.deb")] }),
      parseSettings({ mirror: "http://other.test/debian", suites: ["trixie-updates", "trixie"], components: ["main", "non-free-firmware"] }),
    );
    expect(plan.sources).toEqual([
      { uri: "http://other.test/debian", suite: "trixie-updates", components: ["main", "non-free-firmware"] },
      { uri: "http://other.test/debian", suite: "trixie", components: ["main", "non-free-firmware"] },
    ]);
    expect(plan.baseSuite).toBe("trixie");
  });

  it("needs a release or configured suites, and a mirror from somewhere", () => {
    expect(() => planRebuild(job({ name: "hello", version: "2.10-3", release: null, architecture: "amd64", artifacts: [artifact("pool/main/h/hello/hello_2.10-3_amd64.deb")] }), defaults)).toThrow(/suites/);
    expect(() => planRebuild(job({ name: "hello", version: "2.10-3", architecture: "amd64" }), defaults)).toThrow(/mirror/);
  });

  it.each([
    ["name", { name: "../../x" }],
    ["name", { name: "$(touch /tmp/p)" }],
    ["name", { name: "Hello" }],
    ["name", { name: "a\u001b[2Jb" }],
    ["version", { version: "1.0;rm -rf /" }],
    ["version", { version: "1.0/../../x" }],
    ["version", { version: "1.0\n" }],
    ["release", { release: "bookworm main" }],
    ["release", { release: "../bookworm" }],
    ["architecture", { architecture: "amd64 --root=/" }],
  ])("refuses a hostile %s before anything runs: %j", (_what, fields) => {
    const hostile = job({ name: "hello", version: "2.10-3", architecture: "amd64", artifacts: [artifact("pool/main/h/hello/hello_2.10-3_amd64.deb")], ...fields });
    expect(() => planRebuild(hostile, defaults)).toThrow(UnsafeJobError);
  });

  it("refuses artifact URLs outside a pool, hostile ones and ones from two archives", () => {
    const base = { name: "hello", version: "2.10-3", architecture: "amd64" };
    expect(() => planRebuild(job({ ...base, artifacts: [{ ...artifact("x"), url: "http://mirror.test/debian/hello.deb" }] }), defaults)).toThrow(/not in a Debian pool/);
    expect(() => planRebuild(job({ ...base, artifacts: [{ ...artifact("x"), url: "http://mirror.test/deb ian/pool/main/h/hello/hello.deb" }] }), defaults)).toThrow(UnsafeJobError);
    expect(() =>
      planRebuild(job({ ...base, artifacts: [artifact("pool/main/h/hello/hello_2.10-3_amd64.deb"), { ...artifact("x"), url: "http://other.test/debian/pool/main/h/hello/hello-dbgsym_2.10-3_amd64.deb" }] }), defaults),
    ).toThrow(/several archives/);
  });
});

describe("debian-archive suites, sources and environment", () => {
  it("adds the releases that a suite extends", () => {
    expect(suiteChain("bookworm")).toEqual(["bookworm"]);
    expect(suiteChain("sid")).toEqual(["sid"]);
    expect(suiteChain("bookworm-updates")).toEqual(["bookworm-updates", "bookworm"]);
    expect(suiteChain("bookworm-proposed-updates")).toEqual(["bookworm-proposed-updates", "bookworm"]);
    expect(suiteChain("bookworm-backports-sloppy")).toEqual(["bookworm-backports-sloppy", "bookworm-backports", "bookworm"]);
    expect(suiteChain("experimental")).toEqual(["experimental", "sid"]);
  });

  it("strips only a trailing binNMU suffix", () => {
    expect(stripBinNmu("1.2-3+b12")).toBe("1.2-3");
    expect(stripBinNmu("1.2+b1-3")).toBe("1.2+b1-3");
    expect(stripBinNmu("1.2-3+deb12u1")).toBe("1.2-3+deb12u1");
  });

  it("writes signed deb and deb-src lines", () => {
    const text = sourcesList([{ uri: MIRROR, suite: "bookworm", components: ["main", "contrib"] }], DEFAULT_KEYRING, ["deb", "deb-src"]);
    expect(text).toBe(`deb [signed-by=${DEFAULT_KEYRING}] ${MIRROR} bookworm main contrib\ndeb-src [signed-by=${DEFAULT_KEYRING}] ${MIRROR} bookworm main contrib\n`);
  });

  it("builds like a buildd: C.UTF-8, UTC, the changelog date and no DEB_BUILD_OPTIONS", () => {
    expect(buildEnvironment({ PATH: "/usr/bin", DEB_BUILD_OPTIONS: "nocheck", TZ: "Europe/Berlin" }, "1777403070")).toEqual({
      PATH: "/usr/bin",
      LC_ALL: "C.UTF-8",
      TZ: "UTC",
      SOURCE_DATE_EPOCH: "1777403070",
      DEB_BUILD_OPTIONS: "",
    });
  });
});
