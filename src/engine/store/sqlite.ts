/**
 * The one SQLite seam: `bun:sqlite` inside the compiled binary, `better-sqlite3` under Node.
 * Both expose the same synchronous surface here; everything above this file is runtime-free.
 */
import { createRequire } from "node:module";

export type SqlValue = string | number | bigint | null | Uint8Array | boolean;
export type Params = SqlValue[] | [Record<string, SqlValue>];

export interface RunResult {
  changes: number;
  lastInsertRowid: number;
}

export interface Statement<Row = Record<string, unknown>> {
  run(...params: Params): RunResult;
  get(...params: Params): Row | undefined;
  all(...params: Params): Row[];
  iterate(...params: Params): IterableIterator<Row>;
}

export interface Database {
  readonly path: string;
  prepare<Row = Record<string, unknown>>(sql: string): Statement<Row>;
  exec(sql: string): void;
  /** Runs fn inside BEGIN IMMEDIATE … COMMIT; rolls back on throw. Nested calls join the outer one. */
  transaction<T>(fn: () => T): T;
  close(): void;
}

/** A driver statement taking its parameters as one array (one spread per call, on the hot path of a sync). */
interface DriverStatement {
  run(p: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(p: unknown[]): unknown;
  all(p: unknown[]): unknown[];
  iterate(p: unknown[]): IterableIterator<unknown>;
}
interface Driver {
  prepare(sql: string): DriverStatement;
  exec(sql: string): void;
  close(): void;
}

const isBun = typeof process.versions.bun === "string";

function openDriver(path: string, readonly: boolean): Driver {
  if (isBun) {
    // Only reached under Bun; the specifier is kept out of Node's static resolution.
    const { Database: BunDatabase } = require("bun:sqlite") as typeof import("bun:sqlite");
    const db = new BunDatabase(path, { strict: true, safeIntegers: false, ...(readonly ? { readonly: true } : { create: true }) });
    return {
      prepare: (sql) => {
        const st = db.prepare(sql);
        return {
          run: (p) => st.run(...(p as never[])),
          get: (p) => st.get(...(p as never[])) ?? undefined,
          all: (p) => st.all(...(p as never[])),
          iterate: (p) => st.iterate(...(p as never[])) as IterableIterator<unknown>,
        };
      },
      exec: (sql) => db.exec(sql),
      close: () => db.close(),
    };
  }
  const BetterSqlite = createRequire(import.meta.url)("better-sqlite3") as typeof import("better-sqlite3");
  const db = new BetterSqlite(path, { readonly, fileMustExist: readonly });
  /** better-sqlite3 hands out Buffers where bun:sqlite gives plain Uint8Arrays: give callers one type. */
  const plainBlobs = (row: unknown): unknown => {
    if (row && typeof row === "object") {
      const r = row as Record<string, unknown>;
      for (const k in r) {
        const v = r[k];
        if (Buffer.isBuffer(v)) r[k] = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      }
    }
    return row;
  };
  return {
    prepare: (sql) => {
      const st = db.prepare(sql);
      const returnsRows = st.reader;
      return {
        run: (p) => st.run(...p),
        get: (p) => (returnsRows ? plainBlobs(st.get(...p)) : (st.run(...p), undefined)),
        all: (p) => (returnsRows ? st.all(...p).map(plainBlobs) : (st.run(...p), [])),
        iterate: function* (p) {
          for (const row of st.iterate(...p)) yield plainBlobs(row);
        },
      };
    },
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
  };
}

/** Booleans become 0/1 (better-sqlite3 refuses them); the common all-scalar case is passed through untouched. */
function normalise(params: unknown[]): unknown[] {
  let plain = true;
  for (const v of params) if (typeof v === "boolean" || (v !== null && typeof v === "object" && !(v instanceof Uint8Array))) plain = false;
  if (plain) return params;
  return params.map((v) => {
    if (typeof v === "boolean") return v ? 1 : 0;
    if (v !== null && typeof v === "object" && !(v instanceof Uint8Array)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = typeof x === "boolean" ? (x ? 1 : 0) : x;
      return out;
    }
    return v;
  });
}

export function openDatabase(path: string): Database {
  const driver = openDriver(path, false);
  try {
    // Takes effect only in a new store (before its first table), and must precede WAL mode. A
    // first sync writes ~40 MB into indexes keyed by name and URL, in no order of theirs: 16 KB
    // pages make a quarter of the page writes and a third of the reads that 4 KB pages do, for an
    // import ~150 ms (20 %) faster on the bookworm slice; a lookup reads one page per level of a
    // shallower tree (bench:api's lookups were unchanged).
    driver.exec("PRAGMA page_size = 16384");
    driver.exec("PRAGMA journal_mode = WAL");
    driver.exec("PRAGMA synchronous = NORMAL");
    driver.exec("PRAGMA foreign_keys = ON");
    // A sync imports in one write transaction (serve runs it in a child process): writes of other
    // connections (serve's job claims, worker pings and results) wait for it instead of failing
    // with "database is locked". The bookworm slice holds the lock ~8 s on a loaded 2-core
    // machine; a slow home server with a larger index takes several times that.
    driver.exec("PRAGMA busy_timeout = 120000");
    // Reads (API listings, the TUI's windows) keep their pages here; a sync's import sets a small one of its own (sync/import.ts).
    driver.exec("PRAGMA cache_size = -65536");
    driver.exec("PRAGMA temp_store = MEMORY");
  } catch (err) {
    // A file that is not a database fails here, at the first read.
    driver.close();
    throw err;
  }
  return wrap(path, driver);
}

/**
 * A second, read-only connection to the store at `path` for the API's most frequent reads. Its
 * reads share one read transaction per event-loop turn: every statement outside a transaction
 * takes and drops SQLite's read lock (fcntl and fstat calls, a WAL-index check), ~8 µs that a
 * single-record lookup otherwise pays on top of ~1 µs of work; under load one turn serves many
 * requests. A turn sees one snapshot; the next turn sees every write committed meanwhile, so a
 * client reading after its own write (a later request, a later turn) sees the write. The
 * snapshot never outlives the turn, so it does not hold back the WAL's checkpoints.
 * Writing through it throws: SQLite refuses, the connection being read-only.
 */
export function openReader(path: string): Database {
  const driver = openDriver(path, true);
  try {
    driver.exec("PRAGMA busy_timeout = 120000");
    driver.exec("PRAGMA cache_size = -65536");
  } catch (err) {
    driver.close();
    throw err;
  }
  let snapshot = false;
  const endSnapshot = () => {
    if (!snapshot) return; // closed meanwhile
    snapshot = false;
    try {
      driver.exec("COMMIT");
    } catch {
      // Ending a read transaction has nothing to lose; this runs from a timer, where a throw would end the process.
      driver.exec("ROLLBACK");
    }
  };
  const db = wrap(path, driver, () => {
    if (snapshot) return;
    driver.exec("BEGIN");
    snapshot = true;
    setImmediate(endSnapshot);
  });
  return {
    ...db,
    close: () => {
      snapshot = false;
      db.close();
    },
  };
}

/** The statement cache, parameter normalising and transactions shared by both kinds of connection; `beforeRead` runs before each read. */
function wrap(path: string, driver: Driver, beforeRead?: () => void): Database {
  let depth = 0;
  const cache = new Map<string, Statement<never>>();
  const db: Database = {
    path,
    prepare<Row>(sql: string): Statement<Row> {
      const hit = cache.get(sql);
      if (hit) return hit as Statement<Row>;
      const st = driver.prepare(sql);
      const wrapped: Statement<Row> = {
        run: (...p) => {
          const r = st.run(normalise(p));
          return { changes: Number(r.changes), lastInsertRowid: Number(r.lastInsertRowid) };
        },
        get: (...p) => (beforeRead?.(), (st.get(normalise(p)) ?? undefined) as Row | undefined),
        all: (...p) => (beforeRead?.(), st.all(normalise(p)) as Row[]),
        iterate: beforeRead
          ? (...p) => {
              // Materialised where reads share a turn's snapshot: a lazy iterator could outlive the turn.
              beforeRead();
              return (st.all(normalise(p)) as Row[]).values();
            }
          : (...p) => st.iterate(normalise(p)) as IterableIterator<Row>,
      };
      cache.set(sql, wrapped as Statement<never>);
      return wrapped;
    },
    exec: (sql) => driver.exec(sql),
    transaction<T>(fn: () => T): T {
      if (depth > 0) {
        depth++;
        try {
          return fn();
        } finally {
          depth--;
        }
      }
      driver.exec("BEGIN IMMEDIATE");
      depth = 1;
      try {
        const result = fn();
        driver.exec("COMMIT");
        return result;
      } catch (err) {
        driver.exec("ROLLBACK");
        throw err;
      } finally {
        depth = 0;
      }
    },
    close: () => {
      cache.clear();
      driver.close();
    },
  };
  return db;
}
