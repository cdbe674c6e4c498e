/**
 * bench:sync — the full Debian bookworm slice (Sources + binary-amd64 + binary-all) synced into
 * an empty store, against the floor of merely decompressing the same .xz files in this process;
 * then a re-sync of the unchanged index. Prints one `name: value` line per figure.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { decompressStream } from "../src/engine/compression.js";
import { defaultEngineConfig } from "../src/engine/config.js";
import { openStore } from "../src/engine/store/index.js";
import { syncProfile } from "../src/sync/run.js";
import type { SyncProfile } from "../src/sync/types.js";

const mirror = resolve(import.meta.dirname, "../test/data/debian-mirror");
const files = ["main/source/Sources.xz", "main/binary-amd64/Packages.xz", "main/binary-all/Packages.xz"].map((f) =>
  join(mirror, "dists/bookworm", f),
);

async function floorSeconds(): Promise<number> {
  const started = performance.now();
  for (const f of files) {
    let n = 0;
    for await (const chunk of decompressStream(new Uint8Array(readFileSync(f)), f)) n += chunk.byteLength;
    if (n === 0) throw new Error(`${f}: decompressed to nothing`);
  }
  return (performance.now() - started) / 1000;
}

const profile: SyncProfile = {
  name: "bookworm-main",
  distro: "debian",
  sync_method: "debian",
  components: ["main"],
  releases: [{ name: "bookworm" }],
  architectures: ["amd64", "all"],
  source: mirror,
  include: [],
  maintainers: [],
  pkgs: [],
  excludes: [],
  // The slice's InRelease is verified like any other; an expired Valid-Until is not enforced by default.
  verify_signature: true,
};

const dataDir = mkdtempSync(join(tmpdir(), "rebuilder-bench-sync-"));
try {
  const floor = await floorSeconds();
  const db = openStore(dataDir);
  const opts = { dataDir, policy: defaultEngineConfig().schedule };
  const first = await syncProfile(db, profile, opts);
  const again = await syncProfile(db, profile, opts);
  db.close();
  if (again.unchanged === 0) throw new Error("re-sync parsed the unchanged index again");
  const lines: [string, string | number][] = [
    ["packages", first.packages],
    ["binaries", first.binaries],
    ["sync_s", first.took_s.toFixed(3)],
    ["floor_s", floor.toFixed(3)],
    ["ratio", (first.took_s / floor).toFixed(2)],
    ["resync_s", again.took_s.toFixed(3)],
    ["peak_rss_mb", (process.resourceUsage().maxRSS / 1024).toFixed(0)],
  ];
  for (const [name, value] of lines) console.log(`${name}: ${value}`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
