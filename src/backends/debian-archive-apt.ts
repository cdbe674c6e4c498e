/**
 * A private apt for fetching sources: its own configuration, sources list, lists, cache and (empty)
 * dpkg status under one directory. APT_CONFIG points at its apt.conf, which moves `Dir` there
 * before apt reads any other configuration, so the machine's /etc/apt and /var/lib/apt are never
 * read for settings nor written. Index files are verified with the keyring named in the sources.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sourcesList, type DebianArchivePlan } from "./debian-archive-plan.js";
import type { Step } from "./step-runner.js";

export interface PrivateApt {
  root: string;
  /** Environment for apt-get: the caller's plus APT_CONFIG and a fixed locale. */
  env: Record<string, string | undefined>;
}

/** apt.conf strings are double-quoted and cannot escape a quote. */
function aptString(value: string): string {
  if (/["\u0000-\u001f]/.test(value)) throw new Error(`cannot use ${JSON.stringify(value)} in an apt configuration`);
  return `"${value}"`;
}

export async function createPrivateApt(
  root: string,
  plan: DebianArchivePlan,
  keyring: string,
  env: Record<string, string | undefined>,
): Promise<PrivateApt> {
  for (const dir of ["etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/sources.list.d", "etc/apt/trusted.gpg.d", "var/lib/apt/lists/partial", "var/cache/apt/archives/partial", "var/lib/dpkg", "var/log/apt"]) {
    await mkdir(join(root, dir), { recursive: true });
  }
  await writeFile(join(root, "var/lib/dpkg/status"), "");
  await writeFile(join(root, "etc/apt/sources.list"), sourcesList(plan.sources, keyring, ["deb", "deb-src"]));
  const config = join(root, "etc/apt/apt.conf");
  await writeFile(
    config,
    [
      `Dir ${aptString(`${root}/`)};`,
      `Dir::State::status ${aptString(join(root, "var/lib/dpkg/status"))};`,
      // Translations are not needed to fetch a source package.
      `Acquire::Languages "none";`,
      "",
    ].join("\n"),
  );
  return { root, env: { ...env, APT_CONFIG: config, LC_ALL: "C.UTF-8" } };
}

export function aptStep(apt: PrivateApt, cwd: string, ...args: string[]): Step {
  return { command: "apt-get", args: ["-q", ...args], cwd, env: apt.env };
}

/** `apt-get source --download-only <source>=<version>` into `cwd`, checked against the signed Sources index. */
export function downloadSourceStep(apt: PrivateApt, plan: DebianArchivePlan, cwd: string): Step {
  return aptStep(apt, cwd, "source", "--download-only", `${plan.source}=${plan.version}`);
}
