/** `rebuilder status`: workers in rebuildctl's format, then the verdict and queue counts of the local store. */
import type { Command } from "commander";
import { unbuildableJobs } from "../engine/diagnostics/unbuildable.js";
import { storeStatus } from "../engine/store/queries/status.js";
import { nowDb } from "../engine/store/time.js";
import { resolveCapabilities } from "../engine/workers/index.js";
import { endpointOf, remoteStatus } from "./client/remote-commands.js";
import { painter } from "./colors.js";
import { CliContext } from "./context.js";
import { unbuildableText } from "./idle-problems.js";
import { workerStatusLine } from "./workers.js";

export function registerStatusCommand(program: Command): void {
  program
    .command("status")
    .description("workers, verdicts and the queue of the local store")
    .option("--json", "print the status as JSON")
    .action(async (o: { json?: boolean }, cmd: Command) => {
      if (endpointOf(cmd)) return remoteStatus(cmd, o.json === true, (w) => workerStatusLine(w, painter(cmd)));
      const ctx = CliContext.of(cmd);
      try {
        const s = storeStatus(ctx.store(), nowDb());
        const unbuildable = unbuildableJobs(ctx.store(), await resolveCapabilities(ctx.config()));
        if (o.json) {
          process.stdout.write(`${JSON.stringify({ ...s, unbuildable })}\n`);
          return;
        }
        // Names, addresses and statuses are made safe in workerStatusLine before they are coloured; the rest is ours.
        const paint = painter(cmd);
        const lines = s.workers.map((w) => workerStatusLine(w, paint));
        const p = s.packages;
        lines.push(`packages: ${p.GOOD} GOOD, ${p.BAD} BAD, ${p.FAIL} FAIL, ${p.UNKWN} UNKWN`);
        lines.push(`queue: ${s.queue.waiting} waiting, ${s.queue.running} running, ${s.queue.planned} planned for a retry`);
        const blocked = unbuildableText(unbuildable);
        if (blocked) lines.push(blocked);
        process.stdout.write(`${lines.join("\n")}\n`);
      } finally {
        ctx.close();
      }
    });
}
