/**
 * rebuilderd's "latest rebuild" rule (reference §3.0.3): per build input, the rebuild with the
 * greatest built_at, ties broken by the greatest id. As a CTE for listings, and as a scalar
 * subquery for the status of the build input aliased `bi`.
 */
export const LATEST_STATUS_SQL = `(SELECT r.status FROM rebuilds r WHERE r.build_input_id = bi.id ORDER BY r.built_at DESC, r.id DESC LIMIT 1)`;

/**
 * The id of the latest rebuild of the build input `buildInputId` (an SQL expression). As a join
 * condition (`JOIN rebuilds lr ON lr.id = …`) it costs one index probe per row, where the CTE
 * below is evaluated with an anti-join for every row of a listing.
 */
export const latestRebuildIdSql = (buildInputId: string) =>
  `(SELECT r.id FROM rebuilds r WHERE r.build_input_id = ${buildInputId} ORDER BY r.built_at DESC, r.id DESC LIMIT 1)`;

export const LATEST_REBUILDS_CTE = `latest_rebuilds AS (
  SELECT r.* FROM rebuilds r
  WHERE NOT EXISTS (
    SELECT 1 FROM rebuilds r2
    WHERE r2.build_input_id = r.build_input_id
      AND (r2.built_at > r.built_at OR (r2.built_at = r.built_at AND r2.id > r.id))
  )
)`;
