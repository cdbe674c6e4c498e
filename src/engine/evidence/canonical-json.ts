/**
 * The canonical JSON that in-toto-rs (and so rebuilderd) hashes and signs: object keys sorted by
 * their UTF-8 bytes, no whitespace, integers only, strings escaped exactly as serde_json does.
 * Written by hand because the byte-exact rules (and the newline quirk below) are in-toto-rs's own;
 * no JSON canonicalisation library (RFC 8785 or OLPC) produces the same bytes.
 */

export class CanonicalJsonError extends Error {}

/** The canonical form of `value`; throws for anything in-toto-rs cannot canonicalise. */
export function canonicalJson(value: unknown): string {
  return write(value, "$");
}

/**
 * The bytes in-toto-rs signs and verifies: the canonical form with every two-character sequence
 * `\n` replaced by a real newline (done to match the Python implementation, which leaves
 * newlines unescaped; it also hits a backslash followed by "n" inside a string, as upstream does).
 */
export function signingMessage(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value).replaceAll("\\n", "\n"));
}

const utf8 = (s: string) => Buffer.from(s, "utf8");

function write(value: unknown, at: string): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      // serde_json keeps i64/u64 exactly; beyond 2^53 a JS number no longer does, so refuse.
      if (!Number.isSafeInteger(value)) throw new CanonicalJsonError(`${at}: only integers are allowed in canonical JSON, got ${value}`);
      return String(value);
    case "string":
      return escapeString(value, at);
    case "object":
      if (Array.isArray(value)) return `[${value.map((v, i) => write(v, `${at}[${i}]`)).join(",")}]`;
      return writeObject(value as Record<string, unknown>, at);
    default:
      throw new CanonicalJsonError(`${at}: a ${typeof value} cannot be written as JSON`);
  }
}

function writeObject(obj: Record<string, unknown>, at: string): string {
  const keys = Object.keys(obj).sort((a, b) => Buffer.compare(utf8(a), utf8(b)));
  const members = keys.map((k) => `${escapeString(k, at)}:${write(obj[k], `${at}.${k}`)}`);
  return `{${members.join(",")}}`;
}

// With the u flag a surrogate pair is one code point, so only unpaired halves match.
const LONE_SURROGATE = /\p{Surrogate}/u;

/** JSON.stringify escapes exactly serde_json's set (", \, \b \f \n \r \t, other controls as \u00xx). */
function escapeString(s: string, at: string): string {
  if (LONE_SURROGATE.test(s)) throw new CanonicalJsonError(`${at}: string is not valid Unicode (lone surrogate)`);
  return JSON.stringify(s);
}
