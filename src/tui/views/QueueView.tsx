/** The queue with live timers: running jobs with their elapsed time, then waiting ones in pop order with priority and retry due time. */
import { Box, Text, useInput } from "ink";
import { useState } from "react";
import { oneLine } from "../../cli/terminal.js";
import type { EngineEvent } from "../../engine/events.js";
import { useSource } from "../app-context.js";
import { WindowedList } from "../components/WindowedList.js";
import type { QueueEntry } from "../data/source.js";
import type { Span } from "../fit-line.js";
import { cell, duration, fromWire } from "../format.js";
import { useLineInput } from "../hooks/use-line-input.js";
import { useListWindow } from "../hooks/use-list-window.js";
import { useNow } from "../hooks/use-now.js";

const reloadOn = (e: EngineEvent) => e.type === "job.started" || e.type === "job.finished" || e.type === "job.queued" || e.type === "sync.finished";

function timer(j: QueueEntry, now: number): Span {
  if (j.started_at) return { text: `running ${duration(now - fromWire(j.started_at))}`, colour: "cyan" };
  if (j.next_retry && fromWire(j.next_retry) > now) return { text: `retry in ${duration(fromWire(j.next_retry) - now)}`, colour: "yellow" };
  return "waiting";
}

export function QueueView({ height, width, active }: { height: number; width: number; active: boolean }) {
  const source = useSource();
  const [filter, setFilter] = useState("");
  const input = useLineInput(active, setFilter);
  const list = useListWindow((q) => source.queue(q), { height: height - 3, text: filter, active, reloadOn });
  const ticking = list.rows.some((j) => j.started_at !== null || j.next_retry !== null);
  const now = useNow(active && ticking);
  useInput(
    (ch, key) => {
      if (input.handle(ch, key) || list.navigate(ch, key)) return;
      if (ch.startsWith("/")) input.start(ch.slice(1));
    },
    { isActive: active },
  );
  const nameWidth = Math.max(20, width - 70);
  return (
    <Box flexDirection="column" height={height}>
      <WindowedList
        header={`${cell("package", nameWidth)} ${cell("release / arch", 24)} ${cell("backend", 14)} prio  state`}
        list={list}
        height={height - 1}
        width={width}
        empty={filter ? `no queued job matches "${oneLine(filter)}"` : "the queue is empty"}
        rowKey={(j) => j.id}
        rowDeps={[nameWidth, now]}
        renderRow={(j) => [
          `${cell(oneLine(`${j.name} ${j.version}`), nameWidth)} ${cell(oneLine(`${j.distribution} ${j.release ?? ""} ${j.architecture}`), 24)} ${cell(oneLine(j.backend), 14)} ${String(j.priority).padStart(4)}  `,
          timer(j, now),
        ]}
      />
      <Text dimColor={!input.editing}>{input.editing ? `filter: ${input.value}█` : filter ? `filter: ${oneLine(filter)} (/ to change)` : "/ filter by name"}</Text>
    </Box>
  );
}
