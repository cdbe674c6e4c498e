import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fedoraSync } from "../../src/sync/fedora.js";
import { IndexError, type FilterSubject, type PackageReport } from "../../src/sync/report.js";
import type { SyncContext, SyncProfile } from "../../src/sync/types.js";
import { buildReports, recordingContext, testProfile } from "./harness.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "rebuilder-fedora-"));

interface Rpm {
  name: string;
  arch?: string;
  epoch?: string;
  ver: string;
  rel: string;
  sourcerpm?: string;
  packager?: string;
  href?: string;
  sha256?: string;
  size?: string;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

/** A primary.xml shaped like Fedora's, with the elements rebuilderd does not read as well. */
function packageXml(p: Rpm): string {
  const arch = p.arch ?? "x86_64";
  const href = p.href ?? `Packages/${p.name[0]}/${p.name}-${p.ver}-${p.rel}.${arch}.rpm`;
  return `<package type="rpm">
  <name>${esc(p.name)}</name>
  <arch>${esc(arch)}</arch>
  <version epoch="${p.epoch ?? "0"}" ver="${esc(p.ver)}" rel="${esc(p.rel)}"/>
  <checksum type="sha256" pkgid="YES">${p.sha256 ?? sha256(href)}</checksum>
  <summary>Summary of ${esc(p.name)}</summary>
  <description>A description &amp; more,
over two lines with &lt;markup&gt;.</description>
  ${p.packager === undefined ? "<packager>Fedora Project</packager>" : p.packager}
  <url>https://example.org/${esc(p.name)}</url>
  <time file="1672456075" build="1672453415"/>
  <size package="${p.size ?? "12345"}" installed="30315589" archive="30350532"/>
  <location href="${esc(href)}"/>
  <format>
    <rpm:license>MIT</rpm:license>
    <rpm:vendor>Fedora Project</rpm:vendor>
    ${p.sourcerpm === undefined ? "" : `<rpm:sourcerpm>${esc(p.sourcerpm)}</rpm:sourcerpm>`}
    <rpm:header-range start="4504" end="9999"/>
    <rpm:provides>
      <rpm:entry name="${esc(p.name)}" flags="EQ" epoch="0" ver="${esc(p.ver)}" rel="${esc(p.rel)}"/>
    </rpm:provides>
    <file>/usr/bin/${esc(p.name)}</file>
  </format>
</package>
`;
}

function primaryXml(packages: Rpm[], declared = packages.length): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${declared}">
${packages.map(packageXml).join("")}</metadata>
`;
}

function repomdXml(primaryHref: string, checksum: string, type = "sha256"): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1681418230</revision>
  <data type="filelists">
    <checksum type="sha256">${"1".repeat(64)}</checksum>
    <location href="repodata/${"1".repeat(64)}-filelists.xml.gz"/>
  </data>
  <data type="primary">
    <checksum type="${type}">${checksum}</checksum>
    <open-checksum type="sha256">${"2".repeat(64)}</open-checksum>
    <location href="${esc(primaryHref)}"/>
    <timestamp>1681418141</timestamp>
    <size>18320782</size>
  </data>
  <data type="primary_zck">
    <checksum type="sha256">${"3".repeat(64)}</checksum>
    <location href="repodata/${"3".repeat(64)}-primary.xml.zck"/>
  </data>
</repomd>
`;
}

type Codec = "gzip" | "xz" | "zstd" | "none";
const EXT: Record<Codec, string> = { gzip: ".gz", xz: ".xz", zstd: ".zst", none: "" };

function compress(data: Buffer, codec: Codec): Buffer {
  const tool = { gzip: ["gzip", "-c"], xz: ["xz", "-c"], zstd: ["zstd", "-c", "-q"], none: null }[codec];
  return tool ? execFileSync(tool[0]!, tool.slice(1), { input: data }) : data;
}

interface RepoOptions {
  codec?: Codec;
  xml?: string;
  release?: string;
  component?: string;
  arch?: string;
  checksum?: (actual: string) => string;
}

/** Writes `<root>/<release>/<component>/<arch>/os/repodata/{repomd.xml,<sha>-primary.xml.gz}`; returns the os/ directory. */
function writeRepo(root: string, packages: Rpm[], opts: RepoOptions = {}): string {
  const base = join(root, opts.release ?? "41", opts.component ?? "Everything", opts.arch ?? "x86_64", "os");
  const bytes = compress(Buffer.from(opts.xml ?? primaryXml(packages)), opts.codec ?? "gzip");
  const href = `repodata/${sha256(bytes)}-primary.xml${EXT[opts.codec ?? "gzip"]}`;
  mkdirSync(join(base, "repodata"), { recursive: true });
  writeFileSync(join(base, href), bytes);
  writeFileSync(join(base, "repodata", "repomd.xml"), repomdXml(href, (opts.checksum ?? ((c) => c))(sha256(bytes))));
  return base;
}

