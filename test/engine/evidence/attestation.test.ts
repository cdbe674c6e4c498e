import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AttestationError, cosignAttestation, createLinkAttestation, verifyAttestation } from "../../../src/engine/evidence/attestation.js";
import { signingMessage } from "../../../src/engine/evidence/canonical-json.js";
import { signingKeyFromSeed, type SigningKey } from "../../../src/engine/evidence/signing-key.js";
import { zstdCompress } from "../../../src/engine/compression.js";

const INTOTO_VERIFY = new URL("../../fixtures/evidence/intoto-verify.py", import.meta.url).pathname;
const worker = signingKeyFromSeed(Buffer.alloc(32, 0x11));
const daemon = signingKeyFromSeed(Buffer.alloc(32, 0x22));
const encoder = new TextEncoder();
const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex");

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), "rebuilder-attest-"));
  const material = { name: "acl_2.3.2-2+b1_amd64.buildinfo", path: join(dir, "acl_2.3.2-2+b1_amd64.buildinfo") };
  const product = { name: "acl_2.3.2-2+b1_amd64.deb", path: join(dir, "acl_2.3.2-2+b1_amd64.deb") };
  writeFileSync(material.path, "Format: 1.0\nSource: acl\n");
  writeFileSync(product.path, Buffer.alloc(300_000, 0xab));
  return { dir, material, product };
}

