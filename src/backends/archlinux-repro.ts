/**
 * Arch Linux through archlinux-repro, invoked exactly as rebuilderd's rebuilder-archlinux.sh does:
 * `NOCHECK=1 archlinux-repro -o "$REBUILDERD_OUTDIR" -- <package file>`. repro reads the .BUILDINFO
 * inside the published package, rebuilds it in a systemd-nspawn container and moves every package
 * it built into the output directory. It keeps its package cache (`./cache`) in the working
 * directory, which is the backend's cacheDir.
 */
import type { Backend, BackendJob, BackendResult, BackendRunOptions, BackendSettings } from "./backend.js";
import { runBackendProgram } from "./command.js";
import { findExecutable, missingTools } from "./executables.js";
import { checkJob, requireInput } from "./job-checks.js";
import { stringSetting } from "./settings.js";

export class ArchlinuxReproBackend implements Backend {
  readonly kind = "archlinux-repro";
  readonly needsInput = true;
  private readonly repro: string;

  constructor(settings: BackendSettings) {
    this.repro = stringSetting(settings, "path", "archlinux-repro");
  }

  requiredTools(): string[] {
    // repro re-executes itself through sudo when it is not root.
    return [this.repro, "systemd-nspawn", ...(process.getuid?.() === 0 ? [] : ["sudo"])];
  }

  async unavailableReason(): Promise<string | null> {
    const missing = missingTools([this.repro, "systemd-nspawn"]);
    if (missing !== null) return missing;
    if (process.getuid?.() !== 0 && findExecutable("sudo") === null) return "archlinux-repro needs root, or sudo to become root";
    return null;
  }

  async run(job: BackendJob, options: BackendRunOptions): Promise<BackendResult> {
    checkJob(job, this.needsInput);
    return runBackendProgram(this.repro, ["-o", job.outDir, "--", requireInput(job)], job, options, { NOCHECK: "1" });
  }
}