function profile(root: string, over: Partial<SyncProfile> = {}): SyncProfile {
  return testProfile("fedora", root, { components: ["Everything"], releases: [{ name: "41" }], architectures: ["x86_64"], ...over });
}

function context(accept: (s: FilterSubject) => boolean = () => true) {
  return recordingContext({ accept });
}

const sync = (p: SyncProfile, ctx: SyncContext = context().ctx) => buildReports(fedoraSync, p, ctx);

async function syncError(p: SyncProfile): Promise<IndexError> {
  const err = await sync(p).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IndexError);
  return err as IndexError;
}

const HELLO: Rpm[] = [
  { name: "hello", ver: "2.12.1", rel: "5.fc41", sourcerpm: "hello-2.12.1-5.fc41.src.rpm", size: "84000" },
  { name: "python3-requests", arch: "noarch", ver: "2.32.3", rel: "2.fc41", sourcerpm: "python-requests-2.32.3-2.fc41.src.rpm" },
  { name: "hello-devel", ver: "2.12.1", rel: "5.fc41", sourcerpm: "hello-2.12.1-5.fc41.src.rpm" },
  { name: "hello", arch: "src", ver: "2.12.1", rel: "5.fc41", sourcerpm: "" },
  { name: "0ad", epoch: "1", ver: "0.0.26", rel: "7.fc41", sourcerpm: "0ad-0.0.26-7.fc41.src.rpm" },
  { name: "zig-snapshot", ver: "0.14.0^20250101git", rel: "1.fc41", sourcerpm: "zig-snapshot-0.14.0^20250101git-1.fc41.src.rpm" },
];

describe("fedora sync", () => {
  it("groups binaries by source rpm with the source's own name and version", async () => {
    const root = tempDir();
    const base = writeRepo(root, HELLO);
    const { ctx, events } = context();
    const reports = await sync(profile(root), ctx);
    expect(reports).toHaveLength(1);
    const [report] = reports;
    expect(report).toMatchObject({ distribution: "fedora", release: "41", architecture: "x86_64" });
    expect(report!.packages.map((g) => [g.name, g.version, g.artifacts.map((a) => a.name)])).toEqual([
      ["hello", "2.12.1-5.fc41", ["hello", "hello-devel"]],
      ["python-requests", "2.32.3-2.fc41", ["python3-requests"]],
      ["0ad", "0.0.26-7.fc41", ["0ad"]],
      ["zig-snapshot", "0.14.0^20250101git-1.fc41", ["zig-snapshot"]],
    ]);
    const hello = report!.packages[0]!;
    const helloUrl = `${base}/Packages/h/hello-2.12.1-5.fc41.x86_64.rpm`;
    expect(hello.url).toBe(helloUrl);
    expect(hello.artifacts[0]).toEqual({
      name: "hello",
      version: "2.12.1-5.fc41",
      component: "Everything",
      architecture: "x86_64",
      url: helloUrl,
      sha256: sha256("Packages/h/hello-2.12.1-5.fc41.x86_64.rpm"),
      size: 84000,
    });
    expect(report!.packages[1]!.artifacts[0]).toMatchObject({ architecture: "noarch" });
    // The epoch is not part of an artifact's version (rebuilderd: ver-rel).
    expect(report!.packages[2]!.artifacts[0]!.version).toBe("0.0.26-7.fc41");
    expect(events).toEqual([{ kind: "parse", file: expect.stringMatching(/-primary\.xml\.gz$/), packages: 6 }]);
  });

  it("gives the filter rules the source name and the packager", async () => {
    const root = tempDir();
    writeRepo(root, HELLO);
    const { ctx, subjects } = context((s) => s.sourceName !== "hello");
    const [report] = await sync(profile(root), ctx);
    expect(subjects[1]).toEqual({
      binaryName: "python3-requests",
      sourceName: "python-requests",
      maintainers: ["Fedora Project"],
      component: "Everything",
    });
    expect(subjects.map((s) => s.binaryName)).not.toContain("src");
    expect(report!.packages.map((g) => g.name)).toEqual(["python-requests", "0ad", "zig-snapshot"]);
  });

  it("reads an empty <packager/> as no maintainer", async () => {
    const root = tempDir();
    writeRepo(root, [{ ...HELLO[0]!, packager: "<packager/>" }]);
    const { ctx, subjects } = context();
    await sync(profile(root), ctx);
    expect(subjects[0]!.maintainers).toEqual([]);
  });

  it.each<Codec>(["xz", "zstd", "none"])("reads a %s primary like a gzip one", async (codec) => {
    const gzipRoot = tempDir();
    writeRepo(gzipRoot, HELLO);
    const root = tempDir();
    writeRepo(root, HELLO, { codec });
    const normalise = (r: PackageReport[], dir: string) => JSON.stringify(r).replaceAll(dir, "ROOT");
    expect(normalise(await sync(profile(root)), root)).toBe(normalise(await sync(profile(gzipRoot)), gzipRoot));
  });

  it("makes one plan per release and architecture, spanning components, honouring a release's own source", async () => {
    const root = tempDir();
    const mirror2 = tempDir();
    writeRepo(root, [HELLO[0]!], { release: "41" });
    writeRepo(root, [HELLO[1]!], { release: "41", component: "Modular" });
    writeRepo(mirror2, [HELLO[4]!], { release: "rawhide" });
    writeRepo(mirror2, [HELLO[4]!], { release: "rawhide", component: "Modular" });
    const p = profile(`${root}/`, {
      releases: [{ name: "41" }, { name: "rawhide", source: mirror2 }],
      components: ["Everything", "Modular"],
    });
    const { ctx } = context();
    const plans = await fedoraSync.plan(p, ctx);
    expect(plans.map((plan) => [plan.scopes, plan.files.length])).toEqual([
      [[{ release: "41", architecture: "x86_64" }], 4],
      [[{ release: "rawhide", architecture: "x86_64" }], 4],
    ]);
    const reports = (await Promise.all(plans.map((plan) => plan.build()))).flat();
    expect(reports.map((r) => [r.release, r.packages.flatMap((g) => g.artifacts.map((a) => `${a.component}:${a.name}`))])).toEqual([
      ["41", ["Everything:hello", "Modular:python3-requests"]],
      ["rawhide", ["Everything:0ad", "Modular:0ad"]],
    ]);
    expect(reports[0]!.packages[0]!.url).toBe(`${root}/41/Everything/x86_64/os/Packages/h/hello-2.12.1-5.fc41.x86_64.rpm`);
    expect(reports[1]!.packages[0]!.url.startsWith(`${mirror2}/rawhide/Everything/x86_64/os/`)).toBe(true);
  });
});

