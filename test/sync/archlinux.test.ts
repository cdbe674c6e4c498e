import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { archlinuxSync, mirrorUrl } from "../../src/sync/archlinux.js";
import { ConfigError } from "../../src/sync/profiles.js";
import { IndexError, type FilterSubject } from "../../src/sync/report.js";
import type { SyncContext, SyncProfile } from "../../src/sync/types.js";
import { createTestKey } from "./gpgv-test-key.js";
import { LocalFetcher } from "./local-fetcher.js";
import { buildReports, recordingContext, testProfile } from "./harness.js";
import { ARCH_CORE_DB } from "../support/test-data.js";

const CORE_DB = ARCH_CORE_DB;
const ARCH_DIR = dirname(ARCH_CORE_DB);
const tempDir = () => mkdtempSync(join(tmpdir(), "rebuilder-arch-"));

type Desc = Record<string, string>;

function pkg(name: string, version: string, over: Desc = {}): Desc {
  return {
    FILENAME: `${name}-${version}-x86_64.pkg.tar.zst`,
    NAME: name,
    BASE: name,
    VERSION: version,
    ARCH: "x86_64",
    PACKAGER: "Jane Doe <jane@example.org>",
    ...over,
  };
}

const descText = (d: Desc) =>
  Object.entries(d)
    .map(([k, v]) => `%${k}%\n${v}\n\n`)
    .join("");

type Codec = "gzip" | "xz" | "zstd" | "none";

