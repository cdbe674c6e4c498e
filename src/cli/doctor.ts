/** `rebuilder doctor`: can this machine sync and rebuild? One line per check, grouped; exit 1 when one fails. */
import type { Command } from "commander";
import { defaultEngineConfig, loadEngineConfig } from "../engine/config.js";
import { runDoctor, type Check, type DoctorOptions } from "../engine/diagnostics/doctor.js";
import { chooseProfiles } from "../sync/chosen-profiles.js";
import { CliContext } from "./context.js";
import { safe } from "./terminal.js";

function format(checks: Check[]): string {
  const groups = [...new Set(checks.map((c) => c.group))];
  return groups
    .map((g) => [`${g}:`, ...checks.filter((c) => c.group === g).map((c) => `  ${c.level.padEnd(4)}  ${c.message}`)].join("\n"))
    .join("\n");
}

export function registerDoctorCommand(program: Command): void {
  program
    .command("doctor")
    .description("check backends and their tools, the signing key, the data directory, the queue and the sync profiles")
    .option("--sync-config <file>", "profiles in rebuilderd-sync.conf form (default: as for sync)")
    .option("--json", "print the checks as JSON")
    .action(async (o: { syncConfig?: string; json?: boolean }, cmd: Command) => {
      const ctx = CliContext.of(cmd);
      // Doctor reports a broken config instead of stopping at it.
      let config = defaultEngineConfig();
      let configPath: string | null = null;
      let configError: string | undefined;
      try {
        ({ config, path: configPath } = loadEngineConfig(ctx.options.config));
      } catch (err) {
        configError = (err as Error).message;
      }
      let profiles: DoctorOptions["profiles"];
      try {
        profiles = chooseProfiles(o.syncConfig, []);
      } catch (err) {
        profiles = { error: (err as Error).message };
      }
      const checks = await runDoctor({ dataDir: ctx.dataDir, config, configPath, ...(configError ? { configError } : {}), profiles });
      const failed = checks.filter((c) => c.level === "FAIL").length;
      process.stdout.write(o.json ? `${JSON.stringify({ checks, failed })}\n` : `${safe(format(checks))}\n`);
      if (failed) throw new Error(`${failed} ${failed === 1 ? "check" : "checks"} failed`);
    });
}
