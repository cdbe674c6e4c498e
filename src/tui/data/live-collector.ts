/**
 * State built from the event stream for as long as the TUI runs (slot logs, sync progress),
 * so a view shows it even when it was not on screen while the events came.
 */
import type { EngineEvent } from "../../engine/events.js";
import type { TuiSource } from "./source.js";

export abstract class LiveCollector<T> {
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: () => void;

  constructor(source: TuiSource) {
    this.unsubscribe = source.subscribe((e) => {
      if (this.apply(e)) for (const l of this.listeners) l();
    });
  }

  /** Folds one event in; true when it changed what `snapshot` returns. */
  protected abstract apply(event: EngineEvent): boolean;

  /** A copy the caller may keep while events keep coming. */
  abstract snapshot(): T;

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.unsubscribe();
  }
}
