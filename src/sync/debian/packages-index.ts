/**
 * Reads one `Packages` file in two steps: `listPackages` parses and checks every binary without
 * needing the Sources (so all index files can be decompressed and parsed at once), then
 * `addPackages` maps each listed binary to its upload and hands accepted ones to the reports.
 */
import { IndexError, type ArtifactReport, type FilterSubject } from "../report.js";
import type { SyncContext } from "../types.js";
import { uploadVersion } from "./buildinfo-url.js";
import { readIndexStanzas } from "./index-stanzas.js";
import { checkArchitecture, checkPackageName, checkPoolPath, checkSha256, checkSize, checkVersion } from "./policy.js";
import type { PackagesFile } from "./release-files.js";
import type { ReportBuilder } from "./report-builder.js";
import type { SourceEntry, SourceIndex } from "./sources-index.js";

const FIELDS = ["Package", "Source", "Version", "Architecture", "Filename", "SHA256", "Size"] as const;
const REQUIRED = ["Package", "Version", "Architecture", "Filename"] as const;

/** One checked binary of a Packages file, not yet matched to its source. */
export interface ListedBinary {
  name: string;
  version: string;
  architecture: string;
  filename: string;
  sourceName: string;
  /** From `Source: name (version)`; without it the binary's own version applies. */
  sourceVersion: string | undefined;
  sha256: string | undefined;
  size: number | undefined;
}

/** The binaries of one Packages file, without its contents. */
export interface PackagesListing {
  url: string;
  component: string;
  binaries: ListedBinary[];
}

/** `Source: name` or `Source: name (version)`; without a version the binary's own applies. */
function parseSourceField(url: string, binary: string, value: string): { name: string; version: string | undefined } {
  const open = value.indexOf(" (");
  if (open < 0) return { name: checkPackageName(url, binary, "Source", value), version: undefined };
  if (!value.endsWith(")")) throw new IndexError(url, `malformed Source ${JSON.stringify(value)}`, binary);
  return {
    name: checkPackageName(url, binary, "Source", value.slice(0, open)),
    version: checkVersion(url, binary, "Source version", value.slice(open + 2, -1).trim()),
  };
}

/** The binaries of one Packages file whose architecture `wanted` accepts; every stanza is checked. */
export async function listPackages(
  { file, component }: PackagesFile,
  wanted: (architecture: string) => boolean,
  ctx: SyncContext,
): Promise<PackagesListing> {
  const url = file.url;
  const listed: ListedBinary[] = [];
  // The binaries of one source follow each other with the same Source value: it is parsed once
  // and its name and version strings are shared instead of cut again for every binary.
  let lastSourceValue: string | undefined;
  let lastSource = { name: "", version: undefined as string | undefined };
  await readIndexStanzas(file, ctx, FIELDS, REQUIRED, (stanza, name, version) => {
    const architecture = checkArchitecture(url, name, "Architecture", stanza.Architecture!);
    const filename = checkPoolPath(url, name, "Filename", stanza.Filename!);
    let sourceName = name;
    let sourceVersion: string | undefined;
    if (stanza.Source) {
      if (stanza.Source !== lastSourceValue) {
        lastSource = parseSourceField(url, name, stanza.Source);
        lastSourceValue = stanza.Source;
      }
      ({ name: sourceName, version: sourceVersion } = lastSource);
    }
    const sha256 = stanza.SHA256 === undefined ? undefined : checkSha256(url, name, "SHA256", stanza.SHA256);
    const size = stanza.Size === undefined ? undefined : Number(checkSize(url, name, "Size", stanza.Size));
    if (wanted(architecture)) listed.push({ name, version, architecture, filename, sourceName, sourceVersion, sha256, size });
  });
  return { url, component, binaries: listed };
}

/**
 * A binary as the filter rules see it. Its maintainers are split only if a rule reads them: a
 * getter on the prototype, not one per object literal, which cost each binary a closure.
 */
class BinarySubject implements FilterSubject {
  readonly binaryName: string;
  readonly sourceName: string;

  constructor(
    binary: ListedBinary,
    private readonly match: SourceEntry | undefined,
    readonly component: string,
  ) {
    this.binaryName = binary.name;
    this.sourceName = binary.sourceName;
  }

  get maintainers(): string[] {
    return this.match?.maintainers ?? [];
  }
}

/** Matches the listed binaries of one Packages file to their sources and adds those the filters accept. */
export function addPackages(
  { url, component, binaries }: PackagesListing,
  mirror: string,
  sources: SourceIndex,
  reports: ReportBuilder,
  ctx: SyncContext,
): void {
  for (const b of binaries) {
    const wanted = b.sourceVersion ?? b.version;
    const match = sources.find(b.sourceName, wanted);
    // Without its source the binary is skipped; that is only worth a warning if the filters want it.
    if (!ctx.accept(new BinarySubject(b, match, component))) continue;
    if (!match) {
      ctx.warn(`${url}: ${b.name} ${b.version} skipped: source ${b.sourceName} ${wanted} is not in Sources`);
      continue;
    }
    const artifact: ArtifactReport = { name: b.name, version: b.version, component, architecture: b.architecture, url: `${mirror}/${b.filename}` };
    if (b.sha256 !== undefined) artifact.sha256 = b.sha256;
    if (b.size !== undefined) artifact.size = b.size;
    reports.add(b.sourceName, uploadVersion(match.version, b.version), artifact);
  }
}
