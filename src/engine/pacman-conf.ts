/**
 * This machine's pacman configuration: the repositories of `/etc/pacman.conf` with the first
 * mirror each one uses, where the default Arch sync profile comes from. `Include =` files are
 * read under the same root, so a fixture tree stands in for a whole machine.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface PacmanRepo {
  name: string;
  /** The first uncommented `Server =` of the section or its `Include` files, a `$repo`/`$arch` template; null if none. */
  server: string | null;
}

export interface PacmanConf {
  /** The first `Architecture` of `[options]`; null for `auto` or when unset (pacman then uses the machine's). */
  architecture: string | null;
  /** `GPGDir` of `[options]`, the pacman keyring directory. */
  gpgDir: string;
  repos: PacmanRepo[];
}

function settings(text: string): { section: string | null; key: string; value: string }[] {
  const out: { section: string | null; key: string; value: string }[] = [];
  let section: string | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!.trim();
    const setting = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line);
    if (setting) out.push({ section, key: setting[1]!, value: setting[2]!.trim() });
  }
  return out;
}

/** Reads `<root>/etc/pacman.conf`; null when there is none. `Include` paths are resolved under `root`. */
export function readPacmanConf(root = "/"): PacmanConf | null {
  let text: string;
  try {
    text = readFileSync(join(root, "etc/pacman.conf"), "utf8");
  } catch {
    return null;
  }
  const conf: PacmanConf = { architecture: null, gpgDir: "/etc/pacman.d/gnupg", repos: [] };
  for (const { section, key, value } of settings(text)) {
    if (section === "options") {
      const first = value.split(/\s+/)[0]!;
      if (key === "Architecture" && first !== "auto") conf.architecture = first;
      if (key === "GPGDir") conf.gpgDir = value.replace(/\/+$/, "");
      continue;
    }
    if (section === null) continue;
    let repo = conf.repos.find((r) => r.name === section);
    if (!repo) conf.repos.push((repo = { name: section, server: null }));
    if (repo.server !== null) continue;
    if (key === "Server") repo.server = value;
    if (key === "Include") repo.server = firstServer(join(root, value));
  }
  return conf;
}

function firstServer(file: string): string | null {
  try {
    return settings(readFileSync(file, "utf8")).find((s) => s.key === "Server")?.value ?? null;
  } catch {
    return null;
  }
}
