/**
 * A release's `InRelease`: its signature, and the SHA256 list every index file of the release
 * must match (apt's chain of trust).
 */
import { IndexError } from "../report.js";
import type { FetchedFile } from "../types.js";
import { verifyClearsigned } from "../gpgv.js";
import { parseDeb822Text } from "./deb822.js";

export interface ListedFile {
  sha256: string;
  size: number;
}

export interface ReleaseFile {
  url: string;
  suite?: string;
  codename?: string;
  validUntil?: Date;
  /** The architectures the release serves indexes for, when it says (apt fetches no others). */
  architectures?: string[];
  /** Keyed by path relative to dists/<release>/, e.g. "main/source/Sources.xz". */
  files: Map<string, ListedFile>;
}

/** Checks the signature against `keyring`, then parses only the signed text. */
export async function readVerifiedRelease(file: FetchedFile, keyring: string): Promise<ReleaseFile> {
  const payload = await verifyClearsigned(file.bytes, keyring, file.url);
  return parseRelease(file.url, new TextDecoder().decode(payload));
}

export function parseRelease(url: string, text: string): ReleaseFile {
  const [release] = parseDeb822Text(url, text, ["SHA256", "Suite", "Codename", "Valid-Until", "Architectures"] as const);
  if (release?.SHA256 === undefined) throw new IndexError(url, "has no SHA256 list");
  const files = new Map<string, ListedFile>();
  for (const line of release.SHA256.split("\n")) {
    if (line === "") continue;
    const [sha256 = "", size = "", path = "", extra] = line.split(/\s+/);
    if (!/^[0-9a-f]{64}$/.test(sha256) || !/^[0-9]{1,15}$/.test(size) || path === "" || extra !== undefined) {
      throw new IndexError(url, `malformed SHA256 line ${JSON.stringify(line.slice(0, 200))}`);
    }
    files.set(path, { sha256, size: Number(size) });
  }
  let validUntil: Date | undefined;
  if (release["Valid-Until"] !== undefined) {
    validUntil = new Date(release["Valid-Until"]);
    if (Number.isNaN(validUntil.getTime())) {
      throw new IndexError(url, `unreadable Valid-Until ${JSON.stringify(release["Valid-Until"])}`);
    }
  }
  const architectures = release.Architectures?.split(/\s+/).filter(Boolean);
  return { url, suite: release.Suite, codename: release.Codename, validUntil, files, ...(architectures ? { architectures } : {}) };
}

/** Throws unless `file` is listed under `path` with its exact size and SHA256. */
export function checkListed(release: ReleaseFile, path: string, file: FetchedFile): void {
  const listed = release.files.get(path);
  if (!listed) throw new IndexError(file.url, `not listed in ${release.url}`);
  if (listed.size !== file.bytes.byteLength) {
    throw new IndexError(file.url, `size does not match InRelease (expected ${listed.size} bytes, got ${file.bytes.byteLength})`);
  }
  if (listed.sha256 !== file.sha256) {
    throw new IndexError(file.url, `SHA256 does not match InRelease (expected ${listed.sha256}, got ${file.sha256})`);
  }
}

/**
 * rebuilderd never looks at Valid-Until, and archived snapshots are legitimately past it, so
 * an expired release is refused only when the profile asks for it; otherwise it is a warning.
 */
export function checkValidUntil(release: ReleaseFile, now: Date, enforce: boolean, warn: (msg: string) => void): void {
  if (!release.validUntil || release.validUntil.getTime() >= now.getTime()) return;
  const message = `expired: Valid-Until ${release.validUntil.toISOString()} has passed`;
  if (enforce) throw new IndexError(release.url, `${message} (a replayed old index?)`);
  warn(`${release.url}: ${message}; not enforced (set check_valid_until = true to refuse)`);
}
