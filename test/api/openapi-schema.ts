/**
 * rebuilderd's v1 OpenAPI file (test/fixtures/openapi/rebuilderd-v1.yml, with its JSON form beside
 * it, converted once because no YAML reader is a dependency), the corrections of reference §11.2
 * applied one by one, and a validator for the subset of JSON Schema that file uses (type,
 * properties, required, additionalProperties, items, enum, nullable, $ref, oneOf, minimum, format).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

export type Schema = Record<string, unknown>;
interface Spec {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>>;
  components: { schemas: Record<string, Schema> };
}

const nullable = (s: Schema): Schema => ({ ...s, nullable: true });
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const timestamp: Schema = { type: "string", format: "date-time" };

/** Each correction names the reference paragraph it comes from. */
export const CORRECTIONS: [string, (spec: Spec) => void][] = [
  ["§1.6/§11.2 statuses are spelled UNKWN, not UNKNOWN", (s) => {
    s.components.schemas.BuildStatus!.enum = ["GOOD", "BAD", "FAIL", "UNKWN"];
    s.components.schemas.ArtifactStatus!.enum = ["GOOD", "BAD", "UNKWN"];
  }],
  ["§11.2 DashboardJobState and DashboardRebuildState bodies are swapped", (s) => {
    const { DashboardJobState: jobs, DashboardRebuildState: rebuilds } = s.components.schemas;
    s.components.schemas.DashboardJobState = rebuilds!;
    s.components.schemas.DashboardRebuildState = jobs!;
  }],
  ["§11.2 /meta/public-keys is an object {current: [string]}", (s) => {
    s.components.schemas.PublicKey = { type: "object", properties: { current: { type: "array", items: { type: "string" } } }, required: ["current"], additionalProperties: false };
    s.paths["/meta/public-keys"]!.get!.responses["200"]!.content!["application/json"]!.schema = ref("PublicKey");
  }],
  ["§11.2 QueuedJob has no component, adds next_retry, priority, queued_at, started_at; release is optional", (s) => {
    const q = s.components.schemas.QueuedJob as { properties: Record<string, Schema>; required: string[] };
    delete q.properties.component;
    q.properties.release = nullable({ type: "string" });
    Object.assign(q.properties, { next_retry: nullable(timestamp), priority: { type: "integer" }, queued_at: timestamp, started_at: nullable(timestamp) });
    q.required.push("priority", "queued_at");
  }],
  ["§11.2 SourcePackage has neither component nor architecture, adds status, last_seen, seen_in_last_sync", (s) => {
    const p = s.components.schemas.SourcePackage as { properties: Record<string, Schema>; required: string[] };
    delete p.properties.component;
    delete p.properties.architecture;
    p.properties.release = nullable({ type: "string" });
    Object.assign(p.properties, { status: nullable(ref("BuildStatus")), last_seen: timestamp, seen_in_last_sync: { type: "boolean" } });
    p.required = ["id", "name", "version", "distribution", "last_seen", "seen_in_last_sync"];
  }],
  ["§11.2 BinaryPackage adds status, diffoscope_log_id, attestation_log_id, last_seen, seen_in_last_sync; release and component are optional", (s) => {
    const p = s.components.schemas.BinaryPackage as { properties: Record<string, Schema>; required: string[] };
    p.properties.release = nullable({ type: "string" });
    p.properties.component = nullable({ type: "string" });
    Object.assign(p.properties, {
      status: nullable(ref("ArtifactStatus")),
      diffoscope_log_id: nullable({ type: "integer" }),
      attestation_log_id: nullable({ type: "integer" }),
      last_seen: timestamp,
      seen_in_last_sync: { type: "boolean" },
    });
    p.required = ["id", "name", "version", "distribution", "architecture", "url", "last_seen", "seen_in_last_sync"];
  }],
  ["§11.2 Rebuild has no component since v0.27; §12.3 its Option fields may be null", (s) => {
    const r = s.components.schemas.Rebuild as { properties: Record<string, Schema>; required: string[] };
    delete r.properties.component;
    r.properties.started_at = nullable(timestamp);
    r.properties.built_at = nullable(timestamp);
    r.properties.status = nullable(ref("BuildStatus"));
    r.required = ["id", "name", "version", "distribution", "architecture", "backend", "retries"];
  }],
  ["§11.2 Worker: status is nullable and id is always present", (s) => {
    const w = s.components.schemas.Worker as { properties: Record<string, Schema>; required: string[] };
    w.properties.status = nullable({ type: "string" });
    w.required = ["id", "name", "address", "last_ping", "is_online"];
  }],
  ["§3.1 RebuildArtifact.status is an ArtifactStatus or null", (s) => {
    const a = s.components.schemas.RebuildArtifact as { properties: Record<string, Schema>; required: string[] };
    a.properties.status = nullable(ref("ArtifactStatus"));
    a.required = ["id", "name", "has_diffoscope", "has_attestation"];
  }],
  ["§1.6/§11.1 JobAssignment is the string \"Nothing\" or {\"Rebuild\": QueuedJobWithArtifacts}", (s) => {
    s.components.schemas.JobAssignment = {
      oneOf: [{ type: "string", enum: ["Nothing"] }, { type: "object", properties: { Rebuild: ref("QueuedJobWithArtifacts") }, required: ["Rebuild"], additionalProperties: false }],
    };
  }],
  ["§3.5 a distribution's releases may contain null (rolling distributions)", (s) => {
    s.paths["/meta/distributions/{distribution}/releases"]!.get!.responses["200"]!.content!["application/json"]!.schema = { type: "array", items: nullable({ type: "string" }) };
  }],
  ["§3.1 attestations are served as application/json, not text/plain", (s) => {
    const r = s.paths["/builds/{id}/artifacts/{artifact_id}/attestation"]!.get!.responses["200"]!;
    r.content = { "application/json": { schema: { type: "object" } } };
  }],
];

