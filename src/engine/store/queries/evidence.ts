/** The stored evidence of a rebuild: its log, and per artifact the diffoscope report and attestation (zstd blobs). */
import type { Database } from "../sqlite.js";

export function buildLogBlob(db: Database, buildId: number): Uint8Array | null {
  return (
    db
      .prepare<{ build_log: Uint8Array }>("SELECT l.build_log FROM rebuilds r JOIN build_logs l ON l.id = r.build_log_id WHERE r.id = ?")
      .get(buildId)?.build_log ?? null
  );
}

export function diffoscopeBlob(db: Database, artifactId: number): Uint8Array | null {
  return (
    db
      .prepare<{ diffoscope_log: Uint8Array }>(
        "SELECT d.diffoscope_log FROM rebuild_artifacts a JOIN diffoscope_logs d ON d.id = a.diffoscope_log_id WHERE a.id = ?",
      )
      .get(artifactId)?.diffoscope_log ?? null
  );
}

export function attestationBlob(db: Database, artifactId: number): Uint8Array | null {
  return (
    db
      .prepare<{ attestation_log: Uint8Array }>(
        "SELECT t.attestation_log FROM rebuild_artifacts a JOIN attestation_logs t ON t.id = a.attestation_log_id WHERE a.id = ?",
      )
      .get(artifactId)?.attestation_log ?? null
  );
}

/** The stored attestation of an artifact with its row id, for co-signing it in place. */
export function attestationRow(db: Database, artifactId: number): { id: number; blob: Uint8Array } | null {
  const row = db
    .prepare<{ id: number; attestation_log: Uint8Array }>(
      "SELECT t.id, t.attestation_log FROM rebuild_artifacts a JOIN attestation_logs t ON t.id = a.attestation_log_id WHERE a.id = ?",
    )
    .get(artifactId);
  return row ? { id: row.id, blob: row.attestation_log } : null;
}

/** Overwrites one attestation (shared by every friend's artifact row pointing at it). */
export function replaceAttestation(db: Database, id: number, blob: Uint8Array): void {
  db.prepare("UPDATE attestation_logs SET attestation_log = ? WHERE id = ?").run(blob, id);
}

/** v0's per-build evidence (reference §4.4): the artifact of rebuild `buildId` with the lowest id that has a diffoscope report or an attestation. */
export function firstArtifactWith(db: Database, buildId: number, kind: "diffoscope" | "attestation"): number | null {
  const column = kind === "diffoscope" ? "diffoscope_log_id" : "attestation_log_id";
  return db.prepare<{ id: number }>(`SELECT min(id) AS id FROM rebuild_artifacts WHERE rebuild_id = ? AND ${column} IS NOT NULL`).get(buildId)?.id ?? null;
}
