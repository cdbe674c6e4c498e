/** `?`: every key, in one place. */
import { Box, Text } from "ink";

const KEYS: [string, string][] = [
  ["Tab / Shift-Tab, 1–5", "next / previous view, or jump to one"],
  ["↑ ↓  j k", "move the cursor (PgUp/PgDn, g/G: page, top, end)"],
  ["Enter", "open: a package's history, a diffoscope report, a log"],
  ["/", "search or filter (Enter keeps it, Esc restores)"],
  ["Esc", "back"],
  ["d", "BAD diffs: the diffoscope report; history: the selected rebuild's report"],
  ["l", "BAD diffs and history: the build log"],
  ["r / x", "packages: requeue now / drop from the queue"],
  ["p / P", "slots: pause or resume the selected slot / all slots"],
  ["n / N", "viewer: next / previous match"],
  ["q, Ctrl-C", "quit: running builds finish first; press again to hand them back"],
  ["?", "this help (any key closes it)"],
];

export function HelpOverlay({ height }: { height: number }) {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} height={height}>
      <Text bold>Keys</Text>
      {KEYS.map(([k, what]) => (
        <Text key={k} wrap="truncate-end">
          <Text color="cyan">{k.padEnd(22)}</Text>
          {what}
        </Text>
      ))}
    </Box>
  );
}
