/**
 * Sync profiles in rebuilderd-sync.conf form (`[profile."<name>"]`, reference §9.3); the default
 * profiles for a user without any are in default-profiles.ts.
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import type { IncludeRule, ReleaseSpec, SyncProfile } from "./types.js";

export class ConfigError extends Error {}

const KNOWN_KEYS = new Set([
  "distro",
  "sync_method",
  "components",
  "releases",
  "architectures",
  "source",
  "include",
  "maintainers",
  "pkgs",
  "excludes",
  "verify_signature",
  "keyring",
  "buildinfo_source",
  "check_valid_until",
]);
const RULE_KEYS = new Set(["exclude", "component", "binary_pkgs", "source_pkgs", "maintainer"]);
const REMOVED_KEYS: Record<string, string> = { suite: "releases", architecture: "architectures" };

type Table = Record<string, unknown>;

function expect<T>(file: string, where: string, value: unknown, type: "string" | "boolean" | "string[]"): T {
  const ok =
    type === "string[]" ? Array.isArray(value) && value.every((v) => typeof v === "string") : typeof value === type;
  if (!ok) throw new ConfigError(`${file}: ${where} must be ${type === "string[]" ? "a list of strings" : `a ${type}`}`);
  return value as T;
}

function parseRule(file: string, where: string, raw: unknown, warnings: string[]): IncludeRule {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ConfigError(`${file}: ${where} must be a table`);
  const t = raw as Table;
  for (const key of Object.keys(t)) if (!RULE_KEYS.has(key)) warnings.push(`${file}: unknown key ${where}.${key}, ignored`);
  const rule: IncludeRule = { exclude: t.exclude === undefined ? false : expect<boolean>(file, `${where}.exclude`, t.exclude, "boolean") };
  if (t.component !== undefined) rule.component = expect<string>(file, `${where}.component`, t.component, "string");
  if (t.binary_pkgs !== undefined) rule.binary_pkgs = expect<string[]>(file, `${where}.binary_pkgs`, t.binary_pkgs, "string[]");
  if (t.source_pkgs !== undefined) rule.source_pkgs = expect<string[]>(file, `${where}.source_pkgs`, t.source_pkgs, "string[]");
  if (t.maintainer !== undefined) rule.maintainer = expect<string>(file, `${where}.maintainer`, t.maintainer, "string");
  return rule;
}

function parseReleases(file: string, where: string, raw: unknown): ReleaseSpec[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new ConfigError(`${file}: ${where} must be a list`);
  return raw.map((r, i) => {
    if (typeof r === "string") return { name: r };
    if (typeof r === "object" && r !== null && typeof (r as Table).name === "string") {
      const t = r as Table;
      if (t.source !== undefined && typeof t.source !== "string") throw new ConfigError(`${file}: ${where}[${i}].source must be a string`);
      return { name: t.name as string, ...(t.source !== undefined ? { source: t.source as string } : {}) };
    }
    throw new ConfigError(`${file}: ${where}[${i}] must be a release name or { name = "...", source = "..." }`);
  });
}

export function parseProfile(file: string, name: string, raw: unknown, warnings: string[]): SyncProfile {
  const where = `[profile."${name}"]`;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ConfigError(`${file}: ${where} must be a table`);
  const t = raw as Table;
  for (const key of Object.keys(t)) {
    if (REMOVED_KEYS[key]) warnings.push(`${file}: ${where} key "${key}" was removed from rebuilderd, use "${REMOVED_KEYS[key]}"; ignored`);
    else if (!KNOWN_KEYS.has(key)) warnings.push(`${file}: unknown key ${where}.${key}, ignored`);
  }
  if (t.distro === undefined) throw new ConfigError(`${file}: ${where} needs "distro"`);
  if (t.source === undefined) throw new ConfigError(`${file}: ${where} needs "source"`);
  const list = (key: string) => (t[key] === undefined ? [] : expect<string[]>(file, `${where}.${key}`, t[key], "string[]"));
  const distro = expect<string>(file, `${where}.distro`, t.distro, "string");
  const include = t.include === undefined ? [] : t.include;
  if (!Array.isArray(include)) throw new ConfigError(`${file}: ${where}.include must be a list of rules`);
  return {
    name,
    distro,
    sync_method: t.sync_method === undefined ? distro : expect<string>(file, `${where}.sync_method`, t.sync_method, "string"),
    components: list("components"),
    releases: parseReleases(file, `${where}.releases`, t.releases),
    architectures: list("architectures"),
    source: expect<string>(file, `${where}.source`, t.source, "string"),
    include: include.map((r, i) => parseRule(file, `${where}.include[${i}]`, r, warnings)),
    maintainers: list("maintainers"),
    pkgs: list("pkgs"),
    excludes: list("excludes"),
    verify_signature: t.verify_signature === undefined ? true : expect<boolean>(file, `${where}.verify_signature`, t.verify_signature, "boolean"),
    ...(t.keyring !== undefined ? { keyring: expect<string>(file, `${where}.keyring`, t.keyring, "string") } : {}),
    ...(t.check_valid_until !== undefined
      ? { check_valid_until: expect<boolean>(file, `${where}.check_valid_until`, t.check_valid_until, "boolean") }
      : {}),
    ...(t.buildinfo_source !== undefined
      ? { buildinfo_source: expect<string>(file, `${where}.buildinfo_source`, t.buildinfo_source, "string") }
      : {}),
  };
}

export function parseSyncConfig(text: string, file: string): { profiles: SyncProfile[]; warnings: string[] } {
  let doc: Table;
  try {
    doc = parseToml(text) as Table;
  } catch (err) {
    throw new ConfigError(`${file}: not valid TOML: ${(err as Error).message.split("\n")[0]}`);
  }
  const warnings: string[] = [];
  for (const key of Object.keys(doc)) if (key !== "profile") warnings.push(`${file}: unknown key ${key}, ignored`);
  const profiles = doc.profile ?? {};
  if (typeof profiles !== "object" || Array.isArray(profiles)) throw new ConfigError(`${file}: "profile" must be a table of profiles`);
  return { profiles: Object.entries(profiles).map(([name, raw]) => parseProfile(file, name, raw, warnings)), warnings };
}

/** A keyring or a local source written relative in a sync config means relative to the config's folder. */
function resolveProfilePaths(profile: SyncProfile, dir: string): SyncProfile {
  const local = (value: string) => (isAbsolute(value) || URL_SCHEME.test(value) ? value : resolve(dir, value));
  return {
    ...profile,
    source: local(profile.source),
    releases: profile.releases.map((r) => (r.source === undefined ? r : { ...r, source: local(r.source) })),
    ...(profile.keyring !== undefined ? { keyring: local(profile.keyring) } : {}),
  };
}

const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** Loads a sync config; `file` is made absolute, and so are the paths inside it. */
export function loadSyncConfig(given: string): { profiles: SyncProfile[]; warnings: string[] } {
  const file = resolve(given);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code === "ENOENT" ? "; check the --sync-config path" : "; check that it is a readable file";
    throw new ConfigError(`${file}: cannot read sync config: ${code ?? (err as Error).message}${hint}`);
  }
  const parsed = parseSyncConfig(text, file);
  return { ...parsed, profiles: parsed.profiles.map((p) => resolveProfilePaths(p, dirname(file))) };
}

export function selectProfiles(all: SyncProfile[], names: string[], file: string): SyncProfile[] {
  if (names.length === 0) return all;
  return names.map((n) => {
    const p = all.find((x) => x.name === n);
    if (!p) throw new ConfigError(`${file}: no profile "${n}" (have: ${all.map((x) => x.name).join(", ") || "none"})`);
    return p;
  });
}
