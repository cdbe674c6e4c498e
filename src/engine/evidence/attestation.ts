/**
 * in-toto link attestations as rebuilderd's worker writes them and its daemon co-signs them
 * (reference §10.2–10.3, B.6). The bytes here are the compact JSON metablock; storing it as a
 * zstd blob is the caller's job.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { checkFileName } from "../../backends/job-checks.js";
import { isZstd } from "../compression.js";
import { CanonicalJsonError, signingMessage } from "./canonical-json.js";
import { keyIdOf, verifySignature, type SigningKey } from "./signing-key.js";

export class AttestationError extends Error {}

export interface ArtifactFile {
  /** The bare file name recorded in the link. */
  name: string;
  path: string;
}

interface Signature {
  keyid: string;
  sig: string;
}

interface Metablock {
  signatures: Signature[];
  signed: Record<string, unknown>;
}

const encoder = new TextEncoder();

/** A link for one GOOD artifact: step "rebuild <file>", the build input(s) as materials, the rebuilt file as product. */
export async function createLinkAttestation(key: SigningKey, artifactFileName: string, material: ArtifactFile[], product: ArtifactFile): Promise<Uint8Array> {
  checkFileName(artifactFileName, "attested artifact");
  // Field order as in-toto-rs serialises its Link struct.
  const signed = {
    _type: "link",
    name: `rebuild ${artifactFileName}`,
    materials: await recordArtifacts(material),
    products: await recordArtifacts([product]),
    environment: null,
    byproducts: {},
    command: [],
  };
  const metablock: Metablock = { signatures: [signatureOver(key, signed)], signed };
  return encoder.encode(JSON.stringify(metablock));
}

/** Adds `key`'s signature to a metablock unless it already carries one with that key id (then the input is returned as is). */
export function cosignAttestation(key: SigningKey, metablockJson: Uint8Array): Uint8Array {
  const metablock = parseMetablock(metablockJson);
  if (metablock.signatures.some((s) => s.keyid === key.keyid)) return metablockJson;
  metablock.signatures.push(signatureOver(key, metablock.signed));
  return encoder.encode(JSON.stringify(metablock));
}

/** True when the metablock carries a valid signature by `publicKey` (raw 32 bytes) over its `signed` part. */
export function verifyAttestation(metablockJson: Uint8Array, publicKey: Uint8Array): boolean {
  const metablock = parseMetablock(metablockJson);
  const keyid = keyIdOf(publicKey);
  const candidates = metablock.signatures.filter((s) => s.keyid === keyid && /^[0-9a-f]{128}$/.test(s.sig));
  if (candidates.length === 0) return false;
  const message = messageOf(metablock.signed);
  return candidates.some((s) => verifySignature(publicKey, message, Buffer.from(s.sig, "hex")));
}

/** The products a metablock's link names (file name → hashes); the signature is not checked here. */
export function attestedProducts(metablockJson: Uint8Array): Record<string, { sha256?: unknown }> {
  const products = parseMetablock(metablockJson).signed.products;
  if (!isObject(products)) throw new AttestationError("attestation names no products");
  return products as Record<string, { sha256?: unknown }>;
}

function signatureOver(key: SigningKey, signed: Record<string, unknown>): Signature {
  return { keyid: key.keyid, sig: Buffer.from(key.sign(messageOf(signed))).toString("hex") };
}

function messageOf(signed: Record<string, unknown>): Uint8Array {
  try {
    return signingMessage(signed);
  } catch (err) {
    if (err instanceof CanonicalJsonError) throw new AttestationError(`attestation cannot be canonicalised: ${err.message}`);
    throw err;
  }
}

async function recordArtifacts(files: ArtifactFile[]): Promise<Record<string, { sha256: string; sha512: string }>> {
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const recorded: Record<string, { sha256: string; sha512: string }> = {};
  for (const file of sorted) {
    checkFileName(file.name, `attestation entry for ${file.path}`);
    if (Object.hasOwn(recorded, file.name)) throw new AttestationError(`two attestation entries are named ${JSON.stringify(file.name)}`);
    recorded[file.name] = await hashFile(file.path);
  }
  return recorded;
}

async function hashFile(path: string): Promise<{ sha256: string; sha512: string }> {
  const sha256 = createHash("sha256");
  const sha512 = createHash("sha512");
  try {
    for await (const chunk of createReadStream(path)) {
      sha256.update(chunk as Buffer);
      sha512.update(chunk as Buffer);
    }
  } catch (err) {
    throw new AttestationError(`cannot hash ${path} for the attestation: ${(err as Error).message}`);
  }
  return { sha256: sha256.digest("hex"), sha512: sha512.digest("hex") };
}

function parseMetablock(json: Uint8Array): Metablock {
  if (isZstd(json)) throw new AttestationError("attestation is zstd-compressed; decompress it first");
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(json));
  } catch (err) {
    throw new AttestationError(`attestation is not UTF-8 JSON: ${(err as Error).message}`);
  }
  if (!isObject(value) || !Array.isArray(value.signatures) || !isObject(value.signed) || typeof value.signed._type !== "string") {
    throw new AttestationError("attestation is not an in-toto metablock (it needs a signatures list and a signed object with a _type)");
  }
  for (const s of value.signatures) {
    if (!isObject(s) || typeof s.keyid !== "string" || typeof s.sig !== "string") throw new AttestationError("attestation has a signature entry without a keyid and sig string");
  }
  return value as unknown as Metablock;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
