/** Reads one `Packages` file: maps each binary to its upload and hands accepted ones to the reports. */
import { IndexError, type ArtifactReport } from "../report.js";
import type { SyncContext } from "../types.js";
import { uploadVersion } from "./buildinfo-url.js";
import { readIndexStanzas } from "./index-stanzas.js";
import { checkArchitecture, checkPackageName, checkPoolPath, checkSha256, checkSize, checkVersion } from "./policy.js";
import type { PackagesFile } from "./release-files.js";
import type { ReportBuilder } from "./report-builder.js";
import type { SourceIndex } from "./sources-index.js";

const FIELDS = ["Package", "Source", "Version", "Architecture", "Filename", "SHA256", "Size"] as const;
const REQUIRED = ["Package", "Version", "Architecture", "Filename"] as const;

/** `Source: name` or `Source: name (version)`; without a version the binary's own applies. */
function parseSourceField(url: string, binary: string, value: string): { name: string; version?: string } {
  const open = value.indexOf(" (");
  if (open < 0) return { name: checkPackageName(url, binary, "Source", value) };
  if (!value.endsWith(")")) throw new IndexError(url, `malformed Source ${JSON.stringify(value)}`, binary);
  return {
    name: checkPackageName(url, binary, "Source", value.slice(0, open)),
    version: checkVersion(url, binary, "Source version", value.slice(open + 2, -1).trim()),
  };
}

export async function readPackages(
  { file, component }: PackagesFile,
  mirror: string,
  sources: SourceIndex,
  reports: ReportBuilder,
  ctx: SyncContext,
): Promise<void> {
  const url = file.url;
  await readIndexStanzas(file, ctx, FIELDS, REQUIRED, (stanza, name, version) => {
    const architecture = checkArchitecture(url, name, "Architecture", stanza.Architecture!);
    const filename = checkPoolPath(url, name, "Filename", stanza.Filename!);
    const source = stanza.Source ? parseSourceField(url, name, stanza.Source) : { name };
    const sha256 = stanza.SHA256 === undefined ? undefined : checkSha256(url, name, "SHA256", stanza.SHA256);
    const size = stanza.Size === undefined ? undefined : Number(checkSize(url, name, "Size", stanza.Size));
    if (!reports.wants(architecture)) return;

    const wanted = source.version ?? version;
    const match = sources.find(source.name, wanted);
    // Without its source the binary is skipped; that is only worth a warning if the filters want it.
    // A getter: the maintainers are split only if a filter rule reads them.
    const subject = {
      binaryName: name,
      sourceName: source.name,
      get maintainers() {
        return match?.maintainers ?? [];
      },
      component,
    };
    if (!ctx.accept(subject)) return;
    if (!match) {
      ctx.warn(`${url}: ${name} ${version} skipped: source ${source.name} ${wanted} is not in Sources`);
      return;
    }
    const artifact: ArtifactReport = { name, version, component, architecture, url: `${mirror}/${filename}` };
    if (sha256 !== undefined) artifact.sha256 = sha256;
    if (size !== undefined) artifact.size = size;
    reports.add(source.name, uploadVersion(match.version, version), artifact);
  });
}
