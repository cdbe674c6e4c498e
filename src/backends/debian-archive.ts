/**
 * The debian-archive backend: rebuilds a Debian source package against the mirror's *current*
 * state, for when no snapshot service is reachable. It needs no build input, only the job's
 * metadata:
 *   1. a private apt (debian-archive-apt.ts) fetches `<source>=<version>` (binNMU suffix removed)
 *      from the job's release and the release it extends, verified through the signed indexes;
 *   2. by default a throw-away chroot of the base release (debian-archive-chroot.ts) gets the
 *      build dependencies and runs dpkg-buildpackage as an unprivileged user in
 *      /build/reproducible-path, like a buildd; with `host_build = true` the build runs on this
 *      machine instead, which must already have the build dependencies (checked with
 *      dpkg-checkbuilddeps — the backend never installs packages on the machine);
 *   3. the .deb/.udeb files (and .buildinfo/.changes) are copied into the output directory.
 * Arch:all jobs build with -A and others with -B, as the buildds do; the build gets umask 022,
 * C.UTF-8, TZ=UTC, SOURCE_DATE_EPOCH from the changelog and an empty DEB_BUILD_OPTIONS.
 * Not reproduced: binNMU changelog entries (a binNMU rebuilds as its source version) and the
 * exact package versions of the original build environment.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Backend, BackendJob, BackendResult, BackendRunOptions, BackendSettings } from "./backend.js";
import { aptStep, createPrivateApt, downloadSourceStep } from "./debian-archive-apt.js";
import {
  BUILD_PATH,
  buildUserSteps,
  chrootStep,
  chrootTarball,
  ensureChrootTarball,
  extractStep,
  prepareChroot,
  proxyEnvironment,
  type ChrootCommand,
} from "./debian-archive-chroot.js";
import {
  buildDependencyScope,
  buildEnvironment,
  dpkgBuildpackageArgs,
  parseSettings,
  planRebuild,
  type DebianArchivePlan,
  type DebianArchiveSettings,
} from "./debian-archive-plan.js";
import { collectBuildResults } from "./debian-archive-results.js";
import { withBuildUmask } from "./debian-archive-umask.js";
import { findExecutable, missingTools } from "./executables.js";
import { installHint } from "./tool-packages.js";
import { checkJob } from "./job-checks.js";
import { StepRunner, type Step } from "./step-runner.js";

const CHROOT_TOOLS = ["apt-get", "dpkg", "mmdebstrap", "unshare", "tar"];
const HOST_TOOLS = ["apt-get", "dpkg", "dpkg-source", "dpkg-checkbuilddeps", "dpkg-parsechangelog", "dpkg-buildpackage"];

async function ok(runner: StepRunner, step: Step): Promise<boolean> {
  return (await withBuildUmask(() => runner.run(step))).ok;
}

/** A short answer of a step (one line), or null when the step failed or gave something else. */
async function answer(runner: StepRunner, step: Step, pattern: RegExp): Promise<string | null> {
  const result = await withBuildUmask(() => runner.capture(step));
  const value = result.output.trim().split("\n").pop() ?? "";
  return result.ok && pattern.test(value) ? value : null;
}

function noteBuildEnvironment(runner: StepRunner, env: Record<string, string | undefined>): void {
  runner.note(`Build environment: umask 022 ${Object.entries(env).map(([key, value]) => `${key}=${value ?? ""}`).join(" ")}`);
}

function failed(runner: StepRunner, message: string, materials: string[] = []): BackendResult {
  return { ...runner.fail(message), materials };
}

export class DebianArchiveBackend implements Backend {
  readonly kind = "debian-archive";
  readonly needsInput = false;
  private readonly settings: DebianArchiveSettings;

  constructor(settings: BackendSettings) {
    this.settings = parseSettings(settings);
  }

  requiredTools(): string[] {
    return this.settings.hostBuild ? HOST_TOOLS : CHROOT_TOOLS;
  }

  async unavailableReason(): Promise<string | null> {
    if (!this.settings.hostBuild && findExecutable("mmdebstrap") === null) {
      return `chroot builds need mmdebstrap; install it (${installHint(["mmdebstrap"])}), or set host_build = true to build on this machine`;
    }
    const missing = missingTools(this.requiredTools());
    if (missing !== null) return missing;
    if (!this.settings.hostBuild && process.getuid?.() !== 0) {
      return "chroot builds need root (mmdebstrap, chroot); run as root, or set host_build = true to build on this machine";
    }
    if (!(await stat(this.settings.keyring).then((s) => s.isFile(), () => false))) return `keyring ${this.settings.keyring} is missing`;
    return null;
  }

