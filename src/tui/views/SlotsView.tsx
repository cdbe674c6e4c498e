/** Worker slots: state, package, backend, elapsed time and the last lines of each build log, streaming; pause and resume. */
import { Box, Text, useInput } from "ink";
import { useState } from "react";
import { oneLine } from "../../cli/terminal.js";
import type { EngineEvent } from "../../engine/events.js";
import { useSource } from "../app-context.js";
import { FixedLine } from "../components/FixedLine.js";
import type { SlotLogs } from "../data/slot-logs.js";
import { cell, duration, fromWire } from "../format.js";
import { useLive } from "../hooks/use-live.js";
import { useSnapshot } from "../hooks/use-snapshot.js";

const reloadOn = (e: EngineEvent) => e.type === "slot.state" || e.type === "slot.error" || e.type === "job.started" || e.type === "job.finished";
const STATE_COLOUR = { busy: "cyan", idle: "gray", paused: "yellow", stopped: "red" } as const;

export function SlotsView({ height, width, active, logs: slotLogs }: { height: number; width: number; active: boolean; logs: SlotLogs }) {
  const source = useSource();
  const { data: slots, error, reload } = useSnapshot(() => source.slots(), [], { active, reloadOn });
  const [selected, setSelected] = useState(0);
  const [message, setMessage] = useState("p pause/resume this slot · P pause/resume all");
  const count = slots?.length ?? 0;
  // Each slot gets a title line and an equal share of the rest for its log.
  const logLines = count === 0 ? 0 : Math.max(0, Math.min(8, Math.floor((height - 2) / count) - 1));
  // Log lines at 2 frames a second (nobody reads 8 builds faster), elapsed times once a second, in the same frames.
  const { value: logs, now } = useLive(slotLogs, { active, fps: 2, clock: slots?.some((s) => s.job !== null) ?? false });

  const act = (what: Promise<string>) =>
    what.then(
      (done) => (setMessage(done), reload()),
      (err: unknown) => setMessage(`failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  useInput(
    (ch, key) => {
      if (!slots || slots.length === 0) return;
      if (key.downArrow || ch === "j") setSelected((s) => Math.min(s + 1, slots.length - 1));
      else if (key.upArrow || ch === "k") setSelected((s) => Math.max(s - 1, 0));
      else if (ch === "p") {
        const slot = slots[selected]!;
        void act(
          source.slots().then((now) =>
            now.find((s) => s.name === slot.name)?.paused
              ? source.resume(slot.name).then(() => `${slot.name} resumed`)
              : source.pause(slot.name).then(() => `${slot.name} paused: its running build finishes, nothing new starts`),
          ),
        );
      } else if (ch === "P") {
        // Decided on the slots as they are now: the snapshot on screen may predate the last key.
        void act(
          source.slots().then((now) => (now.every((s) => s.paused) ? source.resume().then(() => "all slots resumed") : source.pause().then(() => "all slots paused: running builds finish, nothing new starts"))),
        );
      }
    },
    { isActive: active },
  );

  if (error) return <Text color="red">{oneLine(error)}</Text>;
  if (!slots) return <Text dimColor>loading…</Text>;
  return (
    <Box flexDirection="column" height={height}>
      <Box flexDirection="column" height={height - 1}>
        {slots.length === 0 && <Text dimColor>no worker slots ([slots] count = 0)</Text>}
        {slots.flatMap((s, i) => {
          const state = s.paused && s.state === "busy" ? "busy, pausing" : s.state;
          const lines = s.job ? (logs.get(s.name) ?? []).slice(-logLines) : [];
          // Flat, one node per screen line: every node is laid out and drawn again in each frame.
          return [
            <FixedLine
              key={s.name}
              width={width}
              inverse={i === selected}
              spans={[
                `${cell(oneLine(s.name), 8)} `,
                { text: cell(state, 14), colour: STATE_COLOUR[s.state] },
                s.job
                  ? ` ${cell(oneLine(`${s.job.name} ${s.job.version}`), Math.max(16, width - 60))} ${cell(oneLine(s.job.backend), 14)} ${s.job.started_at ? duration(now - fromWire(s.job.started_at)) : ""}`
                  : "",
              ]}
            />,
            s.error && (
              <Text key={`${s.name} error`} wrap="truncate-end" color="red">
                {`  ${oneLine(s.error)} (p resumes)`}
              </Text>
            ),
            ...lines.map((l, j) => <FixedLine key={`${s.name} ${j}`} width={width} dim spans={[`  ${l}`]} />),
          ];
        })}
      </Box>
      <Text dimColor wrap="truncate-end">
        {oneLine(message)}
      </Text>
    </Box>
  );
}
