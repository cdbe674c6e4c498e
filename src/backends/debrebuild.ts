/**
 * Debian through devscripts' debrebuild, as rebuilderd's rebuilder-debian.sh drives it, but as a
 * sequence of programs instead of a shell script:
 *   1. SOURCE = the buildinfo file name before the first `_`; VERSION = its `Version:` field
 *      (epoch kept) without a binNMU `+bN` suffix;
 *   2. a private apt tree next to the buildinfo with deb-src lines for the configured suites,
 *      `apt-get -o Dir=. update`, then `apt-get -o Dir=. source --download-only SOURCE=VERSION`
 *      so the .dsc lies where debrebuild looks for it; `dcmd sha256sum *.dsc` for the log;
 *   3. `nice debrebuild --buildresult=<outDir> --builder=sbuild+unshare --cache=<cacheDir>/debian-cache
 *      -- <buildinfo>` with TMPDIR=/var/tmp (builds need disk, not RAM).
 * The mirror is configuration; nothing here names a host.
 */
import { PACKAGE_NAME as SOURCE_NAME, VERSION } from "../engine/debian-names.js";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Backend, BackendJob, BackendResult, BackendRunOptions, BackendSettings } from "./backend.js";
import { missingTools } from "./executables.js";
import { checkJob, requireInput, UnsafeJobError } from "./job-checks.js";
import { runProcess } from "./process-runner.js";
import { BackendConfigError, stringListSetting, stringSetting } from "./settings.js";
import { StepRunner } from "./step-runner.js";

/** rebuilder-debian.sh's suite list (trixie as stable); `-security` suites come from the security mirror. */
const DEFAULT_SUITES = [
  "trixie",
  "trixie-security",
  "trixie-updates",
  "trixie-proposed-updates",
  "trixie-backports",
  "forky",
  "sid",
  "experimental",
];
const DEFAULT_COMPONENTS = ["main", "non-free-firmware"];
/** Holds the archive, security and release keys of every supported Debian release. */
const DEFAULT_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";
const NO_MIRROR = "debrebuild needs `mirror` (the Debian mirror to download sources from) in its [backend] table";
const MAX_BUILDINFO_BYTES = 16 * 1024 * 1024;
/** Tools the sbuild+unshare builder needs besides debrebuild itself. */
const BUILD_TOOLS = ["apt-get", "dcmd", "nice", "sbuild", "mmdebstrap", "newuidmap"];

const MIRROR_URL = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s\u0000-\u001f\u007f\]\[]+$/;
const SUITE_OR_COMPONENT = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const KEYRING_PATH = /^\/[^\s\u0000-\u001f\u007f\]\[]+$/;

export interface AptSources {
  mirror: string;
  securityMirror: string;
  suites: string[];
  components: string[];
  keyring: string;
}

/** The private sources.list: one deb-src line per suite, `-security` suites from the security mirror. */
export function aptSourcesList(sources: AptSources): string {
  const components = sources.components.join(" ");
  return sources.suites
    .map((suite) => {
      const mirror = suite.endsWith("-security") ? sources.securityMirror : sources.mirror;
      return `deb-src [signed-by=${sources.keyring}] ${mirror} ${suite} ${components}\n`;
    })
    .join("");
}

/** SOURCE and VERSION for `apt-get source`, read like rebuilder-debian.sh reads them. */
export async function sourceToFetch(buildinfoPath: string): Promise<{ source: string; version: string }> {
  const name = basename(buildinfoPath);
  const label = JSON.stringify(name);
  const source = name.split("_")[0] ?? "";
  if (!SOURCE_NAME.test(source)) throw new UnsafeJobError(`${label}: the part before the first "_" is not a Debian source package name`);
  const size = (await stat(buildinfoPath)).size;
  if (size > MAX_BUILDINFO_BYTES) throw new UnsafeJobError(`${label}: ${size} bytes is too large for a .buildinfo file`);
  const text = await readFile(buildinfoPath, "utf8");
  // The first match: a clearsigned buildinfo may carry an armor "Version:" header after the body.
  const field = /^Version: (.*)$/m.exec(text);
  if (field === null) throw new UnsafeJobError(`${label}: no Version field`);
  const version = (field[1] ?? "").trimEnd().replace(/\+b[0-9]+$/, "");
  if (!VERSION.test(version)) throw new UnsafeJobError(`${label}: invalid Version field ${JSON.stringify(field[1])}`);
  return { source, version };
}

/**
 * The options of ours that this debrebuild does not know. Getopt::Long reports each as
 * "Unknown option: <name>" before `--help` prints the usage, in every devscripts version.
 */
