import { homedir } from "node:os";
import { join } from "node:path";

/** XDG base directories, resolved at call time so tests can point them elsewhere. */
export function xdgDataHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_DATA_HOME || join(env.HOME || homedir(), ".local", "share");
}

export function xdgConfigHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
}

/** `--data-dir`, else REBUILDER_DATA_DIR, else the XDG data directory. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.REBUILDER_DATA_DIR || join(xdgDataHome(env), "rebuilder");
}

/** Default engine config (rebuilderd.conf format) and sync profiles (rebuilderd-sync.conf format). */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(xdgConfigHome(env), "rebuilder", "rebuilder.conf");
}

export function defaultSyncConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(xdgConfigHome(env), "rebuilder", "rebuilder-sync.conf");
}
