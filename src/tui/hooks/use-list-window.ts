/**
 * A cursor over a list that may hold tens of thousands of rows: only the rows that fit on
 * screen are loaded (offset/limit), the cursor scrolls the window, and the window is loaded
 * again when the cursor leaves it, the filter changes or an event says the rows changed.
 */
import type { Key } from "ink";
import { useEffect, useState } from "react";
import type { EngineEvent } from "../../engine/events.js";
import type { Window, WindowQuery } from "../data/source.js";
import { useSnapshot } from "./use-snapshot.js";

export interface ListWindow<T> {
  rows: T[];
  total: number;
  /** Index of the selected row in the whole list; `top` is the index of the first row shown. */
  selected: number;
  top: number;
  current: T | undefined;
  error: string | null;
  moveTo: (index: number) => void;
  reload: () => void;
  /** Moves the cursor for ↑↓ j k, PgUp PgDn, g G, Home End; false for any other key. */
  navigate: (ch: string, key: Key) => boolean;
}

export function useListWindow<T>(
  load: (q: WindowQuery) => Promise<Window<T>>,
  opts: { height: number; text?: string; active: boolean; reloadOn?: (e: EngineEvent) => boolean },
): ListWindow<T> {
  const height = Math.max(1, opts.height);
  const [selected, setSelected] = useState(0);
  const [top, setTop] = useState(0);
  const snapshot = useSnapshot(() => load({ text: opts.text || undefined, offset: top, limit: height }), [top, height, opts.text], {
    active: opts.active,
    ...(opts.reloadOn ? { reloadOn: opts.reloadOn } : {}),
  });
  const total = snapshot.data?.total ?? 0;

  // A new filter starts at the top.
  useEffect(() => {
    setSelected(0);
    setTop(0);
  }, [opts.text]);

  // Keep the cursor inside the list when it shrinks, and inside the window when it resizes.
  useEffect(() => {
    if (snapshot.data && selected >= total) moveTo(total - 1);
    else if (selected >= top + height) setTop(selected - height + 1);
  }, [total, height]);

  function moveTo(index: number): void {
    const next = Math.max(0, Math.min(index, total - 1));
    setSelected(next);
    setTop((t) => (next < t ? next : next >= t + height ? next - height + 1 : t));
  }

  const rows = snapshot.data?.records ?? [];
  return {
    rows,
    total,
    selected,
    top,
    current: rows[selected - top],
    error: snapshot.error,
    moveTo,
    reload: snapshot.reload,
    navigate: (ch, key) => {
      if (key.downArrow || ch === "j") moveTo(selected + 1);
      else if (key.upArrow || ch === "k") moveTo(selected - 1);
      else if (key.pageDown) moveTo(selected + height);
      else if (key.pageUp) moveTo(selected - height);
      else if (key.home || ch === "g") moveTo(0);
      else if (key.end || ch === "G") moveTo(total - 1);
      else return false;
      return true;
    },
  };
}
