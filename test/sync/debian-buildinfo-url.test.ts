import { describe, expect, it } from "vitest";
import { binNmuSuffix, buildinfoUrl, uploadVersion } from "../../src/sync/debian/buildinfo-url.js";

const BASE = "https://buildinfo.example";

describe("buildinfo URL", () => {
  it("uses the first character as pool prefix, four for lib*", () => {
    expect(buildinfoUrl(BASE, "hello", "2.10-3", "amd64")).toBe(`${BASE}/buildinfo-pool/h/hello/hello_2.10-3_amd64.buildinfo`);
    expect(buildinfoUrl(BASE, "libacl", "2.3.2-2", "all")).toBe(`${BASE}/buildinfo-pool/liba/libacl/libacl_2.3.2-2_all.buildinfo`);
    expect(buildinfoUrl(BASE, "lib", "1", "all")).toBe(`${BASE}/buildinfo-pool/lib/lib/lib_1_all.buildinfo`);
  });

  it("drops the epoch from the file name and ignores a trailing slash on the base", () => {
    expect(buildinfoUrl(`${BASE}/`, "mutt", "2:2.2.12-0.1", "amd64")).toBe(
      `${BASE}/buildinfo-pool/m/mutt/mutt_2.2.12-0.1_amd64.buildinfo`,
    );
  });
});

describe("binNMU versions", () => {
  it.each([
    ["2.3.2-2+b1", "+b1"],
    ["5.0.13+1.0.16-3+b12", "+b12"],
    ["1.0+b", ""],
    ["1.0+bx1", ""],
    ["1.0+b1~rc", ""],
    ["1.0", ""],
  ])("%s has suffix %j", (version, suffix) => {
    expect(binNmuSuffix(version)).toBe(suffix);
  });

  it("appends the binNMU suffix to the source version", () => {
    expect(uploadVersion("2.3.2-2", "2.3.2-2+b1")).toBe("2.3.2-2+b1");
    expect(uploadVersion("1.0.16-3", "5.0.13+1.0.16-3+b1")).toBe("1.0.16-3+b1");
    expect(uploadVersion("1.0.16-3", "5.0.13+1.0.16-3")).toBe("1.0.16-3");
  });

  it("does not append it twice when the binary has the source's own version", () => {
    expect(uploadVersion("1.0+b1", "1.0+b1")).toBe("1.0+b1");
  });
});
