/** Builds the `rebuilder` command line; each command group lives in its own module. */
import { Command, CommanderError } from "commander";
import pkg from "../../package.json" with { type: "json" };
import { registerSyncCommands } from "./sync.js";
import { registerPkgsList } from "./pkgs.js";
import { registerQueueCommands } from "./queue.js";
import { registerBuildCommand } from "./build.js";
import { registerStatusCommand } from "./status.js";
import { registerDoctorCommand } from "./doctor.js";
import { registerTuiCommand } from "./tui.js";
import { registerServeCommand } from "./serve.js";
import { registerServeSyncCommand } from "./serve-sync.js";
import { registerWorkerCommand } from "./worker.js";
import { registerCheckCommand } from "./check.js";
import { registerRemoteCommands } from "./remote.js";
import { CommandExit } from "./exit.js";
import { refuseEndpoint } from "./client/remote-commands.js";
import { registerWorkersCommands } from "./workers.js";
import { registerSyncStdinCommand } from "./sync-stdin.js";
import { registerCompletionsCommand } from "./completions.js";
import { safe } from "./terminal.js";

export function buildProgram(): Command {
  const program = new Command("rebuilder")
    .description("Independent verification of Linux binary packages: follow an index, rebuild every new version, keep the verdict and its evidence.")
    .version(pkg.version, "-V, --version")
    .option("--data-dir <dir>", "where the store lives (default: $REBUILDER_DATA_DIR, else the XDG data directory)")
    .option("-c, --config <file>", "engine configuration in rebuilderd.conf / rebuilderd-worker.conf form")
    .option("-v, --verbose", "more output (repeatable)", (_: string, n: number) => n + 1, 0)
    .option("-H, --endpoint <url>", "work on this rebuilderd-compatible server instead of the local store")
    .option("-C, --color", "colours even when the output is not a terminal")
    .showHelpAfterError()
    .exitOverride()
    .hook("preAction", refuseEndpoint);

  const pkgs = program.command("pkgs").description("packages in the local store: sync indexes, list verdicts");
  registerSyncCommands(program, pkgs);
  registerPkgsList(pkgs);
  registerQueueCommands(program);
  registerBuildCommand(program);
  registerStatusCommand(program);
  registerDoctorCommand(program);
  registerTuiCommand(program);
  registerServeCommand(program);
  registerServeSyncCommand(program);
  registerWorkerCommand(program);
  registerCheckCommand(program);
  registerRemoteCommands(program);
  registerWorkersCommands(program);
  registerSyncStdinCommand(pkgs);
  registerCompletionsCommand(program);
  for (const c of program.commands) c.exitOverride();
  for (const c of pkgs.commands) c.exitOverride();
  return program;
}

/** Runs the program; returns the exit code (0 ok, 1 error, 2 usage). */
export async function main(argv: string[]): Promise<number> {
  // `rebuilder pkgs ls | head` closes our stdout early: that is the reader's choice, not an error.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommandExit) return err.code;
    if (err instanceof CommanderError) {
      // Help and version are printed by commander itself and end with a zero code.
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`rebuilder: error: ${safe((err as Error).message)}\n`);
    if (process.env.REBUILDER_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}
