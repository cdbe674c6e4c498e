/**
 * Copies what dpkg-buildpackage produced into the job's output directory. The directory was
 * writable by the build, so only plain files with package-like names are taken, opened without
 * following symbolic links: a build cannot make us copy a file of the machine instead.
 */
import { constants } from "node:fs";
import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";

const RESULT_FILE = /^[A-Za-z0-9][A-Za-z0-9._+~-]*\.(?:deb|udeb|ddeb|buildinfo|changes)$/;

/** Copies the build results of `dir` into `outDir`; returns their names, sorted. */
export async function collectBuildResults(dir: string, outDir: string): Promise<string[]> {
  const copied: string[] = [];
  for (const name of (await readdir(dir)).filter((entry) => RESULT_FILE.test(entry)).sort()) {
    let source;
    try {
      source = await open(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ELOOP") continue;
      throw error;
    }
    try {
      if (!(await source.stat()).isFile()) continue;
      const target = await open(join(outDir, name), "wx");
      await pipeline(source.createReadStream({ autoClose: false }), target.createWriteStream());
      copied.push(name);
    } finally {
      await source.close();
    }
  }
  return copied;
}
