/** Shown instead of a broken layout when the terminal cannot hold the views. */
import { Text } from "ink";

export const MIN_COLUMNS = 60;
export const MIN_ROWS = 12;

export function TooSmall({ columns, rows }: { columns: number; rows: number }) {
  return (
    <Text wrap="wrap">
      Terminal too small: {columns}×{rows}, rebuilder needs at least {MIN_COLUMNS}×{MIN_ROWS}. Enlarge the window (q quits).
    </Text>
  );
}
