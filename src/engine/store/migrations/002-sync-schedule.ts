/** The periodic sync's state per profile, so `serve` knows after a restart when each profile is due and what happened last. */
export const sql = `
CREATE TABLE sync_schedule (
  profile TEXT PRIMARY KEY,
  last_started TEXT,
  last_finished TEXT,
  last_success TEXT,
  next_run TEXT,
  last_error TEXT,
  -- The last successful run's SyncSummary, as JSON.
  last_summary TEXT
);
`;
