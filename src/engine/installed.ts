/**
 * The packages installed on a machine: from dpkg (`dpkg-query`, run for real, with
 * `--admindir` under a root other than /) or from pacman's local database (the `desc` files
 * under `var/lib/pacman/local`, which give the architecture that `pacman -Q` leaves out).
 * Whichever the machine under `root` has; pacman first, since a Debian tool may exist on Arch.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

export interface InstalledPackage {
  name: string;
  version: string;
  architecture: string;
}

export interface Installed {
  manager: "dpkg" | "pacman";
  packages: InstalledPackage[];
}

const run = promisify(execFile);

export async function installedPackages(root = "/"): Promise<Installed> {
  const pacmanDb = join(root, "var/lib/pacman/local");
  if (existsSync(pacmanDb)) return { manager: "pacman", packages: readPacmanLocal(pacmanDb) };
  const admindir = join(root, "var/lib/dpkg");
  if (existsSync(join(admindir, "status"))) return { manager: "dpkg", packages: await readDpkg(admindir) };
  throw new Error(`no package database under ${root}: looked for ${pacmanDb} (pacman) and ${join(admindir, "status")} (dpkg)`);
}

async function readDpkg(admindir: string): Promise<InstalledPackage[]> {
  let stdout: string;
  try {
    ({ stdout } = await run("dpkg-query", [`--admindir=${admindir}`, "-W", "-f=${db:Status-Abbrev}\\t${Package}\\t${Version}\\t${Architecture}\\n"], {
      maxBuffer: 64 * 1024 * 1024,
    }));
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") throw new Error("dpkg-query is not installed, but a dpkg database exists: install dpkg or pass another root");
    throw new Error(`dpkg-query failed: ${e.stderr?.trim() || e.message}`);
  }
  const packages: InstalledPackage[] = [];
  for (const line of stdout.split("\n")) {
    const [status, name, version, architecture] = line.split("\t");
    // "ii": wanted and installed; half-installed or removed-with-config packages are not on the system.
    if (status?.trim() === "ii" && name && version && architecture) packages.push({ name, version, architecture });
  }
  return packages;
}

/** pacman's local database: one directory per package with a `desc` file of %FIELD% blocks. */
export function readPacmanLocal(dir: string): InstalledPackage[] {
  const packages: InstalledPackage[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const desc = join(dir, entry.name, "desc");
    let text: string;
    try {
      text = readFileSync(desc, "utf8");
    } catch {
      continue;
    }
    const field = (k: string) => new RegExp(`^%${k}%\\n([^\\n]+)`, "m").exec(text)?.[1];
    const name = field("NAME");
    const version = field("VERSION");
    const architecture = field("ARCH");
    if (!name || !version || !architecture) throw new Error(`${desc}: no %NAME%, %VERSION% or %ARCH%`);
    packages.push({ name, version, architecture });
  }
  return packages.sort((a, b) => a.name.localeCompare(b.name));
}
