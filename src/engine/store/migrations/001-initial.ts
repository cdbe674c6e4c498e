/** Schema modelled on rebuilderd v0.27 (reference §7.1), plus sync state. Timestamps are UTC TEXT "YYYY-MM-DD HH:MM:SS.fff". */
export const sql = `
CREATE TABLE source_packages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  distribution TEXT NOT NULL,
  release TEXT,
  last_seen TEXT NOT NULL,
  seen_in_last_sync INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX source_packages_identity ON source_packages (name, version, distribution, COALESCE(release, 'PLACEHOLDER'));
-- The identity index serves look-ups by name; distribution and seen flags are too coarse to index.

CREATE TABLE build_inputs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  source_package_id INTEGER NOT NULL REFERENCES source_packages (id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  backend TEXT NOT NULL,
  architecture TEXT NOT NULL,
  retries INTEGER NOT NULL DEFAULT 0,
  next_retry TEXT
);
-- Identity (source package, url, backend, architecture), ordered so that it also serves the
-- "friends" look-up (same url + backend + architecture): one index over the long URLs, not two.
CREATE UNIQUE INDEX build_inputs_identity ON build_inputs (url, backend, architecture, source_package_id);
CREATE INDEX build_inputs_source_package ON build_inputs (source_package_id);

CREATE TABLE binary_packages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  source_package_id INTEGER NOT NULL REFERENCES source_packages (id) ON DELETE CASCADE,
  build_input_id INTEGER NOT NULL REFERENCES build_inputs (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  component TEXT,
  architecture TEXT NOT NULL,
  artifact_url TEXT NOT NULL,
  sha256 TEXT,
  size INTEGER
);
-- COALESCE: unlike upstream, a NULL component (Tails) does not insert a duplicate on every sync
-- Led by build_input_id, so it also serves "the binaries of a build input".
CREATE UNIQUE INDEX binary_packages_identity ON binary_packages (build_input_id, source_package_id, name, version, COALESCE(component, ''), architecture);
CREATE INDEX binary_packages_name ON binary_packages (name);

CREATE TABLE workers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  address TEXT NOT NULL,
  status TEXT,
  last_ping TEXT NOT NULL,
  online INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE queue (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  build_input_id INTEGER NOT NULL UNIQUE REFERENCES build_inputs (id) ON DELETE CASCADE,
  priority INTEGER NOT NULL,
  queued_at TEXT NOT NULL,
  started_at TEXT,
  worker INTEGER,
  last_ping TEXT
);
CREATE INDEX queue_pop ON queue (worker, priority, queued_at);
CREATE INDEX queue_last_ping ON queue (last_ping);

CREATE TABLE build_logs (id INTEGER PRIMARY KEY AUTOINCREMENT, build_log BLOB NOT NULL);
CREATE TABLE diffoscope_logs (id INTEGER PRIMARY KEY AUTOINCREMENT, diffoscope_log BLOB NOT NULL);
CREATE TABLE attestation_logs (id INTEGER PRIMARY KEY AUTOINCREMENT, attestation_log BLOB NOT NULL);

CREATE TABLE rebuilds (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  build_input_id INTEGER NOT NULL REFERENCES build_inputs (id) ON DELETE CASCADE,
  started_at TEXT,
  built_at TEXT,
  build_log_id INTEGER NOT NULL REFERENCES build_logs (id) ON DELETE CASCADE,
  status TEXT,
  exit_code INTEGER,
  fail_reason TEXT,
  worker_name TEXT
);
CREATE INDEX rebuilds_build_input ON rebuilds (build_input_id, built_at);
CREATE INDEX rebuilds_status ON rebuilds (status);

CREATE TABLE rebuild_artifacts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  rebuild_id INTEGER NOT NULL REFERENCES rebuilds (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  diffoscope_log_id INTEGER REFERENCES diffoscope_logs (id) ON DELETE SET NULL,
  attestation_log_id INTEGER REFERENCES attestation_logs (id) ON DELETE SET NULL,
  status TEXT,
  note TEXT
);
CREATE INDEX rebuild_artifacts_rebuild ON rebuild_artifacts (rebuild_id);

-- Fetched index files: conditional-request validators and the hash of the bytes last imported.
CREATE TABLE sync_files (
  url TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT,
  last_modified TEXT,
  fetched_at TEXT NOT NULL
);

-- One import scope (profile × release × architecture): the digest of everything it was built from,
-- so an unchanged index is not parsed again, and the build inputs it listed, so that two
-- profiles sharing a distribution never un-see each other's packages.
CREATE TABLE sync_scopes (
  scope TEXT PRIMARY KEY,
  digest TEXT NOT NULL,
  synced_at TEXT NOT NULL
);
CREATE TABLE sync_scope_members (
  scope TEXT NOT NULL,
  build_input_id INTEGER NOT NULL REFERENCES build_inputs (id) ON DELETE CASCADE,
  PRIMARY KEY (scope, build_input_id)
) WITHOUT ROWID;
CREATE INDEX sync_scope_members_input ON sync_scope_members (build_input_id);
`;
