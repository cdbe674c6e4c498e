/** Runs the Debian sync against a test mirror with the real filter engine and records what it reports. */
import { compileFilter, filterReadsMaintainers } from "../../src/sync/filters.js";
import { debianSync } from "../../src/sync/debian/index.js";
import type { PackageReport } from "../../src/sync/report.js";
import type { IndexPlan, SyncProfile, SyncProgress } from "../../src/sync/types.js";
import { LocalFetcher } from "./local-fetcher.js";

export const MIRROR_URL = "https://mirror.example/debian";

export type TestProfile = SyncProfile;

export function debianProfile(overrides: Partial<TestProfile> = {}): TestProfile {
  return {
    name: "test",
    distro: "debian",
    sync_method: "debian",
    components: ["main"],
    releases: [{ name: "sid" }],
    architectures: ["amd64"],
    source: MIRROR_URL,
    include: [],
    maintainers: [],
    pkgs: [],
    excludes: [],
    verify_signature: true,
    ...overrides,
  };
}

export interface SyncRun {
  plans: IndexPlan[];
  reports: PackageReport[];
  warnings: string[];
  progress: SyncProgress[];
  fetcher: LocalFetcher;
}

/** Plans and builds every release; `root` is served as MIRROR_URL unless the profile's source is a path. */
export async function runDebianSync(profile: TestProfile, root: string): Promise<SyncRun> {
  const fetcher = new LocalFetcher({ [`${MIRROR_URL}/`]: root });
  const warnings: string[] = [];
  const progress: SyncProgress[] = [];
  const ctx = {
    fetcher,
    warn: (m: string) => warnings.push(m),
    progress: (p: SyncProgress) => progress.push(p),
    accept: compileFilter(profile),
    readsMaintainers: filterReadsMaintainers(profile),
  };
  const plans = await debianSync.plan(profile, ctx);
  const reports: PackageReport[] = [];
  for (const plan of plans) reports.push(...(await plan.build()));
  return { plans, reports, warnings, progress, fetcher };
}
