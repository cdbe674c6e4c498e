/**
 * Checks on a job before a backend touches the file system or starts a tool: names that come
 * from an index or a remote server must be plain file names, so nothing can point outside the
 * job's directories or smuggle control characters into a log or a terminal.
 */
import { basename, isAbsolute } from "node:path";
import type { BackendJob } from "./backend.js";

export class UnsafeJobError extends Error {}

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Returns `name` when it is a single, ordinary path segment; throws naming `what` otherwise. */
export function checkFileName(name: string, what: string): string {
  if (
    name === "" ||
    name === "." ||
    name === ".." ||
    name.includes("/") ||
    CONTROL_CHARACTERS.test(name) ||
    Buffer.byteLength(name) > 255
  ) {
    throw new UnsafeJobError(`${what} has an unsafe file name ${JSON.stringify(name)}: it must be a single path segment`);
  }
  return name;
}

/** Validates the job's directories, its input path (when the backend needs one) and every artifact's file name. */
export function checkJob(job: BackendJob, needsInput: boolean): void {
  for (const [what, dir] of [["outDir", job.outDir], ["workDir", job.workDir], ["cacheDir", job.cacheDir]] as const) {
    if (!isAbsolute(dir)) throw new UnsafeJobError(`job ${job.queueId}: ${what} ${JSON.stringify(dir)} is not an absolute path`);
  }
  if (needsInput) {
    if (job.inputPath === null || !isAbsolute(job.inputPath)) {
      throw new UnsafeJobError(`job ${job.queueId}: the build input ${JSON.stringify(job.inputPath)} is not an absolute path`);
    }
    checkFileName(basename(job.inputPath), `build input of job ${job.queueId}`);
  }
  for (const artifact of job.artifacts) {
    checkFileName(artifact.fileName, `artifact ${JSON.stringify(artifact.name)} of job ${job.queueId}`);
  }
}

/** The input file the backend must be given; checkJob has already ensured it is set for needsInput backends. */
export function requireInput(job: BackendJob): string {
  if (job.inputPath === null) throw new UnsafeJobError(`job ${job.queueId}: no build input was downloaded`);
  return job.inputPath;
}
