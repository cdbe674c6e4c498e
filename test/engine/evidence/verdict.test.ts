import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { linkSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { judgeArtifact } from "../../../src/engine/evidence/verdict.js";

function job(name = "pkg_1.0_amd64.deb") {
  const dir = mkdtempSync(join(tmpdir(), "rebuilder-verdict-"));
  mkdirSync(join(dir, "inputs"));
  mkdirSync(join(dir, "out"));
  return { dir, published: join(dir, "inputs", name), rebuilt: join(dir, "out", name) };
}

describe("judgeArtifact", () => {
  it("GOOD for a byte-identical rebuild, larger than one comparison chunk", async () => {
    const { published, rebuilt } = job();
    const data = Buffer.alloc(1_000_003, 7);
    data[999_999] = 1;
    writeFileSync(published, data);
    writeFileSync(rebuilt, data);
    expect(await judgeArtifact(published, rebuilt)).toEqual({ status: "GOOD", reason: null, note: null });
  });

  it("GOOD for two empty files", async () => {
    const { published, rebuilt } = job();
    writeFileSync(published, "");
    writeFileSync(rebuilt, "");
    expect((await judgeArtifact(published, rebuilt)).status).toBe("GOOD");
  });

  it("BAD when one byte differs deep in the file, or when the lengths differ", async () => {
    const { published, rebuilt } = job();
    const data = Buffer.alloc(300_000, 7);
    writeFileSync(published, data);
    data[200_001] = 8;
    writeFileSync(rebuilt, data);
    expect(await judgeArtifact(published, rebuilt)).toEqual({ status: "BAD", reason: "differs from the published file", note: null });
    writeFileSync(rebuilt, Buffer.concat([Buffer.alloc(300_000, 7), Buffer.from([0])]));
    expect((await judgeArtifact(published, rebuilt)).status).toBe("BAD");
  });

  it("BAD when the backend did not produce the file", async () => {
    const { published, rebuilt } = job();
    writeFileSync(published, "x");
    expect(await judgeArtifact(published, rebuilt)).toEqual({ status: "BAD", reason: "not produced by the backend", note: null });
  });

  it("BAD when the backend leaves a link to the published file instead of a rebuild", async () => {
    const { published, rebuilt } = job();
    writeFileSync(published, "the download");
    symlinkSync(published, rebuilt);
    expect(await judgeArtifact(published, rebuilt)).toMatchObject({ status: "BAD", reason: "the backend left a symbolic link instead of the rebuilt file" });

    const second = job();
    writeFileSync(second.published, "the download");
    linkSync(second.published, second.rebuilt);
    expect(await judgeArtifact(second.published, second.rebuilt)).toMatchObject({ status: "BAD", reason: expect.stringMatching(/published file itself/) });
  });

  it("BAD for a symbolic link out of the output directory, without reading its target", async () => {
    const { dir, published, rebuilt } = job();
    writeFileSync(published, "secret-looking");
    const outside = join(dir, "outside");
    writeFileSync(outside, "secret-looking");
    symlinkSync(outside, rebuilt);
    expect((await judgeArtifact(published, rebuilt)).status).toBe("BAD");
  });

  it("BAD for a directory or a FIFO under the artifact's name, without hanging", async () => {
    const { published, rebuilt } = job();
    writeFileSync(published, "x");
    mkdirSync(rebuilt);
    expect(await judgeArtifact(published, rebuilt)).toMatchObject({ status: "BAD", reason: expect.stringMatching(/not a regular file|other than a regular file/) });
    const second = job();
    writeFileSync(second.published, "x");
    await execa("mkfifo", [second.rebuilt]);
    expect((await judgeArtifact(second.published, second.rebuilt)).status).toBe("BAD");
  });

  it("handles hostile names as plain paths that stay in the job's directories", async () => {
    for (const name of ["$(touch pwned).deb", "`touch pwned`.deb", "-rf.deb", "a b\tc\n.deb", "..deb", "*.deb"]) {
      const { dir, published, rebuilt } = job(name);
      writeFileSync(published, "same");
      writeFileSync(rebuilt, "same");
      expect(await judgeArtifact(published, rebuilt)).toMatchObject({ status: "GOOD" });
      writeFileSync(rebuilt, "other");
      expect(await judgeArtifact(published, rebuilt)).toMatchObject({ status: "BAD" });
      expect(readdirSync(join(dir, "inputs"))).toEqual([name]);
      expect(readdirSync(dir).sort()).toEqual(["inputs", "out"]);
    }
  });

  it("rejects (the job FAILs) when the published file itself is missing", async () => {
    const { published, rebuilt } = job();
    writeFileSync(rebuilt, "x");
    await expect(judgeArtifact(published, rebuilt)).rejects.toThrow(/ENOENT.*pkg_1\.0_amd64\.deb/);
  });
});
