/**
 * The Debian mirror this machine's apt uses, read from its sources (deb822 `*.sources` files and
 * one-line `sources.list` files), so that nothing has to name a mirror host. Only `deb` entries
 * that are not disabled count, and only URIs whose path ends in `/debian`, where Debian mirrors
 * publish the main archive (as opposed to `/debian-security` or third-party repositories).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

function isDebianArchive(uri: string): boolean {
  return /^(?:https?|file):\/\/\S+\/debian\/?$/.test(uri);
}

/** `deb` URIs of a deb822 sources file, in order. */
function deb822Uris(text: string): string[] {
  const uris: string[] = [];
  for (const paragraph of text.split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>();
    for (const line of paragraph.split("\n")) {
      const field = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (field) fields.set((field[1] ?? "").toLowerCase(), (field[2] ?? "").trim());
    }
    if (fields.get("enabled")?.toLowerCase() === "no") continue;
    if (!(fields.get("types") ?? "").split(/\s+/).includes("deb")) continue;
    uris.push(...(fields.get("uris") ?? "").split(/\s+/).filter(Boolean));
  }
  return uris;
}

/** `deb` URIs of a one-line sources.list, in order (`deb [options] uri suite components`). */
function oneLineUris(text: string): string[] {
  return text
    .split("\n")
    .map((line) => /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/.exec(line.trim())?.[1])
    .filter((uri): uri is string => uri !== undefined);
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** The first Debian archive in the apt sources under `aptEtc` (no trailing slash), or null. */
export function machineDebianMirror(aptEtc = "/etc/apt"): string | null {
  const partsDir = join(aptEtc, "sources.list.d");
  const uris = [
    ...oneLineUris(readOrEmpty(join(aptEtc, "sources.list"))),
    ...namesIn(partsDir).flatMap((name) =>
      name.endsWith(".sources") ? deb822Uris(readOrEmpty(join(partsDir, name))) : name.endsWith(".list") ? oneLineUris(readOrEmpty(join(partsDir, name))) : [],
    ),
  ];
  return uris.find(isDebianArchive)?.replace(/\/+$/, "") ?? null;
}
