/** A one-line text entry (search, filter): typed characters, Backspace, Enter to accept, Esc to cancel. */
import { useInput } from "ink";
import { useState } from "react";
import { useCaptureKeys } from "../app-context.js";

export interface LineInput {
  editing: boolean;
  value: string;
  start: () => void;
}

/** `onChange` sees every edit (live filtering); Esc restores the value from before editing. */
export function useLineInput(active: boolean, onChange: (value: string) => void, onAccept?: (value: string) => void): LineInput {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState("");
  const [before, setBefore] = useState("");
  const set = (v: string) => {
    setValue(v);
    onChange(v);
  };
  useInput(
    (input, key) => {
      if (key.escape) {
        setEditing(false);
        set(before);
      } else if (key.return) {
        setEditing(false);
        onAccept?.(value);
      } else if (key.backspace || key.delete) set(value.slice(0, -1));
      else if (input && !key.ctrl && !key.meta && !key.tab && !key.upArrow && !key.downArrow) set(value + input.replace(/[\u0000-\u001f\u007f-\u009f]/g, ""));
    },
    { isActive: active && editing },
  );
  useCaptureKeys(active && editing);
  return {
    editing,
    value,
    start: () => {
      setBefore(value);
      setEditing(true);
    },
  };
}
