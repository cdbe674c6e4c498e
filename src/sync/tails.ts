/**
 * Tails sync (reference A.7): the mirror's directory listing `<source>/<release>` names the
 * published versions as `tails-<arch>-<version>/`; the newest one becomes the single group
 * `tails` with the `.img` and `.iso` images as artifacts.
 */
import { IndexError, type ArtifactReport, type PackageReport } from "./report.js";
import type { DistroSync, FetchedFile, IndexPlan } from "./types.js";

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** dpkg's character order: `~` before the end of a part, letters before everything else. */
function order(c: string | undefined): number {
  if (c === undefined || (c >= "0" && c <= "9")) return 0;
  if (c === "~") return -1;
  if (c >= "a" && c <= "z") return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

/** dpkg's version comparison (verrevcmp), so `6.10` > `6.9` > `6.9~rc1`. */
export function compareTailsVersions(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const diff = order(a[i]) - order(b[j]);
      if (diff !== 0) return diff;
      i++;
      j++;
    }
    while (a[i] === "0") i++;
    while (b[j] === "0") j++;
    let firstDiff = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/**
 * The newest `tails-<arch>-<version>/` in a listing. rebuilderd takes the first match, which
 * depends on the mirror's sort order; versions must start with a digit so `..` is never one.
 */
function newestVersion(listing: FetchedFile, arch: string): string {
  const text = new TextDecoder().decode(listing.bytes);
  const pattern = new RegExp(`tails-${escapeRegExp(arch)}-([0-9][0-9a-z~.]*)/`, "g");
  const versions = [...text.matchAll(pattern)].map((m) => m[1]!);
  if (versions.length === 0) {
    throw new IndexError(listing.url, `the directory listing names no tails-${arch}-<version>/ directory`);
  }
  return versions.reduce((best, v) => (compareTailsVersions(v, best) > 0 ? v : best));
}

function buildReport(base: string, release: string, arch: string, listing: FetchedFile): PackageReport {
  const version = newestVersion(listing, arch);
  const dir = `tails-${arch}-${version}`;
  const artifacts: ArtifactReport[] = ["img", "iso"].map((ext) => ({
    name: `${dir}.${ext}`,
    version,
    component: null,
    architecture: arch,
    url: `${base}/${dir}/${dir}.${ext}`,
  }));
  return {
    distribution: "tails",
    release,
    architecture: arch,
    packages: [{ name: "tails", version, url: artifacts[0]!.url, artifacts }],
  };
}

export const tailsSync: DistroSync = {
  async plan(profile, ctx) {
    const plans: IndexPlan[] = [];
    for (const release of profile.releases) {
      const base = `${(release.source ?? profile.source).replace(/\/+$/, "")}/${release.name}`;
      const listing = await ctx.fetcher.fetch(base);
      for (const arch of profile.architectures) {
        plans.push({
          scopes: [{ release: release.name, architecture: arch }],
          files: [listing],
          build: async () => {
            const report = buildReport(base, release.name, arch, listing);
            ctx.progress({ kind: "parse", file: listing.url, packages: 1 });
            return [report];
          },
        });
      }
    }
    return plans;
  },
};
