/**
 * Fedora sync (reference A.6): `<source>/<R>/<C>/<A>/os/repodata/repomd.xml` names the primary
 * index, whose `<package>` elements are read as a stream (a real one is 168 MB of XML) and
 * grouped by source rpm into one report per release and architecture.
 */
import { createHash } from "node:crypto";
import { SaxesParser, type SaxesTagPlain } from "saxes";
import { CorruptDataError, decompressStream } from "../engine/compression.js";
import { IndexError, type ArtifactReport, type PackageReport, type SourceGroupReport } from "./report.js";
import type { DistroSync, FetchedFile, IndexPlan, SyncContext } from "./types.js";

const SEGMENT = "[A-Za-z0-9_+~^-][A-Za-z0-9._+~^-]*";
/** What each value may look like; anything else (`../../x`, `$(…)`, control characters) refuses the index. */
const SYNTAX = {
  name: { pattern: /^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/, what: "package name" },
  /** rpm's version and release: no `-`; `~` and `^` sort specially. */
  evr: { pattern: /^[A-Za-z0-9._+~^]+$/, what: "version or release" },
  arch: { pattern: /^[A-Za-z0-9_]+$/, what: "architecture" },
  /** A path relative to the repository, without `..` or hidden segments. */
  path: { pattern: new RegExp(`^(?:${SEGMENT}/)*${SEGMENT}$`), what: "relative path" },
  sourcerpm: { pattern: /^[A-Za-z0-9_+][A-Za-z0-9._+~^-]*\.(?:no)?src\.rpm$/, what: "source rpm file name" },
  text: { pattern: /^[^\u0000-\u001f\u007f-\u009f]*$/, what: "text without control characters" },
  sha256: { pattern: /^[0-9a-f]{64}$/, what: "SHA-256 checksum" },
  size: { pattern: /^[0-9]{1,15}$/, what: "size" },
} as const;

/** The digests repomd.xml may use for a file, by its name there. */
const DIGESTS: Record<string, string> = { sha: "sha1", sha1: "sha1", sha224: "sha224", sha256: "sha256", sha384: "sha384", sha512: "sha512" };

/** Decoded text is handed to the XML parser in slices of this size, never as one huge string. */
const SLICE_BYTES = 1 << 20;
const PROGRESS_EVERY = 10_000;

interface RpmPackage {
  name: string;
  arch: string;
  version: string;
  packager: string | null;
  href: string;
  sourcerpm: string;
  sha256?: string;
  size?: number;
}

interface SourceRpm {
  name: string;
  version: string;
}

function check(file: string, entry: string | undefined, field: string, value: string, syntax: keyof typeof SYNTAX): string {
  const { pattern, what } = SYNTAX[syntax];
  if (!pattern.test(value)) throw new IndexError(file, `${field} ${JSON.stringify(value)} is not a valid ${what}`, entry);
  return value;
}

/**
 * `name-version-release.src.rpm` → name and `version-release`. rebuilderd uses the whole file
 * name as the source name, which matches no source filter and no other distribution's naming.
 */
function parseSourceRpm(file: string, entry: string, sourcerpm: string): SourceRpm {
  check(file, entry, "<rpm:sourcerpm>", sourcerpm, "sourcerpm");
  const nvr = sourcerpm.replace(/\.(?:no)?src\.rpm$/, "").split("-");
  const release = nvr.pop();
  const version = nvr.pop();
  const name = nvr.join("-");
  if (!name || !version || !release || !SYNTAX.name.pattern.test(name)) {
    throw new IndexError(file, `<rpm:sourcerpm> ${JSON.stringify(sourcerpm)} is not name-version-release.src.rpm`, entry);
  }
  return { name, version: `${version}-${release}` };
}

/**
 * Feeds a (possibly compressed) XML file to a saxes parser in slices, yielding after each one so
 * the caller can hand out what the parser's handlers collected. Errors name the file.
 */
async function* feedXml(file: FetchedFile, parser: SaxesParser<{}>): AsyncGenerator<void> {
  const decoder = new TextDecoder();
  try {
    for await (const chunk of decompressStream(file.bytes, file.url)) {
      for (let at = 0; at < chunk.length; at += SLICE_BYTES) {
        parser.write(decoder.decode(chunk.subarray(at, at + SLICE_BYTES), { stream: true }));
        yield;
      }
    }
    parser.write(decoder.decode()).close();
  } catch (err) {
    if (err instanceof IndexError) throw err;
    if (err instanceof CorruptDataError) throw new IndexError(file.url, err.detail);
    throw new IndexError(file.url, `malformed XML: ${(err as Error).message}`);
  }
  yield;
}

