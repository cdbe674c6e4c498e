/** A WHERE clause built from optional filters: a filter whose value is undefined adds nothing. */
import type { SqlValue } from "../sqlite.js";

/** rebuilderd's OriginFilter and SourceIdentityFilter query parameters (reference §3.0.2). */
export interface OriginFilter {
  distribution?: string;
  release?: string;
  /** Any binary of the same source package is in this component (upstream semantics). */
  component?: string;
  architecture?: string;
  name?: string;
  version?: string;
}

export class Where {
  private readonly clauses: string[] = [];
  readonly params: SqlValue[] = [];

  /** Adds `sql`, whose single `?` is bound to `value`, unless the value is undefined. */
  eq(sql: string, value: SqlValue | undefined): this {
    if (value !== undefined) {
      this.clauses.push(sql);
      this.params.push(value);
    }
    return this;
  }

  /** Adds `sql` with its own parameters, unconditionally. */
  raw(sql: string, ...params: SqlValue[]): this {
    this.clauses.push(sql);
    this.params.push(...params);
    return this;
  }

  /** rebuilderd's OriginFilter on the source package aliased `sp` (its architecture rule differs per listing). */
  origin(filter: OriginFilter): this {
    return this.eq("sp.distribution = ?", filter.distribution).eq("sp.release IS ?", filter.release).eq(SOURCE_HAS_COMPONENT, filter.component);
  }

  /** The listings over build inputs (queue, builds, source packages): origin, the build input's architecture, the source's name and version. */
  buildInputOrigin(filter: OriginFilter): this {
    return this.origin(filter).eq("bi.architecture = ?", filter.architecture).eq("sp.name = ?", filter.name).eq("sp.version = ?", filter.version);
  }

  toString(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(" AND ")}` : "";
  }
}

/** rebuilderd's component filter: some binary of the source package (aliased `sp`) is in the component. */
export const SOURCE_HAS_COMPONENT = "EXISTS (SELECT 1 FROM binary_packages c WHERE c.source_package_id = sp.id AND c.component = ?)";
