/** Broken and hostile index content: a clear error naming the file and entry, and no reports at all. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptDataError } from "../../src/engine/compression.js";
import { IndexError } from "../../src/sync/report.js";
import { buildMirror, fixture, xz } from "./debian-test-mirror.js";
import { debianProfile, MIRROR_URL, runDebianSync } from "./debian-sync-helpers.js";
import { createTestKey, type TestKey } from "./gpgv-test-key.js";

let key: TestKey;
beforeAll(() => {
  key = createTestKey();
});
afterAll(() => key.dispose());

const SOURCES_URL = `${MIRROR_URL}/dists/sid/main/source/Sources.xz`;
const PACKAGES_URL = `${MIRROR_URL}/dists/sid/main/binary-amd64/Packages.xz`;

/** Signed mirror with the fixture Sources and `packages` appended to the fixture Packages. */
async function syncWith({ packages = "", sources = "" }: { packages?: string; sources?: string }) {
  const { root } = buildMirror({
    key,
    files: {
      "main/source/Sources.xz": xz(`${fixture("Sources")}\n${sources}`),
      "main/binary-amd64/Packages.xz": xz(`${fixture("Packages-amd64")}\n${packages}`),
    },
  });
  return runDebianSync(debianProfile({ keyring: key.keyring }), root);
}

const binary = (fields: Record<string, string>) =>
  Object.entries({
    Package: "good",
    Source: "hello",
    Version: "2.10-3",
    Architecture: "amd64",
    Filename: "pool/main/h/hello/good_2.10-3_amd64.deb",
    ...fields,
  })
    .map(([k, v]) => `${k}: ${v}\n`)
    .join("");

async function indexError(promise: Promise<unknown>): Promise<IndexError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IndexError);
  return err as IndexError;
}

