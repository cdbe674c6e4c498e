/**
 * A LiveCollector's state and the time it was read, redrawn at most `fps` times a second, and
 * once a second while `clock` is on (elapsed-time columns): one redraw serves both. Each redraw
 * is a whole Ink frame, ~20–30 ms of CPU for 120×40 in the binary, so eight chatty builds cost
 * what the frame rate says, not what the lines say (bench:tui streaming_cpu).
 */
import { useEffect, useState } from "react";
import type { LiveCollector } from "../data/live-collector.js";

export interface Live<T> {
  value: T;
  /** When `value` was read: the clock the view's timers count from. */
  now: number;
}

export function useLive<T>(collector: LiveCollector<T>, opts: { active: boolean; fps?: number; clock?: boolean }): Live<T> {
  const { active, fps = 2, clock = false } = opts;
  const [shown, setShown] = useState(() => ({ value: collector.snapshot(), now: Date.now() }));
  useEffect(() => {
    if (!active) return;
    let timer: NodeJS.Timeout | undefined;
    let due = Infinity;
    /** A redraw within `ms`, unless one is due sooner already. */
    const within = (ms: number) => {
      const at = Date.now() + ms;
      if (at >= due) return;
      clearTimeout(timer);
      due = at;
      timer = setTimeout(draw, ms);
    };
    function draw() {
      timer = undefined;
      due = Infinity;
      setShown({ value: collector.snapshot(), now: Date.now() });
      if (clock) within(1000);
    }
    draw();
    const off = collector.onChange(() => within(1000 / fps));
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [collector, active, fps, clock]);
  return shown;
}
