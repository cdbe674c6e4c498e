/** The current time, ticking every `ms` while `enabled` (live timers); frozen otherwise, so an idle screen does no work. */
import { useEffect, useState } from "react";

export function useNow(enabled: boolean, ms = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!enabled) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [enabled, ms]);
  return now;
}
