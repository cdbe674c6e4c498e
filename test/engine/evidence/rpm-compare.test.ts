import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { judgeArtifact } from "../../../src/engine/evidence/verdict.js";
import { compareRpms, RPM_IGNORED_TAGS, RpmToolError } from "../../../src/engine/evidence/rpm-compare.js";
import { buildRpms, type RpmBuilds } from "./rpm-builds.js";

let rpms: RpmBuilds;
beforeAll(async () => {
  rpms = await buildRpms();
});
afterAll(async () => {
  await rpms?.cleanup();
});

/** Places copies as inputs/<name> and out/<name>, the way a worker slot lays out a job. */
function job(published: string, rebuilt: string | null, name = "hello-1.0-1.noarch.rpm") {
  const dir = mkdtempSync(join(rpms.dir, "job-"));
  mkdirSync(join(dir, "inputs"));
  mkdirSync(join(dir, "out"));
  const paths = { dir, published: join(dir, "inputs", name), rebuilt: join(dir, "out", name) };
  copyFileSync(published, paths.published);
  if (rebuilt) copyFileSync(rebuilt, paths.rebuilt);
  return paths;
}

describe("RPM verdicts (Fedora's amended definition)", () => {
  it("builds test packages that really differ in the intended places", () => {
    const sizes = [rpms.plain, rpms.signed].map((f) => statSync(f).size);
    expect(sizes[0]).toBe(sizes[1]);
    expect(readFileSync(rpms.plain).equals(readFileSync(rpms.signed))).toBe(false);
    expect(readFileSync(rpms.plain).equals(readFileSync(rpms.otherHost))).toBe(false);
  });

  it("a signed published RPM and its unsigned rebuild: GOOD, noting the ignored signature", async () => {
    const { published, rebuilt } = job(rpms.signed, rpms.plain);
    expect(await judgeArtifact(published, rebuilt)).toEqual({ status: "GOOD", reason: null, note: "RPM: ignored signature (DSAHEADER)" });
  });

  it("a rebuild on another build host: GOOD, noting BUILDHOST and the header digests", async () => {
    const { published, rebuilt } = job(rpms.plain, rpms.otherHost);
    expect(await judgeArtifact(published, rebuilt)).toEqual({
      status: "GOOD",
      reason: null,
      note: "RPM: ignored signature (SHA1HEADER, SHA256HEADER, SIGMD5) and header fields BUILDHOST",
    });
  });

  it("signed and built elsewhere: GOOD with both noted", async () => {
    const { published, rebuilt } = job(rpms.signedOtherHost, rpms.plain);
    const verdict = await judgeArtifact(published, rebuilt);
    expect(verdict.status).toBe("GOOD");
    expect(verdict.note).toBe("RPM: ignored signature (DSAHEADER, SHA1HEADER, SHA256HEADER, SIGMD5) and header fields BUILDHOST");
  });

  it("a different file in the payload: BAD, naming the header fields that show it", async () => {
    const { published, rebuilt } = job(rpms.plain, rpms.otherPayload);
    const verdict = await judgeArtifact(published, rebuilt);
    expect(verdict.status).toBe("BAD");
    expect(verdict.reason).toMatch(/^RPM header fields differ: .*FILEDIGESTS.*PAYLOADDIGEST/);
    expect(verdict.note).toBeNull();
  });

  it("a published RPM whose payload was altered behind its unchanged header: BAD", async () => {
    const { published, rebuilt } = job(rpms.signed, rpms.plain);
    const bytes = readFileSync(published);
    bytes[bytes.length - 20]! ^= 0xff;
    writeFileSync(published, bytes);
    const verdict = await judgeArtifact(published, rebuilt);
    expect(verdict.status).toBe("BAD");
    expect(verdict.reason).toMatch(/^published file is not an intact RPM: rpmkeys --checksig failed: hello-1.0-1.noarch.rpm: DIGESTS NOT OK/);
  });

  it("a published 'RPM' that is a text file naming the rebuilt package (an rpm manifest): BAD", async () => {
    const { published, rebuilt } = job(rpms.plain, rpms.plain);
    writeFileSync(published, `${rebuilt}\n`);
    const verdict = await judgeArtifact(published, rebuilt);
    expect(verdict.status).toBe("BAD");
    expect(verdict.reason).toMatch(/^published file is not an intact RPM/);
  });

  it("passes hostile file names to the rpm tools as plain paths: no glob, no shell", async () => {
    for (const name of ["*.rpm", "[hp]*.rpm", "$(touch pwned).rpm", "-q --xml.rpm", "a\nb.rpm"]) {
      const { dir, published, rebuilt } = job(rpms.signed, rpms.plain, name);
      // Something a glob on "*.rpm" would also match, with a different payload.
      copyFileSync(rpms.otherPayload, join(dir, "inputs", "other.rpm"));
      copyFileSync(rpms.otherPayload, join(dir, "out", "other.rpm"));
      expect(await judgeArtifact(published, rebuilt)).toEqual({ status: "GOOD", reason: null, note: "RPM: ignored signature (DSAHEADER)" });
      expect(readdirSync(dir).filter((f) => f.includes("pwned"))).toEqual([]);
    }
    expect(readdirSync(process.cwd()).filter((f) => f.includes("pwned"))).toEqual([]);
  });

  it("files named .rpm that are not RPMs at all: BAD", async () => {
    const { published, rebuilt } = job(rpms.plain, rpms.plain);
    writeFileSync(published, "not an rpm");
    writeFileSync(rebuilt, "not an rpm either");
    expect(await compareRpms(published, rebuilt)).toMatchObject({ status: "BAD", reason: expect.stringMatching(/^published file is not an intact RPM/) });
  });

  it("without the rpm tools: a clear error (the job FAILs), not a verdict", async () => {
    const { published, rebuilt } = job(rpms.signed, rpms.plain);
    const path = process.env.PATH;
    process.env.PATH = mkdtempSync(join(rpms.dir, "empty-path-"));
    try {
      await expect(judgeArtifact(published, rebuilt)).rejects.toThrow(RpmToolError);
      await expect(judgeArtifact(published, rebuilt)).rejects.toThrow(/needs Debian's rpm tools \(package "rpm"\)/);
    } finally {
      process.env.PATH = path;
    }
  });

  it("keeps the ignored fields in one list: signatures plus the fields known to vary", () => {
    expect([...RPM_IGNORED_TAGS].filter(([, group]) => group === "build").map(([tag]) => tag)).toEqual(["BUILDTIME", "BUILDHOST", "OPTFLAGS", "PLATFORM", "HEADERIMMUTABLE"]);
    for (const tag of ["DSAHEADER", "RSAHEADER", "SIGMD5", "SHA256HEADER", "FILESIGNATURES"]) expect(RPM_IGNORED_TAGS.get(tag)).toBe("signature");
    for (const tag of ["PAYLOADDIGEST", "FILEDIGESTS", "NAME", "COOKIE"]) expect(RPM_IGNORED_TAGS.has(tag)).toBe(false);
  });
});