interface PrimaryLocation {
  href: string;
  checksumType: string;
  checksum: string;
}

async function readRepomd(file: FetchedFile): Promise<PrimaryLocation> {
  let inPrimary = false;
  let inChecksum = false;
  let href: string | undefined;
  let checksumType: string | undefined;
  let checksum = "";
  const parser = new SaxesParser();
  parser.on("opentag", (tag: SaxesTagPlain) => {
    if (tag.name === "data") inPrimary = tag.attributes.type === "primary";
    else if (inPrimary && tag.name === "location") href = tag.attributes.href;
    else if (inPrimary && tag.name === "checksum") {
      inChecksum = true;
      checksumType = tag.attributes.type;
    }
  });
  parser.on("text", (text) => {
    if (inChecksum) checksum += text;
  });
  parser.on("closetag", (tag) => {
    if (tag.name === "checksum") inChecksum = false;
    else if (tag.name === "data") inPrimary = false;
  });
  for await (const _ of feedXml(file, parser));
  if (href === undefined) throw new IndexError(file.url, `no <data type="primary"> with a <location href>`);
  check(file.url, undefined, "primary <location href>", href, "path");
  if (checksumType === undefined || !DIGESTS[checksumType]) {
    throw new IndexError(file.url, `primary has no <checksum> of a known type (${checksumType ?? "none"})`);
  }
  return { href, checksumType, checksum: checksum.trim().toLowerCase() };
}

function checkPrimaryDigest(primary: FetchedFile, location: PrimaryLocation, repomdUrl: string): void {
  const algorithm = DIGESTS[location.checksumType]!;
  const actual = algorithm === "sha256" ? primary.sha256 : createHash(algorithm).update(primary.bytes).digest("hex");
  if (actual !== location.checksum) {
    throw new IndexError(primary.url, `${location.checksumType} is ${actual}, but ${repomdUrl} lists ${location.checksum || "nothing"}: refused`);
  }
}

/** Streams the `<package>` elements of a primary.xml as they are decompressed and parsed. */
async function* readPrimary(file: FetchedFile): AsyncGenerator<RpmPackage> {
  const done: RpmPackage[] = [];
  const url = file.url;
  let declared: number | null = null;
  let seen = 0;
  let depth = 0;
  let pkgDepth = -1;
  let fields: Partial<Record<"name" | "arch" | "ver" | "rel" | "packager" | "href" | "sourcerpm" | "sha256" | "size", string>> = {};
  let capture: "name" | "arch" | "packager" | "sourcerpm" | "checksum" | null = null;
  let checksumType: string | undefined;
  let text = "";

  const finish = (): RpmPackage => {
    const entry = fields.href ?? fields.name ?? `package ${seen}`;
    const need = (key: keyof typeof fields, element: string): string => {
      const value = fields[key];
      if (value === undefined) throw new IndexError(url, `missing ${element}`, entry);
      return value;
    };
    const field = (key: keyof typeof fields, element: string, syntax: keyof typeof SYNTAX) =>
      check(url, entry, element, need(key, element), syntax);
    const packager = fields.packager?.trim() || null;
    const pkg: RpmPackage = {
      name: field("name", "<name>", "name"),
      arch: field("arch", "<arch>", "arch"),
      version: `${field("ver", "<version ver>", "evr")}-${field("rel", "<version rel>", "evr")}`,
      packager: packager === null ? null : check(url, entry, "<packager>", packager, "text"),
      href: field("href", "<location href>", "path"),
      sourcerpm: need("sourcerpm", "<rpm:sourcerpm>"),
    };
    if (fields.sha256 !== undefined) pkg.sha256 = check(url, entry, "<checksum>", fields.sha256, "sha256");
    if (fields.size !== undefined) pkg.size = Number(check(url, entry, "<size package>", fields.size, "size"));
    return pkg;
  };

  const parser = new SaxesParser();
  parser.on("opentag", (tag: SaxesTagPlain) => {
    depth++;
    text = "";
    if (depth === 1) {
      if (tag.name !== "metadata") throw new IndexError(url, `root element is <${tag.name}>, not <metadata>: not a primary.xml`);
      declared = tag.attributes.packages === undefined ? null : Number(tag.attributes.packages);
    } else if (pkgDepth === -1) {
      if (tag.name === "package") {
        pkgDepth = depth;
        fields = {};
      }
    } else if (depth === pkgDepth + 1) {
      const a = tag.attributes;
      switch (tag.name) {
        case "name":
        case "arch":
        case "packager":
          capture = tag.name;
          break;
        case "checksum":
          capture = "checksum";
          checksumType = a.type;
          break;
        case "version":
          fields.ver = a.ver;
          fields.rel = a.rel;
          break;
        case "location":
          fields.href = a.href;
          break;
        case "size":
          fields.size = a.package;
          break;
      }
    } else if (depth === pkgDepth + 2 && tag.name === "rpm:sourcerpm") {
      capture = "sourcerpm";
    }
  });
  parser.on("text", (t) => {
    if (capture) text += t;
  });
  parser.on("closetag", (tag) => {
    if (capture === "checksum") {
      if (checksumType === "sha256") fields.sha256 = text.trim();
    } else if (capture) {
      fields[capture] = capture === "packager" ? text : text.trim();
    }
    capture = null;
    if (depth === pkgDepth && tag.name === "package") {
      seen++;
      done.push(finish());
      pkgDepth = -1;
    }
    depth--;
  });

  for await (const _ of feedXml(file, parser)) yield* done.splice(0);
  if (declared !== null && declared !== seen) {
    throw new IndexError(url, `<metadata packages="${declared}"> but ${seen} <package> elements`);
  }
}

