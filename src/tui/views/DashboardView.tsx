/** At a glance: verdicts overall and per release, the reproducible share, the queue, each profile's sync, and what can build here. */
import { Box, Text } from "ink";
import { oneLine } from "../../cli/terminal.js";
import type { EngineEvent } from "../../engine/events.js";
import { useSource } from "../app-context.js";
import { FixedLine } from "../components/FixedLine.js";
import type { VerdictCounts } from "../data/source.js";
import type { SyncProgress } from "../data/sync-progress.js";
import { statusColour } from "../colours.js";
import { cell, count, percent, shortTime } from "../format.js";
import { useSnapshot } from "../hooks/use-snapshot.js";
import { useLive } from "../hooks/use-live.js";

const STATUSES = ["GOOD", "BAD", "FAIL", "UNKWN"] as const;
const reloadOn = (e: EngineEvent) => e.type === "job.finished" || e.type === "sync.finished" || e.type === "job.started";

function CountsRow({ label, counts, bold }: { label: string; counts: VerdictCounts; bold?: boolean }) {
  return (
    <Text wrap="truncate-end" bold={bold ?? false}>
      {cell(oneLine(label), 24)}
      {STATUSES.map((s) => (
        <Text key={s} color={statusColour(s)}>
          {count(counts[s]).padStart(9)}
        </Text>
      ))}
      {percent(counts.GOOD, counts.GOOD + counts.BAD).padStart(14)}
    </Text>
  );
}

export function DashboardView({ height, width, active, sync }: { height: number; width: number; active: boolean; sync: SyncProgress }) {
  const source = useSource();
  const { data, error } = useSnapshot(() => source.dashboard(), [], { active, reloadOn, minIntervalMs: 1000 });
  const progress = useLive(sync, { active, fps: 4 }).value;
  if (error) return <Text color="red">cannot read the store: {oneLine(error)}</Text>;
  if (!data) return <Text dimColor>loading…</Text>;

  const total: VerdictCounts = { GOOD: 0, BAD: 0, FAIL: 0, UNKWN: 0 };
  for (const r of data.releases) for (const s of STATUSES) total[s] += r[s];
  const releases = data.releases.slice(0, Math.max(0, height - 12));
  const profiles = new Set([...data.profiles.map((p) => p.profile), ...progress.keys()]);
  const { available, unavailable } = data.backends;
  // Doctor's findings get the rows left; the rest is one `rebuilder doctor` away.
  const errors = data.profiles.filter((p) => p.last_error && !progress.has(p.profile)).length;
  const used = 8 + releases.length + Math.max(1, profiles.size) + errors * 2 + (data.installed ? 1 : 0);
  const room = Math.max(1, height - used);
  const problems = data.problems.length > room ? [...data.problems.slice(0, room - 1), { level: "warn" as const, message: `… ${data.problems.length - room + 1} more: run rebuilder doctor` }] : data.problems;
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Text bold>
        {cell("Verdicts", 24)}
        {STATUSES.map((s) => s.padStart(9)).join("")}
        {"reproducible".padStart(14)}
      </Text>
      <CountsRow label="all" counts={total} bold />
      {releases.map((r) => (
        <CountsRow key={`${r.distribution} ${r.release}`} label={`${r.distribution} ${r.release ?? ""}`} counts={r} />
      ))}
      <Text dimColor>reproducible: GOOD of the rebuilds that were compared (GOOD + BAD)</Text>
      <FixedLine width={width} spans={[`Queue: ${count(data.queue.running)} running, ${count(data.queue.waiting)} waiting, ${count(data.queue.planned)} planned for a retry`]} />
      {data.installed && (
        <Text wrap="truncate-end">
          This machine ({data.installed.manager}): {count(data.installed.verified)} of {count(data.installed.known)} installed packages the store knows are verified (
          {percent(data.installed.verified, data.installed.known)}); {count(data.installed.installed - data.installed.known)} unknown
        </Text>
      )}
      <Text bold>Sync</Text>
      {profiles.size === 0 && <Text dimColor>no profile synced yet</Text>}
      {[...profiles].map((name) => {
        const p = data.profiles.find((x) => x.profile === name);
        const live = progress.get(name);
        return (
          <Box key={name} flexDirection="column">
            <FixedLine
              width={width}
              spans={[cell(oneLine(name), 24), live ? { text: live, colour: "cyan" } : `last ${shortTime(p?.last_finished ?? null)} · next ${shortTime(p?.next_run ?? null)}`]}
            />
            {!live && p?.last_error ? (
              <Box height={2} paddingLeft={2}>
                <Text color="red" wrap="wrap">
                  last run failed: {oneLine(p.last_error)}
                </Text>
              </Box>
            ) : null}
          </Box>
        );
      })}
      <Text bold>Backends</Text>
      {available.length === 0 ? (
        <Text color="red" wrap="truncate-end">No backend can build on this machine: nothing will be rebuilt until one is installed.</Text>
      ) : (
        <Text wrap="truncate-end">building with: {available.map(oneLine).join(", ")}</Text>
      )}
      {problems.map((p, i) => (
        <Text key={i} wrap="truncate-end" color={p.level === "FAIL" ? "red" : "yellow"}>
          {p.level.padEnd(4)} {oneLine(p.message)}
        </Text>
      ))}
      {data.problems.length === 0 && unavailable.map((u) => (
        <Text key={u.name} wrap="truncate-end" color={available.length === 0 ? "yellow" : "gray"}>
          {cell(oneLine(u.name), 12)} {oneLine(u.reason)}
        </Text>
      ))}
    </Box>
  );
}
