/**
 * Downloads one release's index files and proves them authentic: the InRelease signature, then
 * each file's size and SHA256 against the InRelease list (reference A.5 for the paths).
 */
import { IndexError } from "../report.js";
import type { FetchedFile, ReleaseSpec, SyncContext, SyncProfile } from "../types.js";
import { checkListed, checkValidUntil, readVerifiedRelease, type ReleaseFile } from "./inrelease.js";

export const DEFAULT_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";

/** Preferred first; rebuilderd only knows .xz, the others are for mirrors that lack it. */
const VARIANTS = [".xz", ".zst", ".gz", ""] as const;

export interface PackagesFile {
  file: FetchedFile;
  /** The configured component, e.g. "main/debian-installer". */
  component: string;
}

export interface ReleaseIndexFiles {
  /** Mirror base of this release, without a trailing slash; artifact URLs start with it. */
  mirror: string;
  /** Everything downloaded, InRelease first. */
  fetched: FetchedFile[];
  sources: FetchedFile[];
  packages: PackagesFile[];
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
  const fetched: FetchedFile[] = [];
  let inRelease: ReleaseFile | null = null;
  if (profile.verify_signature === false) {
    ctx.warn(`${dists}: signature and checksums of the index are NOT verified (verify_signature = false)`);
  } else {
    const file = await ctx.fetcher.fetch(`${dists}/InRelease`);
    fetched.push(file);
    inRelease = await readVerifiedRelease(file, profile.keyring ?? DEFAULT_KEYRING);
    checkValidUntil(inRelease, options.now, options.checkValidUntil, ctx.warn);
    if (inRelease.codename !== release.name && inRelease.suite !== release.name) {
      ctx.warn(`${file.url}: is for ${inRelease.codename ?? "?"}/${inRelease.suite ?? "?"}, not ${release.name}`);
    }
  }
  const trusted = inRelease;

  /** The first variant of `stem` (relative to dists/<R>/) that is listed and exists, verified. */
  const fetchIndex = async (stem: string): Promise<FetchedFile | { missing: string }> => {
    const listed = trusted ? VARIANTS.filter((v) => trusted.files.has(stem + v)) : VARIANTS;
    for (const variant of listed) {
      const file = await ctx.fetcher.fetchOptional(`${dists}/${stem}${variant}`);
      if (!file) continue;
      if (trusted) checkListed(trusted, stem + variant, file);
      return file;
    }
    return { missing: trusted && listed.length === 0 ? `not listed in ${trusted.url}` : "not found" };
  };

  const sourceStems = [...new Set(profile.components.map((c) => `${c.replace(/\/debian-installer$/, "")}/source/Sources`))];
  // Like apt, ask only for architectures the release serves: the security archive lists no `all`
  // (its arch-all packages are in binary-<arch>) and keeps a stale binary-all index apt never reads.
  const served = trusted?.architectures;
  const architectures = served ? profile.architectures.filter((a) => served.includes(a)) : profile.architectures;
  for (const arch of profile.architectures) {
    if (!architectures.includes(arch)) ctx.warn(`${dists}: serves no ${arch} indexes (Architectures: ${served!.join(" ")}); skipped`);
  }
  const packageStems = profile.components.flatMap((component) =>
    architectures.map((arch) => ({ component, stem: `${component}/binary-${arch}/Packages` })),
  );
  const [sourceResults, packageResults] = await Promise.all([
    Promise.all(sourceStems.map(fetchIndex)),
    Promise.all(packageStems.map(({ stem }) => fetchIndex(stem))),
  ]);

  const sources = sourceResults.map((result, i) => {
    if ("missing" in result) throw new IndexError(`${dists}/${sourceStems[i]}.xz`, result.missing);
    return result;
  });
  const packages: PackagesFile[] = [];
  packageResults.forEach((result, i) => {
    const { component, stem } = packageStems[i]!;
    if ("missing" in result) ctx.warn(`${dists}/${stem}.xz: ${result.missing}; skipped`);
    else packages.push({ file: result, component });
  });
  fetched.push(...sources, ...packages.map((p) => p.file));
  return { mirror, fetched, sources, packages };
}
