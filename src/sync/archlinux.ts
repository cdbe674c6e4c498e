/**
 * Arch Linux sync (reference A.4): one `<repo>.db` per architecture × repository, a tar of
 * `<pkg>/desc` files, grouped by pkgbase into one report per architecture.
 */
import { decompressStream } from "../engine/compression.js";
import { verifyDetached } from "./gpgv.js";
import { ConfigError } from "./profiles.js";
import { IndexError, type ArtifactReport, type PackageReport, type SourceGroupReport } from "./report.js";
import { readTarFiles } from "./tar.js";
import type { DistroSync, FetchedFile, IndexPlan, SyncContext, SyncProfile } from "./types.js";

/** What each desc value may look like; anything else (`../../x`, `$(…)`, control characters) refuses the index. */
const SYNTAX = {
  /** makepkg's pkgname rule: alphanumerics and `@._+-`, not starting with `-` or `.`. */
  name: { pattern: /^[A-Za-z0-9@_+][A-Za-z0-9@._+-]*$/, what: "package name" },
  /** `[epoch:]pkgver-pkgrel`, pkgver limited to the characters real repositories use. */
  version: { pattern: /^(?:[0-9]+:)?[A-Za-z0-9._+~]+-[0-9]+(?:\.[0-9]+)?$/, what: "version" },
  /** A file in the repository directory: pkgname characters plus the epoch's `:`; no `..`. */
  filename: { pattern: /^(?!.*\.\.)[A-Za-z0-9@_+][A-Za-z0-9@._+:~-]*$/, what: "package file name" },
  arch: { pattern: /^[A-Za-z0-9_]+$/, what: "architecture" },
  text: { pattern: /^[^\u0000-\u001f\u007f-\u009f]*$/, what: "text without control characters" },
  sha256: { pattern: /^[0-9a-f]{64}$/, what: "SHA-256 checksum" },
  size: { pattern: /^[0-9]{1,15}$/, what: "size" },
} as const;

/** A `desc` file is a few KiB; anything near this is not one. */
const MAX_DESC_BYTES = 1 << 20;

interface ArchPackage {
  filename: string;
  name: string;
  base: string;
  version: string;
  arch: string;
  packager: string;
  sha256?: string;
  size?: number;
}

/**
 * rebuilderd's template expansion: text is copied up to a `$`, the variable name runs to the
 * next `/`, only `$repo` and `$arch` exist, and a `/` is added before the file name if missing.
 */
export function mirrorUrl(template: string, repo: string, arch: string, file: string): string {
  let url = "";
  let rest = template;
  for (let dollar = rest.indexOf("$"); dollar !== -1; dollar = rest.indexOf("$")) {
    url += rest.slice(0, dollar);
    const slash = rest.indexOf("/", dollar);
    const variable = slash === -1 ? rest.slice(dollar) : rest.slice(dollar, slash);
    if (variable === "$repo") url += repo;
    else if (variable === "$arch") url += arch;
    else throw new ConfigError(`source "${template}": unknown variable ${JSON.stringify(variable)} (only $repo and $arch exist)`);
    rest = slash === -1 ? "" : rest.slice(slash);
  }
  url += rest;
  return (url.endsWith("/") ? url : `${url}/`) + file;
}

function checkProfile(profile: SyncProfile): void {
  if (profile.source.endsWith(".db")) {
    throw new ConfigError(
      `profile "${profile.name}": source "${profile.source}" is the legacy form naming a .db file; ` +
        `use a mirror template such as "https://<mirror>/archlinux/$repo/os/$arch"`,
    );
  }
  for (const value of [...profile.components, ...profile.architectures]) {
    if (!SYNTAX.name.pattern.test(value)) {
      throw new ConfigError(`profile "${profile.name}": ${JSON.stringify(value)} is not a valid repository or architecture name`);
    }
  }
}

/** Splits a desc file into `%KEY%` blocks; the first value of each block is kept. */
function descFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const key = lines[i]!;
    const first = lines[i + 1];
    while (i + 1 < lines.length && lines[i + 1] !== "") i++;
    i++; // the blank line that ends the block
    if (first !== undefined && first !== "" && !fields.has(key)) fields.set(key, first);
  }
  return fields;
}

