/**
 * The engine's events from a running `rebuilder serve`: `GET /api/v1/x-events` (server-sent
 * events with snake_case keys) read with undici, turned back into EngineEvents, and reconnected
 * after the server's `retry` delay when the connection drops.
 */
import { fetch } from "undici";
import type { EngineEvent } from "../../engine/events.js";

const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** One SSE frame's `event:` type and `data:` lines; null for comments and keep-alives. */
export function parseFrame(frame: string): { event: string; data: string } | null {
  let event = "message";
  const data: string[] = [];
  for (const line of frame.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  return data.length ? { event, data: data.join("\n") } : null;
}

export function toEngineEvent(data: string): EngineEvent | null {
  const raw = JSON.parse(data) as Record<string, unknown>;
  if (typeof raw.type !== "string" || raw.type === "dropped") return null;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [camel(k), v])) as EngineEvent;
}

/** Streams events until the returned function is called; `onProblem` hears about lost connections. */
export function streamEvents(baseUrl: string, onEvent: (e: EngineEvent) => void, onProblem: (message: string) => void, retryMs = 2000): () => void {
  const abort = new AbortController();
  void (async () => {
    while (!abort.signal.aborted) {
      try {
        const res = await fetch(`${baseUrl}/api/v1/x-events`, { headers: { accept: "text/event-stream" }, signal: abort.signal });
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        let buffer = "";
        const decoder = new TextDecoder();
        for await (const chunk of res.body) {
          buffer += decoder.decode(chunk as Uint8Array, { stream: true });
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const frame = parseFrame(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            const event = frame && toEngineEvent(frame.data);
            if (event) onEvent(event);
          }
        }
        if (!abort.signal.aborted) onProblem("the event stream ended; reconnecting");
      } catch (err) {
        if (abort.signal.aborted) return;
        onProblem(`event stream: ${(err as Error).message}; reconnecting`);
      }
      await new Promise((r) => setTimeout(r, retryMs));
    }
  })();
  return () => abort.abort();
}
