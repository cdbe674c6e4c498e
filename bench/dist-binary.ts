/** dist/rebuilder for the benchmarks that run the binary: built first when missing or older than its sources. */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

export function ensureBinary(binary = join(root, "dist/rebuilder")): void {
  const sources = Math.max(...["src", "bin", "package.json"].map((p) => newestMtime(join(root, p))));
  if (existsSync(binary) && statSync(binary).mtimeMs >= sources) return;
  console.error(`building ${binary} (missing or older than the sources)`);
  const r = spawnSync("npm", ["run", "build"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`npm run build failed (${r.error?.message ?? `exit code ${r.status}`})`);
}
