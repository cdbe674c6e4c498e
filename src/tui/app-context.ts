/** What the App provides to every view: the data source, and a way to claim the keyboard while typing. */
import { createContext, useContext } from "react";
import type { TuiSource } from "./data/source.js";

export const SourceContext = createContext<TuiSource | null>(null);

export function useSource(): TuiSource {
  const source = useContext(SourceContext);
  if (!source) throw new Error("useSource() outside <SourceContext.Provider>");
  return source;
}

/**
 * Set by a view while a text entry is open, so that `q`, Tab and `?` are typed, not obeyed; set
 * at once when the entry opens, for the keys that follow in the same tick.
 */
export const KeyCaptureContext = createContext<(captured: boolean) => void>(() => {});
