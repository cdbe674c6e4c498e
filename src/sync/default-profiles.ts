/**
 * The sync profiles a user gets with no configuration: what this machine's package manager
 * follows for the release it runs. Debian and Ubuntu: every suite of the release in the apt
 * sources (updates, security, backports, … each from its own mirror), with the machine's
 * architecture and `all`; Arch: the repositories of pacman.conf with their first mirror.
 * Everything is read under `root`, so a fixture tree stands in for a machine.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { cachedAptRelease, readAptSources } from "../engine/apt-sources.js";
import { readPacmanConf } from "../engine/pacman-conf.js";
import { DEFAULT_KEYRING } from "./debian/release-files.js";
import { ConfigError } from "./profiles.js";
import type { SyncProfile } from "./types.js";

/** Nothing could be detected; the message says what was found. */
export class NoDefaultProfileError extends ConfigError {}

export interface DefaultProfiles {
  profiles: SyncProfile[];
  /** Sources the package manager follows that the profiles leave out, one line for all. */
  warnings: string[];
}

interface AptDistro {
  distro: string;
  keyring: string;
  /** The Origin of its Release files, when apt has one cached. */
  origin: RegExp;
  /** Its archives' URI shape, when apt has no Release file cached. */
  archive: RegExp;
  /** Suites of a release besides the release itself: `<codename>-<pocket>`. */
  pockets: string[];
}

const APT_DISTROS: Record<string, AptDistro> = {
  debian: {
    distro: "debian",
    keyring: DEFAULT_KEYRING,
    origin: /^Debian( Backports)?$/,
    archive: /\/debian(-security)?\/?$/,
    pockets: ["updates", "security", "backports", "backports-sloppy", "proposed-updates"],
  },
  ubuntu: {
    distro: "ubuntu",
    keyring: "/usr/share/keyrings/ubuntu-archive-keyring.gpg",
    origin: /^Ubuntu$/,
    archive: /\/ubuntu(-ports)?\/?$/,
    pockets: ["updates", "security", "backports", "proposed"],
  },
};

function readOsRelease(root: string): { file: string; fields: Record<string, string> } | null {
  for (const p of ["etc/os-release", "usr/lib/os-release"]) {
    const file = join(root, p);
    if (!existsSync(file)) continue;
    const fields: Record<string, string> = {};
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (m) fields[m[1]!] = m[2]!.replace(/^"(.*)"$/, "$1");
    }
    return { file, fields };
  }
  return null;
}

function nodeArch(): { debian: string; arch: string } {
  switch (process.arch) {
    case "x64":
      return { debian: "amd64", arch: "x86_64" };
    case "arm64":
      return { debian: "arm64", arch: "aarch64" };
    case "ia32":
      return { debian: "i386", arch: "i686" };
    default:
      return { debian: process.arch, arch: process.arch };
  }
}

