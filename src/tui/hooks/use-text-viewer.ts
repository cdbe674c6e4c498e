/** Scrolling and searching a long text (a build log, a diffoscope report) shown a screenful at a time. */
import { useInput } from "ink";
import { useMemo, useState } from "react";
import { useLineInput } from "./use-line-input.js";

export interface TextViewerState {
  top: number;
  search: { editing: boolean; value: string };
  /** Line indexes containing the search text. */
  matches: number[];
  message: string | null;
}

export function useTextViewer(lines: string[], height: number, active: boolean, onClose: () => void): TextViewerState {
  const [top, setTop] = useState(0);
  const [query, setQuery] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  // The line of the current match: near the end, scrolling stops short of it, so `top` cannot stand in.
  const [at, setAt] = useState(-1);
  const maxTop = Math.max(0, lines.length - height);
  const scrollTo = (t: number) => setTop(Math.max(0, Math.min(t, maxTop)));
  const matches = useMemo(() => {
    if (!query) return [];
    const q = query.toLowerCase();
    const found: number[] = [];
    lines.forEach((l, i) => l.toLowerCase().includes(q) && found.push(i));
    return found;
  }, [lines, query]);

  const jump = (from: number, forward: boolean, q = query) => {
    if (!q) return;
    const list = q === query ? matches : lines.flatMap((l, i) => (l.toLowerCase().includes(q.toLowerCase()) ? [i] : []));
    const next = forward ? (list.find((i) => i > from) ?? list[0]) : ([...list].reverse().find((i) => i < from) ?? list.at(-1));
    if (next === undefined) setMessage(`not found: ${q}`);
    else {
      setMessage(`match ${list.indexOf(next) + 1} of ${list.length}`);
      setAt(next);
      scrollTo(next);
    }
  };
  const input = useLineInput(active, setQuery, (q) => jump(top - 1, true, q));

  useInput(
    (ch, key) => {
      if (input.handle(ch, key)) return;
      if (key.escape) onClose();
      else if (key.downArrow || ch === "j") scrollTo(top + 1);
      else if (key.upArrow || ch === "k") scrollTo(top - 1);
      else if (key.pageDown || ch === " " || ch === "f") scrollTo(top + height);
      else if (key.pageUp || ch === "b") scrollTo(top - height);
      else if (key.home || ch === "g") scrollTo(0);
      else if (key.end || ch === "G") scrollTo(maxTop);
      else if (ch.startsWith("/")) input.start(ch.slice(1));
      else if (ch === "n") jump(at < 0 ? top : at, true);
      else if (ch === "N") jump(at < 0 ? top : at, false);
    },
    { isActive: active },
  );

  return { top, search: { editing: input.editing, value: input.value }, matches, message };
}
