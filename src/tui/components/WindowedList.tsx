/** The rows of a list window (only those on screen), the selected one inverted, and where the window is in the whole list. */
import { Box, Text } from "ink";
import type { ReactNode } from "react";
import { count } from "../format.js";
import type { ListWindow } from "../hooks/use-list-window.js";

export interface WindowedListProps<T> {
  header: string;
  list: ListWindow<T>;
  height: number;
  empty: string;
  rowKey: (row: T) => string | number;
  renderRow: (row: T) => ReactNode;
}

export function WindowedList<T>({ header, list, height, empty, rowKey, renderRow }: WindowedListProps<T>) {
  const { rows, total, top, selected, error } = list;
  return (
    <Box flexDirection="column" height={height}>
      <Text bold wrap="truncate-end">
        {header}
      </Text>
      {error ? <Text color="red">{error}</Text> : null}
      {rows.length === 0 && !error ? <Text dimColor>{empty}</Text> : null}
      {rows.slice(0, Math.max(0, height - 2)).map((row, i) => (
        <Text key={rowKey(row)} wrap="truncate-end" inverse={top + i === selected}>
          {renderRow(row)}
        </Text>
      ))}
      <Box flexGrow={1} />
      <Text dimColor>{total === 0 ? "" : `${count(selected + 1)} of ${count(total)}`}</Text>
    </Box>
  );
}
