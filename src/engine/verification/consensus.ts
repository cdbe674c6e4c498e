/**
 * Whether a package version is verified: the local rebuild's verdict and those of remote
 * rebuilders combined. A GOOD counts only when it is backed (the local rebuild, or a remote
 * attestation that verified); votes are counted once per rebuilder origin, so several
 * per-architecture endpoints of one operator are one vote (as repro-threshold does).
 */

/** What one source says about one package. NOT_FOUND: the source does not know it; ERROR: no answer. */
export type SourceStatus = "GOOD" | "BAD" | "FAIL" | "UNKWN" | "NOT_FOUND" | "ERROR";

export interface PackageQuery {
  name: string;
  version?: string;
  architecture?: string;
}

/** The artifact the question is about; sha256 from the local index when the store knows the package. */
export interface ExpectedArtifact {
  fileName: string;
  sha256: string | null;
}

export interface SourceVerdict {
  /** "local", or the remote's URL. */
  source: string;
  status: SourceStatus;
  version: string | null;
  /** GOOD backed by evidence: the local rebuild, or an attestation checked against the rebuilder's key and the artifact. */
  verified: boolean;
  /** Why a GOOD does not count, or why there is no answer. */
  reason?: string;
  /** The artifact hash a GOOD attests. */
  sha256?: string;
  /** A GOOD counted without its attestation being checked (--trust-unsigned). */
  trusted_unsigned?: boolean;
  /** Set when the answer came from the cache: when it was fetched (wire time), and why the cache was used. */
  cached_at?: string;
  cached_because?: string;
}

export interface PackageVerdict {
  name: string;
  version: string | null;
  architecture: string | null;
  /** The local store knows this package (name, version, architecture). */
  known: boolean;
  local: SourceVerdict;
  remotes: SourceVerdict[];
  /** Distinct remote origins with a counted GOOD, and remotes that answered with a verdict. */
  remote_good: number;
  remote_answered: number;
  /** Independent counted GOODs, the local rebuild included. */
  good: number;
  disagree: boolean;
  disagreement?: string;
  verified: boolean;
}

const VERDICTS = new Set<SourceStatus>(["GOOD", "BAD", "FAIL", "UNKWN"]);

export function counts(v: SourceVerdict): boolean {
  return v.status === "GOOD" && (v.verified || v.trusted_unsigned === true);
}

function origin(source: string): string {
  try {
    return new URL(source).origin;
  } catch {
    return source;
  }
}

export function combineVerdicts(
  query: { name: string; version: string | null; architecture: string | null; known: boolean },
  local: SourceVerdict,
  remotes: SourceVerdict[],
  threshold: number,
): PackageVerdict {
  const goodRemotes = new Set(remotes.filter(counts).map((r) => origin(r.source)));
  const good = goodRemotes.size + (counts(local) ? 1 : 0);
  const all = [local, ...remotes];
  const hashes = new Set(all.filter((v) => counts(v) && v.sha256).map((v) => v.sha256));
  const claimsGood = all.filter((v) => v.status === "GOOD").map((v) => v.source);
  const saysBad = all.filter((v) => v.status === "BAD").map((v) => v.source);
  let disagreement: string | undefined;
  if (hashes.size > 1) disagreement = `GOOD attestations name different artifacts (sha256 ${[...hashes].map((h) => h!.slice(0, 12)).join(" vs ")})`;
  else if (claimsGood.length > 0 && saysBad.length > 0) disagreement = `GOOD from ${claimsGood.join(", ")}; BAD from ${saysBad.join(", ")}`;
  return {
    ...query,
    local,
    remotes,
    remote_good: goodRemotes.size,
    remote_answered: remotes.filter((r) => VERDICTS.has(r.status)).length,
    good,
    disagree: disagreement !== undefined,
    ...(disagreement ? { disagreement } : {}),
    // Two rebuilders attesting different bytes as GOOD is never "verified".
    verified: good >= threshold && hashes.size <= 1,
  };
}

/** True when nothing answered for this package: neither the store nor any remote. */
export function unanswered(v: PackageVerdict): boolean {
  return !v.known && v.remotes.every((r) => r.status === "ERROR") && v.remotes.length > 0;
}
