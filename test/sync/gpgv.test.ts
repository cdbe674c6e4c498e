import { join } from "node:path";
import { DEBIAN_MIRROR } from "../support/test-data.js";
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { SignatureError, verifyClearsigned, verifyDetached } from "../../src/sync/gpgv.js";
import { testKeys } from "./gpgv-test-key.js";

const REAL_INRELEASE = join(DEBIAN_MIRROR, "dists/bookworm/InRelease");
const DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";

const text = "Origin: Test\nSHA256:\n 00 1 main/source/Sources\n";
const bytes = (s: string | Uint8Array) => (typeof s === "string" ? new TextEncoder().encode(s) : new Uint8Array(s));
const asText = (b: Uint8Array) => new TextDecoder().decode(b);

const { key, stranger } = testKeys();

describe("verifyClearsigned", () => {
  it("returns exactly the signed text", async () => {
    const payload = await verifyClearsigned(key.clearsign(text), key.keyring, "t/InRelease");
    expect(asText(payload).trimEnd()).toBe(text.trimEnd());
  });

  it("rejects a modified signed text, naming the file", async () => {
    const signed = asText(key.clearsign(text)).replace("Origin: Test", "Origin: Evil");
    await expect(verifyClearsigned(bytes(signed), key.keyring, "t/InRelease")).rejects.toThrow(
      /^t\/InRelease: BAD signature/,
    );
  });

  it("rejects a signature by a key that is not in the keyring", async () => {
    const err = await verifyClearsigned(stranger.clearsign(text), key.keyring, "t/InRelease").catch((e) => e);
    expect(err).toBeInstanceOf(SignatureError);
    expect(err.message).toMatch(/^t\/InRelease: no signature by a key in .*keyring\.gpg/);
  });

  it("rejects unsigned text", async () => {
    await expect(verifyClearsigned(bytes(text), key.keyring, "t/InRelease")).rejects.toThrow(
      /t\/InRelease: not a clearsigned file/,
    );
  });

  it("rejects unsigned text before or after the signed block", async () => {
    const signed = asText(key.clearsign(text));
    await expect(verifyClearsigned(bytes(`SHA256:\n evil\n${signed}`), key.keyring, "x")).rejects.toThrow(/not a clearsigned file/);
    await expect(verifyClearsigned(bytes(`${signed}\nSHA256:\n evil\n`), key.keyring, "x")).rejects.toThrow(/data after the signature/);
  });

  it("rejects two signed blocks (an old, validly signed file appended)", async () => {
    const doubled = asText(key.clearsign(text)) + asText(key.clearsign("Origin: Old\n"));
    await expect(verifyClearsigned(bytes(doubled), key.keyring, "x")).rejects.toThrow(/not exactly one clearsigned block/);
  });

  it("rejects a signature block without a signature", async () => {
    const broken = asText(key.clearsign(text)).replace(/\n\n[\s\S]*-----END/, "\n\n-----END");
    await expect(verifyClearsigned(bytes(broken), key.keyring, "x")).rejects.toThrow(SignatureError);
  });

  it("names a missing keyring", async () => {
    await expect(verifyClearsigned(key.clearsign(text), "/nonexistent/k.gpg", "x")).rejects.toThrow(
      "x: keyring /nonexistent/k.gpg not found; install the distribution's keyring package (Debian: debian-archive-keyring) or set keyring",
    );
  });

  it("verifies the real bookworm InRelease with the Debian archive keyring", async () => {
    const payload = asText(await verifyClearsigned(readFileSync(REAL_INRELEASE), DEBIAN_KEYRING, REAL_INRELEASE));
    expect(payload.startsWith("Origin: Debian\n")).toBe(true);
    expect(payload).toContain("Codename: bookworm\n");
    expect(payload).not.toContain("BEGIN PGP");
  });

  it("accepts the real InRelease when only one of its three signing keys is known (as apt does)", async () => {
    const keyring = "/usr/share/keyrings/debian-archive-bookworm-stable.gpg";
    const payload = await verifyClearsigned(readFileSync(REAL_INRELEASE), keyring, REAL_INRELEASE);
    expect(asText(payload)).toContain("Codename: bookworm\n");
  });

  it("rejects the real InRelease against an unrelated keyring", async () => {
    await expect(verifyClearsigned(readFileSync(REAL_INRELEASE), key.keyring, REAL_INRELEASE)).rejects.toThrow(
      /no signature by a key in/,
    );
  });
});

describe("verifyDetached", () => {
  const data = bytes("%NAME%\ncore\n");

  it("accepts a good detached signature", async () => {
    await expect(verifyDetached(data, key.detachSign(data), key.keyring, "core.db")).resolves.toBeUndefined();
  });

  it("rejects modified data", async () => {
    const sig = key.detachSign(data);
    await expect(verifyDetached(bytes("%NAME%\nevil\n"), sig, key.keyring, "core.db")).rejects.toThrow(
      /^core\.db: BAD signature/,
    );
  });

  it("rejects a signature from an unknown key and garbage signatures", async () => {
    await expect(verifyDetached(data, stranger.detachSign(data), key.keyring, "core.db")).rejects.toThrow(/no signature by a key/);
    await expect(verifyDetached(data, bytes("not a signature"), key.keyring, "core.db")).rejects.toThrow(/^core\.db: /);
  });
});

describe("gpgv itself", () => {
  it("says which package to install when gpgv is missing", async () => {
    const signed = key.clearsign(text);
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      await expect(verifyClearsigned(signed, key.keyring, "x")).rejects.toThrow(
        "x: gpgv not found (install the Debian package gpgv, or gnupg on Arch)",
      );
    } finally {
      process.env.PATH = path;
    }
  });
});
