/** Reading a compressed `Sources` or `Packages` file: decompressed while parsed, progress reported, every stanza checked. */
import { decompressStream } from "../../engine/compression.js";
import type { FetchedFile, SyncContext } from "../types.js";
import { parseDeb822Stream, requireFields, type Stanza } from "./deb822.js";
import { checkPackageName, checkVersion } from "./policy.js";

type Named = "Package" | "Version";

/**
 * Calls `onStanza` for each stanza whose required fields are present, with its Package and
 * Version checked against Debian policy. Fields in `checkOnly` are not decoded (see PRESENT).
 */
export async function readIndexStanzas<K extends string>(
  file: FetchedFile,
  ctx: SyncContext,
  fields: readonly (K | Named)[],
  required: readonly (K | Named)[],
  onStanza: (stanza: Stanza<K | Named>, name: string, version: string) => void,
  checkOnly: readonly (K | Named)[] = [],
): Promise<void> {
  const url = file.url;
  await parseDeb822Stream(
    url,
    decompressStream(file.bytes, url),
    fields,
    (stanza, ordinal) => {
      requireFields(url, stanza, required, ordinal);
      const name = checkPackageName(url, stanza.Package, "Package", stanza.Package!);
      onStanza(stanza, name, checkVersion(url, name, "Version", stanza.Version!));
    },
    (packages) => ctx.progress({ kind: "parse", file: url, packages }),
    checkOnly,
  );
}
