import type { PackageReport, FilterSubject } from "./report.js";

export interface IncludeRule {
  exclude: boolean;
  component?: string;
  binary_pkgs?: string[];
  source_pkgs?: string[];
  maintainer?: string;
}

export interface ReleaseSpec {
  name: string;
  /** Per-release mirror override (e.g. the debug archive). */
  source?: string;
}

/** One `[profile."<name>"]` of rebuilderd-sync.conf, with defaults applied. */
export interface SyncProfile {
  name: string;
  distro: string;
  sync_method: string;
  components: string[];
  releases: ReleaseSpec[];
  architectures: string[];
  source: string;
  include: IncludeRule[];
  maintainers: string[];
  pkgs: string[];
  excludes: string[];
  /** Our additions (ignored by rebuilderd): index authenticity. */
  verify_signature: boolean;
  keyring?: string;
  /** Debian: base URL of the buildinfo service the build inputs point at. */
  buildinfo_source?: string;
  /** Debian: refuse an InRelease past its Valid-Until (rebuilderd never checks it). */
  check_valid_until?: boolean;
}

/** A file named by its URL and SHA256, not necessarily read yet. */
export interface IndexFileRef {
  url: string;
  sha256: string;
}

export interface FetchedFile extends IndexFileRef {
  bytes: Uint8Array;
}

export interface Fetcher {
  /** Fetches a whole file (http(s)://, file:// or a plain path). Throws FetchError, naming the URL. */
  fetch(url: string): Promise<FetchedFile>;
  /** Like fetch, but resolves to null when the file does not exist (404 / ENOENT). */
  fetchOptional(url: string): Promise<FetchedFile | null>;
}

export type SyncProgress =
  | { kind: "fetch"; url: string; bytes: number; total: number | null }
  | { kind: "parse"; file: string; packages: number }
  | { kind: "import"; scope: string; packages: number };

export interface SyncContext {
  fetcher: Fetcher;
  progress(event: SyncProgress): void;
  warn(message: string): void;
  /** Applies the profile's filter rules to one binary. */
  accept(subject: FilterSubject): boolean;
  /** False when no filter rule reads `maintainers`: parsers may then leave them empty. Default: true. */
  readsMaintainers?: boolean;
}

/**
 * A unit of import: the reports that one set of index files produces. Its digest covers the
 * files' hashes and the profile, so an unchanged index is not parsed again.
 */
export interface IndexPlan {
  /** Stable scope names, one per report this plan produces ("<release>/<arch>"). */
  scopes: { release: string | null; architecture: string }[];
  /** Every file the reports come from; a hash may come from a verified listing (Debian's InRelease). */
  files: IndexFileRef[];
  build(): Promise<PackageReport[]>;
}

export interface DistroSync {
  plan(profile: SyncProfile, ctx: SyncContext): Promise<IndexPlan[]>;
}
