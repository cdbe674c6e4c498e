/**
 * rebuilderd's v0 OpenAPI file (test/fixtures/openapi/rebuilderd-v0.yml, with its JSON form beside
 * it) with the corrections of reference §11.1 and §4.2 applied one by one, for the v0 tests; the
 * validator is the v1 conformance test's.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { validate, type Schema } from "./openapi-schema.js";

type Spec = Parameters<typeof validate>[0];

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const responseOf = (s: Spec, path: string, method: string) => s.paths[path]![method]!.responses["200"]!;

export const V0_CORRECTIONS: [string, (spec: Spec) => void][] = [
  ["§11.1 /queue/list returns one QueueList object, not an array", (s) => {
    responseOf(s, "/queue/list", "post").content!["application/json"]!.schema = ref("QueueList");
  }],
  ["§11.1 JobAssignment is the string \"Nothing\" or {\"Rebuild\": QueueItem}", (s) => {
    s.components.schemas.JobAssignment = {
      oneOf: [{ type: "string", enum: ["Nothing"] }, { type: "object", properties: { Rebuild: ref("QueueItem") }, required: ["Rebuild"], additionalProperties: false }],
    };
  }],
  ["§11.1 the sync route is /pkgs/sync, not /job/sync", (s) => {
    s.paths["/pkgs/sync"] = s.paths["/job/sync"]!;
    delete s.paths["/job/sync"];
  }],
  ["§4.2 the daemon sends the worker's id too, and (as later versions) name and address beside addr", (s) => {
    const w = s.components.schemas.Worker as { properties: Record<string, Schema> };
    Object.assign(w.properties, { id: { type: "integer" }, name: { type: "string" }, address: { type: "string" } });
  }],
  ["§4.1 /public-keys (v0.25) is missing: {current: [PEM]}", (s) => {
    s.paths["/public-keys"] = {
      get: { responses: { "200": { content: { "application/json": { schema: { type: "object", properties: { current: { type: "array", items: { type: "string" } } }, required: ["current"], additionalProperties: false } } } } } },
    };
  }],
];

export function loadCorrectedV0Spec(): Spec {
  const spec = JSON.parse(readFileSync(resolve(import.meta.dirname, "../fixtures/openapi/rebuilderd-v0.json"), "utf8")) as Spec;
  for (const [, apply] of V0_CORRECTIONS) apply(spec);
  return spec;
}

/** Problems of a 200 answer of `method path` (a path of the spec, e.g. "/builds/{id}/log") against its schema. */
export function validateV0(spec: Spec, method: string, path: string, value: unknown): string[] {
  const schema = responseOf(spec, path, method).content?.["application/json"]?.schema;
  if (!schema) throw new Error(`the v0 spec has no JSON answer for ${method.toUpperCase()} ${path}`);
  return validate(spec, schema, value);
}