/** Writes `<root>/<repo>/os/<arch>/<repo>.db` as `repo-add` lays it out: `<name>-<version>/desc`. */
function writeDb(root: string, repo: string, packages: Desc[], opts: { codec?: Codec; arch?: string; files?: boolean } = {}): string {
  const stage = mkdtempSync(join(tmpdir(), "rebuilder-arch-stage-"));
  const dirs = packages.map((p, i) => {
    const dir = `pkg${i}`;
    mkdirSync(join(stage, dir));
    writeFileSync(join(stage, dir, "desc"), descText(p));
    if (opts.files) writeFileSync(join(stage, dir, "files"), "%FILES%\nusr/\nusr/bin/\n\n");
    return dir;
  });
  const tarPath = join(stage, "db.tar");
  execFileSync("tar", ["-cf", tarPath, "-C", stage, ...(dirs.length > 0 ? dirs : ["--files-from", "/dev/null"])]);
  const bytes = compress(readFileSync(tarPath), opts.codec ?? "gzip");
  const path = join(root, repo, "os", opts.arch ?? "x86_64", `${repo}.db`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

function compress(data: Buffer, codec: Codec): Buffer {
  const tool = { gzip: ["gzip", "-c"], xz: ["xz", "-c"], zstd: ["zstd", "-c", "-q"], none: null }[codec];
  return tool ? execFileSync(tool[0]!, tool.slice(1), { input: data }) : data;
}

function profile(root: string, over: Partial<SyncProfile> = {}): SyncProfile {
  return testProfile("archlinux", `${root}/$repo/os/$arch`, { name: "arch", components: ["core"], architectures: ["x86_64"], ...over });
}

function context(fetcher = new LocalFetcher(), accept: (s: FilterSubject) => boolean = () => true) {
  return recordingContext({ fetcher, accept });
}

const sync = (p: SyncProfile, ctx: SyncContext) => buildReports(archlinuxSync, p, ctx);

async function syncError(p: SyncProfile, ctx: SyncContext = context().ctx): Promise<IndexError> {
  const err = await sync(p, ctx).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IndexError);
  return err as IndexError;
}

describe("archlinux sync: the real core.db", () => {
  it("imports every package, grouped by pkgbase, with checksums and sizes", async () => {
    const { ctx, events } = context();
    const reports = await sync(profile("", { source: ARCH_DIR }), ctx);

    // An independent count with GNU tar.
    const descs = execFileSync("tar", ["-xzOf", CORE_DB, "--wildcards", "*/desc"], { maxBuffer: 64 << 20 }).toString();
    const bases = new Set([...descs.matchAll(/^%BASE%\n(.+)$/gm)].map((m) => m[1]));
    const names = [...descs.matchAll(/^%NAME%\n(.+)$/gm)].length;
    expect(names).toBe(265);
    expect(bases.size).toBe(197);

    expect(reports).toHaveLength(1);
    const [report] = reports;
    expect(report).toMatchObject({ distribution: "archlinux", release: null, architecture: "x86_64" });
    expect(report!.packages).toHaveLength(bases.size);
    expect(report!.packages.flatMap((g) => g.artifacts)).toHaveLength(names);
    expect(events).toEqual([{ kind: "parse", file: CORE_DB, packages: 265 }]);

    const gcc = report!.packages.find((g) => g.name === "gcc")!;
    expect(gcc.artifacts).toHaveLength(12);
    expect(gcc.url).toBe(gcc.artifacts[0]!.url);

    const grub = report!.packages.find((g) => g.name === "grub")!;
    expect(grub).toEqual({
      name: "grub",
      version: "2:2.12-3",
      url: `${ARCH_DIR}/grub-2:2.12-3-x86_64.pkg.tar.zst`,
      artifacts: [
        {
          name: "grub",
          version: "2:2.12-3",
          component: "core",
          architecture: "x86_64",
          url: `${ARCH_DIR}/grub-2:2.12-3-x86_64.pkg.tar.zst`,
          sha256: "be20072070b186d852296cc03360ccc356eda0d595bf5bf0854a9143b60630aa",
          size: 7145115,
        },
      ],
    });
  });
});

describe("archlinux sync: grouping", () => {
  it("groups split packages per pkgbase across repositories, keeps epochs and any packages", async () => {
    const root = tempDir();
    writeDb(root, "core", [
      pkg("systemd", "256.7-1"),
      pkg("systemd-libs", "256.7-1", { BASE: "systemd" }),
      pkg("archlinux-keyring", "20250123-1", { ARCH: "any", FILENAME: "archlinux-keyring-20250123-1-any.pkg.tar.zst" }),
      pkg("less", "1:668-1"),
    ]);
    writeDb(root, "extra", [pkg("systemd-ukify", "256.7-1", { BASE: "systemd" }), pkg("hello", "2.12.1-2")]);

    const { ctx, events } = context();
    const [report] = await sync(profile(root, { components: ["core", "extra"] }), ctx);
    const byName = new Map(report!.packages.map((g) => [g.name, g]));
    expect([...byName.keys()]).toEqual(["systemd", "archlinux-keyring", "less", "hello"]);

    const systemd = byName.get("systemd")!;
    expect(systemd.url).toBe(`${root}/core/os/x86_64/systemd-256.7-1-x86_64.pkg.tar.zst`);
    expect(systemd.artifacts.map((a) => [a.name, a.component])).toEqual([
      ["systemd", "core"],
      ["systemd-libs", "core"],
      ["systemd-ukify", "extra"],
    ]);
    expect(systemd.artifacts[2]!.url).toBe(`${root}/extra/os/x86_64/systemd-ukify-256.7-1-x86_64.pkg.tar.zst`);

    expect(byName.get("archlinux-keyring")!.artifacts[0]).toMatchObject({ architecture: "any", component: "core" });
    expect(report!.architecture).toBe("x86_64");
    expect(byName.get("less")).toMatchObject({ version: "1:668-1", url: `${root}/core/os/x86_64/less-1:668-1-x86_64.pkg.tar.zst` });
    expect(events.map((e) => e.kind === "parse" && e.packages)).toEqual([4, 2]);
  });

  it("keeps a newer build in a testing repository apart from the stable one", async () => {
    const root = tempDir();
    writeDb(root, "core", [pkg("linux", "6.12.1-1"), pkg("linux-headers", "6.12.1-1", { BASE: "linux" })]);
    writeDb(root, "core-testing", [pkg("linux", "6.13.0-1"), pkg("linux-headers", "6.13.0-1", { BASE: "linux" })]);
    const [report] = await sync(profile(root, { components: ["core", "core-testing"] }), context().ctx);
    expect(report!.packages.map((g) => [g.name, g.version, g.artifacts.length, g.artifacts[0]!.component])).toEqual([
      ["linux", "6.12.1-1", 2, "core"],
      ["linux", "6.13.0-1", 2, "core-testing"],
    ]);
  });

  it("makes one report per architecture and expands $arch in the URLs", async () => {
    const root = tempDir();
    writeDb(root, "core", [pkg("hello", "2.12.1-2")]);
    writeDb(root, "core", [pkg("hello", "2.12.1-2", { ARCH: "aarch64", FILENAME: "hello-2.12.1-2-aarch64.pkg.tar.xz" })], {
      arch: "aarch64",
    });
    const { ctx, fetcher } = context();
    const p = profile(root, { architectures: ["x86_64", "aarch64"] });
    const plans = await archlinuxSync.plan(p, ctx);
    expect(plans.map((plan) => plan.scopes)).toEqual([
      [{ release: null, architecture: "x86_64" }],
      [{ release: null, architecture: "aarch64" }],
    ]);
    expect(fetcher.requested).toEqual([`${root}/core/os/x86_64/core.db`, `${root}/core/os/aarch64/core.db`]);
    const reports = (await Promise.all(plans.map((plan) => plan.build()))).flat();
    expect(reports.map((r) => [r.architecture, r.packages[0]!.url])).toEqual([
      ["x86_64", `${root}/core/os/x86_64/hello-2.12.1-2-x86_64.pkg.tar.zst`],
      ["aarch64", `${root}/core/os/aarch64/hello-2.12.1-2-aarch64.pkg.tar.xz`],
    ]);
  });

  it("passes name, pkgbase, packager and repository to the filter and leaves rejected binaries out", async () => {
    const root = tempDir();
    writeDb(root, "core", [
      pkg("gcc", "14.2.1-1"),
      pkg("gcc-libs", "14.2.1-1", { BASE: "gcc", PACKAGER: "Other <o@example.org>" }),
      pkg("zlib", "1:1.3.1-2"),
    ]);
    const { ctx, subjects } = context(new LocalFetcher(), (s) => s.binaryName !== "gcc");
    const [report] = await sync(profile(root), ctx);
    expect(subjects[1]).toEqual({
      binaryName: "gcc-libs",
      sourceName: "gcc",
      maintainers: ["Other <o@example.org>"],
      component: "core",
    });
    // The group is made by the first accepted binary: its URL is the build input.
    expect(report!.packages.map((g) => [g.name, g.url.split("/").pop(), g.artifacts.length])).toEqual([
      ["gcc", "gcc-libs-14.2.1-1-x86_64.pkg.tar.zst", 1],
      ["zlib", "zlib-1:1.3.1-2-x86_64.pkg.tar.zst", 1],
    ]);
  });

  it("keeps the epoch colon literally in a mirror URL, which stays a valid URL", async () => {
    const root = tempDir();
    writeDb(root, "core", [pkg("libsigc++", "1:3.6.0-1", { BASE: "libsigc++" })]);
    const fetcher = new LocalFetcher({ "https://mirror.example/archlinux/": root });
    const p = profile(root, { source: "https://mirror.example/archlinux/$repo/os/$arch" });
    const [report] = await sync(p, context(fetcher).ctx);
    const url = report!.packages[0]!.url;
    expect(url).toBe("https://mirror.example/archlinux/core/os/x86_64/libsigc++-1:3.6.0-1-x86_64.pkg.tar.zst");
    expect(new URL(url).href).toBe(url);
  });
});

describe("archlinux sync: index formats", () => {
  const packages = [pkg("acl", "2.3.2-1"), pkg("attr", "2.5.2-1"), pkg("acl-doc", "2.3.2-1", { BASE: "acl" })];

  it.each<Codec>(["xz", "zstd", "none"])("reads a %s .db like a gzip one", async (codec) => {
    const gzipRoot = tempDir();
    writeDb(gzipRoot, "core", packages);
    const root = tempDir();
    writeDb(root, "core", packages, { codec });
    const expected = await sync(profile(gzipRoot), context().ctx);
    const actual = await sync(profile(root), context().ctx);
    expect(JSON.stringify(actual).replaceAll(root, "ROOT")).toBe(JSON.stringify(expected).replaceAll(gzipRoot, "ROOT"));
    expect(actual[0]!.packages).toHaveLength(2);
  });

  it("reads the real core.db recompressed with xz like the gzip original", async () => {
    // 580 KB of tar: xz hands it over in many chunks, each kept by the tar reader.
    const root = tempDir();
    const path = join(root, "core", "os", "x86_64", "core.db");
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, compress(execFileSync("gzip", ["-dc", CORE_DB]), "xz"));
    const expected = await sync(profile("", { source: ARCH_DIR }), context().ctx);
    const actual = await sync(profile(root), context().ctx);
    expect(actual[0]!.packages).toHaveLength(197);
    expect(JSON.stringify(actual).replaceAll(`${root}/core/os/x86_64`, "ROOT")).toBe(JSON.stringify(expected).replaceAll(ARCH_DIR, "ROOT"));
  });

  it("reads only desc files and skips the files entries of a .files database", async () => {
    const root = tempDir();
    writeDb(root, "core", packages, { files: true });
    const [report] = await sync(profile(root), context().ctx);
    expect(report!.packages.flatMap((g) => g.artifacts.map((a) => a.name))).toEqual(["acl", "acl-doc", "attr"]);
  });

  it("reads an empty repository", async () => {
    const root = tempDir();
    writeDb(root, "core", []);
    const [report] = await sync(profile(root), context().ctx);
    expect(report!.packages).toEqual([]);
  });
});

