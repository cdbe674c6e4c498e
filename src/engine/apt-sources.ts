/**
 * This machine's apt sources (deb822 `*.sources` files and one-line `sources.list` files) and the
 * Release files apt has cached for them: where the default sync profiles and the debian-archive
 * backend find their mirrors, so that nothing has to name a mirror host. Only enabled `deb`
 * entries count.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface AptSource {
  uri: string;
  suites: string[];
  components: string[];
  /** The `Signed-By` keyring file, when the entry names one (an inline key block is not a file). */
  signedBy?: string;
}

/** The header of a Release file apt fetched for one source suite. */
export interface AptRelease {
  origin?: string;
  label?: string;
  codename?: string;
  suite?: string;
  components: string[];
}

function keyringFile(value: string | undefined): { signedBy?: string } {
  return value?.startsWith("/") ? { signedBy: value } : {};
}

function deb822Sources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const paragraph of text.split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>();
    for (const line of paragraph.split("\n")) {
      const field = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (field) fields.set(field[1]!.toLowerCase(), field[2]!.trim());
    }
    const list = (key: string) => (fields.get(key) ?? "").split(/\s+/).filter(Boolean);
    if (fields.get("enabled")?.toLowerCase() === "no" || !list("types").includes("deb")) continue;
    for (const uri of list("uris")) {
      out.push({ uri, suites: list("suites"), components: list("components"), ...keyringFile(fields.get("signed-by")) });
    }
  }
  return out;
}

function oneLineSources(text: string): AptSource[] {
  return text.split("\n").flatMap((line) => {
    const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line.trim());
    if (!m) return [];
    const signedBy = /(?:^|\s)signed-by=(\S+)/.exec(m[1] ?? "")?.[1];
    return [{ uri: m[2]!, suites: [m[3]!], components: m[4]!.split(/\s+/).filter(Boolean), ...keyringFile(signedBy) }];
  });
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** Every enabled `deb` source under `aptEtc`, in apt's reading order. */
export function readAptSources(aptEtc = "/etc/apt"): AptSource[] {
  const partsDir = join(aptEtc, "sources.list.d");
  let parts: string[];
  try {
    parts = readdirSync(partsDir).sort();
  } catch {
    parts = [];
  }
  return [
    ...oneLineSources(readOrEmpty(join(aptEtc, "sources.list"))),
    ...parts.flatMap((name) =>
      name.endsWith(".sources") ? deb822Sources(readOrEmpty(join(partsDir, name))) : name.endsWith(".list") ? oneLineSources(readOrEmpty(join(partsDir, name))) : [],
    ),
  ];
}

/**
 * The Release header apt cached for `suite` of `uri` under `listsDir` (/var/lib/apt/lists), or
 * null when apt has not fetched it. apt names the file after the URI without its scheme and
 * credentials, with `/` turned into `_`.
 */
export function cachedAptRelease(listsDir: string, uri: string, suite: string): AptRelease | null {
  const stem = `${uri.replace(/^[a-z+]+:\/\/(?:[^@/]*@)?/, "").replace(/\/+$/, "")}/dists/${suite}/`.replaceAll("/", "_");
  const text = readOrEmpty(join(listsDir, `${stem}InRelease`)) || readOrEmpty(join(listsDir, `${stem}Release`));
  if (!text) return null;
  // An InRelease starts with the armor header ("Hash: …") and a blank line before the signed text.
  const signed = text.startsWith("-----BEGIN PGP SIGNED MESSAGE-----") ? text.slice(text.indexOf("\n\n") + 2) : text;
  const release: AptRelease = { components: [] };
  for (const line of signed.split("\n")) {
    if (line.trim() === "") break;
    const field = /^(Origin|Label|Codename|Suite|Components):\s*(.*)$/.exec(line);
    if (!field) continue;
    if (field[1] === "Components") release.components = field[2]!.split(/\s+/).filter(Boolean);
    else release[field[1]!.toLowerCase() as "origin" | "label" | "codename" | "suite"] = field[2]!.trim();
  }
  return release;
}

/**
 * The first Debian main archive among the apt sources (no trailing slash), or null: a URI whose
 * path ends in `/debian`, as opposed to `/debian-security` or third-party repositories.
 */
export function machineDebianMirror(aptEtc = "/etc/apt"): string | null {
  const uri = readAptSources(aptEtc)
    .map((s) => s.uri)
    .find((u) => /^(?:https?|file):\/\/\S+\/debian\/?$/.test(u));
  return uri?.replace(/\/+$/, "") ?? null;
}
