/** `rebuilder build`: the local worker slots in the foreground, until idle or until stopped. */
import type { Command } from "commander";
import { unbuildableJobs } from "../engine/diagnostics/unbuildable.js";
import { CliContext, warn } from "./context.js";
import { idleProblems, warnUnbuildable } from "./idle-problems.js";
import { printJobEvents, summaryLine, withStopSignals } from "./slot-run.js";

export function registerBuildCommand(program: Command): void {
  program
    .command("build")
    .description("run the local worker slots: rebuild queued packages (Ctrl-C once lets running builds finish, twice hands them back)")
    .option("--until-idle", "exit when no due job is left, printing a summary")
    .option("--slots <n>", "number of worker slots (default: [slots] count)", (v) => {
      if (!/^[1-9]\d*$/.test(v)) throw new Error(`--slots must be a positive integer, got ${JSON.stringify(v)}`);
      return Number(v);
    })
    .option("--json", "print the summary as JSON")
    .action(async (o: { untilIdle?: boolean; slots?: number; json?: boolean }, cmd: Command) => {
      const ctx = CliContext.of(cmd);
      const config = ctx.config();
      if (o.slots) config.slots.count = o.slots;
      const engine = await ctx.engine({ warn });
      const { slots } = engine;
      printJobEvents(engine.events);
      if (!o.untilIdle) warnUnbuildable(unbuildableJobs(engine.db, slots.capabilities));
      const say = { finishing: "finishing running builds (Ctrl-C again to hand them back)", stopping: "handing running builds back to the queue" };
      try {
        const summary = await withStopSignals(slots, say, (stopped) => (o.untilIdle ? slots.runUntilIdle() : slots.runUntilStopped(stopped)));
        const unbuildable = unbuildableJobs(engine.db, slots.capabilities);
        process.stdout.write(o.json ? `${JSON.stringify({ ...summary, unbuildable })}\n` : `${summaryLine(summary)}\n`);
        const problems = o.untilIdle ? idleProblems(summary, unbuildable) : null;
        if (problems) throw problems;
      } finally {
        await engine.close();
        ctx.close();
      }
    });
}