describe("archlinux sync: broken and hostile indexes", () => {
  it("names the entry that lacks %BASE%", async () => {
    const root = tempDir();
    const { BASE: _, ...noBase } = pkg("attr", "2.5.2-1");
    writeDb(root, "core", [pkg("acl", "2.3.2-1"), noBase]);
    const err = await syncError(profile(root));
    expect(err.file).toBe(`${root}/core/os/x86_64/core.db`);
    expect(err.entry).toBe("pkg1/desc");
    expect(err.message).toBe(`${root}/core/os/x86_64/core.db: entry "pkg1/desc": missing %BASE%`);
  });

  it.each(["FILENAME", "NAME", "VERSION", "ARCH", "PACKAGER"])("refuses a desc without the %s field", async (key) => {
    const root = tempDir();
    const desc = pkg("acl", "2.3.2-1");
    delete desc[key];
    writeDb(root, "core", [desc]);
    expect((await syncError(profile(root))).detail).toBe(`missing %${key}%`);
  });

  it("refuses a truncated gzip .db, naming the file", async () => {
    const root = tempDir();
    const path = writeDb(root, "core", Array.from({ length: 40 }, (_, i) => pkg(`p${i}`, "1.0-1", { DESC: "x".repeat(i * 50) })));
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 200));
    const err = await syncError(profile(root));
    expect(err.file).toBe(path);
    expect(err.message).toMatch(/corrupt or truncated gzip data|Unexpected end of data|truncated tar/);
  });

  it("refuses an uncompressed .db cut between two entries", async () => {
    const root = tempDir();
    const path = writeDb(root, "core", [pkg("acl", "2.3.2-1"), pkg("attr", "2.5.2-1")], { codec: "none" });
    const bytes = readFileSync(path);
    // The first entry is a directory header and a desc header plus one data block.
    writeFileSync(path, bytes.subarray(0, 3 * 512));
    const err = await syncError(profile(root));
    expect(err.message).toBe(`${path}: truncated tar archive (no end-of-archive block) (after entry "pkg0/desc")`);
  });

  it("refuses garbage and an empty file", async () => {
    const root = tempDir();
    const path = join(root, "core", "os", "x86_64", "core.db");
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, "<html>mirror maintenance</html>\n".repeat(40));
    expect((await syncError(profile(root))).message).toMatch(/^.*core\.db: Invalid tar header/);
    writeFileSync(path, "");
    expect((await syncError(profile(root))).file).toBe(path);
  });

  it.each([
    ["NAME", "../../x"],
    ["BASE", "../../x"],
    ["NAME", "$(touch PWNED)"],
    ["BASE", "-rf"],
    ["NAME", "acl\u001b[2J"],
    ["PACKAGER", "Jane\u0007 <jane@example.org>"],
    ["VERSION", "1.0-1;rm -rf"],
    ["VERSION", "../1.0-1"],
    ["ARCH", "x86_64/../../"],
    ["FILENAME", "../../etc/passwd"],
    ["FILENAME", "sub/acl-2.3.2-1-x86_64.pkg.tar.zst"],
    ["FILENAME", "acl..pkg.tar.zst"],
    ["FILENAME", "acl-2.3.2-1-x86_64.pkg.tar.zst?x=1"],
    ["SHA256SUM", "not-a-checksum"],
    ["CSIZE", "-1"],
  ])("refuses the %s value %j", async (key, value) => {
    const root = tempDir();
    const marker = join(root, "PWNED");
    writeDb(root, "core", [pkg("acl", "2.3.2-1"), pkg("attr", "2.5.2-1", { [key]: value.replace("PWNED", marker) })]);
    const err = await syncError(profile(root));
    expect(err.entry).toBe("pkg1/desc");
    expect(err.detail).toBe(`%${key}% ${JSON.stringify(value.replace("PWNED", marker))} is not a valid ${describeKey(key)}`);
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses a desc entry too big to be one", async () => {
    const root = tempDir();
    writeDb(root, "core", [pkg("acl", "2.3.2-1", { DESC: "x".repeat(2 << 20) })]);
    expect((await syncError(profile(root))).detail).toMatch(/^entry is \d+ bytes, more than the 1048576 allowed$/);
  });
});

