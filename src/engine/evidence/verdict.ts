/**
 * The per-artifact verdict (reference B.4): GOOD when the rebuilt file is byte-identical to the
 * published one, BAD otherwise, with Fedora's amended rule for RPMs (see rpm-compare.ts).
 * Unlike rebuilderd, the rebuilt file must be a regular file in the output directory: a symbolic
 * link (or a hard link to the published file) would let a backend "reproduce" the download it
 * was given, and a diffoscope run on a link could publish whatever file it points at.
 */
import { constants, type Stats } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { basename } from "node:path";
import { bad, good, type ArtifactVerdict } from "./artifact-verdict.js";
import { compareRpms } from "./rpm-compare.js";

export type { ArtifactVerdict } from "./artifact-verdict.js";

const CHUNK_BYTES = 64 * 1024;

/**
 * Judges `rebuilt` against `published`. Rejects only for problems on the worker's side (the
 * published file cannot be read, the RPM tools are missing), which make the job FAIL.
 */
export async function judgeArtifact(published: string, rebuilt: string): Promise<ArtifactVerdict> {
  const pub = await open(published, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const pubStat = await pub.stat();
    if (!pubStat.isFile()) throw new Error(`the published artifact ${published} is not a regular file`);
    const opened = await openRebuilt(rebuilt);
    if ("refused" in opened) return opened.refused;
    const out = opened.handle;
    try {
      const outStat = await out.stat();
      if (!outStat.isFile()) return bad("the backend left something other than a regular file under the artifact's name");
      if (sameFile(pubStat, outStat)) return bad("the rebuilt file is the published file itself (a hard link to it), not a rebuild");
      if (await sameBytes(pub, out, pubStat.size, outStat.size)) return good();
    } finally {
      await out.close();
    }
  } finally {
    await pub.close();
  }
  if (basename(published).endsWith(".rpm")) return compareRpms(published, rebuilt);
  return bad("differs from the published file");
}

async function openRebuilt(path: string): Promise<{ handle: FileHandle } | { refused: ArtifactVerdict }> {
  try {
    return { handle: await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { refused: bad("not produced by the backend") };
    if (code === "ELOOP") return { refused: bad("the backend left a symbolic link instead of the rebuilt file") };
    throw err;
  }
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** Streamed comparison in fixed-size chunks; never reads a whole file into memory. */
async function sameBytes(a: FileHandle, b: FileHandle, sizeA: number, sizeB: number): Promise<boolean> {
  if (sizeA !== sizeB) return false;
  const bufA = Buffer.alloc(CHUNK_BYTES);
  const bufB = Buffer.alloc(CHUNK_BYTES);
  for (let pos = 0; ; pos += CHUNK_BYTES) {
    const [n, m] = await Promise.all([readFull(a, bufA, pos), readFull(b, bufB, pos)]);
    if (n !== m || !bufA.subarray(0, n).equals(bufB.subarray(0, m))) return false;
    if (n < CHUNK_BYTES) return true;
  }
}

async function readFull(fh: FileHandle, buf: Buffer, position: number): Promise<number> {
  let filled = 0;
  while (filled < buf.length) {
    const { bytesRead } = await fh.read(buf, filled, buf.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}
