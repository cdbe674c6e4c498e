/** InRelease signature and the SHA256/size chain from InRelease to every index file. */
import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignatureError } from "../../src/sync/gpgv.js";
import { IndexError } from "../../src/sync/report.js";
import { debianSync } from "../../src/sync/debian/index.js";
import { buildMirror, fixture, releaseText, xz } from "./debian-test-mirror.js";
import { debianProfile, MIRROR_URL, runDebianSync, type TestProfile } from "./debian-sync-helpers.js";
import { testKeys } from "./gpgv-test-key.js";
import { LocalFetcher } from "./local-fetcher.js";

const { key, stranger } = testKeys();

const DISTS = `${MIRROR_URL}/dists/sid`;
const files = () => ({
  "main/source/Sources.xz": xz(fixture("Sources")),
  "main/binary-amd64/Packages.xz": xz(fixture("Packages-amd64")),
});
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const profile = (overrides: Partial<TestProfile> = {}) => debianProfile({ keyring: key.keyring, ...overrides });

describe("Debian index authenticity", () => {
  it("accepts a correctly signed mirror", async () => {
    const { root } = buildMirror({ key, files: files() });
    const { reports, warnings } = await runDebianSync(profile(), root);
    expect(reports[0]!.packages.length).toBe(5);
    expect(warnings).toEqual([expect.stringContaining("orphan")]);
  });

  it("refuses a Packages file whose content differs from the InRelease hash", async () => {
    const { root, dists } = buildMirror({ key, files: files() });
    const path = join(dists, "main/binary-amd64/Packages.xz");
    const original = readFileSync(path);
    const tampered = Buffer.from(original);
    tampered[100]! ^= 0xff;
    writeFileSync(path, tampered);
    const err = await runDebianSync(profile(), root).catch((e) => e);
    expect(err).toBeInstanceOf(IndexError);
    expect(err.message).toBe(
      `${DISTS}/main/binary-amd64/Packages.xz: SHA256 does not match InRelease (expected ${sha256(original)}, got ${sha256(tampered)})`,
    );
  });

  it("plans from the InRelease's listed hashes alone, and reads and checks an index file only when the plan is built", async () => {
    const { root, dists } = buildMirror({ key, files: files() });
    const path = join(dists, "main/binary-amd64/Packages.xz");
    const original = readFileSync(path);
    writeFileSync(path, "not what the InRelease lists");
    const fetcher = new LocalFetcher({ [`${MIRROR_URL}/`]: root });
    const ctx = { fetcher, warn: () => {}, progress: () => {}, accept: () => true };
    const [plan] = await debianSync.plan(profile(), ctx);
    expect(fetcher.requested).toEqual([`${DISTS}/InRelease`]);
    // The digest is judged from the signed listing, never from the file on the mirror.
    expect(plan!.files.slice(1)).toEqual([
      { url: `${DISTS}/main/source/Sources.xz`, sha256: sha256(readFileSync(join(dists, "main/source/Sources.xz"))) },
      { url: `${DISTS}/main/binary-amd64/Packages.xz`, sha256: sha256(original) },
    ]);
    await expect(plan!.build()).rejects.toThrow(`${DISTS}/main/binary-amd64/Packages.xz: size does not match InRelease`);
  });

  it("refuses a Sources file whose size differs from the InRelease entry", async () => {
    const { root, dists } = buildMirror({ key, files: files() });
    const path = join(dists, "main/source/Sources.xz");
    const original = readFileSync(path);
    writeFileSync(path, Buffer.concat([original, Buffer.from("x")]));
    await expect(runDebianSync(profile(), root)).rejects.toThrow(
      `${DISTS}/main/source/Sources.xz: size does not match InRelease (expected ${original.length} bytes, got ${original.length + 1})`,
    );
  });

  it("refuses an InRelease modified after signing", async () => {
    const { root, dists } = buildMirror({ key, files: files() });
    const path = join(dists, "InRelease");
    const forged = readFileSync(path, "utf8").replace(/^ [0-9a-f]{64}( +\d+ main\/binary-amd64)/m, ` ${"0".repeat(64)}$1`);
    writeFileSync(path, forged);
    const err = await runDebianSync(profile(), root).catch((e) => e);
    expect(err).toBeInstanceOf(SignatureError);
    expect(err.message).toMatch(new RegExp(`^${DISTS}/InRelease: BAD signature`));
  });

  it("refuses an unsigned InRelease", async () => {
    const { root } = buildMirror({ files: files() });
    await expect(runDebianSync(profile(), root)).rejects.toThrow(`${DISTS}/InRelease: not a clearsigned file`);
  });

  it("refuses an InRelease signed by a key outside the keyring", async () => {
    const { root } = buildMirror({ key: stranger, files: files() });
    await expect(runDebianSync(profile(), root)).rejects.toThrow(
      new RegExp(`^${DISTS}/InRelease: no signature by a key in ${key.keyring}`),
    );
  });

  it("refuses unsigned text prepended to a signed InRelease", async () => {
    const { root, dists } = buildMirror({ key, files: files() });
    const path = join(dists, "InRelease");
    const evil = releaseText("sid", { "main/binary-amd64/Packages.xz": "evil" });
    writeFileSync(path, evil + readFileSync(path, "utf8"));
    await expect(runDebianSync(profile(), root)).rejects.toThrow(`${DISTS}/InRelease: not a clearsigned file`);
  });

  it("fails when the InRelease itself is missing", async () => {
    const { root, dists } = buildMirror({ key, files: files() });
    rmSync(join(dists, "InRelease"));
    await expect(runDebianSync(profile(), root)).rejects.toThrow(/dists\/sid\/InRelease/);
  });

  it("skips all checks only when verify_signature is false, and says so", async () => {
    const { root, dists } = buildMirror({ files: files() });
    writeFileSync(join(dists, "InRelease"), "garbage");
    const { reports, warnings, plans } = await runDebianSync(profile({ verify_signature: false }), root);
    expect(reports[0]!.packages.length).toBe(5);
    expect(warnings[0]).toBe(`${DISTS}: signature and checksums of the index are NOT verified (verify_signature = false)`);
    expect(plans[0]!.files.map((f) => f.url)).toEqual([`${DISTS}/main/source/Sources.xz`, `${DISTS}/main/binary-amd64/Packages.xz`]);
  });

  it("warns about a listed index file that is missing from the mirror", async () => {
    const { root, dists } = buildMirror({ key, files: { ...files(), "main/binary-all/Packages.xz": xz(fixture("Packages-all")) } });
    rmSync(join(dists, "main/binary-all/Packages.xz"));
    const { warnings } = await runDebianSync(profile({ architectures: ["amd64", "all"] }), root);
    expect(warnings).toContain(`${DISTS}/main/binary-all/Packages.xz: not found; skipped`);
  });

  it("asks only for the architectures the Release serves, like apt (the security archive lists no all, and its binary-all is stale)", async () => {
    const { root, dists } = buildMirror({
      key,
      files: { ...files(), "main/binary-all/Packages.xz": xz(fixture("Packages-all")) },
      header: "Architectures: amd64 arm64\n",
    });
    writeFileSync(join(dists, "main/binary-all/Packages.xz"), "stale");
    const { reports, warnings } = await runDebianSync(profile({ architectures: ["amd64", "all"] }), root);
    // The arch-all packages still arrive, from binary-amd64.
    expect(reports.map((r) => r.architecture)).toEqual(["amd64", "all"]);
    expect(warnings).toContain(`${DISTS}: serves no all indexes (Architectures: amd64 arm64); skipped`);
  });

  it("warns when the InRelease is for another release", async () => {
    const { root } = buildMirror({ key, files: files(), codename: "bookworm" });
    const { warnings } = await runDebianSync(profile(), root);
    expect(warnings).toContain(`${DISTS}/InRelease: is for bookworm/unstable, not sid`);
  });
});

