/** The bookworm slice of test/data as a sync profile, and a store synced from it: the data the benchmarks run on. */
import { join, resolve } from "node:path";
import { defaultEngineConfig } from "../src/engine/config.js";
import { openStore } from "../src/engine/store/index.js";
import { syncProfile } from "../src/sync/run.js";
import type { SyncProfile } from "../src/sync/types.js";

export const BOOKWORM_MIRROR = join(resolve(import.meta.dirname, ".."), "test/data/debian-mirror");

export const BOOKWORM_PROFILE: SyncProfile = {
  name: "bookworm-main",
  distro: "debian",
  sync_method: "debian",
  components: ["main"],
  releases: [{ name: "bookworm" }],
  architectures: ["amd64", "all"],
  source: BOOKWORM_MIRROR,
  include: [],
  maintainers: [],
  pkgs: [],
  excludes: [],
  // The slice's InRelease is verified like any other; an expired Valid-Until is not enforced by default.
  verify_signature: true,
};

/** A store in `dataDir` holding the whole slice (Sources, binary-amd64, binary-all). */
export async function syncBookworm(dataDir: string): Promise<void> {
  const db = openStore(dataDir);
  try {
    await syncProfile(db, BOOKWORM_PROFILE, { dataDir, policy: defaultEngineConfig().schedule });
  } finally {
    db.close();
  }
}
