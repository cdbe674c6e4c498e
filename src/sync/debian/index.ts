/**
 * Debian sync (reference A.5): per release, the signed InRelease, the Sources of each area and
 * the Packages of each (component, architecture) become one PackageReport per architecture.
 */
import type { DistroSync, IndexPlan, SyncContext, SyncProfile } from "../types.js";
import { DEFAULT_BUILDINFO_SOURCE } from "./buildinfo-url.js";
import { addPackages, listPackages, type PackagesListing } from "./packages-index.js";
import { fetchReleaseIndexes, type ReleaseIndexes } from "./release-files.js";
import { ReportBuilder } from "./report-builder.js";
import { SourceIndex } from "./sources-index.js";

/** Debian-only profile keys (not in rebuilderd). */
export const debianSync: DistroSync = {
  async plan(profile: SyncProfile, ctx: SyncContext): Promise<IndexPlan[]> {
    const buildinfoBase = profile.buildinfo_source ?? DEFAULT_BUILDINFO_SOURCE;
    const now = new Date();
    const plans: IndexPlan[] = [];
    for (const release of profile.releases) {
      const index = await fetchReleaseIndexes(profile, release, ctx, {
        checkValidUntil: profile.check_valid_until === true,
        now,
      });
      plans.push({
        scopes: profile.architectures.map((architecture) => ({ release: release.name, architecture })),
        files: index.files,
        async build() {
          const reports = new ReportBuilder(release.name, profile.architectures, buildinfoBase);
          const { sources, listings } = await readIndexes(await index.indexes(), (a) => reports.wants(a), ctx);
          for (const listing of listings) addPackages(listing, index.mirror, sources, reports, ctx);
          return reports.reports();
        },
      });
    }
    return plans;
  },
};

/**
 * Reads all index files of a release at once, each decompressed by its own process: the
 * Packages files are listed while the Sources are read. The file contents are not kept.
 */
async function readIndexes(
  indexes: ReleaseIndexes,
  wanted: (architecture: string) => boolean,
  ctx: SyncContext,
): Promise<{ sources: SourceIndex; listings: PackagesListing[] }> {
  const sources = new SourceIndex();
  const [sourcesRead, ...listings] = await Promise.allSettled([
    (async () => {
      for (const file of indexes.sources) await sources.read(file, ctx);
    })(),
    ...indexes.packages.map((packages) => listPackages(packages, wanted, ctx)),
  ]);
  // The same error, whichever file fails first: the first failing file in reading order.
  for (const result of [sourcesRead!, ...listings]) if (result.status === "rejected") throw result.reason;
  return { sources, listings: listings.map((l) => (l as PromiseFulfilledResult<PackagesListing>).value) };
}