function describeKey(key: string): string {
  return (
    {
      NAME: "package name",
      BASE: "package name",
      VERSION: "version",
      ARCH: "architecture",
      FILENAME: "package file name",
      PACKAGER: "text without control characters",
      SHA256SUM: "SHA-256 checksum",
      CSIZE: "size",
    } as Record<string, string>
  )[key]!;
}

describe("archlinux sync: source template", () => {
  it("expands $repo and $arch and appends a slash", () => {
    expect(mirrorUrl("https://mirror.example/archlinux/$repo/os/$arch", "core", "x86_64", "core.db")).toBe(
      "https://mirror.example/archlinux/core/os/x86_64/core.db",
    );
    expect(mirrorUrl("/srv/$arch/$repo/", "extra", "aarch64", "extra.db")).toBe("/srv/aarch64/extra/extra.db");
  });

  it("refuses other variables", () => {
    expect(() => mirrorUrl("https://mirror.example/$repo/os/$basearch", "core", "x86_64", "core.db")).toThrow(
      /unknown variable "\$basearch" \(only \$repo and \$arch exist\)/,
    );
    expect(() => mirrorUrl("https://mirror.example/${repo}/os", "core", "x86_64", "core.db")).toThrow(ConfigError);
  });

  it("refuses the legacy .db source instead of replacing it with another mirror", async () => {
    const { ctx, fetcher } = context();
    const p = profile("/x", { source: "https://mirror.example/core/os/x86_64/core.db" });
    await expect(archlinuxSync.plan(p, ctx)).rejects.toThrow(/legacy form naming a \.db file; use a mirror template/);
    expect(fetcher.requested).toEqual([]);
  });

  it("refuses repository names that would leave the mirror directory", async () => {
    const p = profile(tempDir(), { components: ["../../etc"] });
    await expect(archlinuxSync.plan(p, context().ctx)).rejects.toThrow(ConfigError);
  });
});

