/**
 * "How much of this machine is verified": the installed packages checked against the store and
 * the remotes, summed up. Packages no source knows (a third-party repository, a locally newer
 * version) are counted apart and do not lower the share. Shared by `check --installed` and the TUI.
 */
import type { InstalledPackage } from "../installed.js";
import type { Database } from "../store/index.js";
import { pushQueue } from "../scheduler/index.js";
import { LocalVerdicts } from "../store/queries/local-verdict.js";
import { checkPackages, type CheckOptions } from "./check.js";
import type { PackageVerdict, SourceStatus } from "./consensus.js";
import type { RebuilderApi } from "./remote-verdict.js";

export interface UnknownPackage extends InstalledPackage {
  /** The version the store has of this name, when it has another one. */
  store_version?: string;
}

export interface InstalledShare {
  installed: number;
  /** Installed packages some source has a verdict for. */
  known: number;
  verified: number;
  /** verified / known, 0 when nothing is known. */
  share: number;
  /** Known packages by their deciding status: VERIFIED, DISAGREE, BAD, FAIL, UNKWN. */
  by_status: Record<"VERIFIED" | "DISAGREE" | "BAD" | "FAIL" | "UNKWN", number>;
  /** The least trustworthy unverified packages, worst first. */
  worst: PackageVerdict[];
  unknown: UnknownPackage[];
}

/** The status a package is summed up under: disagreement first, then the worst thing any source said. */
export function decidingStatus(v: PackageVerdict): keyof InstalledShare["by_status"] {
  if (v.disagree) return "DISAGREE";
  if (v.verified) return "VERIFIED";
  const said = new Set<SourceStatus>([v.local.status, ...v.remotes.map((r) => r.status)]);
  if (said.has("BAD")) return "BAD";
  if (said.has("FAIL")) return "FAIL";
  return "UNKWN";
}

const SEVERITY = { DISAGREE: 0, BAD: 1, FAIL: 2, UNKWN: 3, VERIFIED: 4 } as const;

/** True when some source has a verdict (or at least a record) for the package. */
function isKnown(v: PackageVerdict): boolean {
  return v.known || v.remotes.some((r) => r.status !== "NOT_FOUND" && r.status !== "ERROR");
}

export function summarizeInstalled(db: Database, installed: InstalledPackage[], verdicts: PackageVerdict[], worstCount = 10): InstalledShare {
  const by_status = { VERIFIED: 0, DISAGREE: 0, BAD: 0, FAIL: 0, UNKWN: 0 };
  const known: PackageVerdict[] = [];
  const unknown: UnknownPackage[] = [];
  const lookup = new LocalVerdicts(db);
  verdicts.forEach((v, i) => {
    if (isKnown(v)) {
      known.push(v);
      by_status[decidingStatus(v)]++;
      return;
    }
    const p = installed[i]!;
    const other = lookup.find(p.name, undefined, p.architecture);
    unknown.push(other ? { ...p, store_version: other.version } : p);
  });
  const verified = known.filter((v) => v.verified).length;
  const worst = known
    .filter((v) => !v.verified || v.disagree)
    .sort((a, b) => SEVERITY[decidingStatus(a)] - SEVERITY[decidingStatus(b)] || a.name.localeCompare(b.name))
    .slice(0, worstCount);
  return { installed: installed.length, known: known.length, verified, share: known.length ? verified / known.length : 0, by_status, worst, unknown };
}

export async function checkInstalled(
  db: Database,
  installed: InstalledPackage[],
  remotes: RebuilderApi[],
  opts: CheckOptions,
): Promise<{ verdicts: PackageVerdict[]; share: InstalledShare }> {
  const verdicts = await checkPackages(db, installed, remotes, opts);
  return { verdicts, share: summarizeInstalled(db, installed, verdicts) };
}

/** Ahead of manual pushes (0), new versions (1) and retries (2): what runs on this machine is rebuilt first. */
export const INSTALLED_PRIORITY = -1;

/** Queues the local rebuild of every known, unverified package; returns the number of jobs queued or moved up. */
export function queueUnverified(db: Database, verdicts: PackageVerdict[], now: Date): number {
  const lookup = new LocalVerdicts(db);
  let queued = 0;
  for (const v of verdicts) {
    if (v.verified || !v.known) continue;
    const local = lookup.find(v.name, v.version ?? undefined, v.architecture ?? undefined);
    if (local) queued += pushQueue(db, local.source, INSTALLED_PRIORITY, now);
  }
  return queued;
}
