import { describe, expect, it } from "vitest";
import { compileFilter, filterReadsMaintainers } from "../../src/sync/filters.js";
import type { FilterSubject } from "../../src/sync/report.js";

const subject = (binaryName: string, extra: Partial<FilterSubject> = {}): FilterSubject => ({
  binaryName,
  sourceName: "sourceName" in extra ? (extra.sourceName ?? null) : binaryName,
  maintainers: extra.maintainers ?? [],
  component: extra.component ?? "main",
});
const filter = (p: Partial<Parameters<typeof compileFilter>[0]>) => compileFilter({ excludes: [], include: [], maintainers: [], pkgs: [], ...p });

describe("filter rules (rebuilderd rules.rs semantics)", () => {
  it("accepts everything when no filter is set", () => {
    expect(filter({})(subject("anything"))).toBe(true);
  });

  it("matches globs anchored on the whole name, case-sensitively", () => {
    const f = filter({ pkgs: ["build"] });
    expect(f(subject("rebuilderd"))).toBe(false);
    expect(f(subject("build"))).toBe(true);
    expect(filter({ pkgs: ["*build*"] })(subject("rebuilderd"))).toBe(true);
    expect(filter({ pkgs: ["Hello"] })(subject("hello"))).toBe(false);
    expect(filter({ pkgs: ["lib[!x]*"] })(subject("libacl1"))).toBe(true);
    expect(filter({ pkgs: ["lib[!a]*"] })(subject("libacl1"))).toBe(false);
    expect(filter({ pkgs: ["python-?"] })(subject("python-a"))).toBe(true);
    // No brace expansion: rust's glob treats braces literally.
    expect(filter({ pkgs: ["{a,b}"] })(subject("a"))).toBe(false);
  });

  it("lets excludes win over everything", () => {
    const f = filter({ excludes: ["tensorflow*"], pkgs: ["*"], include: [{ exclude: false }] });
    expect(f(subject("tensorflow-gpu"))).toBe(false);
    expect(f(subject("numpy"))).toBe(true);
  });

  it("lets the first matching include rule decide", () => {
    const f = filter({
      include: [
        { exclude: true, binary_pkgs: ["*-dbgsym"] },
        { exclude: false, source_pkgs: ["glib*"] },
      ],
    });
    expect(f(subject("libglib2.0-0-dbgsym", { sourceName: "glib2.0" }))).toBe(false);
    expect(f(subject("libglib2.0-0", { sourceName: "glib2.0" }))).toBe(true);
    // Any include rule turns the default into deny.
    expect(f(subject("hello"))).toBe(false);
  });

  it("ANDs the fields of one rule", () => {
    const f = filter({ include: [{ exclude: false, component: "main/debian-installer", binary_pkgs: ["acl*"] }] });
    expect(f(subject("acl-udeb", { component: "main/debian-installer" }))).toBe(true);
    expect(f(subject("acl-udeb", { component: "main" }))).toBe(false);
    expect(f(subject("attr-udeb", { component: "main/debian-installer" }))).toBe(false);
  });

  it("never matches a source rule when the parser gives no source name", () => {
    expect(filter({ include: [{ exclude: false, source_pkgs: ["*"] }] })(subject("x", { sourceName: null }))).toBe(false);
  });

  it("matches maintainers by prefix, in rules and in the legacy list", () => {
    const m = { maintainers: ["Debian GNOME Maintainers <pkg-gnome@example.org>", "Jane Doe <jane@example.org>"] };
    expect(filter({ maintainers: ["Jane"] })(subject("x", m))).toBe(true);
    expect(filter({ maintainers: ["Doe"] })(subject("x", m))).toBe(false);
    expect(filter({ include: [{ exclude: false, maintainer: "Debian GNOME" }] })(subject("x", m))).toBe(true);
  });

  it("falls back to maintainers OR pkgs when no rule matched", () => {
    const f = filter({ include: [{ exclude: true, binary_pkgs: ["nope"] }], maintainers: ["Jane"], pkgs: ["hello"] });
    expect(f(subject("hello"))).toBe(true);
    expect(f(subject("other", { maintainers: ["Jane <j@example.org>"] }))).toBe(true);
    expect(f(subject("other"))).toBe(false);
  });
});

describe("whether a filter reads maintainers (the parsers skip them otherwise)", () => {
  const reads = (p: Partial<Parameters<typeof filterReadsMaintainers>[0]>) => filterReadsMaintainers({ include: [], maintainers: [], ...p });

  it("reads them for the legacy maintainers list and for a rule with a maintainer", () => {
    expect(reads({ maintainers: ["Jane"] })).toBe(true);
    expect(reads({ include: [{ exclude: true, binary_pkgs: ["x"] }, { exclude: false, maintainer: "Jane" }] })).toBe(true);
  });

  it("does not for name, component or no rules", () => {
    expect(reads({})).toBe(false);
    expect(reads({ include: [{ exclude: false, component: "main", source_pkgs: ["lib*"] }] })).toBe(false);
  });
});
