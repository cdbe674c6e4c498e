/** The `Sources` side of a release: source name → every stanza's version and maintainers. */
import type { FetchedFile, SyncContext } from "../types.js";
import { readIndexStanzas } from "./index-stanzas.js";

const FIELDS = ["Package", "Version", "Binary", "Directory", "Architecture", "Maintainer", "Uploaders"] as const;
const REQUIRED = ["Package", "Version", "Binary", "Directory", "Architecture"] as const;

export interface SourceEntry {
  version: string;
  /** `Maintainer` plus each of the `Uploaders`, for the maintainer filter rules. */
  maintainers: string[];
}

/** Uploaders are comma-separated, but a name may hold a comma ("Doe, Jane" <j@x>): cut after ">". */
function splitUploaders(value: string): string[] {
  return value
    .split(/(?<=>)\s*,/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

export class SourceIndex {
  private readonly byName = new Map<string, SourceEntry[]>();

  /** Adds every stanza of one (compressed) Sources file; duplicates and Extra-Source-Only kept. */
  async read(file: FetchedFile, ctx: SyncContext): Promise<void> {
    await readIndexStanzas(file, ctx, FIELDS, REQUIRED, (stanza, name, version) => {
      const maintainers = stanza.Maintainer ? [stanza.Maintainer] : [];
      if (stanza.Uploaders) maintainers.push(...splitUploaders(stanza.Uploaders));
      const entries = this.byName.get(name);
      if (entries) entries.push({ version, maintainers });
      else this.byName.set(name, [{ version, maintainers }]);
    });
  }

  /** The first stanza of `name` whose Version is string-equal to `version`. */
  find(name: string, version: string): SourceEntry | undefined {
    for (const entry of this.byName.get(name) ?? []) if (entry.version === version) return entry;
    return undefined;
  }
}
