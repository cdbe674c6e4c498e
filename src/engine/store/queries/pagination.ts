/**
 * rebuilderd's id-cursor pagination (reference §3.0.1) over a base query: `after`/`before`
 * compare (sort column, id) row values, `direction` only flips ORDER BY, `total` ignores paging.
 * Unlike upstream, an unknown sort column is a clear error instead of a 500.
 */
import type { Database, SqlValue } from "../sqlite.js";

export interface Page {
  limit?: number;
  after?: number;
  before?: number;
  sort?: string;
  direction?: "Ascending" | "Descending";
}

export class QueryError extends Error {}

export function paginate<Row>(
  db: Database,
  /** `countSql`: a cheaper query with the same parameters and the same number of rows, for `total`. */
  base: { sql: string; params: SqlValue[]; columns: readonly string[]; countSql?: string },
  page: Page,
): { total: number; records: Row[] } {
  const sort = page.sort ?? "id";
  if (!base.columns.includes(sort)) throw new QueryError(`cannot sort by "${sort}" (one of: ${base.columns.join(", ")})`);
  const cte = `WITH base_query AS (${base.sql})`;
  const where: string[] = [];
  const params: SqlValue[] = [...base.params];
  for (const [cursor, op] of [
    [page.after, ">"],
    [page.before, "<"],
  ] as const) {
    if (cursor === undefined) continue;
    if (sort === "id") {
      where.push(`id ${op} ?`);
      params.push(cursor);
    } else {
      where.push(`(${sort}, id) ${op} ((SELECT ${sort} FROM base_query WHERE id = ?), ?)`);
      params.push(cursor, cursor);
    }
  }
  const dir = page.direction === "Descending" ? "DESC" : "ASC";
  const order = sort === "id" ? `id ${dir}` : `${sort} ${dir}, id ${dir}`;
  const limit = page.limit ?? 1000;
  params.push(limit);
  const records = db
    .prepare<Row>(`${cte} SELECT * FROM base_query ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY ${order} LIMIT ?`)
    .all(...params);
  // Without a cursor, a page shorter than the limit is every row: no need to count (single look-ups, small filtered lists).
  const complete = where.length === 0 && records.length < limit;
  const total = complete
    ? records.length
    : db.prepare<{ n: number }>(`WITH base_query AS (${base.countSql ?? base.sql}) SELECT count(*) AS n FROM base_query`).get(...base.params)!.n;
  return { total, records };
}
