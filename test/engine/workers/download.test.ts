import { describe, expect, it } from "vitest";
import { fileNameFromUrl, JobFailure, planDownloads } from "../../../src/engine/workers/download.js";

const artifact = (name: string, url: string) => ({ name, version: "1", architecture: "amd64", url, sha256: null, size: null });

describe("fileNameFromUrl", () => {
  it("takes the last path segment as written, without query or fragment", () => {
    expect(fileNameFromUrl("https://mirror.example/pool/main/a/acl/libacl1_2.3.2-2+b1_amd64.deb")).toBe("libacl1_2.3.2-2+b1_amd64.deb");
    expect(fileNameFromUrl("https://mirror.example/x/tails-amd64-6.0.img?download=1#top")).toBe("tails-amd64-6.0.img");
    // Not percent-decoded (rebuilderd-worker neither): an encoded slash stays part of one name.
    expect(fileNameFromUrl("https://mirror.example/pool/..%2F..%2Fx.deb")).toBe("..%2F..%2Fx.deb");
  });

  it.each([
    ["https://mirror.example/pool/..", /"\.\." for .*: it names a directory/],
    ["https://mirror.example/pool/../", /"" for .*: it is empty/],
    ["https://mirror.example/pool/a\\b.deb", /contains a path separator/],
    ["https://mirror.example/pool/\u009b31m.deb", /control characters/],
    [`https://mirror.example/${"a".repeat(256)}`, /longer than 255 bytes/],
  ])("refuses %j", (url, message) => {
    expect(() => fileNameFromUrl(url)).toThrow(JobFailure);
    expect(() => fileNameFromUrl(url)).toThrow(message);
  });
});

describe("planDownloads", () => {
  it("fetches a build input shared with an artifact once, and a separate one when needed", () => {
    const pkg = "https://mirror.example/core/os/x86_64/zlib-1.3-1-x86_64.pkg.tar.zst";
    const shared = planDownloads([artifact("zlib", pkg)], pkg, true);
    expect(shared.downloads.map((d) => d.fileName)).toEqual(["zlib-1.3-1-x86_64.pkg.tar.zst"]);
    expect(shared.inputFileName).toBe("zlib-1.3-1-x86_64.pkg.tar.zst");
    expect(shared.input).toBeNull();

    const separate = planDownloads([artifact("hello", "https://mirror.example/pool/hello_1_amd64.deb")], "https://buildinfos.example/hello_1_amd64.buildinfo", true);
    expect(separate.downloads.map((d) => d.fileName)).toEqual(["hello_1_amd64.deb", "hello_1_amd64.buildinfo"]);
    expect(separate.input?.fileName).toBe("hello_1_amd64.buildinfo");
  });

  it("skips the build input for backends that do not need it", () => {
    const plan = planDownloads([artifact("hello", "https://mirror.example/pool/hello_1_amd64.deb")], "https://buildinfos.example/..", false);
    expect(plan.downloads).toHaveLength(1);
    expect(plan.inputFileName).toBeNull();
  });

  it("refuses two different URLs with one file name", () => {
    expect(() =>
      planDownloads([artifact("a", "https://mirror.example/a/x.deb"), artifact("b", "https://mirror.example/b/x.deb")], "https://mirror.example/x.buildinfo", true),
    ).toThrow('two downloads would share the file name "x.deb": https://mirror.example/a/x.deb and https://mirror.example/b/x.deb');
  });
});