/** §1.5: chrono NaiveDateTime, UTC without zone suffix; the spec's "date-time" is RFC 3339, which requires one. */
const NAIVE_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6}|\.\d{9})?$/;

export function loadCorrectedSpec(): Spec {
  const spec = JSON.parse(readFileSync(resolve(import.meta.dirname, "../fixtures/openapi/rebuilderd-v1.json"), "utf8")) as Spec;
  for (const [, apply] of CORRECTIONS) apply(spec);
  return spec;
}

/** Every problem of `value` against `schema`, as "path: what" lines (empty: valid). */
export function validate(spec: Spec, schema: Schema, value: unknown, path = "$"): string[] {
  if (value === null && schema.nullable) return [];
  if (typeof schema.$ref === "string") return validate(spec, spec.components.schemas[schema.$ref.split("/").pop()!]!, value, path);
  if (value === null) return [`${path}: null is not allowed`];
  if (Array.isArray(schema.oneOf)) {
    const matches = (schema.oneOf as Schema[]).filter((s) => validate(spec, s, value, path).length === 0).length;
    return matches === 1 ? [] : [`${path}: matches ${matches} of the oneOf alternatives, not exactly one`];
  }
  const errors: string[] = [];
  const type = schema.type as string | undefined;
  const actual = Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
  if (type && !(type === actual || (type === "number" && actual === "integer"))) return [`${path}: expected ${type}, got ${actual}`];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(", ")}`);
  if (typeof schema.minimum === "number" && typeof value === "number" && value < schema.minimum) errors.push(`${path}: ${value} < ${schema.minimum}`);
  if (schema.format === "date-time" && typeof value === "string" && !NAIVE_DATE_TIME.test(value)) errors.push(`${path}: ${JSON.stringify(value)} is not a zone-less UTC timestamp`);
  if (type === "array" && schema.items) (value as unknown[]).forEach((v, i) => errors.push(...validate(spec, schema.items as Schema, v, `${path}[${i}]`)));
  if (type === "object" && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) if (!(key in obj)) errors.push(`${path}: missing required ${key}`);
    for (const [key, v] of Object.entries(obj)) {
      if (props[key]) errors.push(...validate(spec, props[key], v, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected property ${key}`);
    }
  }
  return errors;
}
