/**
 * A one-line text entry (search, filter): typed characters, Backspace, Enter to accept, Esc to cancel.
 *
 * The view's own key handler passes every key through `handle` first. Keys typed fast or pasted
 * arrive together: as one input ("/zlib1g\r") or as several in the same tick, before React has
 * drawn the entry. So whether the entry is open lives in a ref that `start` sets at once, and
 * the view's keys (j, r, x…) are never obeyed while the text is being typed.
 */
import type { Key } from "ink";
import { useContext, useEffect, useRef, useState } from "react";
import { KeyCaptureContext } from "../app-context.js";

export interface LineInput {
  editing: boolean;
  value: string;
  /** Opens the entry; `typed` is what came with the key that opened it. */
  start: (typed?: string) => void;
  /** Takes the key when the entry is open; false when the view should handle it. */
  handle: (input: string, key: Key) => boolean;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** `onChange` sees every edit (live filtering); Esc restores the value from before editing. */
export function useLineInput(active: boolean, onChange: (value: string) => void, onAccept?: (value: string) => void): LineInput {
  const capture = useContext(KeyCaptureContext);
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState("");
  const state = useRef({ editing: false, value: "", before: "" });
  // App keys (q, Tab, ?) are typed, not obeyed, while the entry is open and on screen.
  useEffect(() => {
    if (!active || !editing) return;
    capture(true);
    return () => capture(false);
  }, [active, editing, capture]);

  const set = (v: string) => {
    state.current.value = v;
    setValue(v);
    onChange(v);
  };
  const stop = () => {
    state.current.editing = false;
    capture(false);
    setEditing(false);
  };
  /** Text as typed; an Enter inside it (typed fast, pasted) accepts what came before it. */
  const type = (text: string) => {
    const cr = text.indexOf("\r");
    set(state.current.value + (cr < 0 ? text : text.slice(0, cr)).replace(CONTROL, ""));
    if (cr >= 0) {
      stop();
      onAccept?.(state.current.value);
    }
  };
  return {
    editing,
    value,
    start: (typed = "") => {
      Object.assign(state.current, { editing: true, before: state.current.value });
      capture(true);
      setEditing(true);
      if (typed) type(typed);
    },
    handle: (input, key) => {
      if (!active || !state.current.editing) return false;
      if (key.escape) {
        stop();
        set(state.current.before);
      } else if (key.return) {
        stop();
        onAccept?.(state.current.value);
      } else if (key.backspace || key.delete) set(state.current.value.slice(0, -1));
      else if (input && !key.ctrl && !key.meta && !key.tab && !key.upArrow && !key.downArrow) type(input);
      return true;
    },
  };
}
