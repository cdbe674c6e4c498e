/**
 * The engine's typed event stream. The TUI and the API subscribe; publishing never waits for a
 * subscriber: each one has a bounded buffer drained on the next tick, and a subscriber that
 * falls behind loses its oldest events (and is told how many) instead of slowing a build.
 */
export type BuildStatus = "GOOD" | "BAD" | "FAIL" | "UNKWN";

export type EngineEvent =
  | { type: "job.queued"; queueId: number; name: string; version: string; priority: number }
  /**
   * Many jobs queued at once, counted instead of named: by a sync or an imported index, or a push
   * or requeue of more than a few jobs. `profile` names the sync or import.
   */
  | { type: "queue.changed"; reason: "push" | "sync" | "import"; queued: number; profile?: string }
  | { type: "job.started"; queueId: number; slot: string; name: string; version: string; architecture: string; backend: string }
  | { type: "job.log"; queueId: number; slot: string; line: string }
  | { type: "job.finished"; queueId: number; slot: string; name: string; version: string; status: BuildStatus; buildId: number | null; reason?: string }
  | { type: "slot.state"; slot: string; state: "idle" | "busy" | "paused" | "stopped"; queueId?: number }
  /** A slot paused itself after a setup failure; its job went back to the queue. */
  | { type: "slot.error"; slot: string; queueId: number; message: string }
  /** A sync began, in the process `pid` (serve runs each sync in a child process). */
  | { type: "sync.started"; profile: string; pid: number }
  | { type: "sync.progress"; profile: string; kind: "fetch" | "parse" | "import"; detail: string; bytes?: number; packages?: number }
  | { type: "sync.finished"; profile: string; summary: Record<string, number> };

export interface Subscription {
  /** Events dropped because this subscriber fell behind. */
  readonly dropped: number;
  unsubscribe(): void;
}

interface Subscriber {
  listener: (event: EngineEvent) => void;
  buffer: EngineEvent[];
  dropped: number;
  scheduled: boolean;
  limit: number;
}

export class EventBus {
  private subscribers = new Set<Subscriber>();

  subscribe(listener: (event: EngineEvent) => void, bufferLimit = 10_000): Subscription {
    const sub: Subscriber = { listener, buffer: [], dropped: 0, scheduled: false, limit: bufferLimit };
    this.subscribers.add(sub);
    return {
      get dropped() {
        return sub.dropped;
      },
      unsubscribe: () => this.subscribers.delete(sub),
    };
  }

  publish(event: EngineEvent): void {
    for (const sub of this.subscribers) {
      if (sub.buffer.length >= sub.limit) {
        sub.buffer.shift();
        sub.dropped++;
      }
      sub.buffer.push(event);
      if (!sub.scheduled) {
        sub.scheduled = true;
        setImmediate(() => this.drain(sub));
      }
    }
  }

  private drain(sub: Subscriber): void {
    sub.scheduled = false;
    const batch = sub.buffer.splice(0);
    for (const event of batch) {
      if (!this.subscribers.has(sub)) return;
      try {
        sub.listener(event);
      } catch {
        // A failing subscriber must not take the engine down; it only loses this event.
      }
    }
  }
}