describe("Debian bad input", () => {
  it("names the file of a truncated xz stream", async () => {
    const full = xz(fixture("Packages-amd64"));
    const { root } = buildMirror({
      key,
      files: { "main/source/Sources.xz": xz(fixture("Sources")), "main/binary-amd64/Packages.xz": full.subarray(0, full.length - 40) },
    });
    const err = await runDebianSync(debianProfile({ keyring: key.keyring }), root).catch((e) => e);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect(err.message).toMatch(new RegExp(`^${PACKAGES_URL}: corrupt or truncated xz data`));
  });

  it("refuses a Packages stanza without Filename, naming the entry", async () => {
    const err = await indexError(syncWith({ packages: "Package: broken\nVersion: 1.0-1\nArchitecture: amd64\n" }));
    expect(err.message).toBe(`${PACKAGES_URL}: entry "broken": paragraph 8 has no Filename field`);
  });

  it("refuses a garbage stanza without a Package field", async () => {
    const err = await indexError(syncWith({ packages: "Foo: bar\n" }));
    expect(err.message).toBe(`${PACKAGES_URL}: paragraph 8 has no Package field`);
  });

  it("refuses a Sources stanza without Binary or Directory", async () => {
    const noBinary = await indexError(syncWith({ sources: "Package: x1\nVersion: 1\nArchitecture: any\nDirectory: pool/main/x/x1\n" }));
    expect(noBinary.message).toBe(`${SOURCES_URL}: entry "x1": paragraph 5 has no Binary field`);
    const noDirectory = await indexError(syncWith({ sources: "Package: x1\nVersion: 1\nArchitecture: any\nBinary: x1\n" }));
    expect(noDirectory.message).toBe(`${SOURCES_URL}: entry "x1": paragraph 5 has no Directory field`);
  });

  it("reports the Sources error when the Packages file is broken too, though all files are read at once", async () => {
    const err = await indexError(
      syncWith({ sources: "Package: x1\nVersion: 1\nArchitecture: any\nBinary: x1\n", packages: "Foo: bar\n" }),
    );
    expect(err.message).toBe(`${SOURCES_URL}: entry "x1": paragraph 5 has no Directory field`);
  });

  it("refuses a Sources field given twice, though its text is never read", async () => {
    const err = await indexError(syncWith({ sources: "Package: x1\nVersion: 1\nArchitecture: any\nBinary: x1\nDirectory: d\nBinary: x2\n" }));
    expect(err.message).toBe(`${SOURCES_URL}: entry "x1": field Binary appears twice (paragraph 5)`);
  });

  it("refuses a line that is not a field", async () => {
    const err = await indexError(syncWith({ packages: `${binary({})}this is not a field\n` }));
    expect(err.message).toBe(`${PACKAGES_URL}: entry "good": malformed line "this is not a field" (paragraph 8)`);
  });

  it("refuses a field given twice", async () => {
    const err = await indexError(syncWith({ packages: `${binary({})}Version: 9.9\n` }));
    expect(err.message).toBe(`${PACKAGES_URL}: entry "good": field Version appears twice (paragraph 8)`);
  });

  it.each([
    ["a path in Package", { Package: "../../x" }, 'Package "../../x" is not a valid Debian package name'],
    ["a command in Package", { Package: "$(touch /tmp/p)" }, 'Package "$(touch /tmp/p)" is not a valid Debian package name'],
    ["an ESC in Package", { Package: "evil\u001b[31m" }, 'Package "evil\\u001b[31m" is not a valid Debian package name'],
    ["upper case in Package", { Package: "Hello" }, 'Package "Hello" is not a valid Debian package name'],
    ["a command in Version", { Version: "1.0;id" }, 'Version "1.0;id" is not a valid Debian version'],
    ["a path in Source", { Source: "../../x" }, 'Source "../../x" is not a valid Debian package name'],
    ["a command in the Source version", { Source: "hello (2.10-3$(id))" }, 'Source version "2.10-3$(id)" is not a valid Debian version'],
    ["an unclosed Source version", { Source: "hello (2.10-3" }, 'malformed Source "hello (2.10-3"'],
    ["a path in Architecture", { Architecture: "amd64/../x" }, 'Architecture "amd64/../x" is not a valid Debian architecture name'],
    ["a parent directory in Filename", { Filename: "pool/../../etc/passwd" }, 'Filename "pool/../../etc/passwd" leaves the archive'],
    ["an absolute Filename", { Filename: "/etc/passwd" }, 'Filename "/etc/passwd" is not a valid Debian pool path'],
    ["a URL in Filename", { Filename: "https://evil.example/x.deb" }, 'Filename "https://evil.example/x.deb" is not a valid Debian pool path'],
    ["a bad SHA256", { SHA256: "abc" }, 'SHA256 "abc" is not a valid Debian SHA256 checksum'],
    ["a bad Size", { Size: "-1" }, 'Size "-1" is not a valid Debian size'],
  ])("refuses the whole index for %s", async (_what, fields, detail) => {
    const err = await indexError(syncWith({ packages: binary(fields) }));
    expect(err.file).toBe(PACKAGES_URL);
    expect(err.detail).toBe(detail);
    expect(err.message).not.toContain("\u001b");
  });

  it("names the entry of a hostile binary", async () => {
    const err = await indexError(syncWith({ packages: binary({ Version: "1 2" }) }));
    expect(err.message).toBe(`${PACKAGES_URL}: entry "good": Version "1 2" is not a valid Debian version`);
  });

  it.each([
    ["a path", "../../x", 'Package "../../x" is not a valid Debian package name'],
    ["a command", "$(touch /tmp/p)", 'Package "$(touch /tmp/p)" is not a valid Debian package name'],
    ["an ESC", "x\u001b]0;owned\u0007", 'Package "x\\u001b]0;owned\\u0007" is not a valid Debian package name'],
  ])("refuses a source package name with %s", async (_what, name, detail) => {
    const err = await indexError(
      syncWith({ sources: `Package: ${name}\nBinary: x\nVersion: 1.0\nArchitecture: any\nDirectory: pool/main/x/x\n` }),
    );
    expect(err.file).toBe(SOURCES_URL);
    expect(err.detail).toBe(detail);
    expect(err.message).not.toMatch(/[\u0000-\u001f]/);
  });
});
