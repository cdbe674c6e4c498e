/**
 * `rebuilder tui`: the engine (store, local worker slots, sync) and the Ink UI in one process.
 * With no sync schedule configured it syncs the profiles of the sync config, or this machine's
 * default profiles, once at start; progress and results appear on the dashboard.
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { createElement } from "react";
import { render } from "ink";
import type { Engine } from "../engine/engine.js";
import { defaultSyncConfigPath } from "../engine/paths.js";
import { machineDefaultProfiles, systemRoot } from "../sync/default-profiles.js";
import { loadSyncConfig } from "../sync/profiles.js";
import { syncProfile } from "../sync/run.js";
import type { SyncProfile } from "../sync/types.js";
import { App } from "../tui/App.js";
import { LocalSource } from "../tui/data/local-source.js";
import { CliContext } from "./context.js";
import { safe } from "./terminal.js";

interface TuiOptions {
  slots?: number;
  sync: boolean;
  syncConfig?: string;
}

/** Profiles to sync once at start: the sync config's, else what this machine's apt/pacman follows. */
function startupProfiles(syncConfig: string | undefined, warn: (m: string) => void): SyncProfile[] {
  const file = syncConfig ?? defaultSyncConfigPath();
  const loaded = syncConfig || existsSync(file) ? loadSyncConfig(file) : machineDefaultProfiles(systemRoot(), file);
  for (const w of loaded.warnings) warn(w);
  return loaded.profiles;
}

/** One sync of each profile, one after another, reported on the event bus as the periodic sync reports its runs. */
async function syncOnce(engine: Engine, profiles: SyncProfile[], warn: (m: string) => void): Promise<void> {
  for (const profile of profiles) {
    try {
      const summary = await syncProfile(engine.db, profile, {
        dataDir: engine.dataDir,
        policy: engine.config.schedule,
        onProgress: (name, e) =>
          engine.events.publish({
            type: "sync.progress",
            profile: name,
            kind: e.kind,
            ...(e.kind === "fetch" ? { detail: e.url, bytes: e.bytes } : e.kind === "parse" ? { detail: e.file, packages: e.packages } : { detail: e.scope, packages: e.packages }),
          }),
        onWarning: warn,
      });
      const { profile: name, ...counts } = summary;
      engine.events.publish({ type: "sync.finished", profile: name, summary: counts });
      if (summary.queued > 0) engine.slots.wake();
    } catch (err) {
      warn(`sync of ${profile.name} failed: ${(err as Error).message}`);
      engine.events.publish({ type: "sync.finished", profile: profile.name, summary: {} });
    }
  }
}

export function registerTuiCommand(program: Command): void {
  program
    .command("tui")
    .description("the live terminal UI: runs the engine (store, worker slots, sync) in this process; q finishes running builds and exits, q twice hands them back")
    .option("--slots <n>", "number of worker slots (default: [slots] count)", (v) => {
      if (!/^[1-9]\d*$/.test(v)) throw new Error(`--slots must be a positive integer, got ${JSON.stringify(v)}`);
      return Number(v);
    })
    .option("--sync-config <file>", "profiles to sync at start, in rebuilderd-sync.conf form (default: the sync config, else this machine's default profiles)")
    .option("--no-sync", "do not sync at start")
    .action(async (o: TuiOptions, cmd: Command) => {
      if (!process.stdin.isTTY || !process.stdout.isTTY) throw new Error("rebuilder tui needs a terminal: run it in one (for scripts use `rebuilder status`, `queue ls` or `build --until-idle`)");
      const ctx = CliContext.of(cmd);
      const config = ctx.config();
      if (o.slots) config.slots.count = o.slots;
      // Warnings would tear the full-screen drawing; they are kept and printed after it ends.
      const warnings: string[] = [];
      const warn = (m: string) => warnings.push(m);
      const profiles = o.sync && !config.sync ? startupProfiles(o.syncConfig, (m) => process.stderr.write(`rebuilder: warning: ${safe(m)}\n`)) : [];
      const engine = await ctx.engine({ warn, echoOutput: false });
      let quits = 0;
      let stopped: Promise<void> | undefined;
      const quit = () => {
        quits++;
        // The first stop lets running builds finish; a second one hands them back. The UI stays up meanwhile.
        stopped = Promise.all([engine.slots.stop({ handBack: quits > 1 }), engine.sync.stop({ wait: false })]).then(() => app.unmount());
      };
      process.stdout.write("\u001b[?1049h"); // the alternate screen: the shell's screen comes back on exit
      const app = render(createElement(App, { source: new LocalSource(engine), onQuit: quit }), {
        exitOnCtrlC: false,
        patchConsole: true,
      });
      process.on("SIGTERM", quit);
      let syncing: Promise<void> | undefined;
      try {
        engine.slots.start();
        if (o.sync) {
          if (config.sync) engine.sync.start();
          else syncing = syncOnce(engine, profiles, warn).finally(() => (syncing = undefined));
        }
        await app.waitUntilExit();
        await stopped;
      } finally {
        process.off("SIGTERM", quit);
        process.stdout.write("\u001b[?1049l");
        const interrupted = syncing !== undefined;
        await engine.close();
        ctx.close();
        for (const w of warnings) process.stderr.write(`rebuilder: warning: ${safe(w)}\n`);
        if (interrupted) {
          // A sync cannot be cancelled midway; each scope imports in one transaction, so leaving it is safe.
          process.stderr.write("rebuilder: the start-up sync was interrupted; it runs again at the next start\n");
          process.exit(0);
        }
      }
    });
}
