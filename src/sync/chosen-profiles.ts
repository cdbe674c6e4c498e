/**
 * The profiles `sync` uses (and `doctor` checks): the named ones of the sync config, all of them,
 * or, when there is no sync config, the default profiles of this machine's package manager.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { defaultSyncConfigPath } from "../engine/paths.js";
import { machineDefaultProfiles, systemRoot } from "./default-profiles.js";
import { loadSyncConfig, selectProfiles } from "./profiles.js";
import type { SyncProfile } from "./types.js";

export interface ChosenProfiles {
  profiles: SyncProfile[];
  warnings: string[];
  /** Where they come from: the sync config's absolute path, or "this machine's default profiles". */
  from: string;
}

/** `syncConfig`: the --sync-config option; an explicit file must exist, the default one may not. */
export function chooseProfiles(syncConfig: string | undefined, names: string[]): ChosenProfiles {
  const file = resolve(syncConfig ?? defaultSyncConfigPath());
  if (syncConfig !== undefined || existsSync(file)) {
    const { profiles, warnings } = loadSyncConfig(file);
    return { profiles: selectProfiles(profiles, names, file), warnings, from: file };
  }
  const detected = machineDefaultProfiles(systemRoot(), file);
  const from = "this machine's default profiles";
  return { profiles: selectProfiles(detected.profiles, names, from), warnings: detected.warnings, from };
}
