/**
 * Where a Debian upload's .buildinfo lives (the build input of a source group), and the binNMU
 * rule that decides which upload a binary belongs to (reference A.5).
 */

/** The buildinfo archive rebuilderd uses; a profile may point `buildinfo_source` elsewhere. */
export const DEFAULT_BUILDINFO_SOURCE = "https://buildinfos.debian.net";

/**
 * `<base>/buildinfo-pool/<P>/<src>/<src>_<version without epoch>_<arch>.buildinfo`, where P is
 * the first four characters of a `lib*` name and the first character otherwise.
 */
export function buildinfoUrl(base: string, source: string, version: string, architecture: string): string {
  const prefix = source.startsWith("lib") ? source.slice(0, 4) : source.slice(0, 1);
  const noEpoch = version.slice(version.indexOf(":") + 1);
  return `${base.replace(/\/+$/, "")}/buildinfo-pool/${prefix}/${source}/${source}_${noEpoch}_${architecture}.buildinfo`;
}

/** The `+bN` suffix of a binNMU version ("2.3.2-2+b1" → "+b1"), or "". */
export function binNmuSuffix(version: string): string {
  const at = version.lastIndexOf("+b");
  if (at < 0 || at + 2 === version.length) return "";
  for (let i = at + 2; i < version.length; i++) {
    const c = version.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return "";
  }
  return version.slice(at);
}

/**
 * The version of the upload a binary was built in: the matched source version, plus the
 * binNMU suffix when the binary was rebuilt without a source change. Unlike rebuilderd, a
 * binary whose version equals the source version gets no suffix appended a second time.
 */
export function uploadVersion(sourceVersion: string, binaryVersion: string): string {
  return binaryVersion === sourceVersion ? sourceVersion : sourceVersion + binNmuSuffix(binaryVersion);
}
