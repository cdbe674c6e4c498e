/** A scrollable, searchable text (build log or diffoscope report), already sanitized and split into lines. */
import { Box, Text } from "ink";
import { useTextViewer } from "../hooks/use-text-viewer.js";

export interface TextViewerProps {
  title: string;
  lines: string[];
  height: number;
  active: boolean;
  onClose: () => void;
  colourOf?: (line: string) => string | undefined;
}

function Highlighted({ line, query, colour }: { line: string; query: string; colour: string | undefined }) {
  const at = query ? line.toLowerCase().indexOf(query.toLowerCase()) : -1;
  if (at < 0) return <Text wrap="truncate-end" color={colour}>{line || " "}</Text>;
  return (
    <Text wrap="truncate-end" color={colour}>
      {line.slice(0, at)}
      <Text inverse>{line.slice(at, at + query.length)}</Text>
      {line.slice(at + query.length)}
    </Text>
  );
}

export function TextViewer({ title, lines, height, active, onClose, colourOf }: TextViewerProps) {
  const body = Math.max(1, height - 2);
  const v = useTextViewer(lines, body, active, onClose);
  const shown = lines.slice(v.top, v.top + body);
  const last = Math.min(lines.length, v.top + body);
  return (
    <Box flexDirection="column" height={height}>
      <Text wrap="truncate-end" bold>
        {title} <Text dimColor>lines {lines.length === 0 ? 0 : v.top + 1}–{last} of {lines.length}</Text>
      </Text>
      <Box flexDirection="column" height={body}>
        {shown.map((line, i) => (
          <Highlighted key={v.top + i} line={line} query={v.search.value} colour={colourOf?.(line)} />
        ))}
      </Box>
      <Text wrap="truncate-end" dimColor={!v.search.editing}>
        {v.search.editing ? `/${v.search.value}█` : (v.message ?? "j/k scroll · space/b page · g/G top/end · / search · n/N next/prev · Esc back")}
      </Text>
    </Box>
  );
}
