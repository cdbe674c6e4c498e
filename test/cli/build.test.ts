/**
 * The CLI end to end under Node: sync a small Arch repository whose packages are local files,
 * rebuild it with a rebuilderd backend script, and read the verdicts and evidence back.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { cli, fixture, rebuilder } from "./fixture.js";

describe("rebuilder build --until-idle", () => {
  it("rebuilds what the sync queued and keeps verdicts, logs and attestations", () => {
    const f = fixture();
    expect(JSON.parse(rebuilder(f, "queue", "ls", "--json")).map((j: { name: string }) => j.name).sort()).toEqual(["bad", "good"]);

    expect(rebuilder(f, "status")).toMatch(/packages: 0 GOOD, 0 BAD, 0 FAIL, 2 UNKWN\nqueue: 2 waiting, 0 running, 0 planned for a retry\n$/);
    const summary = JSON.parse(rebuilder(f, "build", "--until-idle", "--json"));
    expect(summary).toMatchObject({ built: 2, good: 1, bad: 1, fail: 0 });
    const status = rebuilder(f, "status");
    expect(status).toMatch(/^\S+\/slot-1 \(local\) +=> idle\n/);
    expect(status).toMatch(/packages: 1 GOOD, 1 BAD, 0 FAIL, 0 UNKWN\nqueue: 0 waiting, 0 running, 1 planned for a retry\n$/);
    expect(JSON.parse(rebuilder(f, "queue", "ls", "--json"))).toEqual([]);

    const good = JSON.parse(rebuilder(f, "pkgs", "ls", "--json", "--name", "good"))[0];
    expect(good).toMatchObject({ status: "GOOD" });
    expect(good.attestation_log_id).not.toBeNull();
    expect(rebuilder(f, "pkgs", "ls", "--status", "BAD")).toMatch(/^\[BAD  \] bad 1\.0-1 /);
    expect(rebuilder(f, "pkgs", "log", "--name", "good")).toContain("rebuilding good-1.0-1-x86_64.pkg.tar.zst");

    const attestation = JSON.parse(rebuilder(f, "pkgs", "attestation", "--name", "good"));
    expect(attestation.signed).toMatchObject({ _type: "link", name: "rebuild good-1.0-1-x86_64.pkg.tar.zst" });
    expect(attestation.signatures).toHaveLength(1);

    // BAD goes to the retry queue with backoff: not due now, visible with --planned.
    expect(JSON.parse(rebuilder(f, "queue", "ls", "--planned", "--json")).map((j: { name: string; priority: number }) => [j.name, j.priority])).toEqual([["bad", 2]]);
    // An operator requeues it to run now.
    expect(rebuilder(f, "queue", "requeue", "BAD")).toBe("1 jobs queued\n");
    expect(JSON.parse(rebuilder(f, "queue", "ls", "--json")).map((j: { name: string; priority: number }) => [j.name, j.priority])).toEqual([["bad", 0]]);
  });

  it("says clearly when there is nothing to look up", () => {
    const f = fixture();
    const r = spawnSync(process.execPath, [cli, "--data-dir", f.dataDir, "pkgs", "log", "--name", "nothing"], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("rebuilder: error: Package lookup did not return exactly one result. Please be more specific\n");
  });

  it("builds the same with a relative --data-dir and -c, backend paths taken from the config file's folder", () => {
    const f = fixture();
    const name = basename(f.root);
    writeFileSync(join(f.root, "relative.conf"), '[backend."archlinux"]\npath = "./rebuild.sh"\n[diffoscope]\nenabled = false\n[build]\nsilent = true\n');
    // Run from the folder above: every path on the command line and in the config is relative.
    const r = spawnSync(process.execPath, [cli, "--data-dir", `${name}/data`, "-c", `${name}/relative.conf`, "build", "--until-idle", "--json"], { cwd: dirname(f.root), encoding: "utf8" });
    expect(r.stderr).not.toMatch(/FAIL|error|warning/);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ built: 2, good: 1, bad: 1, fail: 0, setup_errors: [], unbuildable: [] });
    expect(readdirSync(join(f.dataDir, "tmp"))).toEqual([]);
  }, 180_000);

  it("says how many jobs no slot can build and why, and exits 1; status says it too", () => {
    const f = fixture();
    writeFileSync(f.config, `[backend."archlinux"]\npath = "${f.root}/missing.sh"\n[build]\nsilent = true\n`);
    const why = `2 queued jobs cannot be built by any slot here:\n  2 jobs of archlinux (x86_64): backend script ${f.root}/missing.sh is missing or not executable`;
    const r = spawnSync(process.execPath, [cli, "--data-dir", f.dataDir, "-c", f.config, "build", "--until-idle"], { encoding: "utf8" });
    expect(r.stdout).toMatch(/^built 0: 0 GOOD, 0 BAD, 0 FAIL, took /);
    expect(r.stderr).toBe(`rebuilder: error: ${why}\n`);
    expect(r.status).toBe(1);
    expect(rebuilder(f, "status")).toMatch(new RegExp(`queue: 2 waiting, 0 running, 0 planned for a retry\n${why.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\n$`));
    expect(JSON.parse(rebuilder(f, "status", "--json")).unbuildable).toEqual([
      { backend: "archlinux", architectures: ["x86_64"], jobs: 2, reason: `backend script ${f.root}/missing.sh is missing or not executable` },
    ]);
  }, 180_000);
});
