/**
 * This machine's apt sources (deb822 `*.sources` files and one-line `sources.list` files): where
 * the default sync profile and the debian-archive backend find a Debian mirror, so that nothing
 * has to name a mirror host. Only enabled `deb` entries count.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface AptSource {
  uri: string;
  suites: string[];
  components: string[];
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
    for (const uri of list("uris")) out.push({ uri, suites: list("suites"), components: list("components") });
  }
  return out;
}

function oneLineSources(text: string): AptSource[] {
  return text.split("\n").flatMap((line) => {
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line.trim());
    return m ? [{ uri: m[1]!, suites: [m[2]!], components: m[3]!.split(/\s+/).filter(Boolean) }] : [];
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
 * The first Debian main archive among the apt sources (no trailing slash), or null: a URI whose
 * path ends in `/debian`, as opposed to `/debian-security` or third-party repositories.
 */
export function machineDebianMirror(aptEtc = "/etc/apt"): string | null {
  const uri = readAptSources(aptEtc)
    .map((s) => s.uri)
    .find((u) => /^(?:https?|file):\/\/\S+\/debian\/?$/.test(u));
  return uri?.replace(/\/+$/, "") ?? null;
}
