/**
 * `rebuilder pkgs sync-stdin`: one PackageReport JSON object from stdin (rebuildctl's input),
 * imported into the local store as `POST /api/v1/packages` imports it, or posted to the `-H` server.
 */
import { createHash } from "node:crypto";
import type { Command } from "commander";
import { importReports } from "../sync/import.js";
import { endpointOf, remoteSubmit } from "./client/remote-commands.js";
import { CliContext } from "./context.js";

const MAX_STDIN_BYTES = 1024 * 1024 * 1024;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_STDIN_BYTES) throw new Error(`stdin is larger than the limit of ${MAX_STDIN_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function registerSyncStdinCommand(pkgs: Command): void {
  pkgs
    .command("sync-stdin")
    .description("import one PackageReport JSON object read from stdin (as rebuildctl pkgs sync-stdin)")
    .option("--json", "print the import counts as JSON")
    .action(async (o: { json?: boolean }, cmd: Command) => {
      let body: unknown;
      try {
        body = JSON.parse(await readStdin());
      } catch (err) {
        throw new Error(`stdin is not one JSON PackageReport: ${(err as Error).message}`);
      }
      // Checked here too, so a bad report is refused before anything is sent or written.
      // Loaded here: the API's module brings Hono, which no other command needs at start.
      const { parsePackageReport } = await import("../engine/api/v1/package.js");
      const report = parsePackageReport(body);
      if (endpointOf(cmd)) return remoteSubmit(cmd, report);
      const ctx = CliContext.of(cmd);
      try {
        // The same scope as the API's import: one (distribution, release, architecture).
        const scope = `api\u0000${report.distribution}\u0000${report.release ?? ""}\u0000${report.architecture}`;
        const digest = createHash("sha256").update(JSON.stringify(report)).digest("hex");
        const counts = importReports(ctx.store(), [{ report, scope, digest }], ctx.config().schedule, new Date());
        if (o.json) process.stdout.write(`${JSON.stringify(counts)}\n`);
      } finally {
        ctx.close();
      }
    });
}
