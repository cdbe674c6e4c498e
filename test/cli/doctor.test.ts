/**
 * `rebuilder doctor` on a real data directory (the CLI fixture: a synced Arch repository of local
 * files, rebuilt by a backend script), with real sync profiles: a reachable local mirror, a
 * closed loopback port and a missing keyring.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, fixture, rebuilder } from "./fixture.js";

function doctor(f: { dataDir: string; config: string }, ...args: string[]) {
  return spawnSync(process.execPath, [cli, "--data-dir", f.dataDir, "-c", f.config, "doctor", ...args], { encoding: "utf8" });
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Each test runs the CLI several times; under a loaded machine that takes a while.
describe("rebuilder doctor", () => {
  it("passes on a working setup, naming the unverified Arch profile; the store, key and queue are checked", () => {
    const f = fixture();
    rebuilder(f, "build", "--until-idle"); // creates the signing key
    const syncConfig = join(f.root, "sync.conf");
    writeFileSync(syncConfig, `[profile."arch-core"]\ndistro = "archlinux"\nsource = "${f.mirror}"\ncomponents = ["core"]\narchitectures = ["x86_64"]\n`);
    const r = doctor(f, "--sync-config", syncConfig);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`config:\n  ok    read ${f.config}\n`);
    expect(r.stdout).toContain(`  ok    archlinux: ${f.root}/rebuild.sh is ${f.root}/rebuild.sh\n  ok    archlinux: the command backend can run\n`);
    expect(r.stdout).toMatch(new RegExp(`signing key:\\n  ok    ${f.dataDir}/rebuilder.sign.key: key id [0-9a-f]{64}\\n`));
    expect(r.stdout).toContain("  ok    the store opens and passes its integrity check (quick_check)\n");
    expect(r.stdout).toContain("queue:\n  ok    every queued job can be built here\n");
    expect(r.stdout).toContain('  warn  profile "arch-core" syncs unverified: Arch .db signatures are checked only against a configured keyring');
    expect(r.stdout).toContain(`  ok    profile "arch-core": ${f.root}/mirror/core/core.db is reachable\n`);

    // sync itself says so too.
    const sync = spawnSync(process.execPath, [cli, "--data-dir", f.dataDir, "-c", f.config, "sync", "--sync-config", syncConfig], { encoding: "utf8" });
    expect(sync.status).toBe(0);
    expect(sync.stderr).toContain('rebuilder: warning: profile "arch-core" syncs unverified: Arch .db signatures are checked only against a configured keyring; set keyring');
  }, 180_000);

  it("fails, exit 1, on a missing backend script, jobs no slot can build, an unreachable mirror and a missing keyring", async () => {
    const f = fixture();
    writeFileSync(f.config, `[backend."archlinux"]\npath = "${f.root}/missing.sh"\n`);
    const port = await closedPort();
    const syncConfig = join(f.root, "sync.conf");
    writeFileSync(
      syncConfig,
      `[profile."deb"]\ndistro = "debian"\nsource = "http://127.0.0.1:${port}/debian"\nreleases = ["bookworm"]\ncomponents = ["main"]\narchitectures = ["amd64"]\nkeyring = "${f.root}/no-such-keyring.gpg"\n`,
    );
    const r = doctor(f, "--sync-config", syncConfig, "--json");
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("rebuilder: error: 5 checks failed\n");
    const { checks, failed } = JSON.parse(r.stdout) as { checks: { group: string; level: string; message: string }[]; failed: number };
    expect(failed).toBe(5);
    expect(checks.filter((c) => c.level === "FAIL")).toEqual([
      { group: "backends", level: "FAIL", message: `archlinux: ${f.root}/missing.sh not found` },
      { group: "backends", level: "FAIL", message: `archlinux: the command backend cannot run: backend script ${f.root}/missing.sh is missing or not executable` },
      { group: "queue", level: "FAIL", message: `2 jobs of archlinux (x86_64): backend script ${f.root}/missing.sh is missing or not executable (they wait)` },
      { group: "sync profiles", level: "FAIL", message: `profile "deb": keyring ${f.root}/no-such-keyring.gpg is missing; install it or set keyring = "<file>" in the profile` },
      { group: "sync profiles", level: "FAIL", message: expect.stringMatching(new RegExp(`^profile "deb": cannot reach http://127\\.0\\.0\\.1:${port}/debian/dists/bookworm/InRelease: .*ECONNREFUSED`)) },
    ]);
  }, 180_000);
});
