/**
 * Debian Policy's syntax for the index values that end up in URLs, file names and the store
 * (names, versions and architectures in engine/debian-names.ts). Anything else (`../../x`,
 * `$(touch /tmp/p)`, control characters) refuses the whole index.
 */
import { ARCHITECTURE, PACKAGE_NAME, VERSION } from "../../engine/debian-names.js";
import { IndexError } from "../report.js";

/** A relative pool path such as pool/main/h/hello/hello_2.10-3_amd64.deb. */
const POOL_PATH = /^[A-Za-z0-9][A-Za-z0-9._+~-]*(?:\/[A-Za-z0-9._+~-]+)*$/;

const SHA256 = /^[0-9a-f]{64}$/;
const SIZE = /^[0-9]{1,15}$/;

type Check = (file: string, entry: string | undefined, field: string, value: string) => string;

/**
 * A check by `pattern`. Consecutive stanzas often repeat a value (the binaries of one source
 * share Version, nearly all share Architecture): the last valid one is not tested again.
 */
function checker(pattern: RegExp, what: string): Check {
  let lastValid: string | undefined;
  return (file, entry, field, value) => {
    if (value === lastValid) return value;
    if (!pattern.test(value)) {
      throw new IndexError(file, `${field} ${JSON.stringify(value)} is not a valid Debian ${what}`, entry);
    }
    return (lastValid = value);
  };
}

export const checkPackageName = checker(PACKAGE_NAME, "package name");
export const checkVersion = checker(VERSION, "version");
export const checkArchitecture = checker(ARCHITECTURE, "architecture name");
export const checkSha256 = checker(SHA256, "SHA256 checksum");
export const checkSize = checker(SIZE, "size");

const checkPoolPathSyntax = checker(POOL_PATH, "pool path");
/** A `.` or `..` path segment. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

export const checkPoolPath: Check = (file, entry, field, value) => {
  checkPoolPathSyntax(file, entry, field, value);
  if (DOT_SEGMENT.test(value)) {
    throw new IndexError(file, `${field} ${JSON.stringify(value)} leaves the archive`, entry);
  }
  return value;
};
