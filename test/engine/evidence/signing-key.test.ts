import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  keyIdOf,
  loadOrCreateSigningKey,
  pkcs8V2Der,
  publicKeyFromPem,
  publicKeyPem,
  SigningKeyError,
  signingKeyFromSeed,
  verifySignature,
} from "../../../src/engine/evidence/signing-key.js";

const dir = () => mkdtempSync(join(tmpdir(), "rebuilder-key-"));
const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex");
const PEM_LINES = /^-----BEGIN PRIVATE KEY-----\r\n((?:[A-Za-z0-9+/=]{64}\r\n)*[A-Za-z0-9+/=]{1,64}\r\n)-----END PRIVATE KEY-----\r\n$/;

describe("signing key file", () => {
  it("is created with mode 0600 as a CRLF PEM of ring's 83-byte PKCS#8 v2, and reloads to the same key", () => {
    const path = join(dir(), "sub", "rebuilder.sign.key");
    const key = loadOrCreateSigningKey(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const pem = readFileSync(path, "latin1");
    const m = PEM_LINES.exec(pem);
    expect(m).not.toBeNull();
    expect(pem.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    const der = Buffer.from(m![1]!.replace(/\r\n/g, ""), "base64");
    expect(der.length).toBe(83);
    expect(der.subarray(0, 16).toString("hex")).toBe("3051020101300506032b657004220420");
    expect(hexOf(der.subarray(16, 48))).toBe(hexOf(key.seed));
    expect(der.subarray(48, 51).toString("hex")).toBe("812100");
    expect(hexOf(der.subarray(51))).toBe(hexOf(key.publicKey));
    expect(hexOf(pkcs8V2Der(key))).toBe(der.toString("hex"));

    const again = loadOrCreateSigningKey(path);
    expect(hexOf(again.seed)).toBe(hexOf(key.seed));
    expect(again.keyid).toBe(key.keyid);
    expect(readFileSync(path, "latin1")).toBe(pem);
  });

  it("matches OpenSSL and sha256sum: same public key from the seed, key id over the canonical key JSON", async () => {
    const path = join(dir(), "k.pem");
    const key = loadOrCreateSigningKey(path);
    // OpenSSL cannot read ring's v2 form, so the script rewraps the seed as standard PKCS#8 v1.
    const script = `
      set -eu
      body=$(grep -v -- '-----' "$1" | tr -d '\\r\\n')
      printf '%s' "$body" | base64 -d > "$2/der"
      { printf '\\060\\056\\002\\001\\000\\060\\005\\006\\003\\053\\145\\160\\004\\042\\004\\040'; tail -c +17 "$2/der" | head -c 32; } > "$2/v1.der"
      pub=$(openssl pkey -inform DER -in "$2/v1.der" -pubout -outform DER | tail -c 32 | od -An -v -tx1 | tr -d ' \\n')
      stored=$(tail -c 32 "$2/der" | od -An -v -tx1 | tr -d ' \\n')
      [ "$pub" = "$stored" ] || { echo "stored public key $stored != openssl $pub"; exit 1; }
      printf '{"keyid_hash_algorithms":["sha256","sha512"],"keytype":"ed25519","keyval":{"public":"%s"},"scheme":"ed25519"}' "$pub" | sha256sum | cut -d' ' -f1
    `;
    const r = await execa("sh", ["-c", script, "sh", path, dir()]);
    expect(r.stdout).toBe(key.keyid);
  });

  it("computes in-toto-rs's key id test vector", () => {
    const pub = Buffer.from("eb8ac26b5c9ef0279e3be3e82262a93bce16fe58ee422500d38caf461c65a3b6", "hex");
    expect(keyIdOf(pub)).toBe("a9f3ebc9b138762563a9c27b6edd439959e559709babd123e8d449ba2c18c61a");
  });

  it("also loads a key OpenSSL generated (PKCS#8 v1) and signs what OpenSSL verifies", async () => {
    const d = dir();
    const path = join(d, "openssl.pem");
    await execa("openssl", ["genpkey", "-algorithm", "ed25519", "-out", path]);
    chmodSync(path, 0o600);
    const key = loadOrCreateSigningKey(path);
    const pubDer = (await execa("openssl", ["pkey", "-in", path, "-pubout", "-outform", "DER"], { encoding: "buffer" })).stdout;
    expect(hexOf(key.publicKey)).toBe(hexOf(pubDer.subarray(12)));

    writeFileSync(join(d, "msg"), "hello");
    writeFileSync(join(d, "sig"), key.sign(Buffer.from("hello")));
    await execa("openssl", ["pkey", "-in", path, "-pubout", "-out", join(d, "pub.pem")]);
    const v = await execa("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", join(d, "pub.pem"), "-rawin", "-in", join(d, "msg"), "-sigfile", join(d, "sig")]);
    expect(v.stdout).toContain("Signature Verified Successfully");
  });

  it("tightens a group-readable key (rebuilderd writes 0640) and says so", () => {
    const path = join(dir(), "k.pem");
    const key = loadOrCreateSigningKey(path);
    chmodSync(path, 0o640);
    const warnings: string[] = [];
    const again = loadOrCreateSigningKey(path, (w) => warnings.push(w));
    expect(again.keyid).toBe(key.keyid);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(warnings).toEqual([`signing key ${path} was accessible by group or others (mode 0640); changed it to 0600`]);
  });

  it("reports a corrupt key file, naming it, and never overwrites it", () => {
    const d = dir();
    const valid = readFileSync(((p) => (loadOrCreateSigningKey(p), p))(join(d, "valid.pem")), "latin1");
    const cases: [string, string, RegExp][] = [
      ["garbage", "not a key at all\n", /no "PRIVATE KEY" PEM block/],
      ["truncated", valid.slice(0, 60) + "\r\n-----END PRIVATE KEY-----\r\n", /not valid base64|not an Ed25519 private key/],
      ["bad-base64", "-----BEGIN PRIVATE KEY-----\r\n!!!!\r\n-----END PRIVATE KEY-----\r\n", /not valid base64/],
      ["empty", "", /no "PRIVATE KEY" PEM block/],
    ];
    for (const [name, content, message] of cases) {
      const path = join(d, name);
      writeFileSync(path, content, { mode: 0o600 });
      expect(() => loadOrCreateSigningKey(path)).toThrow(SigningKeyError);
      expect(() => loadOrCreateSigningKey(path)).toThrow(message);
      expect(() => loadOrCreateSigningKey(path)).toThrow(path);
      expect(() => loadOrCreateSigningKey(path)).toThrow(/\. Restore it from a backup, or move it aside to have a new key created at the next start/);
      expect(readFileSync(path, "latin1")).toBe(content);
    }
  });

  it("refuses a v2 key whose stored public key belongs to another seed", () => {
    const a = signingKeyFromSeed(Buffer.alloc(32, 1));
    const b = signingKeyFromSeed(Buffer.alloc(32, 2));
    const der = Buffer.concat([pkcs8V2Der(a).subarray(0, 51), b.publicKey]);
    const path = join(dir(), "mixed.pem");
    writeFileSync(path, `-----BEGIN PRIVATE KEY-----\r\n${der.toString("base64")}\r\n-----END PRIVATE KEY-----\r\n`, { mode: 0o600 });
    expect(() => loadOrCreateSigningKey(path)).toThrow(/public key does not belong to its private key/);
  });

  it("refuses something that is not a regular file without hanging on it", async () => {
    const path = join(dir(), "fifo");
    await execa("mkfifo", [path]);
    expect(() => loadOrCreateSigningKey(path)).toThrow(`signing key ${path} is not a regular file`);
  });

  it("gives concurrent first starts one key between them", async () => {
    const d = dir();
    const path = join(d, "shared.pem");
    const module = new URL("../../../src/engine/evidence/signing-key.ts", import.meta.url).pathname;
    const script = join(d, "create.ts");
    writeFileSync(script, `import { loadOrCreateSigningKey } from ${JSON.stringify(module)};\nprocess.stdout.write(loadOrCreateSigningKey(${JSON.stringify(path)}).keyid);\n`);
    const run = () => (process.versions.bun ? execa(process.execPath, [script]) : execa(process.execPath, ["--import", "tsx", script]));
    const ids = (await Promise.all([run(), run(), run()])).map((r) => r.stdout);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toBe(loadOrCreateSigningKey(path).keyid);
    expect(existsSync(path)).toBe(true);
  });
});

describe("public key", () => {
  const key = signingKeyFromSeed(Buffer.alloc(32, 7));

  it("is served as in-toto-rs's 46-byte SPKI with a NULL parameter, CRLF and a trailing CRLF", () => {
    const pem = publicKeyPem(key);
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\r\nMCwwBwYDK2VwBQADIQ[A-Za-z0-9+/]{44}==\r\n-----END PUBLIC KEY-----\r\n$/);
    const der = Buffer.from(pem.split("\r\n")[1]!, "base64");
    expect(der.length).toBe(46);
    expect(hexOf(der.subarray(14))).toBe(hexOf(key.publicKey));
    expect(hexOf(publicKeyFromPem(pem))).toBe(hexOf(key.publicKey));
  });

  it("is also read from the standard RFC 8410 form OpenSSL writes", async () => {
    const path = join(dir(), "k.pem");
    await execa("openssl", ["genpkey", "-algorithm", "ed25519", "-out", path]);
    const standard = (await execa("openssl", ["pkey", "-in", path, "-pubout"])).stdout;
    expect(standard).toContain("MCowBQYDK2VwAyEA");
    const raw = publicKeyFromPem(standard);
    expect(raw.length).toBe(32);
    expect(() => publicKeyFromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")).toThrow(SigningKeyError);
  });

  it("verifies signatures made with the key and rejects others", () => {
    const msg = Buffer.from("message");
    const sig = key.sign(msg);
    expect(verifySignature(key.publicKey, msg, sig)).toBe(true);
    expect(verifySignature(key.publicKey, Buffer.from("messagE"), sig)).toBe(false);
    expect(verifySignature(key.publicKey, msg, sig.subarray(1))).toBe(false);
    expect(verifySignature(signingKeyFromSeed(Buffer.alloc(32, 8)).publicKey, msg, sig)).toBe(false);
  });
});
