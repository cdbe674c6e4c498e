/**
 * What the debian-archive backend rebuilds, worked out from the job's metadata alone: the source
 * package and version to fetch, the suites and mirrors to fetch it and its build dependencies
 * from, and how dpkg-buildpackage is asked to build. Everything here is checked against Debian
 * Policy before any file is written or any program started.
 */
import { ARCHITECTURE, PACKAGE_NAME as SOURCE_NAME, VERSION } from "../engine/debian-names.js";
import type { BackendJob, BackendSettings } from "./backend.js";
import { UnsafeJobError } from "./job-checks.js";
import { BackendConfigError, stringListSetting, stringSetting } from "./settings.js";

/** Holds the archive, security and release keys of every supported Debian release. */
export const DEFAULT_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";

const SUITE = /^[a-z0-9][a-z0-9.+-]*$/;
const COMPONENT = /^[a-z0-9][a-z0-9-]*$/;
/** A URL that cannot break out of a sources.list line (no spaces, brackets or control characters). */
const MIRROR_URL = /^(?:https?|file):\/\/[^\s\u0000-\u001f\u007f[\]#"'\\]+$/;
const KEYRING_PATH = /^\/[A-Za-z0-9._+/-]+$/;
/** Suites that only carry updates on top of the release they are named after. */
const OVERLAY_SUITE = /^(.+?)-(updates|security|proposed-updates|backports|backports-sloppy)$/;

export interface DebianArchiveSettings {
  /** Main archive (…/debian); by default the part of the artifact URLs before `/pool/`. */
  mirror?: string;
  /** Security archive; by default the main archive's URL with `-security` appended. */
  securityMirror?: string;
  /** Suites to fetch from, most specific first; the last one is the chroot's base release. */
  suites?: string[];
  components?: string[];
  keyring: string;
  /** Build on this machine instead of a throw-away chroot (never installs build dependencies). */
  hostBuild: boolean;
}

export interface AptSource {
  uri: string;
  suite: string;
  components: string[];
}

export interface DebianArchivePlan {
  source: string;
  /** The source version (epoch kept, binNMU suffix removed). */
  version: string;
  /** `<source>_<version without epoch>.dsc`, the file `apt-get source` downloads. */
  dscName: string;
  /** `<source>-<upstream version>`, the directory dpkg-source unpacks into. */
  sourceDir: string;
  /** `deb`/`deb-src` entries, the job's release first and its base release last. */
  sources: AptSource[];
  baseSuite: string;
  /** Debian's buildds build arch:all packages with -A and arch-specific ones with -B. */
  indep: boolean;
  /** The job's architecture; null for arch:all (built on the machine's own architecture). */
  architecture: string | null;
}

function checkSetting(value: string, pattern: RegExp, key: string): string {
  if (!pattern.test(value)) throw new BackendConfigError(`${key} ${JSON.stringify(value)} is not valid`);
  return value;
}

export function parseSettings(settings: BackendSettings): DebianArchiveSettings {
  const hostBuild = settings.host_build ?? false;
  if (typeof hostBuild !== "boolean") throw new BackendConfigError("host_build must be true or false");
  const mirror = stringSetting(settings, "mirror");
  const securityMirror = stringSetting(settings, "security_mirror");
  const suites = settings.suites === undefined ? undefined : stringListSetting(settings, "suites", []);
  const components = settings.components === undefined ? undefined : stringListSetting(settings, "components", []);
  if (suites?.length === 0) throw new BackendConfigError("suites must not be empty");
  if (components?.length === 0) throw new BackendConfigError("components must not be empty");
  return {
    mirror: mirror === undefined ? undefined : checkSetting(mirror.replace(/\/+$/, ""), MIRROR_URL, "mirror"),
    securityMirror: securityMirror === undefined ? undefined : checkSetting(securityMirror.replace(/\/+$/, ""), MIRROR_URL, "security_mirror"),
    suites: suites?.map((suite) => checkSetting(suite, SUITE, "suite")),
    components: components?.map((component) => checkSetting(component, COMPONENT, "component")),
    keyring: checkSetting(stringSetting(settings, "keyring", DEFAULT_KEYRING), KEYRING_PATH, "keyring"),
    hostBuild,
  };
}

function checkJobValue(job: BackendJob, what: string, value: string, pattern: RegExp): string {
  if (!pattern.test(value) || value.length > 200) {
    throw new UnsafeJobError(`job ${job.queueId}: ${what} ${JSON.stringify(value)} is not a valid Debian ${what}`);
  }
  return value;
}

/** The source version of a binNMU (`1.2-3+b1` → `1.2-3`); binNMUs rebuild an unchanged source. */
export function stripBinNmu(version: string): string {
  return version.replace(/\+b[0-9]+$/, "");
}

/** `bookworm-updates` → [bookworm-updates, bookworm]; `bookworm-backports-sloppy` also needs bookworm-backports. */
export function suiteChain(release: string): string[] {
  if (release === "experimental") return ["experimental", "sid"];
  const overlay = OVERLAY_SUITE.exec(release);
  if (overlay === null) return [release];
  const [, base = "", kind] = overlay;
  return kind === "backports-sloppy" ? [release, `${base}-backports`, base] : [release, base];
}

/** The archive root and component of a pool URL: `<mirror>/pool/[updates/]<component>/…`. */
function splitPoolUrl(job: BackendJob, url: string): { mirror: string; component: string } {
  const at = url.indexOf("/pool/");
  const component = /^(?:updates\/)?([^/]+)\//.exec(url.slice(at + "/pool/".length))?.[1];
  if (at < 0 || component === undefined) throw new UnsafeJobError(`job ${job.queueId}: artifact URL ${JSON.stringify(url)} is not in a Debian pool`);
  return { mirror: checkJobValue(job, "mirror URL", url.slice(0, at), MIRROR_URL), component: checkJobValue(job, "component", component, COMPONENT) };
}

/** Main and security archive: from the settings, else from where the published artifacts live. */
function mirrorsOf(job: BackendJob, settings: DebianArchiveSettings): { main: string; security: string; components: string[] } {
  const pools = job.artifacts.map((artifact) => splitPoolUrl(job, artifact.url));
  const found = [...new Set(pools.map((pool) => pool.mirror))];
  if (found.length > 1) throw new UnsafeJobError(`job ${job.queueId}: artifacts come from several archives: ${found.join(", ")}`);
  let main = settings.mirror;
  let security = settings.securityMirror;
  const derived = found[0];
  if (derived !== undefined && main === undefined) {
    // Debian mirrors serve the security archive next to the main one (…/debian, …/debian-security).
    if (derived.endsWith("-security")) {
      main = derived.slice(0, -"-security".length);
      security ??= derived;
    } else {
      main = derived;
    }
  }
  if (main === undefined) throw new BackendConfigError(`job ${job.queueId}: no mirror setting and no artifact URL to take the mirror from`);
  const components = settings.components ?? ["main", ...new Set(pools.map((pool) => pool.component).filter((c) => c !== "main"))];
  return { main, security: security ?? `${main}-security`, components };
}

/** Checks the job and works out the rebuild; throws before anything runs when a value is unsafe. */
export function planRebuild(job: BackendJob, settings: DebianArchiveSettings): DebianArchivePlan {
  const source = checkJobValue(job, "source package name", job.name, SOURCE_NAME);
  const version = stripBinNmu(checkJobValue(job, "version", job.version, VERSION));
  const architecture = checkJobValue(job, "architecture", job.architecture, ARCHITECTURE);
  if (job.release === null && settings.suites === undefined) {
    throw new BackendConfigError(`job ${job.queueId} has no release; set suites for this backend`);
  }
  const suites = settings.suites ?? suiteChain(checkJobValue(job, "release", job.release ?? "", SUITE));
  const mirrors = mirrorsOf(job, settings);
  const withoutEpoch = version.replace(/^[0-9]+:/, "");
  const dash = withoutEpoch.lastIndexOf("-");
  return {
    source,
    version,
    dscName: `${source}_${withoutEpoch}.dsc`,
    sourceDir: `${source}-${dash < 0 ? withoutEpoch : withoutEpoch.slice(0, dash)}`,
    sources: suites.map((suite) => ({
      uri: suite.endsWith("-security") ? mirrors.security : mirrors.main,
      suite,
      components: mirrors.components,
    })),
    baseSuite: suites[suites.length - 1] ?? "",
    indep: architecture === "all",
    architecture: architecture === "all" ? null : architecture,
  };
}

/** One-line-style sources.list entries, each verified against `keyring`. */
export function sourcesList(sources: AptSource[], keyring: string, types: ("deb" | "deb-src")[]): string {
  return sources
    .flatMap((entry) => types.map((type) => `${type} [signed-by=${keyring}] ${entry.uri} ${entry.suite} ${entry.components.join(" ")}\n`))
    .join("");
}

/** `-A`/`-B` as the buildds use them; -us -uc: nothing is signed; --sanitize-env: umask 022 and a C collation. */
export function dpkgBuildpackageArgs(plan: DebianArchivePlan): string[] {
  return [plan.indep ? "-A" : "-B", "-us", "-uc", "--sanitize-env"];
}

/** The build dependencies dpkg-buildpackage -A/-B needs (Build-Depends plus -Indep or -Arch). */
export function buildDependencyScope(plan: DebianArchivePlan): "--indep-only" | "--arch-only" {
  return plan.indep ? "--indep-only" : "--arch-only";
}

/**
 * The build's environment, like a buildd's: C.UTF-8, UTC, the changelog's date as
 * SOURCE_DATE_EPOCH and no DEB_BUILD_OPTIONS (no nocheck, no parallel).
 */
export function buildEnvironment(base: Record<string, string | undefined>, sourceDateEpoch: string): Record<string, string | undefined> {
  return { ...base, LC_ALL: "C.UTF-8", TZ: "UTC", SOURCE_DATE_EPOCH: sourceDateEpoch, DEB_BUILD_OPTIONS: "" };
}
