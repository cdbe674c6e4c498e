/**
 * Sending a stored attestation (v1 per artifact, v0 per build): with `[http]
 * transparently_sign_attestations` the daemon co-signs it on first download and stores the
 * result back, as rebuilderd does (reference §10.3); otherwise it is sent as stored.
 */
import type { Context } from "hono";
import { ensureZstd, isZstd, zstdDecompress } from "../compression.js";
import { cosignAttestation } from "../evidence/index.js";
import type { Engine } from "../engine.js";
import { attestationRow, replaceAttestation } from "../store/queries/evidence.js";
import { JSON_UTF8, sendBlob } from "./blob.js";

/** null when the artifact has no attestation. */
export function sendAttestation(c: Context, engine: Engine, artifactId: number): Response | null {
  const row = attestationRow(engine.db, artifactId);
  if (!row) return null;
  if (!engine.config.http.transparently_sign_attestations) return sendBlob(c, row.blob, JSON_UTF8);
  const plain = isZstd(row.blob) ? zstdDecompress(row.blob) : row.blob;
  const signed = cosignAttestation(engine.signingKey, plain);
  if (signed === plain) return sendBlob(c, row.blob, JSON_UTF8);
  const stored = ensureZstd(signed);
  replaceAttestation(engine.db, row.id, stored);
  return sendBlob(c, stored, JSON_UTF8);
}
