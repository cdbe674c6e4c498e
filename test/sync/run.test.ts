/** Whole sync passes into a real store: the real bookworm slice and Arch core.db, and refusals that leave the store untouched. */
import { describe, expect, it } from "vitest";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execFileSync } from "node:child_process";
import { defaultEngineConfig } from "../../src/engine/config.js";
import { openStore, type Database } from "../../src/engine/store/index.js";
import { listBinaryPackages } from "../../src/engine/store/queries/packages.js";
import { syncProfile } from "../../src/sync/run.js";
import type { SyncProfile } from "../../src/sync/types.js";
import { ARCH_CORE_DB, DEBIAN_MIRROR } from "../support/test-data.js";

const policy = defaultEngineConfig().schedule;
const tempDir = (p = "rebuilder-run-") => mkdtempSync(join(tmpdir(), p));

const debian = (architectures: string[]): SyncProfile => ({
  name: `bookworm-${architectures.join("-")}`,
  distro: "debian",
  sync_method: "debian",
  components: ["main"],
  releases: [{ name: "bookworm" }],
  architectures,
  source: DEBIAN_MIRROR,
  include: [],
  maintainers: [],
  pkgs: [],
  excludes: [],
  verify_signature: true,
});

const arch = (source: string, components = ["core"]): SyncProfile => ({
  ...debian([]),
  name: "arch",
  distro: "archlinux",
  sync_method: "archlinux",
  components,
  releases: [],
  architectures: ["x86_64"],
  source,
});

const n = (db: Database, sql: string) => db.prepare<{ n: number }>(`SELECT count(*) AS n FROM (${sql})`).get()!.n;
const snapshot = (db: Database) =>
  ["source_packages", "build_inputs", "binary_packages", "queue", "sync_scopes", "sync_scope_members"].map((t) => db.prepare(`SELECT * FROM ${t}`).all());

async function sync(profile: SyncProfile, dataDir = tempDir()) {
  const db = openStore(dataDir);
  const summary = await syncProfile(db, profile, { dataDir, policy });
  return { db, summary, dataDir };
}

describe("sync into the store (real data)", () => {
  it("imports exactly the 32,325 amd64 binaries of bookworm main in 16,008 source groups", async () => {
    const { db, summary } = await sync(debian(["amd64"]));
    expect(summary).toMatchObject({ packages: 16008, imported: 16008, binaries: 32325, new: 16008, updated: 0, queued: 16008, vanished: 0 });
    expect(n(db, "SELECT * FROM binary_packages")).toBe(32325);
    expect(n(db, "SELECT * FROM build_inputs")).toBe(16008);
    expect(listBinaryPackages(db, { distribution: "debian", architecture: "amd64" }, { limit: 1 }).total).toBe(32325);
    expect(listBinaryPackages(db, { name: "hello" }, {}).records).toMatchObject([
      { name: "hello", version: "2.10-3", release: "bookworm", component: "main", architecture: "amd64", status: null, seen_in_last_sync: true },
    ]);
  });

  it("imports 63,764 binaries of 35,906 source versions with amd64 and all, in separate groups per upload", async () => {
    const { db, summary, dataDir } = await sync(debian(["amd64", "all"]));
    // An upload with amd64 and all binaries is one source version in two groups (38,542 groups, one build input each):
    // counted once, and all of them new in an empty store.
    expect(summary).toMatchObject({ packages: 35906, imported: 35906, new: 35906, updated: 0, binaries: 63764, queued: 38542 });
    expect(n(db, "SELECT * FROM source_packages")).toBe(35906);
    expect(n(db, "SELECT * FROM binary_packages WHERE architecture = 'all'")).toBe(63764 - 32325);
    // One upload's amd64 and all binaries are two build inputs with two .buildinfo files.
    const hello = db.prepare<{ architecture: string; url: string }>(
      "SELECT bi.architecture, bi.url FROM build_inputs bi JOIN source_packages sp ON sp.id = bi.source_package_id WHERE sp.name = 'glibc' ORDER BY bi.architecture",
    ).all();
    expect(hello.map((h) => h.architecture)).toEqual(["all", "amd64"]);
    expect(hello[0]!.url).toMatch(/\/buildinfo-pool\/g\/glibc\/glibc_2\.36-9\+deb12u\d+_all\.buildinfo$/);

    // The unchanged index is not parsed again and changes nothing.
    const before = snapshot(db);
    const again = await syncProfile(db, debian(["amd64", "all"]), { dataDir, policy });
    expect(again).toMatchObject({ packages: 0, unchanged: 2, queued: 0 });
    expect(snapshot(db)).toEqual(before);
  });

  it("imports all 265 packages of the real core.db grouped by pkgbase", async () => {
    const dir = tempDir();
    copyFileSync(ARCH_CORE_DB, join(dir, "core.db"));
    const { db, summary } = await sync(arch(dir));
    expect(summary).toMatchObject({ binaries: 265, packages: 197 });
    const split = db.prepare<{ name: string }>(
      "SELECT bp.name FROM binary_packages bp JOIN source_packages sp ON sp.id = bp.source_package_id WHERE sp.name = 'systemd' ORDER BY bp.name",
    ).all();
    expect(split.map((s) => s.name)).toContain("systemd-libs");
  });
});

