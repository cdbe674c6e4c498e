import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Deb822Parser, parseDeb822Text, PRESENT, type Stanza } from "../../src/sync/debian/deb822.js";
import { parseRelease } from "../../src/sync/debian/inrelease.js";
import { IndexError } from "../../src/sync/report.js";
import { fixture } from "./debian-test-mirror.js";

const FIELDS = ["Package", "Version", "Binary", "Maintainer", "Uploaders"] as const;

function parseChunks(chunks: Uint8Array[]): Stanza<(typeof FIELDS)[number]>[] {
  const out: Stanza<(typeof FIELDS)[number]>[] = [];
  const parser = new Deb822Parser("t", FIELDS, (s) => out.push(s));
  for (const c of chunks) parser.push(c);
  parser.end();
  return out;
}

describe("deb822 reader", () => {
  it("returns the wanted fields with continuation lines joined and other fields skipped", () => {
    const [hello] = parseDeb822Text("Sources", fixture("Sources"), FIELDS);
    expect(hello).toEqual({
      Package: "hello",
      Version: "2.10-3",
      Binary: "hello, hello-doc, hello-extra,\nhello-udeb",
      Maintainer: "Jane Doe <jane@example.org>",
      Uploaders: '"Roe, John" <john@example.org>,\nMax Mustermann <max@example.org>',
    });
  });

  it("does not need a blank line after the last stanza, and tolerates extra blank lines", () => {
    const text = "\n\nPackage: a\nVersion: 1\n\n\n\nPackage: b\nVersion:2";
    expect(parseDeb822Text("t", text, FIELDS).map((s) => [s.Package, s.Version])).toEqual([
      ["a", "1"],
      ["b", "2"],
    ]);
  });

  it("decodes UTF-8 values", () => {
    const [s] = parseDeb822Text("t", "Package: a\nMaintainer: Jörg Müller <j@example.org>\n", FIELDS);
    expect(s!.Maintainer).toBe("Jörg Müller <j@example.org>");
  });

  it("gives the same stanzas however the bytes are cut into chunks", () => {
    const bytes = new TextEncoder().encode(`${fixture("Sources")}\nPackage: ü\nMaintainer: Zoë Ünïcode <z@example.org>\n`);
    const whole = parseChunks([bytes]);
    expect(whole).toHaveLength(5);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
        const chunks = points.slice(1).map((end, i) => bytes.subarray(points[i], end));
        expect(parseChunks(chunks)).toEqual(whole);
      }),
    );
  });

  it("reads a value repeated from the stanza before as written, never a look-alike of it", () => {
    const bytes = Buffer.concat([
      Buffer.from("Package: a\nMaintainer: J\u00e9\n\nPackage: b\nMaintainer: J"),
      Buffer.from([0xe9]),
      Buffer.from("\n\nPackage: c\nMaintainer: Jo\n\nPackage: d\nMaintainer:  Jo \n"),
    ]);
    expect(parseChunks([bytes]).map((s) => s.Maintainer)).toEqual(["J\u00e9", "J\ufffd", "Jo", "Jo"]);
  });

  it("tells only whether a field listed as checked-only has a value", () => {
    const out: Stanza<(typeof FIELDS)[number]>[] = [];
    const parser = new Deb822Parser("t", FIELDS, (s) => out.push(s), ["Binary", "Uploaders"]);
    parser.push(Buffer.from("Package: a\nBinary: a, b\nUploaders:  \n\nPackage: b\nBinary:\n b-1,\n b-2\n"));
    parser.end();
    expect(out).toEqual([
      { Package: "a", Version: undefined, Binary: PRESENT, Maintainer: undefined, Uploaders: "" },
      { Package: "b", Version: undefined, Binary: PRESENT, Maintainer: undefined, Uploaders: undefined },
    ]);
  });

  it.each([
    [" indented\n", "continuation line without a field (paragraph 1)"],
    ["Package: a\nno colon here\n", 'malformed line "no colon here" (paragraph 1)'],
    ["Package: a\n: empty key\n", 'malformed line ": empty key" (paragraph 1)'],
    ["Package: a\n\nPackage: b\nPackage: c\n", "field Package appears twice (paragraph 2)"],
  ])("refuses %j", (text, detail) => {
    const err = (() => {
      try {
        parseDeb822Text("f", text, FIELDS);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(IndexError);
    expect((err as IndexError).detail).toBe(detail);
  });
});

describe("Release parsing", () => {
  const sum = "a".repeat(64);

  it("reads the SHA256 list, Suite, Codename and Valid-Until", () => {
    const release = parseRelease(
      "R",
      `Suite: unstable\nCodename: sid\nValid-Until: Sat, 11 Jul 2026 10:16:37 UTC\nMD5Sum:\n 0123 5 main/x\nSHA256:\n ${sum}  1234 main/source/Sources.xz\n ${sum} 5 main/x\n`,
    );
    expect(release.suite).toBe("unstable");
    expect(release.codename).toBe("sid");
    expect(release.validUntil?.toISOString()).toBe("2026-07-11T10:16:37.000Z");
    expect([...release.files]).toEqual([
      ["main/source/Sources.xz", { sha256: sum, size: 1234 }],
      ["main/x", { sha256: sum, size: 5 }],
    ]);
  });

  it("refuses a Release without SHA256 list or with a malformed line", () => {
    expect(() => parseRelease("R", "MD5Sum:\n 0123 5 main/x\n")).toThrow("R: has no SHA256 list");
    expect(() => parseRelease("R", `SHA256:\n ${sum} 12 main/x extra\n`)).toThrow(`R: malformed SHA256 line "${sum} 12 main/x extra"`);
    expect(() => parseRelease("R", "SHA256:\n xyz 12 main/x\n")).toThrow('R: malformed SHA256 line "xyz 12 main/x"');
  });
});
