/**
 * Ed25519 signing keys in rebuilderd's byte formats (reference §10.1): the private key is ring's
 * PKCS#8 v2 document in a CRLF PEM "PRIVATE KEY" block, the public key is in-toto-rs's SPKI with
 * a NULL algorithm parameter. OpenSSL (and so node:crypto) reads neither form, so both are
 * assembled here from fixed DER prefixes and the key itself is built from its 32-byte seed.
 *
 * Permissions: a new key file is created 0600. An existing key file that group or others may
 * access (rebuilderd creates its keys 0640) is tightened to 0600 with a warning rather than
 * refused, so a key taken over from rebuilderd keeps working; if its mode cannot be changed
 * the key is refused. A file that does not hold a key is reported and never overwritten.
 */
import { constants, closeSync, fchmodSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify } from "node:crypto";
import { dirname } from "node:path";
import { signingMessage } from "./canonical-json.js";

export interface SigningKey {
  seed: Uint8Array;
  publicKey: Uint8Array;
  /** in-toto key id: hex SHA-256 of the canonical public key JSON (with keyid_hash_algorithms). */
  keyid: string;
  sign(message: Uint8Array): Uint8Array;
}

export class SigningKeyError extends Error {}

const hex = (s: string) => Buffer.from(s, "hex");
/** ring's PKCS#8 v2: version 1, the seed at offset 16, then the public key as [1] at offset 51 (83 bytes). */
const PKCS8_V2_PREFIX = hex("3051020101300506032b657004220420");
const PKCS8_V2_PUBLIC_KEY_TAG = hex("812100");
/** RFC 8410 PKCS#8 v1 (OpenSSL's form): version 0 and the seed only (48 bytes). */
const PKCS8_V1_PREFIX = hex("302e020100300506032b657004220420");
/** in-toto-rs's SPKI: the AlgorithmIdentifier carries a NULL parameter (46 bytes). */
const INTOTO_SPKI_PREFIX = hex("302c300706032b65700500032100");
/** RFC 8410 SPKI, what OpenSSL reads and writes (44 bytes). */
const RFC8410_SPKI_PREFIX = hex("302a300506032b6570032100");
const SEED_BYTES = 32;
const MAX_KEY_FILE_BYTES = 64 * 1024;

export function signingKeyFromSeed(seed: Uint8Array): SigningKey {
  if (seed.length !== SEED_BYTES) throw new SigningKeyError(`an Ed25519 seed has ${SEED_BYTES} bytes, not ${seed.length}`);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_V1_PREFIX, seed]), format: "der", type: "pkcs8" });
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  const publicKey = new Uint8Array(spki.subarray(RFC8410_SPKI_PREFIX.length));
  return {
    seed: Uint8Array.from(seed),
    publicKey,
    keyid: keyIdOf(publicKey),
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
}

/** Reads ring's 83-byte PKCS#8 v2 (checking that its public key belongs to its seed) or OpenSSL's 48-byte v1. */
export function signingKeyFromPkcs8(der: Uint8Array, what: string): SigningKey {
  const b = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  if (b.length === 83 && b.subarray(0, 16).equals(PKCS8_V2_PREFIX) && b.subarray(48, 51).equals(PKCS8_V2_PUBLIC_KEY_TAG)) {
    const key = signingKeyFromSeed(b.subarray(16, 48));
    if (!b.subarray(51).equals(key.publicKey)) throw new SigningKeyError(`${what}: its public key does not belong to its private key`);
    return key;
  }
  if (b.length === 48 && b.subarray(0, 16).equals(PKCS8_V1_PREFIX)) return signingKeyFromSeed(b.subarray(16));
  throw new SigningKeyError(`${what}: not an Ed25519 private key in PKCS#8 form (${b.length} bytes of DER)`);
}

/** ring's PKCS#8 v2 DER, as rebuilderd stores it (raw for the worker key, in PEM for the daemon key). */
export function pkcs8V2Der(key: SigningKey): Uint8Array {
  return new Uint8Array(Buffer.concat([PKCS8_V2_PREFIX, key.seed, PKCS8_V2_PUBLIC_KEY_TAG, key.publicKey]));
}

export function privateKeyPem(key: SigningKey): string {
  return pem("PRIVATE KEY", pkcs8V2Der(key));
}

/** The public key as rebuilderd serves it from /api/v1/meta/public-keys. */
export function publicKeyPem(key: SigningKey): string {
  return pem("PUBLIC KEY", Buffer.concat([INTOTO_SPKI_PREFIX, key.publicKey]));
}

