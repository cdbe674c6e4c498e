/**
 * `GET /api/v1/x-events` (ours): the engine's events as server-sent events, public and read-only.
 * Each client has its own bounded buffer; a client that reads slower than events arrive loses the
 * oldest ones and is sent an `event: dropped` with their count, so no client ever slows a build.
 * Frames: `id: <n>`, `event: <type>` (job.queued, queue.changed, job.started, job.log, job.finished, slot.state,
 * sync.started, sync.progress, sync.finished, dropped), `data: <JSON with snake_case keys>`.
 */
import { Hono } from "hono";
import type { EngineEvent, EventBus } from "../events.js";
import type { ApiDeps, ApiEnv } from "./env.js";

/** Events kept per client before the oldest are dropped. */
export const CLIENT_BUFFER = 1000;
/** A comment line this often keeps proxies and idle timeouts from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

const snake = (key: string) => key.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);

function frame(id: number, event: EngineEvent): string {
  const data = Object.fromEntries(Object.entries(event).map(([k, v]) => [snake(k), v]));
  // JSON never contains a raw newline, so one data line carries the whole event.
  return `id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function eventStream(bus: EventBus, signal: AbortSignal, bufferLimit = CLIENT_BUFFER): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const pending: string[] = [];
  let dropped = 0;
  let seq = 0;
  let closed = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const subscription = bus.subscribe((event) => {
    if (pending.length >= bufferLimit) {
      pending.shift();
      dropped++;
    }
    pending.push(frame(++seq, event));
    notify();
  }, bufferLimit);
  const keepalive = setInterval(() => {
    if (pending.length === 0) pending.push(": keep-alive\n\n");
    notify();
  }, KEEPALIVE_MS);
  keepalive.unref?.();
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepalive);
    subscription.unsubscribe();
    notify();
  };
  signal.addEventListener("abort", close, { once: true });
  let busDropped = 0;

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode(": rebuilder events\nretry: 2000\n\n"));
      },
      async pull(controller) {
        while (pending.length === 0 && !closed) await new Promise<void>((resolve) => (wake = resolve));
        if (closed) {
          controller.close();
          return;
        }
        // Drops in the bus's own per-subscriber buffer count too.
        const lost = dropped + (subscription.dropped - busDropped);
        busDropped = subscription.dropped;
        dropped = 0;
        const head = lost > 0 ? `event: dropped\ndata: ${JSON.stringify({ type: "dropped", count: lost })}\n\n` : "";
        controller.enqueue(encoder.encode(head + pending.splice(0).join("")));
      },
      cancel: close,
    },
    // Nothing is pulled ahead of the client: the bounded `pending` list is the only buffer.
    { highWaterMark: 0 },
  );
}

export function eventRoutes({ engine }: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get("/x-events", (c) =>
    new Response(eventStream(engine.events, c.req.raw.signal) as ReadableStream<Uint8Array<ArrayBuffer>>, {
      headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", "X-Accel-Buffering": "no" },
    }),
  );
  return app;
}
