/** The rows of a list window (only those on screen), the selected one inverted, and where the window is in the whole list. */
import { Box, Text } from "ink";
import { memo, type ReactNode } from "react";
import type { Span } from "../fit-line.js";
import { count } from "../format.js";
import { FixedLine } from "./FixedLine.js";
import type { ListWindow } from "../hooks/use-list-window.js";

export interface WindowedListProps<T> {
  header: string;
  list: ListWindow<T>;
  height: number;
  width: number;
  empty: string;
  rowKey: (row: T) => string | number;
  /** The row's text, unsanitised: FixedLine makes it inert. */
  renderRow: (row: T) => Span[];
  /** Everything renderRow reads besides the row (column widths, the ticking clock): a row is drawn again only when one of these, the row or its selection changes. */
  rowDeps: readonly unknown[];
}

interface RowProps<T> {
  row: T;
  selected: boolean;
  width: number;
  render: (row: T) => Span[];
  deps: readonly unknown[];
}

const sameRow = <T,>(a: RowProps<T>, b: RowProps<T>) =>
  a.row === b.row && a.selected === b.selected && a.width === b.width && a.deps.length === b.deps.length && a.deps.every((d, i) => d === b.deps[i]);

// A cursor move changes two rows; without memo every row on screen would be rendered again (bench:tui key_cpu_ms).
// Rows are FixedLines: scrolling a long list or a ticking timer column would otherwise leave every row's text in Ink's caches.
const Row = memo(function Row<T>({ row, selected, width, render }: RowProps<T>) {
  return <FixedLine width={width} inverse={selected} spans={render(row)} />;
}, sameRow) as <T>(props: RowProps<T>) => ReactNode;

export function WindowedList<T>({ header, list, height, width, empty, rowKey, renderRow, rowDeps }: WindowedListProps<T>) {
  const { rows, total, top, selected, error } = list;
  return (
    <Box flexDirection="column" height={height}>
      <Text bold wrap="truncate-end">
        {header}
      </Text>
      {error ? <Text color="red">{error}</Text> : null}
      {rows.length === 0 && !error ? <Text dimColor>{empty}</Text> : null}
      {rows.slice(0, Math.max(0, height - 2)).map((row, i) => (
        <Row key={rowKey(row)} row={row} selected={top + i === selected} width={width} render={renderRow} deps={rowDeps} />
      ))}
      <Box flexGrow={1} />
      <Text dimColor>{total === 0 ? "" : `${count(selected + 1)} of ${count(total)}`}</Text>
    </Box>
  );
}
