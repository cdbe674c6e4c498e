/** BAD results newest first; a new one appears as it is recorded. Enter or d opens the diffoscope report, l the build log. */
import { useInput } from "ink";
import { useState } from "react";
import { oneLine } from "../../cli/terminal.js";
import type { EngineEvent } from "../../engine/events.js";
import { useSource } from "../app-context.js";
import { EvidenceViewer } from "../components/EvidenceViewer.js";
import { WindowedList } from "../components/WindowedList.js";
import { cell, shortTime } from "../format.js";
import type { EvidenceRequest } from "../hooks/use-evidence.js";
import { useListWindow } from "../hooks/use-list-window.js";

const reloadOn = (e: EngineEvent) => e.type === "job.finished" && e.status === "BAD";

export function BadView({ height, width, active }: { height: number; width: number; active: boolean }) {
  const source = useSource();
  const [open, setOpen] = useState<EvidenceRequest | null>(null);
  const list = useListWindow((q) => source.badResults(q), { height: height - 2, active, reloadOn });
  useInput(
    (ch, key) => {
      if (list.navigate(ch, key)) return;
      const bad = list.current;
      if (!bad) return;
      const what = `${bad.name} ${bad.version} (${bad.architecture})`;
      if (key.return || ch === "d") setOpen({ kind: "diffoscope", buildId: bad.build_id, artifactId: bad.artifact_id, title: `diffoscope: ${what}` });
      else if (ch === "l") setOpen({ kind: "log", buildId: bad.build_id, title: `build log: ${what}` });
    },
    { isActive: active && open === null },
  );
  if (open) return <EvidenceViewer request={open} height={height} active={active} onClose={() => setOpen(null)} />;
  const nameWidth = Math.max(20, width - 56);
  return (
    <WindowedList
      header={`${cell("package", nameWidth)} ${cell("release / arch", 26)} built             diff`}
      list={list}
      height={height}
      width={width}
      empty="no BAD result yet"
      rowKey={(b) => b.artifact_id}
      rowDeps={[nameWidth]}
      renderRow={(b) => [
        { text: cell(oneLine(`${b.name} ${b.version}`), nameWidth), colour: "red" },
        ` ${cell(oneLine(`${b.distribution} ${b.release ?? ""} ${b.architecture}`), 26)} ${shortTime(b.built_at)} ${b.has_diffoscope ? "yes" : "no"}`,
      ]}
    />
  );
}
