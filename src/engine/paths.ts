/**
 * Where rebuilder keeps its files. Every path is absolute when it leaves this module: a relative
 * `--data-dir` or REBUILDER_DATA_DIR is taken relative to the working directory at start, so
 * nothing later (backends run in their own cwd) sees a relative path.
 */
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

/** The XDG spec says relative values are invalid and must be ignored. */
function xdgBase(value: string | undefined, home: string, fallback: string[]): string {
  return value && isAbsolute(value) ? value : join(resolve(home), ...fallback);
}

/** XDG base directories, resolved at call time so tests can point them elsewhere. */
export function xdgDataHome(env: NodeJS.ProcessEnv = process.env): string {
  return xdgBase(env.XDG_DATA_HOME, env.HOME || homedir(), [".local", "share"]);
}

export function xdgConfigHome(env: NodeJS.ProcessEnv = process.env): string {
  return xdgBase(env.XDG_CONFIG_HOME, env.HOME || homedir(), [".config"]);
}

/** `--data-dir`, else REBUILDER_DATA_DIR, else the XDG data directory; always absolute. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag || env.REBUILDER_DATA_DIR || join(xdgDataHome(env), "rebuilder"));
}

/** Default engine config (rebuilderd.conf format) and sync profiles (rebuilderd-sync.conf format). */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(xdgConfigHome(env), "rebuilder", "rebuilder.conf");
}

export function defaultSyncConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(xdgConfigHome(env), "rebuilder", "rebuilder-sync.conf");
}