describe("archlinux sync: signatures", () => {
  const key = createTestKey("Repo Signer <signer@example.org>");
  const other = createTestKey("Other <other@example.org>");
  const keyring = key.keyring;
  afterAll(() => {
    key.dispose();
    other.dispose();
  });

  function signedRepo(): { root: string; db: string } {
    const root = tempDir();
    const db = writeDb(root, "core", [pkg("acl", "2.3.2-1")]);
    writeFileSync(`${db}.sig`, key.detachSign(readFileSync(db)));
    return { root, db };
  }

  it("verifies the .db.sig when a keyring is configured", async () => {
    const { root, db } = signedRepo();
    const { ctx, fetcher } = context();
    const [report] = await sync(profile(root, { keyring }), ctx);
    expect(report!.packages).toHaveLength(1);
    expect(fetcher.requested).toEqual([db, `${db}.sig`]);
  });

  it("refuses a .db modified after signing", async () => {
    const { root, db } = signedRepo();
    writeDb(root, "core", [pkg("acl", "2.3.2-1"), pkg("evil", "1.0-1")]);
    const err = await syncError(profile(root, { keyring }));
    expect(err.message).toMatch(new RegExp(`^${db}: refused: ${db}\\.sig: BAD signature`));
  });

  it("refuses a missing .db.sig", async () => {
    const root = tempDir();
    const db = writeDb(root, "core", [pkg("acl", "2.3.2-1")]);
    const err = await syncError(profile(root, { keyring }));
    expect(err.message).toBe(`${db}: no signature at ${db}.sig, but keyring ${keyring} is configured: unsigned index refused`);
  });

  it("refuses a signature by a key outside the keyring", async () => {
    const { root } = signedRepo();
    const err = await syncError(profile(root, { keyring: other.keyring }));
    expect(err.message).toMatch(/refused: .*core\.db\.sig: no signature by a key in/);
  });

  it("does not look for a signature without a keyring, or with verify_signature off", async () => {
    const root = tempDir();
    const db = writeDb(root, "core", [pkg("acl", "2.3.2-1")]);
    for (const p of [profile(root), profile(root, { keyring, verify_signature: false })]) {
      const { ctx, fetcher } = context();
      await sync(p, ctx);
      expect(fetcher.requested).toEqual([db]);
    }
  });
});