function parseDesc(text: string, file: string, entry: string): ArchPackage {
  const fields = descFields(text);
  const field = (key: string, syntax: keyof typeof SYNTAX): string => {
    const value = fields.get(`%${key}%`);
    if (value === undefined) throw new IndexError(file, `missing %${key}%`, entry);
    const { pattern, what } = SYNTAX[syntax];
    if (!pattern.test(value)) throw new IndexError(file, `%${key}% ${JSON.stringify(value)} is not a valid ${what}`, entry);
    return value;
  };
  return {
    filename: field("FILENAME", "filename"),
    name: field("NAME", "name"),
    base: field("BASE", "name"),
    version: field("VERSION", "version"),
    arch: field("ARCH", "arch"),
    packager: field("PACKAGER", "text"),
    ...(fields.has("%SHA256SUM%") ? { sha256: field("SHA256SUM", "sha256") } : {}),
    ...(fields.has("%CSIZE%") ? { size: Number(field("CSIZE", "size")) } : {}),
  };
}

async function* readPackages(index: FetchedFile): AsyncGenerator<ArchPackage> {
  const decoder = new TextDecoder();
  const entries = readTarFiles(decompressStream(index.bytes, index.url), index.url, {
    wanted: (name) => name.endsWith("/desc"),
    maxFileBytes: MAX_DESC_BYTES,
  });
  for await (const { name, data } of entries) yield parseDesc(decoder.decode(data), index.url, name);
}

interface RepoIndex {
  repo: string;
  file: FetchedFile;
}

async function buildReport(profile: SyncProfile, arch: string, indexes: RepoIndex[], ctx: SyncContext): Promise<PackageReport> {
  // Keyed by pkgbase and version: rebuilderd keys by pkgbase alone, which puts a testing
  // repository's newer build into the stable one's group, whose build input cannot produce it.
  const groups = new Map<string, SourceGroupReport>();
  for (const { repo, file } of indexes) {
    let count = 0;
    for await (const pkg of readPackages(file)) {
      count++;
      const accepted = ctx.accept({ binaryName: pkg.name, sourceName: pkg.base, maintainers: [pkg.packager], component: repo });
      if (!accepted) continue;
      const artifact: ArtifactReport = {
        name: pkg.name,
        version: pkg.version,
        component: repo,
        architecture: pkg.arch,
        url: mirrorUrl(profile.source, repo, arch, pkg.filename),
        ...(pkg.sha256 !== undefined ? { sha256: pkg.sha256 } : {}),
        ...(pkg.size !== undefined ? { size: pkg.size } : {}),
      };
      const key = `${pkg.base} ${pkg.version}`;
      const group = groups.get(key);
      if (group) group.artifacts.push(artifact);
      else groups.set(key, { name: pkg.base, version: pkg.version, url: artifact.url, artifacts: [artifact] });
    }
    ctx.progress({ kind: "parse", file: file.url, packages: count });
  }
  return { distribution: "archlinux", release: null, architecture: arch, packages: [...groups.values()] };
}

async function verifySignature(index: FetchedFile, keyring: string, ctx: SyncContext): Promise<void> {
  const sigUrl = `${index.url}.sig`;
  const sig = await ctx.fetcher.fetchOptional(sigUrl);
  if (!sig) {
    throw new IndexError(index.url, `no signature at ${sigUrl}, but keyring ${keyring} is configured: unsigned index refused`);
  }
  try {
    await verifyDetached(index.bytes, sig.bytes, keyring, sigUrl);
  } catch (err) {
    throw new IndexError(index.url, `refused: ${(err as Error).message}`);
  }
}

export const archlinuxSync: DistroSync = {
  async plan(profile, ctx) {
    checkProfile(profile);
    const plans: IndexPlan[] = [];
    for (const arch of profile.architectures) {
      const indexes: RepoIndex[] = [];
      for (const repo of profile.components) {
        const file = await ctx.fetcher.fetch(mirrorUrl(profile.source, repo, arch, `${repo}.db`));
        // Arch mirrors often serve unsigned .db files: verification needs a configured keyring.
        if (profile.verify_signature && profile.keyring) await verifySignature(file, profile.keyring, ctx);
        indexes.push({ repo, file });
      }
      plans.push({
        scopes: [{ release: null, architecture: arch }],
        files: indexes.map((i) => i.file),
        build: async () => [await buildReport(profile, arch, indexes, ctx)],
      });
    }
    return plans;
  },
};
