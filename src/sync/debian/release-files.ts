/**
 * Downloads one release's index files and proves them authentic: the InRelease signature, then
 * each file's size and SHA256 against the InRelease list (reference A.5 for the paths). With a
 * verified InRelease the index files are downloaded only when the plan is built.
 */
import { IndexError } from "../report.js";
import type { FetchedFile, IndexFileRef, ReleaseSpec, SyncContext, SyncProfile } from "../types.js";
import { checkListed, checkValidUntil, readVerifiedRelease, type ReleaseFile } from "./inrelease.js";

export const DEFAULT_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";

/** Preferred first; rebuilderd only knows .xz, the others are for mirrors that lack it. */
const VARIANTS = [".xz", ".zst", ".gz", ""] as const;

export interface PackagesFile {
  file: FetchedFile;
  /** The configured component, e.g. "main/debian-installer". */
  component: string;
}

export interface ReleaseIndexes {
  sources: FetchedFile[];
  packages: PackagesFile[];
}

export interface ReleaseIndexFiles {
  /** Mirror base of this release, without a trailing slash; artifact URLs start with it. */
  mirror: string;
  /**
   * What the plan's digest covers, InRelease first. With a verified InRelease the index files
   * are its listed SHA256s, so an unchanged release is judged without reading them.
   */
  files: IndexFileRef[];
  /** The index files, downloaded (unless already) and each checked against the InRelease. */
  indexes(): Promise<ReleaseIndexes>;
}

export interface ReleaseOptions {
  checkValidUntil: boolean;
  now: Date;
}

export async function fetchReleaseIndexes(
  profile: SyncProfile,
  release: ReleaseSpec,
  ctx: SyncContext,
  options: ReleaseOptions,
): Promise<ReleaseIndexFiles> {
  const mirror = (release.source ?? profile.source).replace(/\/+$/, "");
  const dists = `${mirror}/dists/${release.name}`;
  let inRelease: { file: FetchedFile; release: ReleaseFile } | null = null;
  if (profile.verify_signature === false) {
    ctx.warn(`${dists}: signature and checksums of the index are NOT verified (verify_signature = false)`);
  } else {
    const file = await ctx.fetcher.fetch(`${dists}/InRelease`);
    const verified = await readVerifiedRelease(file, profile.keyring ?? DEFAULT_KEYRING);
    checkValidUntil(verified, options.now, options.checkValidUntil, ctx.warn);
    if (verified.codename !== release.name && verified.suite !== release.name) {
      ctx.warn(`${file.url}: is for ${verified.codename ?? "?"}/${verified.suite ?? "?"}, not ${release.name}`);
    }
    inRelease = { file, release: verified };
  }
  const trusted = inRelease?.release ?? null;

  /** The variants of `stem` (relative to dists/<R>/) worth asking for, preferred first. */
  const candidates = (stem: string) => (trusted ? VARIANTS.filter((v) => trusted.files.has(stem + v)) : VARIANTS);

  /** The first candidate of `stem` that exists, verified. */
  const fetchIndex = async (stem: string): Promise<FetchedFile | null> => {
    for (const variant of candidates(stem)) {
      const file = await ctx.fetcher.fetchOptional(`${dists}/${stem}${variant}`);
      if (!file) continue;
      if (trusted) checkListed(trusted, stem + variant, file);
      return file;
    }
    return null;
  };

  const sourceStems = [...new Set(profile.components.map((c) => `${c.replace(/\/debian-installer$/, "")}/source/Sources`))];
  // Like apt, ask only for architectures the release serves: the security archive lists no `all`
  // (its arch-all packages are in binary-<arch>) and keeps a stale binary-all index apt never reads.
  const served = trusted?.architectures;
  const architectures = served ? profile.architectures.filter((a) => served.includes(a)) : profile.architectures;
  for (const arch of profile.architectures) {
    if (!architectures.includes(arch)) ctx.warn(`${dists}: serves no ${arch} indexes (Architectures: ${served!.join(" ")}); skipped`);
  }
  let packageStems = profile.components.flatMap((component) =>
    architectures.map((arch) => ({ component, stem: `${component}/binary-${arch}/Packages` })),
  );
  if (trusted) {
    for (const stem of sourceStems) {
      if (candidates(stem).length === 0) throw new IndexError(`${dists}/${stem}.xz`, `not listed in ${trusted.url}`);
    }
    for (const { stem } of packageStems) {
      if (candidates(stem).length === 0) ctx.warn(`${dists}/${stem}.xz: not listed in ${trusted.url}; skipped`);
    }
    packageStems = packageStems.filter(({ stem }) => candidates(stem).length > 0);
  }

  const fetchAll = async (): Promise<ReleaseIndexes> => {
    const [sourceResults, packageResults] = await Promise.all([
      Promise.all(sourceStems.map(fetchIndex)),
      Promise.all(packageStems.map(({ stem }) => fetchIndex(stem))),
    ]);
    const sources = sourceResults.map((result, i) => {
      if (!result) throw new IndexError(`${dists}/${sourceStems[i]}.xz`, "not found");
      return result;
    });
    const packages: PackagesFile[] = [];
    packageResults.forEach((result, i) => {
      const { component, stem } = packageStems[i]!;
      if (!result) ctx.warn(`${dists}/${stem}.xz: not found; skipped`);
      else packages.push({ file: result, component });
    });
    return { sources, packages };
  };

  if (!inRelease) {
    // Nothing vouches for the files: the digest needs their own hashes, so they are read now.
    const indexes = await fetchAll();
    return { mirror, files: [...indexes.sources, ...indexes.packages.map((p) => p.file)], indexes: async () => indexes };
  }
  // The preferred listed variant stands for the file: any other listed variant has the same content.
  const listedRef = (stem: string): IndexFileRef => {
    const path = stem + candidates(stem)[0]!;
    return { url: `${dists}/${path}`, sha256: inRelease.release.files.get(path)!.sha256 };
  };
  const files = [inRelease.file, ...sourceStems.map(listedRef), ...packageStems.map(({ stem }) => listedRef(stem))];
  return { mirror, files, indexes: fetchAll };
}
