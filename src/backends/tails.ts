/**
 * Tails through its own build system, step by step as rebuilderd's rebuilder-tails.sh runs it:
 * remove leftover `tails-builder-*` libvirt volumes, import the Tails signing key into a private
 * GnuPG home, clone the release tag (a full clone: the build needs the history), verify the tag,
 * fetch submodules, take SOURCE_DATE_EPOCH from debian/changelog and run `rake build` with
 * ARTIFACTS=<outDir>. The tag comes from the image name: tails-amd64-6.0~rc1.img → 6.0-rc1.
 * The image itself is not needed, so the engine does not download it (several GB) a second time.
 */
import { existsSync } from "node:fs";
import { chmod, mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Backend, BackendJob, BackendResult, BackendRunOptions, BackendSettings } from "./backend.js";
import { missingTools } from "./executables.js";
import { checkFileName, checkJob, UnsafeJobError } from "./job-checks.js";
import { BackendConfigError, stringSetting } from "./settings.js";
import { StepRunner } from "./step-runner.js";

/** The Tails source repository; override with `repository` (a mirror or a local clone). */
const DEFAULT_REPOSITORY = "https://gitlab.tails.boum.org/tails/tails.git";
const BUILD_OPTIONS = "nomergebasebranch forcecleanup";
const IMAGE_NAME = /^tails-amd64-([0-9][0-9A-Za-z.~]*)\.(?:img|iso)$/;
const BUILDER_VOLUME = /^tails-builder-[\w.:+-]+$/;
const NO_SIGNING_KEY = "tails needs `signing_key`, the file with the Tails signing key";
const TOOLS = ["vagrant", "virsh", "git", "gpg", "dpkg-parsechangelog", "date"];

/** The git tag of the release an image was built from. */
export function tailsTag(imageName: string): string {
  const match = IMAGE_NAME.exec(imageName);
  if (match === null) throw new UnsafeJobError(`${JSON.stringify(imageName)} is not named like a Tails image (tails-amd64-<version>.img)`);
  return (match[1] ?? "").replaceAll("~", "-");
}

/** Volume names from `virsh vol-list` (a header, a rule, then one volume per line). */
export function builderVolumes(volList: string): string[] {
  return volList
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[0] ?? "")
    .filter((name) => BUILDER_VOLUME.test(name));
}

/** The image's file name, the last segment of its URL as rebuilderd names downloads. */
function imageName(job: BackendJob): string {
  let path = job.inputUrl;
  try {
    path = new URL(job.inputUrl).pathname;
  } catch {
    // A local path, which rebuilderd also accepts as a build input.
  }
  return checkFileName(basename(path), `build input of job ${job.queueId}`);
}

export class TailsBackend implements Backend {
  readonly kind = "tails";
  readonly needsInput = false;
  private readonly rake: string;
  private readonly repository: string;
  private readonly signingKey: string | undefined;

  constructor(settings: BackendSettings) {
    this.rake = stringSetting(settings, "path", "rake");
    this.repository = stringSetting(settings, "repository", DEFAULT_REPOSITORY);
    this.signingKey = stringSetting(settings, "signing_key");
  }

  requiredTools(): string[] {
    return [this.rake, ...TOOLS];
  }

  async unavailableReason(): Promise<string | null> {
    if (!existsSync("/dev/kvm")) return "no /dev/kvm: building Tails needs KVM";
    if (this.signingKey === undefined) return NO_SIGNING_KEY;
    if (!existsSync(this.signingKey)) return `signing key ${this.signingKey} is missing`;
    return missingTools(this.requiredTools());
  }

  async run(job: BackendJob, options: BackendRunOptions): Promise<BackendResult> {
    checkJob(job, this.needsInput);
    if (this.signingKey === undefined) throw new BackendConfigError(NO_SIGNING_KEY);
    const tag = tailsTag(imageName(job));
    const gnupgHome = join(job.workDir, "gpg");
    const clone = join(job.workDir, "tails");
    const env = { ...options.env, REBUILDERD_OUTDIR: job.outDir, TAILS_BUILD_OPTIONS: BUILD_OPTIONS, GNUPGHOME: gnupgHome };
    const step = (command: string, args: string[], cwd = job.workDir) => ({ command, args, cwd, env });
    const runner = new StepRunner(options);
    await mkdir(job.workDir, { recursive: true });

    // Leftovers of an interrupted build; as in the script, a failing listing is no reason to stop.
    const volumes = await runner.capture(step("virsh", ["vol-list", "default"]));
    for (const volume of volumes.ok ? builderVolumes(volumes.output) : []) {
      if (!(await runner.run(step("virsh", ["vol-delete", "--pool", "default", volume]))).ok) return runner.result();
    }

    // libvirt's user must reach the build directory.
    await chmod(job.workDir, 0o711);
    await mkdir(gnupgHome, { recursive: true, mode: 0o700 });
    // Importing a public key needs no gpg-agent; one started here would outlive the build.
    if (!(await runner.run(step("gpg", ["--no-autostart", "--import", "--", this.signingKey]))).ok) return runner.result();
    if (!(await runner.run(step("git", ["clone", "--branch", tag, "--", this.repository, clone]))).ok) return runner.result();
    if (!(await runner.run(step("git", ["verify-tag", "-v", "--", tag], clone))).ok) return runner.result();
    if (!(await runner.run(step("git", ["submodule", "update", "--init"], clone))).ok) return runner.result();

    const changelog = await runner.capture(step("dpkg-parsechangelog", ["--show-field=Date"], clone));
    if (!changelog.ok) return runner.result();
    // Warnings go to stderr, prefixed with the program's name; the date is the line that is not one.
    const changelogDate = changelog.output.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("dpkg-parsechangelog:")).pop() ?? "";
    const epoch = await runner.capture(step("date", ["--utc", `--date=${changelogDate}`, "+%s"], clone));
    if (!epoch.ok) return runner.result();

    const buildEnv = { ...env, ARTIFACTS: job.outDir, SOURCE_DATE_EPOCH: epoch.output.trim() };
    if (!(await runner.run({ command: this.rake, args: ["build"], cwd: clone, env: buildEnv })).ok) return runner.result();
    await runner.run(step("ls", ["-la", job.outDir]));
    return runner.result();
  }
}