/** dpkg's own answer on this machine; under a fixture root (or without dpkg) the mapping of node's arch. */
function debianArchitecture(root: string): string {
  if (root === "/") {
    try {
      return execFileSync("dpkg", ["--print-architecture"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      // no dpkg: fall through to node's view of the machine
    }
  }
  return nodeArch().debian;
}

function profile(fields: Pick<SyncProfile, "name" | "distro" | "sync_method" | "components" | "releases" | "architectures" | "source"> & { keyring?: string }): SyncProfile {
  return { ...fields, include: [], maintainers: [], pkgs: [], excludes: [], verify_signature: true };
}

/** Numbers the profiles after the first, so each keeps its own scopes. */
function profileName(base: string, index: number): string {
  return index === 0 ? base : `${base}-${index + 1}`;
}

interface FollowedSuite {
  uri: string;
  suite: string;
  components: string[];
  keyring: string;
}

function aptProfiles(root: string, osFile: string, codename: string, family: AptDistro): DefaultProfiles {
  const aptEtc = join(root, "etc/apt");
  const lists = join(root, "var/lib/apt/lists");
  const ownSuite = new RegExp(`^${codename}(?:-(?:${family.pockets.join("|")}))?$`);
  const followed = new Map<string, FollowedSuite>();
  const leftOut: string[] = [];
  const warnings: string[] = [];
  const sources = readAptSources(aptEtc);
  for (const src of sources) {
    const uri = src.uri.replace(/\/+$/, "");
    for (const suite of src.suites) {
      const cached = cachedAptRelease(lists, uri, suite);
      const ofRelease = ownSuite.test(suite) || (cached?.codename !== undefined && ownSuite.test(cached.codename));
      const ofDistro = cached?.origin !== undefined ? family.origin.test(cached.origin) : family.archive.test(uri);
      if (!ofRelease || !ofDistro) {
        leftOut.push(`${uri} ${suite}`);
        continue;
      }
      // The security archive lists its components as "updates/main"; its paths are "main/…".
      const offered = cached?.components.map((c) => c.replace(/^updates\//, "")) ?? [];
      const components = offered.length ? src.components.filter((c) => offered.includes(c)) : src.components;
      const known = followed.get(suite);
      if (known && known.uri !== uri) {
        warnings.push(`${uri} ${suite}: left out, ${suite} is already followed from ${known.uri}`);
      } else if (known) {
        known.components = [...new Set([...known.components, ...components])];
      } else if (components.length) {
        followed.set(suite, { uri, suite, components, keyring: join(root, src.signedBy ?? family.keyring) });
      }
    }
  }
  if (leftOut.length) warnings.unshift(`left out ${leftOut.length} third-party or other-release apt sources: ${leftOut.join(", ")}`);
  if (followed.size === 0) {
    throw new NoDefaultProfileError(
      `${osFile} says ${family.distro} ${codename}, but no apt source under ${aptEtc} follows it` +
        (sources.length ? ` (found: ${leftOut.join(", ")})` : " (found no enabled deb source)"),
    );
  }
  // One profile per set of components and keyring: a profile asks every release for all its components.
  const groups = new Map<string, FollowedSuite[]>();
  for (const f of followed.values()) {
    const key = `${f.components.join(" ")}\n${f.keyring}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const architectures = [debianArchitecture(root), "all"];
  const profiles = [...groups.values()].map((suites, i) =>
    profile({
      name: profileName(`${family.distro}-${codename}`, i),
      distro: family.distro,
      sync_method: "debian",
      components: suites[0]!.components,
      releases: suites.map((s) => (s.uri === suites[0]!.uri ? { name: s.suite } : { name: s.suite, source: s.uri })),
      architectures,
      source: suites[0]!.uri,
      keyring: suites[0]!.keyring,
    }),
  );
  return { profiles, warnings };
}

function pacmanProfiles(root: string): DefaultProfiles {
  const conf = readPacmanConf(root);
  if (!conf) throw new NoDefaultProfileError(`${join(root, "etc/pacman.conf")} not found`);
  const warnings: string[] = [];
  const unserved = conf.repos.filter((r) => r.server === null).map((r) => r.name);
  if (unserved.length) warnings.push(`left out ${unserved.length} pacman repositories without a Server: ${unserved.join(", ")}`);
  const byServer = new Map<string, string[]>();
  for (const repo of conf.repos) if (repo.server !== null) byServer.set(repo.server, [...(byServer.get(repo.server) ?? []), repo.name]);
  if (byServer.size === 0) throw new NoDefaultProfileError(`${join(root, "etc/pacman.conf")} has no repository with a Server`);
  // Without the pacman keyring the profile carries none, and the Arch sync says it syncs unverified.
  const keyring = ["pubring.gpg", "pubring.kbx"].map((f) => join(root, conf.gpgDir, f)).find((f) => existsSync(f));
  const profiles = [...byServer].map(([server, repos], i) =>
    profile({
      name: profileName("archlinux", i),
      distro: "archlinux",
      sync_method: "archlinux",
      components: repos,
      releases: [],
      architectures: [conf.architecture ?? nodeArch().arch],
      source: server,
      ...(keyring ? { keyring } : {}),
    }),
  );
  return { profiles, warnings };
}

/** The default profiles for the machine under `root`; NoDefaultProfileError says what was found when there are none. */
export function detectDefaultProfiles(root = "/"): DefaultProfiles {
  const os = readOsRelease(root);
  if (!os) throw new NoDefaultProfileError(`no os-release under ${root} (looked for etc/os-release and usr/lib/os-release)`);
  const { ID: id, ID_LIKE: like = "", VERSION_CODENAME: codename, PRETTY_NAME: pretty } = os.fields;
  const family = id ? APT_DISTROS[id] : undefined;
  if (family) {
    if (!codename) throw new NoDefaultProfileError(`${os.file} names ${id} but no VERSION_CODENAME`);
    return aptProfiles(root, os.file, codename, family);
  }
  if (id === "arch" || like.split(/\s+/).includes("arch")) return pacmanProfiles(root);
  throw new NoDefaultProfileError(
    `${os.file} says ${pretty ?? id ?? "nothing about the distribution"}; default profiles are known for Debian, Ubuntu and Arch Linux`,
  );
}

/**
 * The machine whose package manager settings the default profiles follow: `/`, or the directory
 * in REBUILDER_SYSTEM_ROOT (a fixture tree standing in for a machine, as the CLI tests use),
 * made absolute once when a command starts.
 */
export function systemRoot(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.REBUILDER_SYSTEM_ROOT || "/");
}

/**
 * The default profiles of the machine under `root` for a user whose sync config `syncConfig`
 * does not exist; when there are none, the error says what was found and what to write there.
 */
export function machineDefaultProfiles(root: string, syncConfig: string): DefaultProfiles {
  try {
    return detectDefaultProfiles(root);
  } catch (err) {
    throw err instanceof NoDefaultProfileError ? defaultProfileHelp(err, syncConfig) : err;
  }
}

function defaultProfileHelp(err: NoDefaultProfileError, syncConfig: string): ConfigError {
  return new ConfigError(
    `cannot detect a default sync profile: ${err.message}.\n` +
      `Write your profiles to ${syncConfig} (or pass --sync-config <file>), for example:\n` +
      `  [profile."debian-bookworm"]\n` +
      `  distro = "debian"\n` +
      `  source = "https://<mirror>/debian"\n` +
      `  releases = ["bookworm", "bookworm-updates", { name = "bookworm-security", source = "https://<mirror>/debian-security" }]\n` +
      `  components = ["main"]\n` +
      `  architectures = ["amd64", "all"]\n` +
      `(Arch Linux: distro = "archlinux", source = "https://<mirror>/$repo/os/$arch", components = ["core", "extra"], architectures = ["x86_64"])`,
  );
}
