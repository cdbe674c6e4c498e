/**
 * The throw-away build chroot of the debian-archive backend. `mmdebstrap --variant=buildd` makes a
 * tarball of the base release per architecture, mirror and suites once and keeps it in the cache;
 * each job unpacks it into its own work directory, and every command runs in it through
 * `unshare --mount --pid --fork --kill-child --root=…`: /proc is mounted in a private mount
 * namespace and everything started inside dies with the command, so a killed build leaves no
 * mounts or processes behind on the machine. The build itself runs as an unprivileged user.
 */
import { createHash, randomBytes } from "node:crypto";
import { chmod, chown, copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { sourcesList, type DebianArchivePlan } from "./debian-archive-plan.js";
import type { Step, StepRunner } from "./step-runner.js";

/** The fixed build path of current sbuild, so paths that end up in binaries match the buildds. */
export const BUILD_PATH = "/build/reproducible-path";
/** The unprivileged build user, named like sbuild's; ids fixed so they need no look-up. */
export const BUILD_USER = { name: "sbuild", uid: 1000, gid: 1000, home: "/sbuild-nonexistent" };
const CHROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** sbuild installs fakeroot next to build-essential in every build chroot. */
const EXTRA_PACKAGES = ["fakeroot"];
const PROXY_VARIABLES = ["http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"];

export interface ChrootTarball {
  path: string;
  /** mmdebstrap's arguments for writing the tarball to `target`. */
  mmdebstrapArgs(target: string, sourcesFile: string): string[];
}

/** The cached tarball for this plan's base release, suites, mirror and architecture. */
export function chrootTarball(cacheDir: string, plan: DebianArchivePlan, architecture: string, keyring: string): ChrootTarball {
  const recipe = ["--mode=root", "--format=tar", "--variant=buildd", `--architectures=${architecture}`, `--include=${EXTRA_PACKAGES.join(",")}`];
  const key = createHash("sha256")
    .update(JSON.stringify([recipe, sourcesList(plan.sources, keyring, ["deb"])]))
    .digest("hex")
    .slice(0, 16);
  return {
    path: join(cacheDir, "chroots", `${plan.baseSuite}-${architecture}-${key}.tar`),
    mmdebstrapArgs: (target, sourcesFile) => [...recipe, plan.baseSuite, target, sourcesFile],
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Returns the cached tarball, creating it first when missing. mmdebstrap writes to a temporary
 * name that is renamed into place, so a killed run never leaves a half tarball under the real name;
 * it runs in a private mount namespace and with TMPDIR in the job's work directory, so its mounts
 * and its temporary chroot go away with the job.
 */
export async function ensureChrootTarball(
  runner: StepRunner,
  tarball: ChrootTarball,
  plan: DebianArchivePlan,
  keyring: string,
  workDir: string,
  env: Record<string, string | undefined>,
): Promise<boolean> {
  if (await exists(tarball.path)) {
    runner.note(`Using the cached build chroot ${tarball.path}.`);
    return true;
  }
  runner.note(`Creating the build chroot ${tarball.path} (once per suite set and architecture; this takes a minute or more).`);
  await mkdir(join(tarball.path, ".."), { recursive: true });
  const sourcesFile = join(workDir, "chroot-sources.list");
  await writeFile(sourcesFile, sourcesList(plan.sources, keyring, ["deb"]));
  const partial = `${tarball.path.slice(0, -".tar".length)}.partial-${randomBytes(6).toString("hex")}.tar`;
  try {
    const step = await runner.run({
      command: "unshare",
      args: ["--mount", "--propagation=private", "--", "mmdebstrap", ...tarball.mmdebstrapArgs(partial, sourcesFile)],
      cwd: workDir,
      env: { ...env, TMPDIR: workDir },
    });
    if (!step.ok) return false;
    await rename(partial, tarball.path);
    return true;
  } finally {
    await rm(partial, { force: true });
  }
}

/** Unpacks the tarball with its numeric owners (the machine's user names must not remap them). */
export function extractStep(tarballPath: string, root: string, env: Record<string, string | undefined>): Step {
  return { command: "tar", args: ["--numeric-owner", "--xattrs", "--xattrs-include=*", "-xf", tarballPath, "-C", root], cwd: root, env };
}

/** Replaces the file at `path` (never writing through a symbolic link there). */
async function replaceFile(path: string, data: string | Uint8Array): Promise<void> {
  await rm(path, { force: true });
  await writeFile(path, data, { flag: "wx" });
}

/**
 * Readies an unpacked chroot for one job: the machine's name servers, localhost, apt sources for the plan
 * verified with the configured keyring, a world-writable /dev/shm, the build directory owned by
 * the build user, and the downloaded source files in it.
 */
export async function prepareChroot(root: string, plan: DebianArchivePlan, keyring: string, sourceFiles: string[]): Promise<void> {
  const resolvConf = await readFile("/etc/resolv.conf").catch(() => null);
  if (resolvConf !== null) await replaceFile(join(root, "etc/resolv.conf"), resolvConf);
  // The buildd variant has no netbase; test suites still expect "localhost" to resolve.
  if (!(await exists(join(root, "etc/hosts")))) await replaceFile(join(root, "etc/hosts"), "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");

  const chrootKeyring = `/etc/apt/keyrings/rebuilder-${basename(keyring)}`;
  await mkdir(join(root, "etc/apt/keyrings"), { recursive: true });
  await replaceFile(join(root, chrootKeyring), await readFile(keyring));
  for (const name of await readdir(join(root, "etc/apt/sources.list.d"))) await rm(join(root, "etc/apt/sources.list.d", name), { force: true });
  await replaceFile(join(root, "etc/apt/sources.list"), sourcesList(plan.sources, chrootKeyring, ["deb"]));

  await chmod(join(root, "dev/shm"), 0o1777);
  await mkdir(join(root, "build"), { mode: 0o755 });
  const buildDir = join(root, BUILD_PATH);
  await mkdir(buildDir, { mode: 0o755 });
  await chown(buildDir, BUILD_USER.uid, BUILD_USER.gid);
  for (const file of sourceFiles) {
    const target = join(buildDir, basename(file));
    await copyFile(file, target);
    await chown(target, BUILD_USER.uid, BUILD_USER.gid);
  }
}

export interface ChrootCommand {
  command: string;
  args: string[];
  /** Working directory inside the chroot. */
  wd: string;
  /** Run as the build user instead of root. */
  asBuildUser: boolean;
  /** Variables besides PATH and HOME. */
  env?: Record<string, string | undefined>;
}

/** Proxy settings of the engine's environment, for apt inside the chroot. */
export function proxyEnvironment(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(PROXY_VARIABLES.filter((name) => env[name] !== undefined).map((name) => [name, env[name]]));
}

export function chrootStep(root: string, cwd: string, run: ChrootCommand): Step {
  const user = run.asBuildUser ? [`--setgid=${BUILD_USER.gid}`, `--setuid=${BUILD_USER.uid}`] : [];
  const identity = run.asBuildUser
    ? { HOME: BUILD_USER.home, USER: BUILD_USER.name, LOGNAME: BUILD_USER.name }
    : { HOME: "/root", DEBIAN_FRONTEND: "noninteractive" };
  return {
    command: "unshare",
    args: ["--mount", "--pid", "--fork", "--kill-child", `--root=${root}`, `--wd=${run.wd}`, "--mount-proc=/proc", ...user, "--", run.command, ...run.args],
    cwd,
    env: { PATH: CHROOT_PATH, LC_ALL: "C.UTF-8", ...identity, ...run.env },
  };
}

/** Steps that add the build user to the chroot. */
export function buildUserSteps(root: string, cwd: string): Step[] {
  const asRoot = (command: string, args: string[]) => chrootStep(root, cwd, { command, args, wd: "/", asBuildUser: false });
  return [
    asRoot("groupadd", ["--gid", String(BUILD_USER.gid), BUILD_USER.name]),
    asRoot("useradd", ["--uid", String(BUILD_USER.uid), "--gid", String(BUILD_USER.gid), "--home-dir", BUILD_USER.home, "--no-create-home", "--shell", "/bin/sh", BUILD_USER.name]),
  ];
}
