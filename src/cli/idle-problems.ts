/** What kept queued jobs from being built, as `build` and `status` tell it. */
import { describeUnbuildable, type UnbuildableJobs } from "../engine/diagnostics/unbuildable.js";
import type { RunSummary } from "../engine/workers/index.js";
import { warn } from "./context.js";
import { safe } from "./terminal.js";

/** The indented lines under a headline: one per group of jobs no slot can build. */
export function unbuildableText(groups: UnbuildableJobs[]): string | null {
  const d = describeUnbuildable(groups);
  return d && safe(`${d.headline}:\n${d.lines.map((l) => `  ${l}`).join("\n")}`);
}

/** Warns now (the foreground `build` keeps running: a fixed machine is picked up on the next claim). */
export function warnUnbuildable(groups: UnbuildableJobs[]): void {
  const text = unbuildableText(groups);
  if (text) warn(text);
}

/**
 * After `build --until-idle`: an error when a slot stopped on a setup failure or jobs wait that
 * no slot can build, so the exit code is not 0 while work is left undone.
 */
export function idleProblems(summary: RunSummary, groups: UnbuildableJobs[]): Error | null {
  const parts = summary.setup_errors.map((e) => safe(`${e.slot} paused (its job went back to the queue): ${e.message}`));
  const text = unbuildableText(groups);
  if (text) parts.push(text);
  return parts.length ? new Error(parts.join("\n")) : null;
}
