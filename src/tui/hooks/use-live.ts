/**
 * A LiveCollector's state, redrawn at most `fps` times a second: eight chatty builds must not
 * redraw the screen on every line, and Ink redraws the whole frame each time, ~15–50 ms of CPU
 * for 120×40 (bench:tui streaming_cpu: 0.20–0.29 at 8 fps, 0.19–0.23 at 4 fps).
 */
import { useEffect, useState } from "react";
import type { LiveCollector } from "../data/live-collector.js";

export function useLive<T>(collector: LiveCollector<T>, active: boolean, fps = 4): T {
  const [shown, setShown] = useState(() => collector.snapshot());
  useEffect(() => {
    if (!active) return;
    setShown(collector.snapshot());
    let timer: NodeJS.Timeout | undefined;
    const off = collector.onChange(() => {
      timer ??= setTimeout(() => {
        timer = undefined;
        setShown(collector.snapshot());
      }, 1000 / fps);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [collector, active, fps]);
  return shown;
}
