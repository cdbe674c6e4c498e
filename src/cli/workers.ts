/** `rebuilder workers ls`: the workers of the local store or of the `-H` server, and the status lines rebuildctl prints for them. */
import type { Command } from "commander";
import { listWorkers, type WorkerRecord } from "../engine/store/queries/workers.js";
import { clientFor, endpointOf } from "./client/remote-commands.js";
import { BLUE, BOLD, GREEN, GREY, RED, YELLOW, painter, type Paint } from "./colors.js";
import { CliContext } from "./context.js";
import { safe } from "./terminal.js";

/** rebuildctl status: `<name> (<address>)` padded to 40, then `=> "status"` or idle. */
export function workerStatusLine(w: Pick<WorkerRecord, "name" | "address" | "status">, paint: Paint): string {
  const label = `${safe(w.name)} (${safe(w.address)})`;
  return `${paint(GREEN, safe(w.name))} (${paint(YELLOW, safe(w.address))})${" ".repeat(Math.max(0, 40 - label.length))} => ${w.status === null ? paint(BLUE, "idle") : paint(BOLD, safe(JSON.stringify(w.status)))}`;
}

export function workerTableLine(w: WorkerRecord, paint: Paint): string {
  const online = w.is_online ? paint(GREEN, "online ") : paint(RED, "offline");
  return `${String(w.id).padStart(4)}  ${online}  ${paint(GREY, w.last_ping.replace("T", " ").slice(0, 19))}  ${workerStatusLine(w, paint)}`;
}

/** Every worker, page by page (the v1 listing is paginated like the others). */
export async function allWorkers(cmd: Command, ctx: CliContext): Promise<WorkerRecord[]> {
  if (!endpointOf(cmd)) return listWorkers(ctx.store(), { limit: 1_000_000 }).records;
  const client = clientFor(cmd);
  const all: WorkerRecord[] = [];
  for await (const page of client.pages((q) => client.listWorkers(q), {})) all.push(...page);
  return all;
}

export function registerWorkersCommands(program: Command): void {
  program
    .command("workers")
    .description("build workers")
    .command("ls")
    .description("list the workers: id, online, last ping, name (address) and what it is doing")
    .option("--json", "print a JSON array of v1 Worker records")
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const ctx = CliContext.of(cmd);
      try {
        const workers = await allWorkers(cmd, ctx);
        const paint = painter(cmd);
        if (o.json) process.stdout.write(`${JSON.stringify(workers, null, 2)}\n`);
        else for (const w of workers) process.stdout.write(`${workerTableLine(w, paint)}\n`);
      } finally {
        ctx.close();
      }
    });
}
