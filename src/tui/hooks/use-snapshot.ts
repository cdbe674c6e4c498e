/**
 * A snapshot read through the source, loaded again when an event says it may have changed.
 * Reloads are coalesced: at most one every `minIntervalMs`, and never two at once, so a burst
 * of events (a sync, eight slots finishing) costs a few queries, not one per event.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { EngineEvent } from "../../engine/events.js";
import { useSource } from "../app-context.js";

export interface Snapshot<T> {
  data: T | undefined;
  error: string | null;
  reload: () => void;
}

export function useSnapshot<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  opts: { active?: boolean; reloadOn?: (e: EngineEvent) => boolean; minIntervalMs?: number } = {},
): Snapshot<T> {
  const source = useSource();
  const { active = true, reloadOn, minIntervalMs = 250 } = opts;
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const state = useRef({ running: false, again: false, last: 0, timer: undefined as NodeJS.Timeout | undefined, alive: true });

  const run = useCallback(() => {
    const s = state.current;
    if (s.running) {
      s.again = true;
      return;
    }
    s.running = true;
    s.last = Date.now();
    loadRef
      .current()
      .then(
        (d) => s.alive && (setData(() => d), setError(null)),
        (err: unknown) => s.alive && setError(err instanceof Error ? err.message : String(err)),
      )
      .finally(() => {
        s.running = false;
        if (s.again) {
          s.again = false;
          schedule();
        }
      });
  }, []);

  const schedule = useCallback(() => {
    const s = state.current;
    if (s.timer || !s.alive) return;
    const wait = Math.max(0, s.last + minIntervalMs - Date.now());
    s.timer = setTimeout(() => {
      s.timer = undefined;
      run();
    }, wait);
  }, [run, minIntervalMs]);

  useEffect(() => {
    if (active) run();
  }, [active, ...deps]);

  useEffect(() => {
    if (!active || !reloadOn) return;
    return source.subscribe((e) => {
      if (reloadOn(e)) schedule();
    });
  }, [active, source, schedule]);

  useEffect(
    () => () => {
      state.current.alive = false;
      clearTimeout(state.current.timer);
    },
    [],
  );

  return { data, error, reload: schedule };
}
