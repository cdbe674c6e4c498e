import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { canonicalJson, CanonicalJsonError, signingMessage } from "../../../src/engine/evidence/canonical-json.js";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("canonicalJson", () => {
  it("sorts keys at every level and writes no whitespace", () => {
    const value = { b: 1, a: { d: [3, { z: null, y: true }], c: "x" }, e: false, f: -7 };
    expect(canonicalJson(value)).toBe('{"a":{"c":"x","d":[3,{"y":true,"z":null}]},"b":1,"e":false,"f":-7}');
  });

  it("sorts keys by UTF-8 bytes, not by UTF-16 code units", () => {
    // U+FFFD (EF BF BD) sorts before U+1F600 (F0 9F 98 80) in bytes, after it in UTF-16 (D83D).
    const value = { "\u{1F600}": 1, "\uFFFD": 2, é: 3, z: 4, Z: 5, a: 6 };
    expect(canonicalJson(value)).toBe('{"Z":5,"a":6,"z":4,"é":3,"\uFFFD":2,"\u{1F600}":1}');
  });

  it("escapes strings like serde_json: quote, backslash and control characters only", () => {
    const s = 'q" b\\ n\n r\r t\t b\b f\f c\u0001 u\u001f del\u007f / é \u{1F600}';
    expect(canonicalJson(s)).toBe('"q\\" b\\\\ n\\n r\\r t\\t b\\b f\\f c\\u0001 u\\u001f del\u007f / é \u{1F600}"');
    expect(canonicalJson({ "k\"\n": "v" })).toBe('{"k\\"\\n":"v"}');
  });

  it("refuses what in-toto-rs cannot canonicalise, naming where it is", () => {
    expect(() => canonicalJson({ a: [1, 1.5] })).toThrow(CanonicalJsonError);
    expect(() => canonicalJson({ a: [1, 1.5] })).toThrow("$.a[1]");
    expect(() => canonicalJson({ n: Number.MAX_SAFE_INTEGER + 1 })).toThrow(/only integers/);
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(CanonicalJsonError);
    expect(() => canonicalJson({ u: undefined })).toThrow(/undefined/);
    expect(() => canonicalJson({ b: 1n })).toThrow(/bigint/);
    expect(() => canonicalJson({ s: "half \uD800 a pair" })).toThrow(/lone surrogate/);
  });
});

describe("signingMessage (in-toto-rs's newline quirk)", () => {
  it("turns the escaped newline back into a real one before signing", () => {
    expect(text(signingMessage({ name: "a\nb" }))).toBe('{"name":"a\nb"}');
  });

  it("also rewrites a literal backslash followed by n, as upstream does", () => {
    // canonical: {"p":"C:\\new"}; the \n inside \\n is replaced too.
    expect(canonicalJson({ p: "C:\\new" })).toBe('{"p":"C:\\\\new"}');
    expect(text(signingMessage({ p: "C:\\new" }))).toBe('{"p":"C:\\\new"}');
  });

  it("matches the Python in-toto stack (securesystemslib) byte for byte on newlines, quotes and Unicode", async () => {
    const value = { signed: { _type: "link", name: "rebuild a\nb", z: [1, -2, { q: 'say "hi" \\ ok' }], "\u{1F600}": "é", "\uFFFD": null } };
    const script = "import json,sys; from securesystemslib.formats import encode_canonical; sys.stdout.write(encode_canonical(json.load(sys.stdin)))";
    const python = await execa("/usr/bin/python3", ["-c", script], { input: JSON.stringify(value) });
    expect(python.stdout).toBe(text(signingMessage(value)));
  });
});