describe("Debian Valid-Until", () => {
  const expired = "Valid-Until: Sat, 01 Jan 2000 00:00:00 UTC\n";

  it("only warns about an expired InRelease by default (rebuilderd ignores it)", async () => {
    const { root } = buildMirror({ key, files: files(), header: expired });
    const { warnings, reports } = await runDebianSync(profile(), root);
    expect(reports[0]!.packages.length).toBe(5);
    expect(warnings).toContain(
      `${DISTS}/InRelease: expired: Valid-Until 2000-01-01T00:00:00.000Z has passed; not enforced (set check_valid_until = true to refuse)`,
    );
  });

  it("refuses an expired InRelease with check_valid_until", async () => {
    const { root } = buildMirror({ key, files: files(), header: expired });
    await expect(runDebianSync(profile({ check_valid_until: true }), root)).rejects.toThrow(
      `${DISTS}/InRelease: expired: Valid-Until 2000-01-01T00:00:00.000Z has passed (a replayed old index?)`,
    );
  });

  it("accepts a Valid-Until in the future with check_valid_until", async () => {
    const { root } = buildMirror({ key, files: files(), header: "Valid-Until: Fri, 01 Jan 2100 00:00:00 UTC\n" });
    const { warnings } = await runDebianSync(profile({ check_valid_until: true }), root);
    expect(warnings.filter((w) => w.includes("Valid-Until"))).toEqual([]);
  });

  it("refuses an unreadable Valid-Until", async () => {
    const { root } = buildMirror({ key, files: files(), header: "Valid-Until: someday\n" });
    await expect(runDebianSync(profile(), root)).rejects.toThrow(`${DISTS}/InRelease: unreadable Valid-Until "someday"`);
  });
});