describe("fedora sync: refused indexes", () => {
  it("refuses a primary whose checksum differs from repomd.xml, before parsing it", async () => {
    const root = tempDir();
    const base = writeRepo(root, HELLO, { checksum: () => "0".repeat(64) });
    const { ctx } = context();
    const err = await fedoraSync.plan(profile(root), ctx).then(
      () => null,
      (e: unknown) => e as IndexError,
    );
    expect(err).toBeInstanceOf(IndexError);
    expect(err!.file).toMatch(new RegExp(`^${base}/repodata/[0-9a-f]{64}-primary\\.xml\\.gz$`));
    expect(err!.detail).toBe(
      `sha256 is ${sha256(readFileSync(err!.file))}, but ${base}/repodata/repomd.xml lists ${"0".repeat(64)}: refused`,
    );
  });

  it("checks a sha512 checksum too", async () => {
    const root = tempDir();
    const base = writeRepo(root, HELLO);
    const repomdPath = join(base, "repodata", "repomd.xml");
    const href = /href="(repodata\/[^"]+-primary[^"]+)"/.exec(readFileSync(repomdPath, "utf8"))![1]!;
    const digest = createHash("sha512").update(readFileSync(join(base, href))).digest("hex");
    writeFileSync(repomdPath, repomdXml(href, digest, "sha512"));
    expect((await sync(profile(root)))[0]!.packages).toHaveLength(4);
    writeFileSync(repomdPath, repomdXml(href, digest.replace(/^./, (c) => (c === "0" ? "1" : "0")), "sha512"));
    expect((await syncError(profile(root))).detail).toMatch(/^sha512 is [0-9a-f]{128}, but .* lists/);
  });

  it("refuses a repomd.xml without a primary", async () => {
    const root = tempDir();
    const base = writeRepo(root, HELLO);
    const repomd = join(base, "repodata", "repomd.xml");
    writeFileSync(repomd, readFileSync(repomd, "utf8").replace('type="primary"', 'type="primary_old"'));
    const err = await syncError(profile(root));
    expect(err.message).toBe(`${repomd}: no <data type="primary"> with a <location href>`);
  });

  it.each(["../../../etc/passwd", "/etc/passwd", "https://elsewhere.example/primary.xml.gz", "repodata/.hidden"])(
    "refuses the primary location %j",
    async (href) => {
      const root = tempDir();
      const base = writeRepo(root, HELLO);
      writeFileSync(join(base, "repodata", "repomd.xml"), repomdXml(href, "0".repeat(64)));
      expect((await syncError(profile(root))).detail).toBe(
        `primary <location href> ${JSON.stringify(href)} is not a valid relative path`,
      );
    },
  );

  it("refuses malformed XML, naming the file and position", async () => {
    const root = tempDir();
    const xml = primaryXml(HELLO).replace("</name>", "</nam>");
    const base = writeRepo(root, HELLO, { xml });
    const err = await syncError(profile(root));
    expect(err.file.startsWith(`${base}/repodata/`)).toBe(true);
    expect(err.detail).toMatch(/^malformed XML: 4:\d+: unexpected close tag/);
  });

  it("refuses a truncated primary", async () => {
    const root = tempDir();
    const xml = primaryXml(HELLO);
    writeRepo(root, HELLO, { xml: xml.slice(0, xml.lastIndexOf("<package")) });
    expect((await syncError(profile(root))).detail).toMatch(/^malformed XML: .*unclosed tag/);
  });

  it("refuses a primary with fewer packages than it declares", async () => {
    const root = tempDir();
    writeRepo(root, HELLO, { xml: primaryXml(HELLO, 7) });
    expect((await syncError(profile(root))).detail).toBe(`<metadata packages="7"> but 6 <package> elements`);
  });

  it("refuses a truncated gzip file and something that is not a primary.xml", async () => {
    const root = tempDir();
    const base = writeRepo(root, HELLO);
    const href = /href="(repodata\/[^"]+-primary[^"]+)"/.exec(readFileSync(join(base, "repodata", "repomd.xml"), "utf8"))![1]!;
    const cut = readFileSync(join(base, href)).subarray(0, 300);
    writeFileSync(join(base, href), cut);
    writeFileSync(join(base, "repodata", "repomd.xml"), repomdXml(href, sha256(cut)));
    const err = await syncError(profile(root));
    expect(err.message).toBe(`${join(base, href)}: corrupt or truncated gzip data (unexpected end of file)`);

    const other = tempDir();
    writeRepo(other, [], { xml: "<html><body>mirror maintenance</body></html>" });
    expect((await syncError(profile(other))).detail).toBe("root element is <html>, not <metadata>: not a primary.xml");
  });

  it("refuses an entity it does not know instead of expanding it", async () => {
    const root = tempDir();
    const xml = primaryXml(HELLO).replace(
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE metadata [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    ).replace("<summary>Summary of hello</summary>", "<summary>&x;</summary>");
    writeRepo(root, HELLO, { xml });
    expect((await syncError(profile(root))).detail).toMatch(/^malformed XML: .*undefined entity/);
  });

  it("names the package that lacks its source rpm", async () => {
    const root = tempDir();
    writeRepo(root, [HELLO[0]!, { ...HELLO[2]!, sourcerpm: undefined }]);
    const err = await syncError(profile(root));
    expect(err.entry).toBe("Packages/h/hello-devel-2.12.1-5.fc41.x86_64.rpm");
    expect(err.detail).toBe("missing <rpm:sourcerpm>");
  });

  it.each<[string, Partial<Rpm>, string]>([
    ["<name>", { name: "$(touch PWNED)" }, "package name"],
    ["<name>", { name: "../../x" }, "package name"],
    ["<name>", { name: "hello\u009b2J" }, "package name"],
    ["<arch>", { arch: "x86_64/../.." }, "architecture"],
    ["<version ver>", { ver: "1.0-1" }, "version or release"],
    ["<location href>", { href: "../../../etc/passwd" }, "relative path"],
    ["<location href>", { href: "Packages/h/../../../x.rpm" }, "relative path"],
    ["<location href>", { href: "Packages/h/hello?.rpm" }, "relative path"],
    ["<rpm:sourcerpm>", { sourcerpm: "../hello-1.0-1.src.rpm" }, "source rpm file name"],
    ["<checksum>", { sha256: "XYZ" }, "SHA-256 checksum"],
    ["<size package>", { size: "-5" }, "size"],
  ])("refuses a hostile %s: %j", async (element, change, what) => {
    const root = tempDir();
    const marker = join(root, "PWNED");
    const hostile: Rpm = { ...HELLO[0]!, ...change };
    if (hostile.name.includes("PWNED")) hostile.name = hostile.name.replace("PWNED", marker);
    const xml = primaryXml([HELLO[1]!, { ...hostile, href: hostile.href ?? "Packages/h/hostile.rpm" }]);
    writeRepo(root, [], { xml });
    const err = await syncError(profile(root));
    expect(err.detail).toMatch(new RegExp(`^${element.replace(/[<>]/g, "\\$&")} ".*" is not a valid ${what}$`));
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses a source rpm name that is not name-version-release", async () => {
    const root = tempDir();
    writeRepo(root, [{ ...HELLO[0]!, sourcerpm: "hello-1.0.src.rpm" }]);
    expect((await syncError(profile(root))).detail).toBe(`<rpm:sourcerpm> "hello-1.0.src.rpm" is not name-version-release.src.rpm`);
  });
});
