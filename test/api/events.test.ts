/** The live event stream: a real client reads a build's events while a local slot runs it; a client that does not read never holds a build up. */
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventStream } from "../../src/engine/api/events.js";
import { EventBus, type EngineEvent } from "../../src/engine/events.js";
import { backendScript, call, COOKIE, localReport, startServer, type TestServer } from "./harness.js";

interface Frame {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

/** Reads SSE frames from a streaming body until `until` accepts one (or the stream ends). */
async function readFrames(body: AsyncIterable<Uint8Array>, until: (f: Frame) => boolean): Promise<Frame[]> {
  const frames: Frame[] = [];
  let buffer = "";
  for await (const chunk of body) {
    buffer += Buffer.from(chunk).toString("utf8");
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(block.split("\n").filter((l) => !l.startsWith(":")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]));
      if (!fields.event) continue;
      const frame: Frame = { id: fields.id, event: fields.event, data: JSON.parse(fields.data!) as Record<string, unknown> };
      frames.push(frame);
      if (until(frame)) return frames;
    }
  }
  return frames;
}

describe("GET /api/v1/x-events", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((root) => `[backend."archlinux"]\npath = "${backendScript(root)}"\n\n[diffoscope]\nenabled = false\n\n[build]\nsilent = true\n`, { slots: 1 });
  });
  afterAll(() => server.close());

  it("streams a build's events, in order, to a client reading while the job runs; a client that never reads does not hold it up", async () => {
    const stalled = await request(`${server.url}/api/v1/x-events`);
    const res = await request(`${server.url}/api/v1/x-events`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    const reading = readFrames(res.body, (f) => f.event === "job.finished");
    expect((await call(server, "POST", "/api/v1/packages", { body: localReport(server.root, ["good"]), cookie: COOKIE })).status).toBe(204);
    const frames = await reading;
    res.body.destroy();

    const types = frames.map((f) => f.event);
    expect(types).toContain("sync.finished");
    // The import queued one job: counted, not named (a sync queues thousands).
    expect(frames.find((f) => f.event === "queue.changed")!.data).toEqual({ type: "queue.changed", reason: "import", profile: "api:archlinux/-/x86_64", queued: 1 });
    const started = types.indexOf("job.started");
    expect(started).toBeGreaterThan(types.indexOf("queue.changed"));
    expect(types.slice(started)).toContain("job.log");
    expect(frames.at(-1)!.data).toMatchObject({ type: "job.finished", slot: "slot-1", name: "good", version: "1.0-1", status: "GOOD", build_id: expect.any(Number) });
    expect(frames.find((f) => f.event === "job.log" && f.data.line === "rebuilding good-1.0-1-x86_64.pkg.tar.zst")).toBeDefined();
    expect(frames.some((f) => f.event === "slot.state" && f.data.state === "busy")).toBe(true);
    // Ids count up per client.
    expect(frames.map((f) => Number(f.id))).toEqual(frames.map((_, i) => i + 1));
    stalled.body.destroy();
    // The result is in the store, reachable through the API.
    const build = (await call(server, "GET", `/api/v1/builds/${frames.at(-1)!.data.build_id as number}`)).json();
    expect(build).toMatchObject({ name: "good", status: "GOOD" });
  });

  it("names each job a push queues, and the idle slot builds it at once", async () => {
    const res = await request(`${server.url}/api/v1/x-events`);
    const reading = readFrames(res.body, (f) => f.event === "job.finished");
    expect((await call(server, "POST", "/api/v1/queue", { body: { name: "good", priority: 3 }, cookie: COOKIE })).status).toBe(204);
    const frames = await reading;
    res.body.destroy();
    const queued = frames.find((f) => f.event === "job.queued");
    expect(queued?.data).toEqual({ type: "job.queued", queue_id: expect.any(Number), name: "good", version: "1.0-1", priority: 3 });
    expect(frames.find((f) => f.event === "job.started")?.data).toMatchObject({ queue_id: queued!.data.queue_id, name: "good" });
  });
});

describe("queue events of a large push", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it("counts the jobs in one queue.changed instead of naming each", async () => {
    const names = Array.from({ length: 101 }, (_, i) => `p${i}`);
    expect((await call(server, "POST", "/api/v1/packages", { body: localReport(server.root, names), cookie: COOKIE })).status).toBe(204);
    const events: EngineEvent[] = [];
    server.engine.events.subscribe((e) => events.push(e));
    expect((await call(server, "POST", "/api/v0/pkg/requeue", { body: { distro: "archlinux", priority: 2, reset: false }, cookie: COOKIE })).status).toBe(200);
    expect((await call(server, "POST", "/api/v1/queue", { body: { name: "p7", priority: 4 }, cookie: COOKIE })).status).toBe(204);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual([
      { type: "queue.changed", reason: "push", queued: 101 },
      { type: "job.queued", queueId: expect.any(Number), name: "p7", version: "1.0-1", priority: 4 },
    ]);
  });
});

describe("a client's bounded buffer", () => {
  it("keeps the newest events and tells the client how many it lost", async () => {
    const bus = new EventBus();
    const abort = new AbortController();
    const reader = eventStream(bus, abort.signal, 3).getReader();
    await reader.read(); // the opening comment
    for (let i = 0; i < 10; i++) bus.publish({ type: "job.log", queueId: 1, slot: "slot-1", line: `line ${i}` });
    await new Promise((resolve) => setImmediate(resolve));
    const text = Buffer.from((await reader.read()).value!).toString();
    expect(text.match(/^event: .*/gm)).toEqual(["event: dropped", "event: job.log", "event: job.log", "event: job.log"]);
    expect(text).toContain('data: {"type":"dropped","count":7}');
    expect(text.match(/"line":"line \d"/g)).toEqual(['"line":"line 7"', '"line":"line 8"', '"line":"line 9"']);
    abort.abort();
    expect((await reader.read()).done).toBe(true);
  });
});
