import { afterAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { collectBuildResults } from "../../src/backends/debian-archive-results.js";
import { removeScratchDirs, scratch } from "./debian-archive-helpers.js";

afterAll(removeScratchDirs);

describe("collectBuildResults", () => {
  it("copies the packages and build records a build left, byte for byte", async () => {
    const dir = scratch();
    const out = scratch();
    const deb = new Uint8Array([0x21, 0x3c, 0x61, 0x72, 0x63, 0x68, 0x3e, 0x0a, 0x00, 0xff]);
    writeFileSync(join(dir, "hello_2.10-3_amd64.deb"), deb);
    writeFileSync(join(dir, "hello-udeb_2.10-3_amd64.udeb"), "u");
    writeFileSync(join(dir, "hello_2.10-3_amd64.buildinfo"), "b");
    writeFileSync(join(dir, "hello_2.10-3_amd64.changes"), "c");
    writeFileSync(join(dir, "hello_2.10.orig.tar.gz"), "source, not a result");
    mkdirSync(join(dir, "hello-2.10"));
    expect(await collectBuildResults(dir, out)).toEqual(["hello-udeb_2.10-3_amd64.udeb", "hello_2.10-3_amd64.buildinfo", "hello_2.10-3_amd64.changes", "hello_2.10-3_amd64.deb"]);
    expect(new Uint8Array(readFileSync(join(out, "hello_2.10-3_amd64.deb")))).toEqual(deb);
    expect(readdirSync(out)).not.toContain("hello_2.10.orig.tar.gz");
  });

  it("never follows a link, reads a FIFO or takes odd names that the build planted", async () => {
    const dir = scratch();
    const out = scratch();
    const secret = join(scratch(), "secret");
    writeFileSync(secret, "machine secret");
    symlinkSync(secret, join(dir, "evil_1_amd64.deb"));
    symlinkSync("/etc", join(dir, "dir_1_amd64.deb"));
    execFileSync("mkfifo", [join(dir, "fifo_1_amd64.deb")]);
    mkdirSync(join(dir, "a-directory.deb"));
    writeFileSync(join(dir, "-rf.deb"), "x");
    writeFileSync(join(dir, "bell\u0007_1_amd64.deb"), "x");
    writeFileSync(join(dir, "good_1_amd64.deb"), "good");
    expect(await collectBuildResults(dir, out)).toEqual(["good_1_amd64.deb"]);
    expect(readdirSync(out)).toEqual(["good_1_amd64.deb"]);
  });
});
