/**
 * rebuilderd's "latest rebuild" rule (reference §3.0.3): per build input, the rebuild with the
 * greatest built_at, ties broken by the greatest id. Used as a CTE by package and dashboard queries.
 */
export const LATEST_REBUILDS_CTE = `latest_rebuilds AS (
  SELECT r.* FROM rebuilds r
  WHERE NOT EXISTS (
    SELECT 1 FROM rebuilds r2
    WHERE r2.build_input_id = r.build_input_id
      AND (r2.built_at > r.built_at OR (r2.built_at = r.built_at AND r2.id > r.id))
  )
)`;