export async function unknownDebrebuildOptions(
  debrebuild: string,
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<string[]> {
  const probe = await runProcess({
    command: debrebuild,
    args: ["--buildresult=.", "--builder=sbuild+unshare", "--cache=.", "--help"],
    cwd,
    env,
    timeoutSeconds: 60,
    maxBytes: 64 * 1024,
    killAtLimit: true,
  });
  const text = new TextDecoder().decode(probe.output);
  if (probe.exitCode !== 0 || !text.includes("Usage:")) {
    throw new Error(`${debrebuild} --help failed (exit ${probe.exitCode ?? probe.signal}): ${text.trim().split("\n")[0] ?? ""}`);
  }
  return [...text.matchAll(/^Unknown option: (\S+)$/gm)].map((match) => match[1] ?? "");
}

function checked(value: string, pattern: RegExp, key: string): string {
  if (!pattern.test(value)) throw new BackendConfigError(`${key} ${JSON.stringify(value)} is not valid`);
  return value;
}

export class DebrebuildBackend implements Backend {
  readonly kind = "debrebuild";
  readonly needsInput = true;
  private readonly debrebuild: string;
  private readonly sources: AptSources | null;

  constructor(settings: BackendSettings) {
    this.debrebuild = stringSetting(settings, "path", "debrebuild");
    const mirror = stringSetting(settings, "mirror")?.replace(/\/+$/, "");
    const keyring = checked(stringSetting(settings, "keyring", DEFAULT_KEYRING), KEYRING_PATH, "keyring");
    this.sources =
      mirror === undefined
        ? null
        : {
            mirror: checked(mirror, MIRROR_URL, "mirror"),
            // Debian mirrors serve the security archive next to the main one.
            securityMirror: checked(stringSetting(settings, "security_mirror", `${mirror}-security`), MIRROR_URL, "security_mirror"),
            suites: stringListSetting(settings, "suites", DEFAULT_SUITES).map((s) => checked(s, SUITE_OR_COMPONENT, "suite")),
            components: stringListSetting(settings, "components", DEFAULT_COMPONENTS).map((c) => checked(c, SUITE_OR_COMPONENT, "component")),
            keyring,
          };
  }

  requiredTools(): string[] {
    return [this.debrebuild, ...BUILD_TOOLS];
  }

  async unavailableReason(): Promise<string | null> {
    if (this.sources === null) return NO_MIRROR;
    const missing = missingTools(this.requiredTools());
    if (missing !== null) return missing;
    try {
      await stat(this.sources.keyring);
    } catch {
      return `keyring ${this.sources.keyring} is missing`;
    }
    return null;
  }

  async run(job: BackendJob, options: BackendRunOptions): Promise<BackendResult> {
    checkJob(job, this.needsInput);
    if (this.sources === null) throw new BackendConfigError(NO_MIRROR);
    const buildinfo = requireInput(job);
    const { source, version } = await sourceToFetch(buildinfo);
    const inputs = dirname(buildinfo);
    const env = { ...options.env, REBUILDERD_OUTDIR: job.outDir, TMPDIR: "/var/tmp" };
    const runner = new StepRunner(options);
    runner.note(`Rebuilding ${basename(buildinfo)} with debrebuild, using the build dependencies it records.`);
    runner.note(`Source: ${source}\nVersion: ${version}`);

    const buildArgs = [`--buildresult=${job.outDir}`, "--builder=sbuild+unshare"];
    const unknown = await unknownDebrebuildOptions(this.debrebuild, env, inputs);
    const unsupported = unknown.filter((option) => option !== "cache");
    if (unsupported.length > 0) throw new Error(`${this.debrebuild} does not support --${unsupported.join(", --")}`);
    if (unknown.includes("cache")) {
      runner.note("This debrebuild has no --cache option (devscripts too old); downloaded packages are not kept between builds.");
    } else {
      const cache = join(job.cacheDir, "debian-cache");
      await mkdir(cache, { recursive: true });
      buildArgs.push(`--cache=${cache}`);
    }

    await mkdir(join(inputs, "etc", "apt"), { recursive: true });
    await mkdir(join(inputs, "var", "lib", "apt", "lists"), { recursive: true });
    await writeFile(join(inputs, "etc", "apt", "sources.list"), aptSourcesList(this.sources));
    const apt = (...args: string[]) => ({ command: "apt-get", args: ["-o", "Dir=.", ...args], cwd: inputs, env });
    const wanted = `${source}=${version}`;
    if (!(await runner.run(apt("update", "-q"))).ok) return runner.result();
    if (!(await runner.run(apt("source", "-qq", "--print-uris", wanted))).ok) return runner.result();
    const before = new Set(await readdir(inputs));
    if (!(await runner.run(apt("source", "-qq", "--download-only", wanted))).ok) return runner.result();
    const present = (await readdir(inputs)).sort();
    const downloaded = present.filter((name) => !before.has(name));
    const dscs = present.filter((name) => name.endsWith(".dsc"));
    // Like the script's unmatched glob, a missing .dsc reaches dcmd literally and fails there.
    if (!(await runner.run({ command: "dcmd", args: ["sha256sum", ...(dscs.length > 0 ? dscs : ["*.dsc"])], cwd: inputs, env })).ok) {
      return runner.result();
    }

    runner.note(`Rebuilding ${wanted} in ${inputs} now.`);
    await runner.run({ command: "nice", args: [this.debrebuild, ...buildArgs, "--", buildinfo], cwd: inputs, env });
    return { ...runner.result(), materials: [buildinfo, ...downloaded.map((name) => join(inputs, name))] };
  }
}
