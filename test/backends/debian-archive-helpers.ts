/** Jobs for the debian-archive tests, and the published binaries they are judged against. */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BackendJob, BackendRunOptions } from "../../src/backends/backend.js";
import { decompress } from "../../src/engine/compression.js";

const scratchDirs: string[] = [];

/** A new temporary directory, removed by removeScratchDirs (rebuilds leave chroots of ~1 GB). */
export function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "rebuilder-debarch-"));
  scratchDirs.push(dir);
  return dir;
}

export function removeScratchDirs(): void {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface Published {
  package: string;
  version: string;
  architecture: string;
  url: string;
  fileName: string;
}

/** A job as the engine hands it over: empty outDir and workDir, a persistent cacheDir. */
export function makeJob(base: string, fields: Partial<BackendJob> & Pick<BackendJob, "name" | "version" | "architecture">, cacheDir = join(base, "cache")): BackendJob {
  for (const dir of ["out", "work"]) mkdirSync(join(base, dir), { recursive: true });
  return {
    queueId: 1,
    distribution: "debian",
    release: "bookworm",
    inputUrl: "https://buildinfo.invalid/unused.buildinfo",
    inputPath: null,
    artifacts: [],
    outDir: join(base, "out"),
    workDir: join(base, "work"),
    cacheDir,
    ...fields,
  };
}

export function runOptions(lines: string[] = []): BackendRunOptions {
  return { timeoutSeconds: 3600, env: { PATH: process.env.PATH }, onLine: (line) => lines.push(line) };
}

/** The binary `pkg` of `arch` as `<mirror>/dists/<suite>/main/binary-amd64/Packages.xz` lists it. */
export async function findPublished(mirror: string, suite: string, pkg: string, arch: string): Promise<Published> {
  const url = `${mirror}/dists/${suite}/main/binary-amd64/Packages.xz`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const text = new TextDecoder().decode(await decompress(new Uint8Array(await response.arrayBuffer()), url));
  for (const stanza of text.split("\n\n")) {
    const field = (name: string) => new RegExp(`^${name}: (.*)$`, "m").exec(stanza)?.[1];
    if (field("Package") !== pkg || field("Architecture") !== arch) continue;
    const filename = field("Filename") ?? "";
    return { package: pkg, version: field("Version") ?? "", architecture: arch, url: `${mirror}/${filename}`, fileName: filename.split("/").pop() ?? "" };
  }
  throw new Error(`${url}: no ${pkg} for ${arch}`);
}

export async function download(url: string, path: string): Promise<void> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  writeFileSync(path, new Uint8Array(await response.arrayBuffer()));
}

/** Modification time and size of every file and directory under `roots` (missing roots are skipped). */
export function snapshotTree(...roots: string[]): Map<string, string> {
  const seen = new Map<string, string>();
  const walk = (path: string) => {
    let info;
    try {
      info = statSync(path);
    } catch {
      return;
    }
    seen.set(path, `${info.mtimeMs}:${info.size}`);
    if (info.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  for (const root of roots) walk(root);
  return seen;
}

/** The machine's apt configuration and state, which the backend must never change. */
export const MACHINE_APT_STATE = ["/etc/apt", "/var/lib/apt/lists"];
