/**
 * The Backend interface: how a worker slot asks a rebuilder tool to rebuild one job.
 * rebuilderd's contract is the common language: the backend leaves the rebuilt files in
 * `outDir`, named exactly like the published artifacts, and the engine judges them.
 */
import type { RunResult } from "./process-runner.js";

export interface BackendJob {
  queueId: number;
  /** Source package name and version as imported (Debian: may carry a binNMU +bN suffix). */
  name: string;
  version: string;
  distribution: string;
  release: string | null;
  /** Build architecture of the job (amd64, all, x86_64, …). */
  architecture: string;
  /** URL of the build input (Debian .buildinfo, Arch package file, Tails .img, …). */
  inputUrl: string;
  /** Absolute path of the downloaded build input, or null for backends with needsInput = false. */
  inputPath: string | null;
  /** The published artifacts; `publishedPath` is where the engine downloaded each one. */
  artifacts: { name: string; version: string; architecture: string; url: string; fileName: string; publishedPath: string }[];
  /** Empty directory the backend must leave its rebuilt files in (REBUILDERD_OUTDIR). */
  outDir: string;
  /** Per-job scratch directory, removed after the job. */
  workDir: string;
  /** Persistent directory for this backend's caches (like rebuilderd-worker's working directory). */
  cacheDir: string;
}

export interface BackendRunOptions {
  timeoutSeconds: number;
  maxLogBytes?: number;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  /** Environment the engine passes on (PATH, proxy settings, …); backends add their own. */
  env: Record<string, string | undefined>;
}

export interface BackendResult extends RunResult {
  /**
   * Files that went into the build, recorded as the attestation's materials. Defaults to the
   * build input; a backend that fetches its own sources (debian-archive) names them here.
   */
  materials?: string[];
}

export interface Backend {
  /** The backend kind, e.g. "archlinux-repro", "debrebuild", "tails", "command", "debian-archive". */
  readonly kind: string;
  /** Whether the engine must download the job's build input before run(). */
  readonly needsInput: boolean;
  /** Null when the backend can run on this machine, else a short reason (tool missing, not root, …). */
  unavailableReason(): Promise<string | null>;
  /** The programs it runs, as configured (names looked up in PATH, or paths); `doctor` checks each. */
  requiredTools(): string[];
  run(job: BackendJob, options: BackendRunOptions): Promise<BackendResult>;
}

/** Settings of one `[backend."<distro>"]` table. `kind` defaults to "command" when `path` is set. */
export interface BackendSettings {
  kind?: string;
  /** command: the rebuilderd backend script; archlinux-repro/debrebuild/tails: the tool to run. */
  path?: string;
  /** Extra settings of a kind, e.g. debian-archive's `host_build = true`. */
  [key: string]: unknown;
}
