/**
 * rebuildctl parity: the same commands on the local store and with `-H` against our own
 * `rebuilder serve` (a real process on a loopback port) serving that same store, which must
 * print the same; admin commands with the cookie found as rebuildctl finds it.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zstdCompress } from "../../src/engine/compression.js";
import { toDbTime } from "../../src/engine/store/time.js";
import { startServe, type Served } from "../serve/serve-process.js";
import { ARCH_CORE_DB } from "../support/test-data.js";
import { keyOf, seedStore, tempDir } from "./harness.js";
import { runCli } from "./run-cli.js";

describe("rebuildctl parity: local store and -H against rebuilder serve", () => {
  let served: Served;
  let home: string;
  let cookiePath: string;
  const local = (...args: string[]) => runCli(home, args);
  const remote = (...args: string[]) => runCli(home, ["-H", served.url, ...args]);
  const admin = (...args: string[]) => runCli(home, ["-H", served.url, ...args], { REBUILDERD_COOKIE_PATH: cookiePath });

  beforeAll(async () => {
    home = tempDir();
    const dataDir = join(home, "data");
    const db = await seedStore(dataDir, keyOf(1), [
      { name: "acl", version: "2.3.1-3", status: "GOOD" },
      { name: "bash", version: "5.2.15-2", status: "BAD" },
      { name: "coreutils", version: "9.1-1" },
      { name: "dash", version: "0.5.12-2", status: "FAIL" },
    ]);
    // A worker at work, and a diffoscope report for the BAD rebuild: what `status` and `pkgs diffoscope` show.
    db.prepare("INSERT INTO workers (name, key, address, status, last_ping) VALUES (?, ?, ?, ?, ?)").run("builder-1", "key-1", "10.0.0.7", "working hard on dash 0.5.12-2", toDbTime(new Date()));
    const diff = db.prepare("INSERT INTO diffoscope_logs (diffoscope_log) VALUES (?)").run(zstdCompress("--- bash.deb\n+++ bash.deb (rebuilt)\n")).lastInsertRowid;
    db.prepare("UPDATE rebuild_artifacts SET diffoscope_log_id = ? WHERE name = 'bash'").run(diff);
    db.close();
    const config = join(home, "rebuilder.conf");
    writeFileSync(config, "[diffoscope]\nenabled = false\n");
    served = await startServe({ dataDir, config, args: ["--slots", "0"] });
    cookiePath = join(dataDir, "..", "auth-cookie");
  }, 120_000);
  afterAll(async () => {
    await served?.stop();
  });

  it("pkgs ls prints the same lines and the same JSON", async () => {
    const [l, r] = [await local("pkgs", "ls"), await remote("pkgs", "ls")];
    expect(r.stdout).toBe(l.stdout);
    expect(r.stdout).toMatch(/^\[GOOD \] acl 2\.3\.1-3 +\(debian, bookworm, main, amd64\) "https:\/\/mirror\.test\/pool\/acl_2\.3\.1-3_amd64\.deb"$/m);
    expect((await remote("pkgs", "ls", "--status", "UNKWN")).stdout).toMatch(/^\[UNKWN\] coreutils 9\.1-1 /m);
    const [lj, rj] = [await local("pkgs", "ls", "--json", "--name", "bash"), await remote("pkgs", "ls", "--json", "--name", "bash")];
    expect(JSON.parse(rj.stdout)).toEqual(JSON.parse(lj.stdout));
  });

  it("colours only with -C when the output is not a terminal", async () => {
    expect((await remote("pkgs", "ls", "--name", "acl")).stdout).not.toContain("\x1b[");
    expect((await remote("-C", "pkgs", "ls", "--name", "acl")).stdout).toContain("\x1b[32mGOOD \x1b[0m");
  });

  it("pkgs log and attestation fetch the evidence; a lookup that is not exactly one package fails as rebuildctl does", async () => {
    expect((await remote("pkgs", "log", "--name", "acl")).stdout).toBe("building acl\n");
    const attestation = JSON.parse((await remote("pkgs", "attestation", "--name", "acl")).stdout);
    expect(attestation.signed.products).toHaveProperty(["acl_2.3.1-3_amd64.deb"]);
    const none = await remote("pkgs", "log", "--name", "nosuchpkg");
    expect(none.stderr).toContain("Package lookup did not return exactly one result. Please be more specific");
    expect(none.code).toBe(1);
    const unbuilt = await remote("pkgs", "attestation", "--name", "coreutils");
    expect(unbuilt.stderr).toContain("Package has not been built yet");
    // The local store fails with the same words and exit code.
    expect(await local("pkgs", "log", "--name", "nosuchpkg")).toEqual(none);
    expect(await local("pkgs", "attestation", "--name", "coreutils")).toEqual(unbuilt);
  });

  it("pkgs diffoscope prints the report of the BAD rebuild, the same locally and with -H", async () => {
    const r = await remote("pkgs", "diffoscope", "--name", "bash");
    expect(r).toEqual({ code: 0, stdout: "--- bash.deb\n+++ bash.deb (rebuilt)\n", stderr: "" });
    expect(await local("pkgs", "diffoscope", "--name", "bash")).toEqual(r);
  });

  it("queue push needs the admin cookie, found through REBUILDERD_COOKIE_PATH; queue ls and drop follow", async () => {
    const refused = await remote("queue", "push", "debian", "main", "coreutils");
    expect(refused.stderr).toMatch(/HTTP 403 Forbidden \(no admin cookie: set \[endpoints\."http:\/\/127\.0\.0\.1:\d+"\] cookie in ~\/\.config\/rebuilderd\.conf, or REBUILDERD_COOKIE_PATH\)/);
    expect(refused.code).toBe(1);
    const pushed = await admin("queue", "push", "debian", "main", "coreutils");
    expect(pushed).toMatchObject({ code: 0, stdout: "" });
    const [l, r] = [await local("queue", "ls"), await remote("queue", "ls")];
    expect(r.stdout).toBe(l.stdout);
    expect(r.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d coreutils 9\.1-1 +"debian" Some\("bookworm"\) "amd64"$/m);
    expect((await admin("queue", "drop", "debian", "main", "coreutils")).code).toBe(0);
    expect((await remote("queue", "ls", "--json")).stdout).toBe("[]\n");
  });

  it("finds the cookie under [endpoints.\"URL\"] of ~/.config/rebuilderd.conf", async () => {
    const cookie = await served.cookie();
    const user = tempDir();
    writeFileSync(join(user, "rebuilderd.conf"), `[endpoints."${served.url}"]\ncookie = "${cookie}"\n`);
    const r = await runCli(home, ["-H", served.url, "queue", "push", "debian", "main", "acl"], { XDG_CONFIG_HOME: user });
    expect(r.code).toBe(0);
    expect((await remote("queue", "ls")).stdout).toMatch(/ acl 2\.3\.1-3 /);
    expect((await admin("queue", "drop", "debian", "main", "acl")).code).toBe(0);
  });

  it("status and workers ls", async () => {
    const r = await remote("status");
    expect(r.stdout).toContain("packages: 1 GOOD, 1 BAD, 1 FAIL, 1 UNKWN\n");
    expect(r.stdout).toMatch(/queue: \d+ waiting, 0 running, \d+ planned for a retry/);
    expect((await remote("workers", "ls", "--json")).stdout).toBe((await local("workers", "ls", "--json")).stdout);
  });

  it("status prints each worker as rebuildctl does, coloured with -C, the same locally and with -H", async () => {
    const line = `builder-1 (10.0.0.7)${" ".repeat(20)} => "working hard on dash 0.5.12-2"`;
    expect((await local("status")).stdout.split("\n")[0]).toBe(line);
    expect((await remote("status")).stdout.split("\n")[0]).toBe(line);
    const coloured = '\x1b[32mbuilder-1\x1b[0m (\x1b[33m10.0.0.7\x1b[0m)' + " ".repeat(20) + ' => \x1b[1m"working hard on dash 0.5.12-2"\x1b[0m';
    expect((await local("-C", "status")).stdout.split("\n")[0]).toBe(coloured);
    expect((await remote("-C", "status")).stdout.split("\n")[0]).toBe(coloured);
    const table = await local("workers", "ls");
    expect(table.stdout).toMatch(/^ {3}1 {2}online {3}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}builder-1 \(10\.0\.0\.7\) +=> "working hard on dash 0\.5\.12-2"\n$/);
    expect((await remote("workers", "ls")).stdout).toBe(table.stdout);
  });

  it("queue requeue BAD queues the BAD package again on the server, with the admin cookie", async () => {
    expect(await admin("queue", "requeue", "BAD")).toMatchObject({ code: 0, stderr: "" });
    expect((await remote("queue", "ls")).stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d bash 5\.2\.15-2 +"debian" Some\("bookworm"\) "amd64"$/m);
    expect((await remote("queue", "ls")).stdout).not.toMatch(/ (acl|coreutils|dash) /);
    expect((await admin("queue", "drop", "debian", "main", "bash")).code).toBe(0);
  });

  it("pkgs sync-stdin posts one PackageReport; a malformed one is refused before anything is sent", async () => {
    const report = {
      distribution: "debian",
      release: "bookworm",
      architecture: "amd64",
      packages: [
        {
          name: "zstd",
          version: "1.5.4+dfsg2-5",
          url: "https://buildinfo.test/zstd.buildinfo",
          artifacts: [{ name: "zstd", version: "1.5.4+dfsg2-5", component: "main", architecture: "amd64", url: "https://mirror.test/pool/zstd_1.5.4+dfsg2-5_amd64.deb" }],
        },
      ],
    };
    const stdin = join(tempDir(), "report.json");
    writeFileSync(stdin, JSON.stringify(report));
    const r = await runCliWithStdin(stdin, () => admin("pkgs", "sync-stdin"));
    expect(r.code).toBe(0);
    expect((await remote("pkgs", "ls", "--name", "zstd")).stdout).toMatch(/^\[UNKWN\] zstd 1\.5\.4\+dfsg2-5 /);
    // Without -H the same report goes into a local store.
    const elsewhere = tempDir();
    const imported = await runCliWithStdin(stdin, () => runCli(elsewhere, ["pkgs", "sync-stdin"]));
    expect(imported).toMatchObject({ code: 0, stdout: "" });
    expect((await runCli(elsewhere, ["pkgs", "ls"])).stdout).toMatch(/^\[UNKWN\] zstd 1\.5\.4\+dfsg2-5 +\(debian, bookworm, main, amd64\) "https:\/\/mirror\.test\/pool\/zstd_1\.5\.4\+dfsg2-5_amd64\.deb"\n$/);
    writeFileSync(stdin, JSON.stringify({ ...report, packages: "nope" }));
    const bad = await runCliWithStdin(stdin, () => admin("pkgs", "sync-stdin"));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("packages");
  });

  it("pkgs sync -H builds the reports here and posts them to the server", async () => {
    const mirror = join(tempDir(), "mirror");
    mkdirSync(join(mirror, "core"), { recursive: true });
    copyFileSync(ARCH_CORE_DB, join(mirror, "core/core.db"));
    const r = await admin("pkgs", "sync", "archlinux", `${mirror}/$repo`, "--component", "core", "--architecture", "x86_64");
    expect(r.stderr).toMatch(/^Sending archlinux \(x86_64\) to rebuilderd \(\d+ packages\)\.\.\.$/m);
    expect(r.code).toBe(0);
    expect((await remote("pkgs", "ls", "--distro", "archlinux", "--name", "acl")).stdout).toMatch(/^\[UNKWN\] acl 2\.3\.2-1 +\(archlinux, <none>, core, x86_64\)/);
  });

  it("pkgs sync-profile -H reads the profile from a rebuilderd-sync.conf and posts its reports to the server", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "mirror/core"), { recursive: true });
    copyFileSync(ARCH_CORE_DB, join(dir, "mirror/core/core.db"));
    const syncConfig = join(dir, "rebuilderd-sync.conf");
    writeFileSync(syncConfig, `[profile."arch-core"]\ndistro = "archlinux"\ncomponents = ["core"]\narchitectures = ["x86_64"]\nsource = "${dir}/mirror/$repo"\npkgs = ["bash"]\n`);
    const r = await admin("pkgs", "sync-profile", "arch-core", "--sync-config", syncConfig);
    expect(r.stderr).toMatch(/^Sending archlinux \(x86_64\) to rebuilderd \(1 packages\)\.\.\.$/m);
    expect(r.code).toBe(0);
    expect((await remote("pkgs", "ls", "--distro", "archlinux", "--name", "bash")).stdout).toMatch(/^\[UNKWN\] bash \S+ +\(archlinux, <none>, core, x86_64\)/);
  });

  it("queue ls --head stops after 25 jobs, the same locally and with -H", async () => {
    // The Arch core packages synced above, never built: more than a head's worth.
    expect((await admin("queue", "requeue", "UNKWN", "--distro", "archlinux")).code).toBe(0);
    const all = (await remote("queue", "ls")).stdout.split("\n").filter(Boolean);
    expect(all.length).toBeGreaterThan(25);
    const [l, r] = [await local("queue", "ls", "--head"), await remote("queue", "ls", "--head")];
    expect(r.stdout).toBe(l.stdout);
    expect(r.stdout.split("\n").filter(Boolean)).toEqual(all.slice(0, 25));
  });

  it("check asks our serve and verifies its co-signed attestation against its published key", async () => {
    const other = tempDir();
    (await seedStore(join(other, "data"), keyOf(2), [{ name: "acl", version: "2.3.1-3" }])).close();
    const r = await runCli(other, ["check", "acl", "--remote", served.url]);
    expect(r.stdout).toMatch(/acl 2\.3\.1-3\s+local UNKWN {2}remotes 1\/1 GOOD {2}verified/);
    expect(r.code).toBe(0);
  });
});

/** Runs `fn` with process.stdin reading `file`. */
async function runCliWithStdin<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const { createReadStream } = await import("node:fs");
  const saved = Object.getOwnPropertyDescriptor(process, "stdin")!;
  Object.defineProperty(process, "stdin", { value: createReadStream(file), configurable: true });
  try {
    return await fn();
  } finally {
    Object.defineProperty(process, "stdin", saved);
  }
}
