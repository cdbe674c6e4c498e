/**
 * Every package in the store, a window at a time, searchable by name; Enter shows a package's
 * rebuilds (d: diffoscope report, l: build log of the selected one); r requeues, x drops.
 */
import { Box, Text, useInput } from "ink";
import { useState } from "react";
import { oneLine } from "../../cli/terminal.js";
import type { EngineEvent } from "../../engine/events.js";
import { useSource } from "../app-context.js";
import { EvidenceViewer } from "../components/EvidenceViewer.js";
import { WindowedList } from "../components/WindowedList.js";
import type { PackageEntry } from "../data/source.js";
import { statusColour } from "../colours.js";
import { cell, shortTime } from "../format.js";
import type { EvidenceRequest } from "../hooks/use-evidence.js";
import { useLineInput } from "../hooks/use-line-input.js";
import { useListWindow } from "../hooks/use-list-window.js";
import { useSnapshot } from "../hooks/use-snapshot.js";

const reloadOn = (e: EngineEvent) => e.type === "job.finished" || e.type === "sync.finished";

function describe(p: PackageEntry): string {
  return `${p.name} ${p.version} (${p.distribution} ${p.release ?? ""} ${p.architecture})`;
}

/** Requeue and drop, with the outcome as a message. */
function usePackageActions(setMessage: (m: string) => void, after: () => void) {
  const source = useSource();
  const run = (what: Promise<number>, said: (n: number) => string) =>
    what.then(
      (n) => (setMessage(said(n)), after()),
      (err: unknown) => setMessage(`failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  return {
    requeue: (p: PackageEntry) => run(source.requeue(p), (n) => (n ? `requeued ${describe(p)}` : `nothing to requeue for ${describe(p)}`)),
    drop: (p: PackageEntry) => run(source.drop(p), (n) => (n ? `dropped ${describe(p)} from the queue` : `${describe(p)} was not queued`)),
  };
}

function History({ pkg, height, active, onClose }: { pkg: PackageEntry; height: number; active: boolean; onClose: () => void }) {
  const source = useSource();
  const { data, error, reload } = useSnapshot(() => source.history(pkg), [pkg.id], { active, reloadOn });
  const [selected, setSelected] = useState(0);
  const [open, setOpen] = useState<EvidenceRequest | null>(null);
  const [message, setMessage] = useState("d diffoscope · l build log · r requeue · x drop · Esc back");
  const actions = usePackageActions(setMessage, reload);
  const rows = data ?? [];
  useInput(
    (ch, key) => {
      if (key.escape) onClose();
      else if (key.downArrow || ch === "j") setSelected((s) => Math.min(s + 1, rows.length - 1));
      else if (key.upArrow || ch === "k") setSelected((s) => Math.max(s - 1, 0));
      else if (ch === "r") void actions.requeue(pkg);
      else if (ch === "x") void actions.drop(pkg);
      const r = rows[selected];
      if (!r) return;
      if ((ch === "d" || key.return) && r.artifact_id !== null) setOpen({ kind: "diffoscope", buildId: r.build_id, artifactId: r.artifact_id, title: `diffoscope: ${describe(pkg)}` });
      else if (ch === "l") setOpen({ kind: "log", buildId: r.build_id, title: `build log: ${describe(pkg)} #${r.build_id}` });
    },
    { isActive: active && open === null },
  );
  if (open) return <EvidenceViewer request={open} height={height} active={active} onClose={() => setOpen(null)} />;
  return (
    <Box flexDirection="column" height={height}>
      <Text bold wrap="truncate-end">
        {oneLine(describe(pkg))} <Text dimColor>source {oneLine(pkg.source)}{pkg.queued ? " · queued" : ""}</Text>
      </Text>
      {error && <Text color="red">{oneLine(error)}</Text>}
      {data && rows.length === 0 && <Text dimColor>never rebuilt</Text>}
      {rows.slice(0, Math.max(0, height - 3)).map((r, i) => (
        <Text key={r.build_id} wrap="truncate-end" inverse={i === selected}>
          #{String(r.build_id).padEnd(7)} {shortTime(r.built_at)} <Text color={statusColour(r.artifact_status ?? r.status)}>{cell(r.artifact_status ?? r.status ?? "UNKWN", 6)}</Text>{" "}
          {cell(oneLine(r.worker_name ?? ""), 24)} {r.has_diffoscope ? "diff " : ""}
          {oneLine(r.fail_reason ?? "")}
        </Text>
      ))}
      <Box flexGrow={1} />
      <Text dimColor wrap="truncate-end">{oneLine(message)}</Text>
    </Box>
  );
}

export function PackagesView({ height, width, active }: { height: number; width: number; active: boolean }) {
  const source = useSource();
  const [search, setSearch] = useState("");
  const [open, setOpen] = useState<PackageEntry | null>(null);
  const [message, setMessage] = useState("/ search · Enter history · r requeue · x drop");
  const input = useLineInput(active && open === null, setSearch);
  const list = useListWindow((q) => source.packages(q), { height: height - 3, text: search, active: active && open === null, reloadOn });
  const actions = usePackageActions(setMessage, list.reload);
  useInput(
    (ch, key) => {
      if (input.handle(ch, key) || list.navigate(ch, key)) return;
      if (ch.startsWith("/")) return input.start(ch.slice(1));
      const p = list.current;
      if (!p) return;
      if (key.return) setOpen(p);
      else if (ch === "r") void actions.requeue(p);
      else if (ch === "x") void actions.drop(p);
    },
    { isActive: active && open === null },
  );
  if (open) return <History pkg={open} height={height} active={active} onClose={() => setOpen(null)} />;
  const nameWidth = Math.max(20, width - 52);
  return (
    <Box flexDirection="column" height={height}>
      <WindowedList
        header={`${cell("package", nameWidth)} ${cell("release / arch", 30)} status`}
        list={list}
        height={height - 1}
        width={width}
        empty={search ? `no package name contains "${oneLine(search)}"` : "no package in the store yet: sync first"}
        rowKey={(p) => p.id}
        rowDeps={[nameWidth]}
        renderRow={(p) => [
          `${cell(oneLine(`${p.name} ${p.version}`), nameWidth)} ${cell(oneLine(`${p.distribution} ${p.release ?? ""} ${p.architecture}`), 30)} `,
          { text: cell(p.status ?? "UNKWN", 6), colour: statusColour(p.status) },
          p.queued ? " queued" : "",
        ]}
      />
      <Text dimColor={!input.editing} wrap="truncate-end">
        {input.editing ? `search: ${input.value}█` : search ? `search: ${oneLine(search)} · ${oneLine(message)}` : oneLine(message)}
      </Text>
    </Box>
  );
}
