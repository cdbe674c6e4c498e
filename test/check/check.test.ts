/**
 * `rebuilder check` end to end: the CLI as a process, a real local store, and remote
 * rebuilders as real HTTP servers on loopback, some honest, some forging.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zstdDecompress } from "../../src/engine/compression.js";
import { attestationBlob } from "../../src/engine/store/queries/evidence.js";
import { deadUrl, keyOf, seedStore, serveStore, sha256, tempDir, type Pkg, type TestRebuilder } from "./harness.js";
import { runCli, runCliProcess } from "./run-cli.js";

const PKGS: Pkg[] = [
  { name: "acl", version: "2.3.1-3", status: "GOOD" },
  { name: "bash", version: "5.2.15-2", status: "BAD" },
  { name: "coreutils", version: "9.1-1" },
  { name: "dash", version: "0.5.12-2", status: "GOOD" },
];

describe("rebuilder check", () => {
  const servers: TestRebuilder[] = [];
  let local: string;
  let honest1: TestRebuilder;
  let honest2: TestRebuilder;

  beforeAll(async () => {
    local = tempDir();
    (await seedStore(join(local, "data"), keyOf(1), PKGS)).close();
    const remote = async (seed: number, pkgs: Pkg[], opts = {}) => {
      const dir = tempDir();
      const s = await serveStore(await seedStore(dir, keyOf(seed), pkgs), keyOf(seed), opts);
      servers.push(s);
      return s;
    };
    honest1 = await remote(2, [
      { name: "acl", version: "2.3.1-3", status: "GOOD" },
      { name: "bash", version: "5.2.15-2", status: "GOOD" },
      { name: "coreutils", version: "9.1-1", status: "GOOD" },
    ]);
    honest2 = await remote(3, [
      { name: "acl", version: "2.3.1-3", status: "GOOD" },
      { name: "coreutils", version: "9.1-1", status: "FAIL" },
    ]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  const check = (...args: string[]) => runCli(local, ["check", ...args]);

  it("verifies a package that the local rebuild and two remotes found GOOD, with their signatures checked", async () => {
    const r = await check("acl", "--remote", honest1.url, "--remote", honest2.url, "--threshold", "3");
    expect(r.stdout).toMatch(/^acl 2\.3\.1-3\s+local GOOD {2}remotes 2\/2 GOOD {2}verified$/m);
    expect(r.code).toBe(0);
    // The attestation was fetched and checked, not taken on the remote's word.
    expect(honest1.hits.some((p) => p.endsWith("/attestation"))).toBe(true);
    expect(honest1.hits).toContain("/api/v1/meta/public-keys");
  });

  it("is not verified below the threshold, and exits 1", async () => {
    const r = await check("acl", "--remote", honest1.url, "--threshold", "3");
    expect(r.stdout).toMatch(/acl 2\.3\.1-3\s+local GOOD {2}remotes 1\/1 GOOD {2}not verified/);
    expect(r.code).toBe(1);
  });

  it("flags rebuilders that disagree with the local rebuild", async () => {
    const r = await check("bash=5.2.15-2", "--remote", honest1.url);
    expect(r.stdout).toMatch(/bash 5\.2\.15-2\s+local BAD {2}remotes 1\/1 GOOD {2}verified {2}DISAGREE/);
    expect(r.stdout).toContain(`disagreement: GOOD from ${honest1.url}; BAD from local`);
  });

  it("counts a package the store never built as not verified until a remote attests it", async () => {
    expect((await check("coreutils")).stdout).toMatch(/coreutils 9\.1-1\s+local UNKWN {2}not verified/);
    const r = await check("coreutils", "--remote", honest1.url, "--remote", honest2.url);
    expect(r.stdout).toMatch(/coreutils 9\.1-1\s+local UNKWN {2}remotes 1\/2 GOOD {2}verified/);
    expect(r.code).toBe(0);
  });

  it("does not count a GOOD whose attestation is signed by another key, and says why", async () => {
    const forger = await serveStore(await seedStore(tempDir(), keyOf(9), [{ name: "acl", version: "2.3.1-3", status: "GOOD" }]), keyOf(9), { publishedKey: keyOf(4) });
    servers.push(forger);
    const r = await check("acl", "--remote", forger.url, "--threshold", "2");
    expect(r.stdout).toMatch(/remotes 0\/1 GOOD {2}not verified/);
    expect(r.stdout).toContain(`${forger.url}: GOOD not counted: attestation signature does not verify against the rebuilder's public key`);
    expect(r.code).toBe(1);
  });

  it("does not count a GOOD attestation that was tampered with in transit", async () => {
    const other = sha256("something else\n");
    const tampering = await serveStore(await seedStore(tempDir(), keyOf(5), [{ name: "acl", version: "2.3.1-3", status: "GOOD" }]), keyOf(5), {
      tamper: (json) => new TextEncoder().encode(new TextDecoder().decode(json).replace(/"sha256":"[0-9a-f]{64}"/, `"sha256":"${other}"`)),
    });
    servers.push(tampering);
    const r = await check("acl", "--remote", tampering.url, "--threshold", "2");
    expect(r.stdout).toContain("GOOD not counted: attestation signature does not verify");
    expect(r.code).toBe(1);
  });

  it("does not count a correctly signed GOOD for other bytes than the index lists", async () => {
    const liar = await serveStore(await seedStore(tempDir(), keyOf(6), [{ name: "acl", version: "2.3.1-3", status: "GOOD", rebuiltBytes: "backdoored\n" }]), keyOf(6));
    servers.push(liar);
    const r = await check("acl", "--remote", liar.url, "--threshold", "2", "--json");
    const out = JSON.parse(r.stdout);
    const remote = out.packages[0].remotes[0];
    expect(remote).toMatchObject({ status: "GOOD", verified: false, sha256: sha256("backdoored\n") });
    expect(remote.reason).toMatch(/attestation names sha256 [0-9a-f]{16}…, the index says [0-9a-f]{16}…/);
    expect(out.packages[0]).toMatchObject({ verified: false, remote_good: 0 });
    expect(r.code).toBe(1);
  });

  it("does not count a correctly signed attestation of another artifact (a replayed one), and says which it names", async () => {
    const db = await seedStore(tempDir(), keyOf(19), [
      { name: "acl", version: "2.3.1-3", status: "GOOD" },
      { name: "dash", version: "0.5.12-2", status: "GOOD" },
    ]);
    const dash = db.prepare<{ id: number }>("SELECT id FROM rebuild_artifacts WHERE name = 'dash'").get()!.id;
    const replayed = zstdDecompress(attestationBlob(db, dash)!);
    const replayer = await serveStore(db, keyOf(19), { tamper: (json) => (new TextDecoder().decode(json).includes("acl_") ? replayed : json) });
    servers.push(replayer);
    const r = await check("acl", "--remote", replayer.url, "--threshold", "2");
    expect(r.stdout).toMatch(/remotes 0\/1 GOOD {2}not verified/);
    expect(r.stdout).toContain(`${replayer.url}: GOOD not counted: attestation is for dash_0.5.12-2_amd64.deb, not acl_2.3.1-3_amd64.deb`);
    expect(r.code).toBe(1);
  });

  it("counts an unchecked GOOD only with --trust-unsigned, and says so", async () => {
    const forger = await serveStore(await seedStore(tempDir(), keyOf(7), [{ name: "bash", version: "5.2.15-2", status: "GOOD" }]), keyOf(7), { publishedKey: keyOf(8) });
    servers.push(forger);
    const r = await check("bash", "--remote", forger.url, "--trust-unsigned");
    expect(r.stderr).toContain("--trust-unsigned: remote GOODs are counted without checking their signed attestations");
    expect(r.stdout).toContain(`${forger.url}: GOOD, attestation not checked (--trust-unsigned)`);
    expect(r.stdout).toMatch(/remotes 1\/1 GOOD/);
  });

  it("asks an old v0-only rebuilder through /api/v0 and still checks the signature", async () => {
    const old = await serveStore(await seedStore(tempDir(), keyOf(10), [{ name: "dash", version: "0.5.12-2", status: "GOOD" }]), keyOf(10), { v0Only: true });
    servers.push(old);
    const r = await check("dash", "--remote", old.url, "--threshold", "2");
    expect(r.stdout).toMatch(/dash 0\.5\.12-2\s+local GOOD {2}remotes 1\/1 GOOD {2}verified/);
    expect(old.hits).toContain("/api/v0/public-keys");
    expect(old.hits.some((p) => /^\/api\/v0\/builds\/\d+\/attestation$/.test(p))).toBe(true);
  });

  it("prints {packages, summary} with each source's verdict as JSON", async () => {
    const r = await check("acl", "dash", "--remote", honest1.url, "--json");
    const out = JSON.parse(r.stdout);
    expect(out.summary).toMatchObject({ packages: 2, verified: 2, not_verified: 0, threshold: 1, remotes: [honest1.url], trust_unsigned: false });
    expect(out.packages[0]).toMatchObject({
      name: "acl",
      version: "2.3.1-3",
      architecture: "amd64",
      local: { source: "local", status: "GOOD", verified: true },
      remotes: [{ source: honest1.url, status: "GOOD", verified: true, sha256: sha256("package acl 2.3.1-3\n") }],
    });
    expect(out.packages[1].remotes[0]).toMatchObject({ status: "NOT_FOUND" });
  });

  it("reports an unreachable remote per remote, and exits 2 only when no source answered", async () => {
    const dead = await deadUrl();
    const known = await check("acl", "--remote", dead, "--timeout", "2");
    expect(known.stdout).toMatch(new RegExp(`${dead}: no answer: .*ECONNREFUSED`));
    expect(known.code).toBe(0);
    const unknown = await runCliProcess(local, ["check", "nosuchpkg", "--remote", dead, "--timeout", "2"]);
    expect(unknown.stderr).toContain("nosuchpkg: no source answered");
    expect(unknown.code).toBe(2);
  });

  it("retries a rebuilder that answers 503, and gives up on one that does not answer within --timeout", async () => {
    const pkgs: Pkg[] = [{ name: "acl", version: "2.3.1-3", status: "GOOD" }];
    const loaded = await serveStore(await seedStore(tempDir(), keyOf(14), pkgs), keyOf(14), { failFirst: 2 });
    // Far slower than the timeout: every attempt runs out of time, whatever the machine's speed.
    const stuck = await serveStore(await seedStore(tempDir(), keyOf(15), pkgs), keyOf(15), { delayMs: 5_000 });
    servers.push(loaded, stuck);
    const r = await check("acl", "--remote", loaded.url, "--remote", stuck.url, "--timeout", "1", "--threshold", "2");
    expect(r.stdout).toMatch(/remotes 1\/1 GOOD {2}verified/);
    expect(loaded.hits.slice(0, 3)).toEqual(["/api/v1/packages/binary", "/api/v1/packages/binary", "/api/v1/packages/binary"]);
    expect(r.stdout).toContain(`${stuck.url}: no answer: ${stuck.url}/api/v1/packages/binary?name=acl&version=2.3.1-3&architecture=amd64: no answer within 1 s`);
    expect(stuck.hits).toHaveLength(3);
  });

  it("asks every remote at once, several packages in flight per remote", async () => {
    const pkgs: Pkg[] = ["acl", "bash", "coreutils", "dash"].map((name) => ({ name, version: "1.0-1", status: "GOOD" }));
    // Each answer takes a second: asked one by one, no server would ever hold two requests.
    const slow = await Promise.all([17, 18].map(async (n) => serveStore(await seedStore(tempDir(), keyOf(n), pkgs), keyOf(n), { delayMs: 1000 })));
    servers.push(...slow);
    const r = await check("acl=1.0-1", "bash=1.0-1", "coreutils=1.0-1", "dash=1.0-1", "--remote", slow[0]!.url, "--remote", slow[1]!.url, "--json");
    expect(JSON.parse(r.stdout).summary).toMatchObject({ packages: 4, verified: 4 });
    // All four look-ups at once (then keys and attestations).
    for (const s of slow) expect(s.maxInFlight()).toBeGreaterThanOrEqual(4);
  });

  it("keeps remote answers: --offline answers from the cache with their age, a remote that went down falls back to it", async () => {
    const dir = tempDir();
    const data = join(dir, "data");
    (await seedStore(data, keyOf(1), [{ name: "acl", version: "2.3.1-3", status: "GOOD" }])).close();
    const remote = await serveStore(await seedStore(tempDir(), keyOf(11), [{ name: "acl", version: "2.3.1-3", status: "GOOD" }]), keyOf(11));
    expect((await runCli(dir, ["check", "acl", "--remote", remote.url, "--threshold", "2"])).code).toBe(0);
    const hits = remote.hits.length;
    const offline = await runCli(dir, ["check", "acl", "--remote", remote.url, "--threshold", "2", "--offline"]);
    expect(remote.hits.length).toBe(hits);
    expect(offline.stdout).toMatch(new RegExp(`${remote.url}: GOOD 2\\.3\\.1-3 \\[cached answer from \\d+s ago: --offline\\]`));
    expect(offline.code).toBe(0);
    await remote.close();
    const down = await runCli(dir, ["check", "acl", "--remote", remote.url, "--threshold", "2", "--timeout", "2"]);
    expect(down.stdout).toMatch(/remotes 1\/1 GOOD {2}verified/);
    expect(down.stdout).toMatch(/\[cached answer from \d+s ago: unreachable: .*ECONNREFUSED.*\]/);
    const never = await runCli(dir, ["check", "dash", "--remote", remote.url, "--offline", "--json"]);
    expect(JSON.parse(never.stdout).packages[0].remotes[0]).toMatchObject({ status: "ERROR", reason: "no cached answer (--offline)" });
  });

  it("asks the remotes added with `remote add`, and none by default", async () => {
    const dir = tempDir();
    (await seedStore(join(dir, "data"), keyOf(1), [{ name: "acl", version: "2.3.1-3", status: "GOOD" }])).close();
    expect((await runCli(dir, ["remote", "ls"])).stderr).toContain("no remotes configured");
    expect((await runCli(dir, ["check", "acl", "--json"])).stdout).toContain('"remotes":[]');
    expect((await runCli(dir, ["remote", "add", `${honest1.url}/`])).code).toBe(0);
    expect((await runCli(dir, ["remote", "ls"])).stdout).toBe(`${honest1.url}\n`);
    expect((await runCli(dir, ["check", "acl"])).stdout).toMatch(/remotes 1\/1 GOOD/);
    const rm = await runCli(dir, ["remote", "rm", "http://127.0.0.1:1"]);
    expect(rm.stderr).toContain("is not a configured remote");
    expect(rm.code).toBe(1);
    expect((await runCli(dir, ["remote", "rm", honest1.url])).code).toBe(0);
    expect((await runCli(dir, ["remote", "ls", "--json"])).stdout).toBe("[]\n");
  });

  it("lists the public rebuilders known for the machine's distribution without contacting them", async () => {
    const root = tempDir();
    mkdirSync(join(root, "etc"));
    writeFileSync(join(root, "etc/os-release"), 'ID=arch\nID_LIKE="archlinux"\n');
    const arch = await runCli(local, ["remote", "ls", "--known", "--root", root]);
    expect(arch.stdout).toMatch(/^https:\/\/reproducible\.archlinux\.org\s+Arch Linux/m);
    writeFileSync(join(root, "etc/os-release"), "ID=debian\n");
    expect((await runCli(local, ["remote", "ls", "--known", "--root", root, "--json"])).stdout).toContain('"url":"https://reproduce.debian.net/all"');
  });

  it("flags two GOOD attestations that name different bytes, even when the store does not know the package", async () => {
    const other = await serveStore(await seedStore(tempDir(), keyOf(12), [{ name: "vim", version: "9.0-1", status: "GOOD", rebuiltBytes: "other bytes\n" }]), keyOf(12));
    const one = await serveStore(await seedStore(tempDir(), keyOf(13), [{ name: "vim", version: "9.0-1", status: "GOOD" }]), keyOf(13));
    servers.push(other, one);
    const r = await check("vim=9.0-1", "--remote", one.url, "--remote", other.url);
    expect(r.stdout).toMatch(/vim 9\.0-1\s+local not in store {2}remotes 2\/2 GOOD {2}not verified {2}DISAGREE/);
    expect(r.stdout).toMatch(/disagreement: GOOD attestations name different artifacts \(sha256 [0-9a-f]{12} vs [0-9a-f]{12}\)/);
    expect(r.code).toBe(1);
  });

  it("refuses -H, which is for the rebuildctl commands, and points to --remote", async () => {
    const r = await runCli(local, ["-H", honest1.url, "check", "acl"]);
    expect(r.stderr).toContain("`check` works on this machine; -H is not for it (to ask a rebuilder, pass --remote URL)");
    expect(r.code).toBe(2);
  });

  it("colours its words with -C, while control sequences in a remote's answers are shown, not executed", async () => {
    const evil = await serveStore(await seedStore(tempDir(), keyOf(16), [{ name: "evil", version: "1.0\u001b[2J" }]), keyOf(16));
    servers.push(evil);
    const r = await check("evil", "--remote", evil.url, "-C");
    expect(r.stdout).toContain("\x1b[1mevil\x1b[0m 1.0\\x1b[2J");
    expect(r.stdout).toContain("local \x1b[33mnot in store\x1b[0m");
    expect(r.stdout).not.toContain("\x1b[2J");
  });

  it("rejects a malformed package argument with exit 2", async () => {
    const r = await runCliProcess(local, ["check", "a=b=c"]);
    expect(r.stderr).toContain('cannot read package "a=b=c"');
    expect(r.code).toBe(2);
  });
});