interface RepoIndex {
  component: string;
  base: string;
  primary: FetchedFile;
}

async function buildReport(release: string, arch: string, indexes: RepoIndex[], ctx: SyncContext): Promise<PackageReport> {
  const groups = new Map<string, SourceGroupReport>();
  for (const { component, base, primary } of indexes) {
    let count = 0;
    for await (const pkg of readPrimary(primary)) {
      if (++count % PROGRESS_EVERY === 0) ctx.progress({ kind: "parse", file: primary.url, packages: count });
      if (pkg.arch === "src") continue; // a source repository's own entries: nothing to rebuild
      const source = parseSourceRpm(primary.url, pkg.href, pkg.sourcerpm);
      const accepted = ctx.accept({
        binaryName: pkg.name,
        sourceName: source.name,
        maintainers: pkg.packager === null ? [] : [pkg.packager],
        component,
      });
      if (!accepted) continue;
      const artifact: ArtifactReport = {
        name: pkg.name,
        version: pkg.version,
        component,
        architecture: pkg.arch,
        url: `${base}/${pkg.href}`,
        ...(pkg.sha256 !== undefined ? { sha256: pkg.sha256 } : {}),
        ...(pkg.size !== undefined ? { size: pkg.size } : {}),
      };
      const group = groups.get(pkg.sourcerpm);
      if (group) group.artifacts.push(artifact);
      else groups.set(pkg.sourcerpm, { name: source.name, version: source.version, url: artifact.url, artifacts: [artifact] });
    }
    ctx.progress({ kind: "parse", file: primary.url, packages: count });
  }
  // rebuilderd reports release null here, so two releases of one architecture overwrite each other.
  return { distribution: "fedora", release, architecture: arch, packages: [...groups.values()] };
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");

export const fedoraSync: DistroSync = {
  async plan(profile, ctx) {
    const plans: IndexPlan[] = [];
    for (const release of profile.releases) {
      for (const arch of profile.architectures) {
        const indexes: RepoIndex[] = [];
        const files: FetchedFile[] = [];
        for (const component of profile.components) {
          const base = `${trimSlash(release.source ?? profile.source)}/${release.name}/${component}/${arch}/os`;
          const repomd = await ctx.fetcher.fetch(`${base}/repodata/repomd.xml`);
          const location = await readRepomd(repomd);
          const primary = await ctx.fetcher.fetch(`${base}/${location.href}`);
          checkPrimaryDigest(primary, location, repomd.url);
          indexes.push({ component, base, primary });
          files.push(repomd, primary);
        }
        plans.push({
          scopes: [{ release: release.name, architecture: arch }],
          files,
          build: async () => [await buildReport(release.name, arch, indexes, ctx)],
        });
      }
    }
    return plans;
  },
};
