/**
 * One remote rebuilder's verdict on one package. A GOOD counts only when its attestation is
 * signed by a key the rebuilder publishes and names the artifact asked about (file name, and
 * sha256 when the local index gives one); otherwise the verdict says why it does not count.
 */
import { AttestationError, attestedProducts, verifyAttestation } from "../evidence/attestation.js";
import type { ExpectedArtifact, PackageQuery, SourceVerdict } from "./consensus.js";

/** A binary package as a remote lists it (v1 BinaryPackage, or v0 PkgRelease mapped onto it). */
export interface RemoteBinary {
  name: string;
  version: string;
  architecture: string;
  url: string;
  status: "GOOD" | "BAD" | "UNKWN" | null;
  build_id: number | null;
  artifact_id: number | null;
  has_attestation: boolean;
}

/** What checking needs from a rebuilderd-compatible server; the CLI's API client implements it. */
export interface RebuilderApi {
  readonly url: string;
  findBinaries(q: PackageQuery): Promise<RemoteBinary[]>;
  /** The attestation JSON (decompressed) of a listed binary's artifact. */
  attestation(b: RemoteBinary): Promise<Uint8Array>;
  /** The rebuilder's published signing keys, raw 32-byte Ed25519 keys. */
  publicKeys(): Promise<Uint8Array[]>;
}

export interface RemoteCheckOptions {
  trustUnsigned: boolean;
}

/** The file name an artifact URL ends in: what attestations name as their product. */
export const artifactFileName = (url: string) => decodeURIComponent(url.slice(url.lastIndexOf("/") + 1));

/** Picks the record the question is about: exact version and architecture when given, else the newest listed. */
export function pickBinary(records: RemoteBinary[], q: PackageQuery): RemoteBinary | null {
  const matching = records.filter((r) => r.name === q.name && (!q.version || r.version === q.version) && (!q.architecture || r.architecture === q.architecture));
  return matching.at(-1) ?? null;
}

export async function remoteVerdict(api: RebuilderApi, q: PackageQuery, expected: ExpectedArtifact | null, opts: RemoteCheckOptions): Promise<SourceVerdict> {
  const b = pickBinary(await api.findBinaries(q), q);
  if (!b) return { source: api.url, status: "NOT_FOUND", version: null, verified: false };
  const base = { source: api.url, version: b.version };
  if (b.status !== "GOOD") return { ...base, status: b.status ?? "UNKWN", verified: false };
  if (opts.trustUnsigned) return { ...base, status: "GOOD", verified: false, trusted_unsigned: true, reason: "attestation not checked (--trust-unsigned)" };
  if (!b.has_attestation) return { ...base, status: "GOOD", verified: false, reason: "GOOD without an attestation" };
  const want = expected ?? { fileName: artifactFileName(b.url), sha256: null };
  const [keys, attestation] = await Promise.all([api.publicKeys(), api.attestation(b)]);
  return { ...base, status: "GOOD", ...judgeAttestation(attestation, keys, want) };
}

/** Signature by one of `keys`, and a product entry with the expected file name and hash. */
export function judgeAttestation(json: Uint8Array, keys: Uint8Array[], expected: ExpectedArtifact): { verified: boolean; reason?: string; sha256?: string } {
  if (keys.length === 0) return { verified: false, reason: "the rebuilder publishes no public key" };
  try {
    if (!keys.some((k) => verifyAttestation(json, k))) return { verified: false, reason: "attestation signature does not verify against the rebuilder's public key" };
    const products = attestedProducts(json);
    const entry = Object.hasOwn(products, expected.fileName) ? products[expected.fileName] : undefined;
    if (!entry) return { verified: false, reason: `attestation is for ${Object.keys(products).join(", ") || "nothing"}, not ${expected.fileName}` };
    const sha256 = typeof entry.sha256 === "string" ? entry.sha256 : undefined;
    if (!sha256) return { verified: false, reason: `attestation gives no sha256 for ${expected.fileName}` };
    if (expected.sha256 && sha256 !== expected.sha256) {
      return { verified: false, sha256, reason: `attestation names sha256 ${sha256.slice(0, 16)}…, the index says ${expected.sha256.slice(0, 16)}…` };
    }
    return { verified: true, sha256 };
  } catch (err) {
    if (err instanceof AttestationError) return { verified: false, reason: err.message };
    throw err;
  }
}
