/**
 * Downloads of a job's published artifacts and build input into its `inputs/` directory.
 * Each file is named after the last segment of its URL, as rebuilderd-worker does (as written
 * in the URL, not percent-decoded), but only after checking it is one harmless path segment.
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { limitBody, openUrl } from "../http.js";
import type { ClaimedArtifact } from "../scheduler/index.js";

/** A problem of the job itself that makes it FAIL; the message is the recorded fail reason. */
export class JobFailure extends Error {
  override name = "JobFailure";
}

/**
 * A problem of this machine's setup (our directories, a full disk, the configuration, a missing
 * tool, a bug): the package is not to blame, so nothing is recorded against it. The slot hands
 * the job back and pauses until someone fixes the cause.
 */
export class SetupFailure extends Error {
  override name = "SetupFailure";
}

/** Error codes of our own file system: writing a download can fail with these whatever the mirror sends. */
const LOCAL_FILE_ERRORS = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EIO", "EMFILE", "ENFILE"]);

export function isLocalFileError(err: unknown): boolean {
  return LOCAL_FILE_ERRORS.has((err as NodeJS.ErrnoException | null)?.code ?? "");
}

/** rebuilderd-worker has no limit; one is needed so a hostile mirror cannot fill the disk. */
export const DEFAULT_MAX_DOWNLOAD_BYTES = 4 * 1024 ** 3;

const MAX_NAME_BYTES = 255;

/** Shows a name in an error message with control characters escaped. */
export const quoteName = (name: string) => JSON.stringify(name);

/** Throws unless `name` is usable as one file name inside a directory. */
export function assertSafeSegment(name: string, what: string): void {
  let problem: string | null = null;
  if (name === "") problem = "it is empty";
  else if (name === "." || name === "..") problem = "it names a directory";
  else if (/[/\\]/.test(name)) problem = "it contains a path separator";
  // C0, DEL and C1 controls: they would reach logs, terminals and backend scripts.
  else if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) problem = "it contains control characters";
  else if (Buffer.byteLength(name) > MAX_NAME_BYTES) problem = `it is longer than ${MAX_NAME_BYTES} bytes`;
  if (problem) throw new JobFailure(`unsafe file name ${quoteName(name)} for ${what}: ${problem}`);
}

/** The last path segment of a URL, query and fragment removed, validated as a file name. */
export function fileNameFromUrl(url: string): string {
  const path = url.replace(/[?#].*$/s, "");
  const name = path.slice(path.lastIndexOf("/") + 1);
  assertSafeSegment(name, url);
  return name;
}

export interface PlannedDownload {
  url: string;
  fileName: string;
  sha256: string | null;
  size: number | null;
}

export interface DownloadPlan {
  artifacts: (ClaimedArtifact & { fileName: string })[];
  /** Null when the backend does not need the build input, or it is one of the artifacts. */
  input: PlannedDownload | null;
  /** File name of the build input in `inputs/` (also when it is shared with an artifact). */
  inputFileName: string | null;
  /** Every distinct file to fetch, in order. */
  downloads: PlannedDownload[];
}

/**
 * Names every download and refuses a job whose files would overwrite each other: two different
 * URLs with one file name would make the comparison use the wrong published file. The same URL
 * twice (Arch: the input is the package itself) is fetched once.
 */
export function planDownloads(artifacts: ClaimedArtifact[], inputUrl: string, needsInput: boolean): DownloadPlan {
  const byName = new Map<string, PlannedDownload>();
  const add = (d: PlannedDownload) => {
    const seen = byName.get(d.fileName);
    if (!seen) return void byName.set(d.fileName, d);
    if (seen.url !== d.url) throw new JobFailure(`two downloads would share the file name ${quoteName(d.fileName)}: ${seen.url} and ${d.url}`);
    seen.sha256 ??= d.sha256;
    seen.size ??= d.size;
  };
  const named = artifacts.map((a) => ({ ...a, fileName: fileNameFromUrl(a.url) }));
  for (const a of named) add({ url: a.url, fileName: a.fileName, sha256: a.sha256, size: a.size });
  let inputFileName: string | null = null;
  let input: PlannedDownload | null = null;
  if (needsInput) {
    inputFileName = fileNameFromUrl(inputUrl);
    const shared = byName.has(inputFileName);
    add({ url: inputUrl, fileName: inputFileName, sha256: null, size: null });
    if (!shared) input = byName.get(inputFileName)!;
  }
  return { artifacts: named, input, inputFileName, downloads: [...byName.values()] };
}

/**
 * Streams one URL into `dir/<fileName>` (which must not exist yet), checking the size and
 * sha256 the index gave. Any problem is a JobFailure naming the file.
 */
export async function downloadToFile(d: PlannedDownload, dir: string, opts: { maxBytes: number; signal?: AbortSignal }): Promise<string> {
  const path = join(dir, d.fileName);
  const limit = d.size === null ? opts.maxBytes : Math.min(opts.maxBytes, d.size);
  const hash = createHash("sha256");
  let written = 0;
  const file = await open(path, "wx", 0o644);
  try {
    const opened = await openUrl(d.url, { maxBytes: opts.maxBytes, signal: opts.signal });
    for await (const chunk of limitBody(d.url, opened.body, opts.maxBytes)) {
      opts.signal?.throwIfAborted();
      written += chunk.byteLength;
      if (written > limit) break;
      hash.update(chunk);
      await file.write(chunk);
    }
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (isLocalFileError(err)) throw new SetupFailure(`cannot write ${path}: ${(err as Error).message}`);
    throw new JobFailure(`cannot download ${quoteName(d.fileName)}: ${(err as Error).message}`);
  } finally {
    await file.close();
  }
  if (d.size !== null && written !== d.size) {
    throw new JobFailure(`size mismatch for ${quoteName(d.fileName)}: the index says ${d.size} bytes, ${d.url} has ${written > d.size ? "more" : `${written} bytes`}`);
  }
  if (d.sha256 !== null && hash.digest("hex") !== d.sha256.toLowerCase()) {
    throw new JobFailure(`checksum mismatch for ${quoteName(d.fileName)}: ${d.url} does not have the sha256 the index gives`);
  }
  return path;
}
