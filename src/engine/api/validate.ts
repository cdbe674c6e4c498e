/**
 * Reading request input the way rebuilderd's serde does: JSON fields with their types (a missing
 * required field or a wrong type is a 400 naming the field), query parameters as serde_urlencoded
 * (i32 integers, literal true/false, exact enum spellings; unknown keys ignored).
 */
import type { Context } from "hono";
import type { Page } from "../store/queries/pagination.js";
import type { OriginFilter } from "../store/queries/where.js";
import { badRequest, notFound } from "./http-error.js";

export type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

export function asObject(value: unknown, what: string): JsonObject {
  if (!isObject(value)) throw badRequest(`${what} must be a JSON object\n`);
  return value;
}

export function reqString(o: JsonObject, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== "string") throw badRequest(`${what}: field "${key}" must be a string${v === undefined ? " (it is missing)" : ""}\n`);
  return v;
}

/** Missing → undefined, null → null (e.g. `release` of a rolling distribution). */
export function optString(o: JsonObject, key: string, what: string): string | null | undefined {
  const v = o[key];
  if (v === undefined || v === null) return v;
  if (typeof v !== "string") throw badRequest(`${what}: field "${key}" must be a string or null\n`);
  return v;
}

const I32 = 2 ** 31;

export function optInt(o: JsonObject, key: string, what: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < -I32 || v >= I32) throw badRequest(`${what}: field "${key}" must be a 32-bit integer\n`);
  return v;
}

export function reqInt(o: JsonObject, key: string, what: string): number {
  const v = optInt(o, key, what);
  if (v === undefined) throw badRequest(`${what}: field "${key}" must be a 32-bit integer (it is missing)\n`);
  return v;
}

export function reqArray(o: JsonObject, key: string, what: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) throw badRequest(`${what}: field "${key}" must be an array${v === undefined ? " (it is missing)" : ""}\n`);
  return v;
}

export function stringArray(o: JsonObject, key: string, what: string): string[] {
  const v = reqArray(o, key, what);
  if (!v.every((s) => typeof s === "string")) throw badRequest(`${what}: field "${key}" must be an array of strings\n`);
  return v as string[];
}

/** rebuilderd's byte fields: JSON arrays of integers 0–255 (reference §1.7); missing or null → null. */
export function optBytes(o: JsonObject, key: string, what: string): Uint8Array | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v)) throw badRequest(`${what}: field "${key}" must be an array of byte values (0-255), not ${typeof v}\n`);
  const out = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const b = v[i];
    if (typeof b !== "number" || !Number.isInteger(b) || b < 0 || b > 255) throw badRequest(`${what}: field "${key}" must be an array of byte values (0-255); element ${i} is not\n`);
    out[i] = b;
  }
  return out;
}

export function oneOf<T extends string>(value: string | null | undefined, allowed: readonly T[], what: string): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw badRequest(`${what} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}\n`);
  return value as T;
}

/** A path parameter that must be an i32; anything else is a 404, as actix answers. */
export function pathId(c: Context, name = "id"): number {
  return parseId(c.req.param(name) ?? "");
}

/** pathId's rule for a parameter the runtime's router cut from the path (app.ts directRoutes). */
export function parseId(raw: string): number {
  const n = /^[+-]?\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < -I32 || n >= I32) throw notFound();
  return n;
}

export function queryInt(c: Context, key: string): number | undefined {
  const raw = c.req.query(key);
  if (raw === undefined) return undefined;
  const n = /^[+-]?\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < -I32 || n >= I32) throw badRequest(`query parameter ${key} must be a 32-bit integer, got ${JSON.stringify(raw)}\n`);
  return n;
}

export function queryBool(c: Context, key: string): boolean | undefined {
  const raw = c.req.query(key);
  if (raw === undefined) return undefined;
  if (raw !== "true" && raw !== "false") throw badRequest(`query parameter ${key} must be true or false, got ${JSON.stringify(raw)}\n`);
  return raw === "true";
}

/** rebuilderd's Page parameters (reference §3.0.1). */
export function pageQuery(c: Context): Page {
  const sort = c.req.query("sort");
  if (sort !== undefined && !/^[A-Za-z0-9_]+$/.test(sort)) throw badRequest(`query parameter sort must be a column name ([A-Za-z0-9_]), got ${JSON.stringify(sort)}\n`);
  const direction = oneOf(c.req.query("direction"), ["Ascending", "Descending"] as const, "query parameter direction");
  const page: Page = {};
  const limit = queryInt(c, "limit");
  const after = queryInt(c, "after");
  const before = queryInt(c, "before");
  if (limit !== undefined) page.limit = limit;
  if (after !== undefined) page.after = after;
  if (before !== undefined) page.before = before;
  if (sort !== undefined) page.sort = sort;
  if (direction !== undefined) page.direction = direction;
  return page;
}

/** OriginFilter + SourceIdentityFilter (reference §3.0.2); absent keys impose nothing. */
export function originQuery(c: Context): OriginFilter {
  const filter: OriginFilter = {};
  for (const key of ["distribution", "release", "component", "architecture", "name", "version"] as const) {
    const v = c.req.query(key);
    if (v !== undefined) filter[key] = v;
  }
  return filter;
}
