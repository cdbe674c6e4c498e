/** Shared pieces of the backend tests: temp dirs, jobs, PATH directories with the fakes, their records. */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { BackendJob, BackendRunOptions } from "../../src/backends/backend.js";

export const FAKES_DIR = resolve(import.meta.dirname, "../fakes");

export const tempDir = (prefix = "rebuilder-backend-") => mkdtempSync(join(tmpdir(), prefix));

/** A directory holding the named fakes, to put in front of PATH. */
export function fakeBin(...names: string[]): string {
  const bin = tempDir("rebuilder-fakebin-");
  for (const name of names) symlinkSync(join(FAKES_DIR, name), join(bin, name));
  return bin;
}

/** A job whose directories exist, as the engine prepares them; inputs/ and out/ like rebuilderd-worker. */
export function makeJob(overrides: Partial<BackendJob> = {}): BackendJob {
  const root = tempDir("rebuilder-job-");
  for (const dir of ["inputs", "out", "work", "cache"]) mkdirSync(join(root, dir));
  return {
    queueId: 7,
    name: "hello",
    version: "1.0-1",
    distribution: "archlinux",
    release: null,
    architecture: "x86_64",
    inputUrl: "https://mirror.example/core/os/x86_64/hello-1.0-1-x86_64.pkg.tar.zst",
    inputPath: null,
    artifacts: [],
    outDir: join(root, "out"),
    workDir: join(root, "work"),
    cacheDir: join(root, "cache"),
    ...overrides,
  };
}

export function inputsOf(job: BackendJob): string {
  return join(job.outDir, "..", "inputs");
}

export function runOptions(env: Record<string, string | undefined>, extra: Partial<BackendRunOptions> = {}): BackendRunOptions {
  return { timeoutSeconds: 120, env, ...extra };
}

export interface Invocation {
  tool: string;
  cwd: string;
  niceness: number;
  /** The variables the fake reports; undefined when unset. */
  env: Record<string, string | undefined>;
  argv: string[];
}

/** Parses what test/fakes/record.sh appended to `file`. */
export function readInvocations(file: string): Invocation[] {
  let fields: string[];
  try {
    fields = readFileSync(file, "utf8").split("\0");
  } catch {
    return [];
  }
  const invocations: Invocation[] = [];
  let i = 0;
  const next = () => fields[i++] ?? "";
  while (i < fields.length - 1) {
    const tool = next();
    const cwd = next();
    const niceness = Number(next());
    const env: Record<string, string | undefined> = {};
    for (let n = Number(next()); n > 0; n--) {
      const entry = next();
      const eq = entry.indexOf("=");
      if (eq === -1) env[entry] = undefined;
      else env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    const argv: string[] = [];
    for (let n = Number(next()); n > 0; n--) argv.push(next());
    invocations.push({ tool, cwd, niceness, env, argv });
  }
  return invocations;
}

export const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** gpg starts an agent for key generation and signing that would otherwise outlive the test. */
export function stopAgent(gnupgHome: string): void {
  execFileSync("gpgconf", ["--kill", "gpg-agent"], { env: { ...process.env, GNUPGHOME: gnupgHome } });
}
