/** What the per-distribution sync tests share: a profile with defaults, a recording context, and a plan runner. */
import type { FilterSubject, PackageReport } from "../../src/sync/report.js";
import type { DistroSync, SyncContext, SyncProfile, SyncProgress } from "../../src/sync/types.js";
import { LocalFetcher } from "./local-fetcher.js";

export function testProfile(distro: string, source: string, over: Partial<SyncProfile> = {}): SyncProfile {
  return {
    name: distro,
    distro,
    sync_method: distro,
    components: [],
    releases: [],
    architectures: [],
    source,
    include: [],
    maintainers: [],
    pkgs: [],
    excludes: [],
    verify_signature: true,
    ...over,
  };
}

/** A SyncContext that records progress events, warnings and every binary offered to the filter. */
export function recordingContext(opts: { fetcher?: LocalFetcher; accept?: (s: FilterSubject) => boolean } = {}) {
  const fetcher = opts.fetcher ?? new LocalFetcher();
  const accept = opts.accept ?? (() => true);
  const events: SyncProgress[] = [];
  const subjects: FilterSubject[] = [];
  const warnings: string[] = [];
  const ctx: SyncContext = {
    fetcher,
    progress: (e) => events.push(e),
    warn: (m) => warnings.push(m),
    accept: (s) => (subjects.push(s), accept(s)),
  };
  return { ctx, events, subjects, warnings, fetcher };
}

/** Plans and builds every report of a profile. */
export async function buildReports(method: DistroSync, profile: SyncProfile, ctx: SyncContext): Promise<PackageReport[]> {
  const plans = await method.plan(profile, ctx);
  return (await Promise.all(plans.map((plan) => plan.build()))).flat();
}