/** The raw 32-byte key of a "PUBLIC KEY" PEM in in-toto-rs's form or the standard RFC 8410 form. */
export function publicKeyFromPem(text: string, what = "public key"): Uint8Array {
  const der = unpem(text, "PUBLIC KEY", what);
  for (const prefix of [INTOTO_SPKI_PREFIX, RFC8410_SPKI_PREFIX]) {
    if (der.length === prefix.length + 32 && der.subarray(0, prefix.length).equals(prefix)) return new Uint8Array(der.subarray(prefix.length));
  }
  throw new SigningKeyError(`${what}: not an Ed25519 public key`);
}

export function keyIdOf(publicKey: Uint8Array): string {
  const key = {
    keyid_hash_algorithms: ["sha256", "sha512"],
    keytype: "ed25519",
    keyval: { public: Buffer.from(publicKey).toString("hex") },
    scheme: "ed25519",
  };
  return createHash("sha256").update(signingMessage(key)).digest("hex");
}

export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32) throw new SigningKeyError(`an Ed25519 public key has 32 bytes, not ${publicKey.length}`);
  const key = createPublicKey({ key: Buffer.concat([RFC8410_SPKI_PREFIX, publicKey]), format: "der", type: "spki" });
  return signature.length === 64 && verify(null, message, key, signature);
}

/** "pem": the daemon's PEM file (rebuilderd.sign.key); "der": the raw DER rebuilderd-worker keeps in rebuilder.v2.key. */
export type KeyFileFormat = "pem" | "der";

/**
 * Loads the key at `path`, creating it (0600) when the file does not exist. `warn` hears about a
 * key file whose permissions had to be tightened.
 */
export function loadOrCreateSigningKey(path: string, warn: (message: string) => void = () => {}, format: KeyFileFormat = "pem"): SigningKey {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO planted at the path must not hang the start-up.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return createKeyFile(path, warn, format);
    throw new SigningKeyError(`cannot open signing key ${path}: ${(err as Error).message}; check its owner and permissions`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new SigningKeyError(`signing key ${path} is not a regular file. ${REPLACE_KEY}`);
    if (st.size > MAX_KEY_FILE_BYTES) throw new SigningKeyError(`signing key ${path} is ${st.size} bytes, too large for a key file. ${REPLACE_KEY}`);
    if ((st.mode & 0o077) !== 0) tighten(fd, path, st.mode, warn);
    const bytes = readFileSync(fd);
    const what = `signing key ${path}`;
    try {
      return signingKeyFromPkcs8(format === "pem" ? unpem(bytes.toString("utf8"), "PRIVATE KEY", what) : bytes, what);
    } catch (err) {
      throw err instanceof SigningKeyError ? new SigningKeyError(`${err.message}. ${REPLACE_KEY}`) : err;
    }
  } finally {
    closeSync(fd);
  }
}

/** What to do with a key file that holds no usable key; it is never overwritten. */
const REPLACE_KEY =
  "Restore it from a backup, or move it aside to have a new key created at the next start (attestations signed with the old key stay verifiable with its public key)";

function tighten(fd: number, path: string, mode: number, warn: (message: string) => void): void {
  const old = (mode & 0o777).toString(8).padStart(4, "0");
  try {
    fchmodSync(fd, 0o600);
  } catch (err) {
    throw new SigningKeyError(`signing key ${path} is accessible by group or others (mode ${old}) and cannot be changed to 0600: ${(err as Error).message}`);
  }
  warn(`signing key ${path} was accessible by group or others (mode ${old}); changed it to 0600`);
}

/**
 * Writes a new key to a private temporary file and hard-links it into place: the key file either
 * does not exist or is complete, and a key another process created meanwhile is never replaced.
 */
function createKeyFile(path: string, warn: (message: string) => void, format: KeyFileFormat): SigningKey {
  const key = signingKeyFromSeed(randomBytes(SEED_BYTES));
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  let linked = false;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      fchmodSync(fd, 0o600);
      writeFileSync(fd, format === "pem" ? privateKeyPem(key) : pkcs8V2Der(key));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, path);
    linked = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw new SigningKeyError(`cannot create signing key ${path}: ${(err as Error).message}; check that ${dirname(path)} is writable`);
  } finally {
    rmSync(tmp, { force: true });
  }
  return linked ? key : loadOrCreateSigningKey(path, warn, format);
}

function pem(label: string, der: Uint8Array): string {
  const lines = Buffer.from(der).toString("base64").match(/.{1,64}/g) ?? [];
  return [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`, ""].join("\r\n");
}

/** The DER of the first `label` block in `text` (rebuilderd also uses only the first one). */
function unpem(text: string, label: string, what: string): Buffer {
  const block = new RegExp(`-----BEGIN ${label}-----([^-]*)-----END ${label}-----`).exec(text);
  if (!block) throw new SigningKeyError(`${what}: no "${label}" PEM block found`);
  const body = (block[1] ?? "").replace(/[\r\n\t ]/g, "");
  if (body.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new SigningKeyError(`${what}: the "${label}" block is not valid base64`);
  return Buffer.from(body, "base64");
}
