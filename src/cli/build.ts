/** `rebuilder build`: the local worker slots in the foreground, until idle or until stopped. */
import type { Command } from "commander";
import type { RunSummary } from "../engine/workers/index.js";
import { CliContext, warn } from "./context.js";
import { safe } from "./terminal.js";

function summaryLine(s: RunSummary): string {
  return `built ${s.built}: ${s.good} GOOD, ${s.bad} BAD, ${s.fail} FAIL, took ${s.took_s.toFixed(1)}s`;
}

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
      engine.events.subscribe((e) => {
        if (e.type === "job.started") process.stderr.write(safe(`[${e.slot}] building ${e.name} ${e.version} (${e.architecture}, ${e.backend})\n`));
        if (e.type === "job.finished") process.stderr.write(safe(`[${e.slot}] ${e.status} ${e.name} ${e.version}${e.reason ? `: ${e.reason}` : ""}\n`));
      });
      let signals = 0;
      let stopRequested!: (stopping: Promise<void>) => void;
      const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
      const onSignal = () => {
        signals++;
        process.stderr.write(signals === 1 ? "rebuilder: finishing running builds (Ctrl-C again to hand them back)\n" : "rebuilder: handing running builds back to the queue\n");
        // The first stop() settles once every slot has stopped; a second one only aborts the builds.
        stopRequested(slots.stop({ handBack: signals > 1 }));
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      try {
        const summary = o.untilIdle ? await slots.runUntilIdle() : await slots.runUntilStopped(stopped);
        process.stdout.write(o.json ? `${JSON.stringify(summary)}\n` : `${summaryLine(summary)}\n`);
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await engine.close();
        ctx.close();
      }
    });
}
