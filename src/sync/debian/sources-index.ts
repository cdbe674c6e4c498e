/** The `Sources` side of a release: source name → every stanza's version and maintainers. */
import type { FetchedFile, SyncContext } from "../types.js";
import { readIndexStanzas } from "./index-stanzas.js";

const FIELDS = ["Package", "Version", "Binary", "Directory", "Architecture", "Maintainer", "Uploaders"] as const;
const REQUIRED = ["Package", "Version", "Binary", "Directory", "Architecture"] as const;
/** Required but never read. */
const CHECKED_ONLY = ["Binary", "Directory", "Architecture"] as const;
const MAINTAINERS = ["Maintainer", "Uploaders"] as const;

export class SourceEntry {
  private split: string[] | undefined;

  constructor(
    readonly version: string,
    private readonly maintainer: string | undefined,
    private readonly uploaders: string | undefined,
  ) {}

  /** `Maintainer` plus each of the `Uploaders`, for the maintainer filter rules; split only when a rule asks. */
  get maintainers(): string[] {
    if (this.split === undefined) {
      this.split = this.maintainer ? [this.maintainer] : [];
      if (this.uploaders) this.split.push(...splitUploaders(this.uploaders));
    }
    return this.split;
  }
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

  /**
   * Adds every stanza of one (compressed) Sources file; duplicates and Extra-Source-Only kept.
   * The maintainers are decoded only when a filter rule reads them.
   */
  async read(file: FetchedFile, ctx: SyncContext): Promise<void> {
    const readsMaintainers = ctx.readsMaintainers !== false;
    const checkOnly = readsMaintainers ? CHECKED_ONLY : [...CHECKED_ONLY, ...MAINTAINERS];
    await readIndexStanzas(
      file,
      ctx,
      FIELDS,
      REQUIRED,
      (stanza, name, version) => {
        const entry = readsMaintainers ? new SourceEntry(version, stanza.Maintainer, stanza.Uploaders) : new SourceEntry(version, undefined, undefined);
        const entries = this.byName.get(name);
        if (entries) entries.push(entry);
        else this.byName.set(name, [entry]);
      },
      checkOnly,
    );
  }

  /** The first stanza of `name` whose Version is string-equal to `version`. */
  find(name: string, version: string): SourceEntry | undefined {
    for (const entry of this.byName.get(name) ?? []) if (entry.version === version) return entry;
    return undefined;
  }
}
