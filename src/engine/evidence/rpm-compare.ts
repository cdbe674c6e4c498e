/**
 * Fedora's amended definition of a reproducible RPM (seed 004): a rebuild is reproducible when it
 * is "identical except for the signatures and parts of metadata", because RPMs carry their
 * signature inside the file and BUILDTIME/BUILDHOST in their header. Checked with Debian's rpm
 * tools, on files that are not byte-identical:
 * 1. `rpmkeys --checksig --nosignature` on both: the header and payload must match the digests
 *    recorded in the file (so a tampered payload cannot hide behind an honest header);
 * 2. `rpm -qp --xml` on both: every header tag rpm knows must be equal, except RPM_IGNORED_TAGS.
 *    PAYLOADDIGEST (the SHA-256 of the compressed payload) is one of the compared tags, so with
 *    step 1 the payloads are byte-identical.
 */
import { tmpdir } from "node:os";
import { basename, resolve } from "node:path";
import { runProcess, SpawnError } from "../../backends/process-runner.js";
import { bad, good, type ArtifactVerdict } from "./artifact-verdict.js";

/** The one list of what may differ, by group. Tag names as `rpm --querytags` prints them. */
export const RPM_IGNORED_TAGS: ReadonlyMap<string, "signature" | "build"> = new Map([
  // The signature header, which rpm shows merged into the main header: signatures, and the
  // sizes and digests over header and payload (they change with any ignored header field).
  ...(["SIGSIZE", "LONGSIGSIZE", "SIGMD5", "SHA1HEADER", "SHA256HEADER", "RSAHEADER", "DSAHEADER", "SIGPGP", "SIGGPG", "OPENPGP"] as const).map((t) => [t, "signature"] as const),
  // Per-file signatures that signing writes into the main header (IMA, fs-verity).
  ...(["FILESIGNATURES", "FILESIGNATURELENGTH", "VERITYSIGNATURES", "VERITYSIGNATUREALGO"] as const).map((t) => [t, "signature"] as const),
  // Header fields known to vary between builds of the same source: the seed document's
  // BUILDTIME and BUILDHOST, and the rest of fedora-repro-build's rpmdiff ignore list.
  ...(["BUILDTIME", "BUILDHOST", "OPTFLAGS", "PLATFORM", "HEADERIMMUTABLE"] as const).map((t) => [t, "build"] as const),
]);

export class RpmToolError extends Error {}

const TOOL_TIMEOUT_SECONDS = 600;
/** A header dump of a package with a hundred thousand files stays well below this. */
const MAX_DUMP_BYTES = 128 * 1024 * 1024;
const LISTED_TAGS = 12;

export async function compareRpms(published: string, rebuilt: string): Promise<ArtifactVerdict> {
  const files = { published: resolve(published), rebuilt: resolve(rebuilt) };
  const problems = await Promise.all([digestProblem(files.published), digestProblem(files.rebuilt)]);
  for (const [i, which] of ["published", "rebuilt"].entries()) {
    if (problems[i]) return bad(`${which} file is not an intact RPM: ${problems[i]}`);
  }
  const [a, b] = await Promise.all([headerTags(files.published), headerTags(files.rebuilt)]);
  const differing = [...new Set([...a.keys(), ...b.keys()])].filter((t) => a.get(t) !== b.get(t)).sort();
  const relevant = differing.filter((t) => !RPM_IGNORED_TAGS.has(t));
  if (relevant.length > 0) return bad(`RPM header fields differ: ${list(relevant)}`);
  if (!a.has("PAYLOADDIGEST")) return bad("RPM without a payload digest (built by rpm < 4.14): only a byte-identical rebuild can be GOOD");
  return good(noteFor(differing));
}

function noteFor(differing: string[]): string {
  const signature = differing.filter((t) => RPM_IGNORED_TAGS.get(t) === "signature");
  const build = differing.filter((t) => RPM_IGNORED_TAGS.get(t) === "build");
  const parts = [
    ...(signature.length ? [`signature (${list(signature)})`] : []),
    ...(build.length ? [`header fields ${list(build)}`] : []),
  ];
  if (parts.length === 0) return "RPM: same header and payload; the files differ only in the lead or the signature header's padding";
  return `RPM: ignored ${parts.join(" and ")}`;
}

async function digestProblem(path: string): Promise<string | null> {
  const r = await rpmTool("rpmkeys", ["--checksig", "--nosignature", "--", path], path);
  if (r.exitCode === 0) return null;
  const said = r.output.replaceAll(path, basename(path)).replace(/\s+/g, " ").trim().slice(0, 300);
  return `rpmkeys --checksig failed${said ? `: ${said}` : ""}`;
}

/**
 * Every tag of the header, name → its raw XML value text. --nomanifest: a "package" that is a text
 * file would otherwise be read as a list of other packages to query; --noglob: names with * or [
 * are not patterns.
 */
async function headerTags(path: string): Promise<Map<string, string>> {
  const r = await rpmTool("rpm", ["-qp", "--xml", "--nosignature", "--nodigest", "--nomanifest", "--noglob", "--", path], path);
  const text = r.output.replaceAll(path, basename(path));
  if (r.exitCode !== 0) throw new RpmToolError(`rpm cannot read the header of ${basename(path)}: ${text.trim().slice(0, 300)}`);
  return parseHeaderDump(text, basename(path));
}

/**
 * rpm's XML escapes &, < and >, but writes control characters raw (not well-formed XML), so the
 * dump is split on its fixed line layout instead of parsed: an escaped value cannot contain a
 * `</rpmTag>` line. Values are compared as written, which is equal exactly when they are.
 */
function parseHeaderDump(text: string, what: string): Map<string, string> {
  const tags = new Map<string, string>();
  const rest = text.replace(/^ {2}<rpmTag name="([A-Za-z0-9_]+)">\n([\s\S]*?)^ {2}<\/rpmTag>\n/gm, (_, name: string, body: string) => {
    tags.set(name.toUpperCase(), body);
    return "";
  });
  if (!/^<rpmHeader>\n<\/rpmHeader>\n?$/.test(rest)) throw new RpmToolError(`unexpected output from rpm -qp --xml for ${what}: ${JSON.stringify(rest.slice(0, 200))}`);
  return tags;
}

async function rpmTool(command: string, args: string[], path: string): Promise<{ exitCode: number | null; output: string }> {
  let r;
  try {
    r = await runProcess({
      command,
      args,
      cwd: tmpdir(),
      env: { PATH: process.env.PATH, LC_ALL: "C" },
      timeoutSeconds: TOOL_TIMEOUT_SECONDS,
      maxBytes: MAX_DUMP_BYTES,
      killAtLimit: true,
    });
  } catch (err) {
    if (err instanceof SpawnError) throw new RpmToolError(`comparing RPMs needs Debian's rpm tools (package "rpm"): ${err.message}`);
    throw err;
  }
  if (r.timedOut) throw new RpmToolError(`${command} did not finish within ${TOOL_TIMEOUT_SECONDS} seconds on ${basename(path)}`);
  if (r.truncated) throw new RpmToolError(`${command} wrote more than ${MAX_DUMP_BYTES} bytes for ${basename(path)}`);
  return { exitCode: r.exitCode, output: new TextDecoder().decode(r.output) };
}

function list(tags: string[]): string {
  return tags.length > LISTED_TAGS ? `${tags.slice(0, LISTED_TAGS).join(", ")}, … (${tags.length} in all)` : tags.join(", ");
}
