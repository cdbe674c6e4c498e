/** Whether a profile's indexes are checked against a keyring; `sync` warns and `doctor` names the ones that are not. */
import { DEFAULT_KEYRING } from "./debian/release-files.js";
import type { SyncProfile } from "./types.js";

/** Null when the profile's index signatures are verified, else why they are not. */
export function unverifiedReason(profile: SyncProfile): string | null {
  if (!profile.verify_signature) return `profile "${profile.name}" syncs unverified: verify_signature = false`;
  if (profile.sync_method === "archlinux" && !profile.keyring) {
    return `profile "${profile.name}" syncs unverified: Arch .db signatures are checked only against a configured keyring; set keyring = "<file>" (e.g. a keyring exported from the archlinux-keyring package)`;
  }
  if (profile.sync_method !== "archlinux" && profile.sync_method !== "debian") {
    return `profile "${profile.name}" syncs unverified: the ${profile.sync_method} sync does not check index signatures`;
  }
  return null;
}

/** The keyring a verified profile checks against, or null when it checks none. */
export function profileKeyring(profile: SyncProfile): string | null {
  if (unverifiedReason(profile) !== null) return null;
  return profile.keyring ?? DEFAULT_KEYRING;
}
