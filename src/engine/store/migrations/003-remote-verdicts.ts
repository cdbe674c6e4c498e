/**
 * Answers of remote rebuilders, cached per question so `check --offline` and a remote that is
 * down can still be answered, with the time each answer was fetched.
 */
export const sql = `
CREATE TABLE remote_verdicts (
  remote TEXT NOT NULL,
  name TEXT NOT NULL,
  -- '' when the question named no version or architecture
  version TEXT NOT NULL,
  architecture TEXT NOT NULL,
  -- the source's verdict as JSON (status, version, verified, reason, sha256)
  answer TEXT NOT NULL,
  fetched_at TEXT NOT NULL,
  PRIMARY KEY (remote, name, version, architecture)
) WITHOUT ROWID;
`;