describe("refused syncs leave the store exactly as it was", () => {
  /** A copy of the signed slice whose Packages.xz was replaced: the InRelease hash no longer matches. */
  function tamperedMirror(): string {
    const root = tempDir("rebuilder-tampered-");
    cpSync(DEBIAN_MIRROR, root, { recursive: true });
    const packages = join(root, "dists/bookworm/main/binary-amd64/Packages.xz");
    execFileSync("chmod", ["-R", "u+w", root]);
    writeFileSync(packages, execFileSync("xz", ["-c"], { input: "Package: evil\nVersion: 1\nArchitecture: amd64\nFilename: pool/e/evil.deb\n\n" }));
    return root;
  }

  it("refuses a tampered Debian index and imports nothing", async () => {
    const dataDir = tempDir();
    const { db } = await sync(arch(dirname(ARCH_CORE_DB)), dataDir);
    const before = snapshot(db);
    await expect(syncProfile(db, { ...debian(["amd64"]), source: tamperedMirror() }, { dataDir, policy })).rejects.toThrow(/Packages\.xz.*(SHA256|size)/);
    expect(snapshot(db)).toEqual(before);
  });

  it("refuses a whole Arch sync when one repository has a hostile entry, keeping the good one out too", async () => {
    const root = tempDir();
    const stage = tempDir();
    for (const [repo, name] of [
      ["core", "hello"],
      ["extra", "../../x"],
    ] as const) {
      mkdirSync(join(stage, repo, `${repo}-pkg-1-1`), { recursive: true });
      writeFileSync(
        join(stage, repo, `${repo}-pkg-1-1`, "desc"),
        `%FILENAME%\npkg-1-1-x86_64.pkg.tar.zst\n\n%NAME%\n${name}\n\n%BASE%\n${name}\n\n%VERSION%\n1-1\n\n%ARCH%\nx86_64\n\n%PACKAGER%\nJ <j@example.org>\n\n`,
      );
      mkdirSync(join(root, repo), { recursive: true });
      execFileSync("tar", ["-czf", join(root, repo, `${repo}.db`), "-C", join(stage, repo), "."]);
    }
    const dataDir = tempDir();
    const db = openStore(dataDir);
    await expect(syncProfile(db, arch(`${root}/$repo`, ["core", "extra"]), { dataDir, policy })).rejects.toThrow(/extra\.db.*\.\.\/\.\.\/x/);
    expect(n(db, "SELECT * FROM source_packages")).toBe(0);
    expect(n(db, "SELECT * FROM queue")).toBe(0);
  });
});
