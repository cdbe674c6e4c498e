/** The TUI: a tab bar, the current view sized to the terminal, a footer; global keys (views, help, quit). */
import { Box, Text, useInput } from "ink";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { KeyCaptureContext, SourceContext } from "./app-context.js";
import { HelpOverlay } from "./components/HelpOverlay.js";
import { TabBar } from "./components/TabBar.js";
import { MIN_COLUMNS, MIN_ROWS, TooSmall } from "./components/TooSmall.js";
import { SlotLogs } from "./data/slot-logs.js";
import type { TuiSource } from "./data/source.js";
import { SyncProgress } from "./data/sync-progress.js";
import { useTerminalSize } from "./hooks/use-terminal-size.js";
import { BadView } from "./views/BadView.js";
import { DashboardView } from "./views/DashboardView.js";
import { PackagesView } from "./views/PackagesView.js";
import { QueueView } from "./views/QueueView.js";
import { SlotsView } from "./views/SlotsView.js";

export const VIEWS = ["Dashboard", "Queue", "Slots", "BAD diffs", "Packages"] as const;

export interface AppProps {
  source: TuiSource;
  /** Called on each `q` / Ctrl-C: the first stops the slots after their builds, the second hands the builds back. */
  onQuit: (times: number) => void;
  /** What the first quit does, shown until the process ends. */
  quitNotice?: string;
  initialView?: number;
}

export function App({ source, onQuit, quitNotice = "Finishing running builds (and a running sync) before exiting; press q again to hand the builds back to the queue.", initialView = 0 }: AppProps) {
  const { columns, rows } = useTerminalSize();
  const [view, setView] = useState(initialView);
  const [help, setHelp] = useState(false);
  const captured = useRef(false);
  const [quits, setQuits] = useState(0);
  const logs = useMemo(() => new SlotLogs(source, 8), [source]);
  const sync = useMemo(() => new SyncProgress(source), [source]);
  useEffect(
    () => () => {
      logs.close();
      sync.close();
    },
    [logs, sync],
  );
  const capture = useCallback((c: boolean) => {
    captured.current = c;
  }, []);

  useInput((input, key) => {
    if (key.ctrl && input === "c") return quit();
    if (help) return setHelp(false);
    if (captured.current) return;
    if (input === "q") quit();
    else if (input === "?") setHelp(true);
    else if (key.tab) setView((v) => (v + (key.shift ? VIEWS.length - 1 : 1)) % VIEWS.length);
    else if (/^[1-5]$/.test(input)) setView(Number(input) - 1);
  });
  function quit() {
    const n = quits + 1;
    setQuits(n);
    onQuit(n);
  }

  // One row is left free: an Ink frame as tall as the terminal is redrawn by clearing the screen, which flickers.
  const height = rows - 1;
  if (columns < MIN_COLUMNS || rows < MIN_ROWS) return <TooSmall columns={columns} rows={rows} />;
  const body = height - 2;
  const props = { height: body, width: columns, active: !help && quits === 0 };
  return (
    <SourceContext.Provider value={source}>
      <KeyCaptureContext.Provider value={capture}>
        <Box flexDirection="column" height={height} width={columns}>
          <TabBar tabs={VIEWS} current={view} label={source.label} />
          <Box height={body} flexDirection="column">
            {help ? (
              <HelpOverlay height={body} />
            ) : view === 0 ? (
              <DashboardView {...props} sync={sync} />
            ) : view === 1 ? (
              <QueueView {...props} />
            ) : view === 2 ? (
              <SlotsView {...props} logs={logs} />
            ) : view === 3 ? (
              <BadView {...props} />
            ) : (
              <PackagesView {...props} />
            )}
          </Box>
          {quits > 0 ? (
            <Text color="yellow" bold wrap="truncate-end">
              {quits === 1 ? quitNotice : "Handing running builds back to the queue…"}
            </Text>
          ) : (
            <Text dimColor wrap="truncate-end">
              Tab views · ↑↓/jk move · / search · Enter open · Esc back · ? help · q quit
            </Text>
          )}
        </Box>
      </KeyCaptureContext.Provider>
    </SourceContext.Provider>
  );
}
