/** `rebuilder serve-sync` (hidden): one sync of one profile, the child process serve's periodic sync runs (src/engine/sync-process.ts). */
import type { Command } from "commander";
import { serveSyncChild } from "../engine/sync-process.js";
import { CliContext } from "./context.js";

function json(what: string) {
  return (value: string): unknown => {
    try {
      return JSON.parse(value) as unknown;
    } catch (err) {
      throw new Error(`${what} is not valid JSON: ${(err as Error).message}`);
    }
  };
}

export function registerServeSyncCommand(program: Command): void {
  program
    .command("serve-sync", { hidden: true })
    .description("sync one profile, reporting JSON lines on stdout (run by serve in a child process)")
    .requiredOption("--profile-json <json>", "the sync profile", json("--profile-json"))
    .requiredOption("--policy-json <json>", "the engine's [schedule] policy", json("--policy-json"))
    .action(async (o: { profileJson: Parameters<typeof serveSyncChild>[2]; policyJson: Parameters<typeof serveSyncChild>[3] }, cmd: Command) => {
      const ctx = CliContext.of(cmd);
      try {
        await serveSyncChild(ctx.store(), ctx.dataDir, o.profileJson, o.policyJson, (line) => process.stdout.write(line));
      } finally {
        ctx.close();
      }
    });
}
