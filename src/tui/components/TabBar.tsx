/** The views as tabs, the current one highlighted, and where the data comes from. */
import { Box, Text } from "ink";
import { oneLine } from "../../cli/terminal.js";

export function TabBar({ tabs, current, label }: { tabs: readonly string[]; current: number; label: string }) {
  return (
    <Box>
      <Text wrap="truncate-end">
        <Text bold color="cyan">rebuilder </Text>
        {tabs.map((t, i) => (
          <Text key={t} inverse={i === current} bold={i === current}>
            {` ${i + 1} ${t} `}
          </Text>
        ))}
        <Text dimColor> {oneLine(label)}</Text>
      </Text>
    </Box>
  );
}
