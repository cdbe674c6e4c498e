/** The app's answers built outside a Hono context, so the runtime's own router (app.ts directRoutes) answers exactly as the app does. */
import { QueryError } from "../store/queries/pagination.js";
import { TEXT } from "./blob.js";
import { HttpError } from "./http-error.js";

/** As Hono's `c.json`. */
export function jsonResponse(value: unknown): Response {
  return new Response(JSON.stringify(value), { headers: { "Content-Type": "application/json" } });
}

/** Plain text; an empty body carries no Content-Type, as rebuilderd's empty 403s and 404s. */
export function textResponse(body: string, status: number): Response {
  return new Response(body, { status, headers: body ? { "Content-Type": TEXT } : {} });
}

/** What a thrown error answers: HttpError's status and text, 400 for a bad query, else 500 with the message (logged). */
export function errorResponse(err: unknown, log: (message: string) => void): Response {
  if (err instanceof HttpError) return textResponse(err.message, err.status);
  if (err instanceof QueryError) return textResponse(`${err.message}\n`, 400);
  // Unexpected (a store error, a bug): the message, as rebuilderd renders its error chain; logged too.
  log(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return textResponse(`${err instanceof Error ? err.message : String(err)}\n`, 500);
}
