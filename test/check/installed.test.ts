/**
 * `check --installed`: the packages of a pacman database (a fixture tree with real `desc` files)
 * and of this machine's real dpkg database, matched against a real store.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/engine/store/index.js";
import { listQueue } from "../../src/engine/store/queries/queue.js";
import { keyOf, seedStore, serveStore, tempDir, type Pkg, type TestRebuilder } from "./harness.js";
import { runCli } from "./run-cli.js";

function pacmanRoot(pkgs: { name: string; version: string; arch: string }[]): string {
  const root = tempDir("rebuilder-pacman-root-");
  for (const p of pkgs) {
    const dir = join(root, "var/lib/pacman/local", `${p.name}-${p.version}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "desc"), `%NAME%\n${p.name}\n\n%VERSION%\n${p.version}\n\n%BASE%\n${p.name}\n\n%ARCH%\n${p.arch}\n\n%BUILDDATE%\n1700000000\n\n`);
  }
  writeFileSync(join(root, "var/lib/pacman/local/ALPM_DB_VERSION"), "9\n");
  return root;
}

describe("check --installed", () => {
  const servers: TestRebuilder[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  const arch = (p: Omit<Pkg, "distribution">): Pkg => ({ distribution: "archlinux", architecture: "x86_64", ...p });

  it("sums up a pacman system: share verified, per-status breakdown, worst offenders, packages no source knows", async () => {
    const home = tempDir();
    (
      await seedStore(join(home, "data"), keyOf(1), [
        arch({ name: "acl", version: "2.3.2-1", status: "GOOD" }),
        arch({ name: "bash", version: "5.2.037-1", status: "BAD" }),
        arch({ name: "ca-certificates", version: "20240618-1", architecture: "any", status: "GOOD" }),
        arch({ name: "coreutils", version: "9.5-1", status: "GOOD" }),
        arch({ name: "gzip", version: "1.13-4" }),
      ])
    ).close();
    const root = pacmanRoot([
      { name: "acl", version: "2.3.2-1", arch: "x86_64" },
      { name: "bash", version: "5.2.037-1", arch: "x86_64" },
      { name: "ca-certificates", version: "20240618-1", arch: "any" },
      { name: "coreutils", version: "9.6-1", arch: "x86_64" },
      { name: "gzip", version: "1.13-4", arch: "x86_64" },
      { name: "yay", version: "12.4.2-1", arch: "x86_64" },
    ]);
    const r = await runCli(home, ["check", "--installed", "--root", root]);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("6 installed packages (pacman): 4 known to a rebuilder, 2 unknown");
    expect(lines[1]).toBe("50.00 % verified (2 of 4)");
    expect(r.stdout).toMatch(/^ {2}VERIFIED +2 {2}50\.00 %$/m);
    expect(r.stdout).toMatch(/^ {2}BAD +1 {2}25\.00 %$/m);
    expect(r.stdout).toMatch(/^ {2}UNKWN +1 {2}25\.00 %$/m);
    // Worst first: the BAD package before the one never built.
    const worst = lines.slice(lines.indexOf("worst offenders:") + 1, lines.indexOf("worst offenders:") + 3);
    expect(worst[0]).toMatch(/^ {2}BAD +bash 5\.2\.037-1/);
    expect(worst[1]).toMatch(/^ {2}UNKWN +gzip 1\.13-4/);
    expect(r.stdout).toContain("  coreutils 9.6-1 x86_64  (store has 9.5-1)");
    expect(r.stdout).toContain("  yay 12.4.2-1 x86_64");
    // Unknown packages are listed, not failures; the BAD and the never-built ones are.
    expect(r.code).toBe(1);

    const json = JSON.parse((await runCli(home, ["check", "--installed", "--root", root, "--json"])).stdout);
    expect(json.summary).toMatchObject({ manager: "pacman", installed: { installed: 6, known: 4, verified: 2, share: 0.5, worst: ["bash", "gzip"] } });
    expect(json.summary.installed.unknown.map((u: { name: string }) => u.name)).toEqual(["coreutils", "yay"]);
  });

  it("puts the unverified installed packages at the front of the local queue with --queue", async () => {
    const home = tempDir();
    (
      await seedStore(join(home, "data"), keyOf(1), [
        arch({ name: "acl", version: "2.3.2-1", status: "GOOD" }),
        arch({ name: "bash", version: "5.2.037-1", status: "BAD" }),
        arch({ name: "zlib", version: "1.3.1-2" }),
      ])
    ).close();
    const root = pacmanRoot([
      { name: "acl", version: "2.3.2-1", arch: "x86_64" },
      { name: "bash", version: "5.2.037-1", arch: "x86_64" },
      { name: "zlib", version: "1.3.1-2", arch: "x86_64" },
    ]);
    const r = await runCli(home, ["check", "--installed", "--root", root, "--queue"]);
    expect(r.stdout).toContain("2 local rebuilds queued");
    const db = openStore(join(home, "data"));
    const jobs = listQueue(db, {}, { limit: 10 }).records;
    db.close();
    expect(jobs.map((j) => [j.name, j.priority]).sort()).toEqual([
      ["bash", -1],
      ["zlib", -1],
    ]);
  });

  it("counts a remote's checked GOOD for an installed package the local store never built", async () => {
    const home = tempDir();
    (await seedStore(join(home, "data"), keyOf(1), [arch({ name: "zlib", version: "1.3.1-2" })])).close();
    const remote = await serveStore(await seedStore(tempDir(), keyOf(2), [arch({ name: "zlib", version: "1.3.1-2", status: "GOOD" })]), keyOf(2));
    servers.push(remote);
    const root = pacmanRoot([{ name: "zlib", version: "1.3.1-2", arch: "x86_64" }]);
    const r = await runCli(home, ["check", "--installed", "--root", root, "--remote", remote.url]);
    expect(r.stdout).toContain("100.00 % verified (1 of 1)");
    expect(r.code).toBe(0);
  });

  it("reads this machine's real dpkg database and matches by name, version and architecture (all included)", async () => {
    const rows = execFileSync("dpkg-query", ["-W", "-f=${db:Status-Abbrev}\\t${Package}\\t${Version}\\t${Architecture}\\n"], { encoding: "utf8" })
      .split("\n")
      .map((l) => l.split("\t"))
      .filter((f) => f[0]?.trim() === "ii");
    const all = rows.find((f) => f[3] === "all")!;
    const native = rows.find((f) => f[3] !== "all")!;
    expect(all).toBeDefined();
    expect(native).toBeDefined();
    const home = tempDir();
    (
      await seedStore(join(home, "data"), keyOf(1), [
        { name: all[1]!, version: all[2]!, architecture: "all", status: "GOOD" },
        { name: native[1]!, version: native[2]!, architecture: native[3]!, status: "BAD" },
        // Same name, another architecture: must not match.
        { name: all[1]!, version: all[2]!, architecture: "s390x", status: "BAD" },
      ])
    ).close();
    const r = await runCli(home, ["check", "--installed", "--json"]);
    const { summary, packages } = JSON.parse(r.stdout);
    expect(summary.manager).toBe("dpkg");
    expect(summary.installed).toMatchObject({ installed: rows.length, known: 2, verified: 1 });
    expect(packages.find((p: { name: string }) => p.name === all[1])).toMatchObject({ architecture: "all", verified: true, local: { status: "GOOD" } });
    expect(summary.installed.worst).toEqual([native[1]]);
    expect(r.code).toBe(1);
  });

  it("says which package database it looked for when there is none", async () => {
    const r = await runCli(tempDir(), ["check", "--installed", "--root", tempDir()]);
    expect(r.stderr).toMatch(/no package database under .*: looked for .*var\/lib\/pacman\/local \(pacman\) and .*var\/lib\/dpkg\/status \(dpkg\)/);
    expect(r.code).toBe(2);
  });
});