  async run(job: BackendJob, options: BackendRunOptions): Promise<BackendResult> {
    checkJob(job, this.needsInput);
    const plan = planRebuild(job, this.settings);
    const runner = new StepRunner(options);
    const where = this.settings.hostBuild ? "on this machine (host_build)" : `in a fresh ${plan.baseSuite} chroot`;
    runner.note(
      `Rebuilding ${plan.source} ${plan.version} (${job.architecture}) ${where} against the archive's current state,\n` +
        `from ${plan.sources.map((s) => `${s.uri} ${s.suite}`).join(", ")}. The build dependencies are today's, not the ones of the original build.`,
    );

    const hostArch = await answer(runner, { command: "dpkg", args: ["--print-architecture"], cwd: job.workDir, env: options.env }, /^[a-z0-9-]+$/);
    if (hostArch === null) return failed(runner, "cannot tell this machine's architecture");
    const buildArch = plan.architecture ?? hostArch;
    if (this.settings.hostBuild && buildArch !== hostArch) {
      return failed(runner, `host_build cannot build ${buildArch} packages on this ${hostArch} machine`);
    }

    const downloads = join(job.workDir, "source");
    await mkdir(downloads, { recursive: true });
    const apt = await createPrivateApt(join(job.workDir, "apt"), plan, this.settings.keyring, options.env);
    if (!(await ok(runner, aptStep(apt, job.workDir, "update")))) return failed(runner, "apt-get update failed");
    if (!(await ok(runner, downloadSourceStep(apt, plan, downloads)))) return failed(runner, `cannot download ${plan.source} ${plan.version} (is it still on the mirror?)`);
    const dsc = join(downloads, plan.dscName);
    const dscBytes = await readFile(dsc).catch(() => null);
    if (dscBytes === null) return failed(runner, `apt-get did not download ${plan.dscName}`);
    runner.note(`${plan.dscName} sha256 ${createHash("sha256").update(dscBytes).digest("hex")}`);

    const buildDir = this.settings.hostBuild
      ? await this.buildOnHost(runner, plan, job, options, dsc)
      : await this.buildInChroot(runner, plan, job, options, downloads, buildArch);
    if (buildDir === null) return failed(runner, "the build failed; no results were copied", [dsc]);
    const built = await collectBuildResults(buildDir, job.outDir);
    runner.note(`Build results: ${built.length > 0 ? built.join(", ") : "none"}`);
    return { ...runner.result(), materials: [dsc] };
  }

  /** Unpacks and builds in a throw-away chroot; returns the directory holding the results. */
  private async buildInChroot(
    runner: StepRunner,
    plan: DebianArchivePlan,
    job: BackendJob,
    options: BackendRunOptions,
    downloads: string,
    buildArch: string,
  ): Promise<string | null> {
    const { keyring } = this.settings;
    const tarball = chrootTarball(job.cacheDir, plan, buildArch, keyring);
    if (!(await ensureChrootTarball(runner, tarball, plan, keyring, job.workDir, options.env))) return null;
    const root = join(job.workDir, "chroot");
    await mkdir(root);
    if (!(await ok(runner, extractStep(tarball.path, root, options.env)))) {
      runner.note(`rebuilder: removing the cached chroot ${tarball.path}, which could not be unpacked; the next build creates it again`);
      await rm(tarball.path, { force: true });
      return null;
    }
    await prepareChroot(root, plan, keyring, (await readdir(downloads)).map((name) => join(downloads, name)));

    const sourceDir = `${BUILD_PATH}/${plan.sourceDir}`;
    const inChroot = (run: ChrootCommand) => chrootStep(root, job.workDir, run);
    const asRoot = (command: string, ...args: string[]) => inChroot({ command, args, wd: "/", asBuildUser: false, env: proxyEnvironment(options.env) });
    const asUser = (wd: string, command: string, args: string[], env?: Record<string, string | undefined>) => inChroot({ command, args, wd, asBuildUser: true, env });
    for (const step of buildUserSteps(root, job.workDir)) if (!(await ok(runner, step))) return null;
    if (!(await ok(runner, asRoot("apt-get", "-q", "update")))) return null;
    if (!(await ok(runner, asRoot("apt-get", "-q", "-y", "dist-upgrade")))) return null;
    if (!(await ok(runner, asUser(BUILD_PATH, "dpkg-source", ["-x", plan.dscName, plan.sourceDir])))) return null;
    if (!(await ok(runner, asRoot("apt-get", "-q", "-y", "--no-install-recommends", "build-dep", buildDependencyScope(plan), sourceDir)))) return null;
    const epoch = await answer(runner, asUser(sourceDir, "dpkg-parsechangelog", ["-STimestamp"]), /^[0-9]+$/);
    if (epoch === null) return null;
    const env = buildEnvironment({}, epoch);
    noteBuildEnvironment(runner, env);
    if (!(await ok(runner, asUser(sourceDir, "dpkg-buildpackage", dpkgBuildpackageArgs(plan), env)))) return null;
    return join(root, BUILD_PATH);
  }

  /** Unpacks and builds on this machine, whose installed packages must satisfy the build dependencies. */
  private async buildOnHost(
    runner: StepRunner,
    plan: DebianArchivePlan,
    job: BackendJob,
    options: BackendRunOptions,
    dsc: string,
  ): Promise<string | null> {
    const buildRoot = join(job.workDir, "build");
    const sourceDir = join(buildRoot, plan.sourceDir);
    await mkdir(buildRoot);
    const env = { PATH: options.env.PATH, HOME: options.env.HOME, LC_ALL: "C.UTF-8" };
    if (!(await ok(runner, { command: "dpkg-source", args: ["-x", dsc, sourceDir], cwd: buildRoot, env }))) return null;
    if (!(await ok(runner, { command: "dpkg-checkbuilddeps", args: [plan.indep ? "-A" : "-B"], cwd: sourceDir, env }))) {
      runner.note(
        "rebuilder: host_build never installs packages on this machine: install the build dependencies listed above, " +
          "or build in a chroot (needs mmdebstrap and root) by removing host_build",
      );
      return null;
    }
    const epoch = await answer(runner, { command: "dpkg-parsechangelog", args: ["-STimestamp"], cwd: sourceDir, env }, /^[0-9]+$/);
    if (epoch === null) return null;
    const buildEnv = buildEnvironment(env, epoch);
    noteBuildEnvironment(runner, buildEnv);
    if (!(await ok(runner, { command: "dpkg-buildpackage", args: dpkgBuildpackageArgs(plan), cwd: sourceDir, env: buildEnv }))) return null;
    return buildRoot;
  }
}