/** in-toto Python's verdict (exit 0 = valid signature by the key) and the key id it computes. */
async function pythonVerify(dir: string, metablock: Uint8Array, key: SigningKey) {
  const path = join(dir, `link-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(path, metablock);
  const r = await execa("/usr/bin/python3", [INTOTO_VERIFY, path, hexOf(key.publicKey)], { reject: false });
  return { valid: r.exitCode === 0, keyid: r.stdout.trim(), stderr: r.stderr };
}

describe("createLinkAttestation", () => {
  it("writes rebuilderd's link: compact JSON, field order, bare names, sha256 + sha512 of the files", async () => {
    const { material, product } = fixture();
    const bytes = await createLinkAttestation(worker, product.name, [material], product);
    const json = new TextDecoder().decode(bytes);
    const link = JSON.parse(json);
    expect(JSON.stringify(link)).toBe(json);
    expect(Object.keys(link)).toEqual(["signatures", "signed"]);
    expect(Object.keys(link.signed)).toEqual(["_type", "name", "materials", "products", "environment", "byproducts", "command"]);
    expect(link.signed).toMatchObject({ _type: "link", name: `rebuild ${product.name}`, environment: null, byproducts: {}, command: [] });

    for (const [section, file] of [["materials", material], ["products", product]] as const) {
      const sha256 = (await execa("sha256sum", [file.path])).stdout.split(" ")[0];
      const sha512 = (await execa("sha512sum", [file.path])).stdout.split(" ")[0];
      expect(link.signed[section]).toEqual({ [file.name]: { sha256, sha512 } });
    }
    expect(link.signatures).toHaveLength(1);
    expect(link.signatures[0].keyid).toBe(worker.keyid);
    expect(link.signatures[0].sig).toMatch(/^[0-9a-f]{128}$/);
  });

  it("is verified by OpenSSL over the canonical bytes the Python in-toto stack computes", async () => {
    const { dir, material, product } = fixture();
    const link = JSON.parse(new TextDecoder().decode(await createLinkAttestation(worker, product.name, [material], product)));
    const canonical = join(dir, "canonical");
    const script = "import json,sys; from securesystemslib.formats import encode_canonical; sys.stdout.write(encode_canonical(json.load(sys.stdin)['signed']))";
    writeFileSync(canonical, (await execa("/usr/bin/python3", ["-c", script], { input: JSON.stringify(link) })).stdout);
    writeFileSync(join(dir, "sig"), Buffer.from(link.signatures[0].sig, "hex"));
    // The standard SPKI PEM of the worker key, derived by OpenSSL itself from the seed.
    const v1 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), worker.seed]);
    writeFileSync(join(dir, "key.der"), v1);
    await execa("openssl", ["pkey", "-inform", "DER", "-in", join(dir, "key.der"), "-pubout", "-out", join(dir, "pub.pem")]);
    const args = ["pkeyutl", "-verify", "-pubin", "-inkey", join(dir, "pub.pem"), "-rawin", "-in", canonical, "-sigfile", join(dir, "sig")];
    expect((await execa("openssl", args)).stdout).toContain("Signature Verified Successfully");

    writeFileSync(canonical, readFileSync(canonical, "utf8").replace("rebuild", "Rebuild"));
    expect((await execa("openssl", args, { reject: false })).exitCode).not.toBe(0);
  });

  it("passes in-toto Python's signature check, which computes the same key id", async () => {
    const { dir, material, product } = fixture();
    const bytes = await createLinkAttestation(worker, product.name, [material], product);
    expect(await pythonVerify(dir, bytes, worker)).toMatchObject({ valid: true, keyid: worker.keyid });
    expect((await pythonVerify(dir, bytes, daemon)).valid).toBe(false);
  });

  it("refuses entry names that are not bare file names and files it cannot read", async () => {
    const { dir, material, product } = fixture();
    await expect(createLinkAttestation(worker, "../../x", [material], product)).rejects.toThrow(/unsafe file name "..\/..\/x"/);
    await expect(createLinkAttestation(worker, product.name, [{ name: "a/b", path: material.path }], product)).rejects.toThrow(/unsafe file name/);
    await expect(createLinkAttestation(worker, product.name, [material, { ...material }], product)).rejects.toThrow(AttestationError);
    const missing = join(dir, "missing.deb");
    await expect(createLinkAttestation(worker, product.name, [material], { name: "missing.deb", path: missing })).rejects.toThrow(`cannot hash ${missing}`);
  });

  it("records a shell-looking name verbatim and runs nothing", async () => {
    const { dir, material } = fixture();
    const name = "$(touch pwned);`touch pwned2`.deb";
    const product = { name, path: join(dir, name) };
    writeFileSync(product.path, "x");
    const link = JSON.parse(new TextDecoder().decode(await createLinkAttestation(worker, name, [material], product)));
    expect(Object.keys(link.signed.products)).toEqual([name]);
    expect(link.signed.name).toBe(`rebuild ${name}`);
    expect(readdirSync(dir).filter((f) => f.startsWith("pwned"))).toEqual([]);
    expect(existsSync(join(process.cwd(), "pwned"))).toBe(false);
  });
});

describe("cosignAttestation and verifyAttestation", () => {
  it("appends the daemon's signature once; both signatures verify, also for in-toto Python", async () => {
    const { dir, material, product } = fixture();
    const byWorker = await createLinkAttestation(worker, product.name, [material], product);
    const both = cosignAttestation(daemon, byWorker);
    const parsed = JSON.parse(new TextDecoder().decode(both));
    expect(parsed.signatures.map((s: { keyid: string }) => s.keyid)).toEqual([worker.keyid, daemon.keyid]);
    expect(parsed.signed).toEqual(JSON.parse(new TextDecoder().decode(byWorker)).signed);
    expect(verifyAttestation(both, worker.publicKey)).toBe(true);
    expect(verifyAttestation(both, daemon.publicKey)).toBe(true);
    expect((await pythonVerify(dir, both, daemon)).valid).toBe(true);
    expect(cosignAttestation(daemon, both)).toBe(both);
    expect(cosignAttestation(worker, byWorker)).toBe(byWorker);
  });

  it("signs an unsigned metablock", () => {
    const unsigned = encoder.encode(JSON.stringify({ signatures: [], signed: { _type: "link", name: "rebuild x", materials: {}, products: {}, environment: null, byproducts: {}, command: [] } }));
    expect(verifyAttestation(unsigned, daemon.publicKey)).toBe(false);
    expect(verifyAttestation(cosignAttestation(daemon, unsigned), daemon.publicKey)).toBe(true);
  });

  it("signs over in-toto-rs's newline quirk, so in-toto Python agrees on names with newlines", async () => {
    const { dir } = fixture();
    const signed = { _type: "link", name: "rebuild a\nb.deb", materials: {}, products: { "a\nb.deb": { sha256: "00" } }, environment: null, byproducts: {}, command: [] };
    const cosigned = cosignAttestation(daemon, encoder.encode(JSON.stringify({ signatures: [], signed })));
    expect(new TextDecoder().decode(signingMessage(signed))).toContain("rebuild a\nb.deb");
    expect(verifyAttestation(cosigned, daemon.publicKey)).toBe(true);
    expect(await pythonVerify(dir, cosigned, daemon)).toMatchObject({ valid: true });
  });

  it("rejects a tampered link, a foreign key and a forged key id", async () => {
    const { material, product } = fixture();
    const link = JSON.parse(new TextDecoder().decode(await createLinkAttestation(worker, product.name, [material], product)));
    const tampered = structuredClone(link);
    tampered.signed.products[product.name].sha256 = "0".repeat(64);
    expect(verifyAttestation(encoder.encode(JSON.stringify(tampered)), worker.publicKey)).toBe(false);
    expect(verifyAttestation(encoder.encode(JSON.stringify(link)), daemon.publicKey)).toBe(false);
    const forged = structuredClone(link);
    forged.signatures[0].keyid = daemon.keyid;
    expect(verifyAttestation(encoder.encode(JSON.stringify(forged)), daemon.publicKey)).toBe(false);
    const badHex = structuredClone(link);
    badHex.signatures[0].sig = "zz" + badHex.signatures[0].sig.slice(2);
    expect(verifyAttestation(encoder.encode(JSON.stringify(badHex)), worker.publicKey)).toBe(false);
  });

  it("gives a clear error for blobs that are not metablocks", () => {
    const cases: [Uint8Array, RegExp][] = [
      [encoder.encode("not json"), /not UTF-8 JSON/],
      [Uint8Array.from([0xff, 0xfe, 0x7b, 0x7d]), /not UTF-8 JSON/],
      [encoder.encode("[]"), /not an in-toto metablock/],
      [encoder.encode('{"signatures":[],"signed":{}}'), /not an in-toto metablock/],
      [encoder.encode('{"signatures":[{"keyid":1}],"signed":{"_type":"link"}}'), /signature entry/],
      [encoder.encode('{"signatures":[],"signed":{"_type":"link","n":1.5}}'), /cannot be canonicalised/],
      [zstdCompress('{"signatures":[],"signed":{"_type":"link"}}'), /zstd-compressed/],
    ];
    for (const [blob, message] of cases) {
      expect(() => cosignAttestation(daemon, blob)).toThrow(message);
      expect(() => cosignAttestation(daemon, blob)).toThrow(AttestationError);
    }
    expect(() => verifyAttestation(encoder.encode("[]"), daemon.publicKey)).toThrow(AttestationError);
  });
});
