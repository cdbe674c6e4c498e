/** `rebuilder sync`, `pkgs sync` and `pkgs sync-profile`: index → local store, with progress and a summary. */
import { resolve } from "node:path";
import type { Command } from "commander";
import { runAsBackground } from "../engine/cpu-priority.js";
import { collectReports, syncProfile, type SyncSummary } from "../sync/run.js";
import { chooseProfiles } from "../sync/chosen-profiles.js";
import { loadSyncConfig, selectProfiles } from "../sync/profiles.js";
import type { SyncProfile, SyncProgress } from "../sync/types.js";
import { unverifiedReason } from "../sync/unverified.js";
import { submitReports } from "./client/remote-commands.js";
import { CliContext, collect, warn } from "./context.js";
import { formatBytes, safe, StatusLine } from "./terminal.js";

interface SyncOutputOptions {
  json?: boolean;
  printJson?: boolean;
  force?: boolean;
  /** Unset by --normal-priority. */
  background: boolean;
}

function describe(e: SyncProgress): string {
  if (e.kind === "fetch") {
    const name = e.url.split("/").slice(-3).join("/");
    return `fetching ${name} ${formatBytes(e.bytes)}${e.total ? ` of ${formatBytes(e.total)}` : ""}`;
  }
  if (e.kind === "import") return `importing ${e.packages.toLocaleString("en")} source packages of ${e.scope}`;
  return `parsing ${e.file.split("/").slice(-3).join("/")}: ${e.packages.toLocaleString("en")} packages`;
}

/**
 * Each number says what it counts: source package versions imported = new (name unknown before)
 * + updated (a new version of a known name), out of the distinct versions the index lists.
 */
export function summaryLine(s: SyncSummary): string {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return (
    `${s.profile}: ${plural(s.imported, "source package", "source packages")} imported ` +
    `(${s.new} new, ${s.updated} updated) of ${s.packages} listed, ` +
    `${plural(s.binaries, "binary", "binaries")}, ${s.vanished} vanished, ${s.queued} queued` +
    (s.unchanged ? `, ${plural(s.unchanged, "scope", "scopes")} unchanged` : "") +
    `, took ${s.took_s.toFixed(2)}s`
  );
}

async function runSync(ctx: CliContext, profiles: SyncProfile[], opts: SyncOutputOptions): Promise<void> {
  if (opts.background) {
    const notIdle = runAsBackground();
    if (notIdle) warn(notIdle);
  }
  for (const p of profiles) {
    const unverified = unverifiedReason(p);
    if (unverified) warn(unverified);
  }
  const db = ctx.store();
  const status = new StatusLine();
  let lastPhase = "";
  const common = {
    dataDir: ctx.dataDir,
    policy: ctx.config().schedule,
    force: opts.force,
    onProgress: (profile: string, e: SyncProgress) => {
      const phase = `${e.kind} ${"url" in e ? e.url : "file" in e ? e.file : e.scope}`;
      status.update(`${profile}: ${describe(e)}`, phase !== lastPhase);
      lastPhase = phase;
    },
    onWarning: (m: string) => {
      if ((ctx.options.verbose ?? 0) > 0) {
        status.clear();
        warn(m);
      }
    },
  };
  try {
    const endpoint = (ctx.options as { endpoint?: string }).endpoint;
    if (opts.printJson || endpoint) {
      const all = [];
      for (const p of profiles) all.push(...(await collectReports(db, p, { ...common, force: true })).reports.map((r) => r.report));
      status.clear();
      // With -H the server imports and queues; the local store only keeps the fetched index files.
      if (endpoint && !opts.printJson) await submitReports(endpoint, ctx.options.config, all);
      else process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
      return;
    }
    const summaries: SyncSummary[] = [];
    for (const p of profiles) {
      summaries.push(await syncProfile(db, p, common));
      status.clear();
      if (!opts.json) process.stdout.write(`${safe(summaryLine(summaries.at(-1)!))}\n`);
    }
    if (opts.json) process.stdout.write(`${JSON.stringify(summaries.length === 1 ? summaries[0] : summaries)}\n`);
  } finally {
    status.clear();
  }
}

interface PkgsSyncOptions extends SyncOutputOptions {
  component?: string[];
  architecture?: string[];
  release?: string[];
  maintainer?: string[];
  pkg?: string[];
  exclude?: string[];
  syncMethod?: string;
  keyring?: string;
  verify: boolean;
}

function profileFromFlags(distro: string, source: string, o: PkgsSyncOptions): SyncProfile {
  return {
    // Scopes are per profile name: ad-hoc syncs of different components must not un-see each other.
    name: `${distro}/${(o.component ?? []).join("+")}`,
    distro,
    sync_method: o.syncMethod ?? distro,
    components: o.component ?? [],
    releases: (o.release ?? []).map((name) => ({ name })),
    architectures: o.architecture ?? [],
    source,
    include: [],
    maintainers: o.maintainer ?? [],
    pkgs: o.pkg ?? [],
    excludes: o.exclude ?? [],
    verify_signature: o.verify,
    ...(o.keyring ? { keyring: o.keyring } : {}),
  };
}

function loadProfiles(given: string, names: string[]): SyncProfile[] {
  const file = resolve(given);
  const { profiles, warnings } = loadSyncConfig(file);
  for (const w of warnings) warn(w);
  return selectProfiles(profiles, names, file);
}

export function registerSyncCommands(program: Command, pkgs: Command): void {
  program
    .command("sync")
    .description("sync package indexes into the local store: the named profiles, all profiles of the sync config, or a default profile for this machine")
    .argument("[profile...]", "profile names from the sync config")
    .option("--sync-config <file>", "profiles in rebuilderd-sync.conf form", undefined)
    .option("--json", "print the summary as JSON")
    .option("--force", "parse and import even indexes that did not change")
    .option("--no-background", "run at normal CPU priority, not as background work (faster on a busy machine)")
    .option("--print-json", "print the profiles it would sync as JSON (with no sync config: those detected from this machine), without syncing")
    .action(async (names: string[], o: { syncConfig?: string } & SyncOutputOptions, cmd: Command) => {
      const ctx = CliContext.of(cmd);
      try {
        const { profiles, warnings } = chooseProfiles(o.syncConfig, names);
        for (const w of warnings) warn(w);
        if (o.printJson) process.stdout.write(`${JSON.stringify(profiles, null, 2)}\n`);
        else await runSync(ctx, profiles, o);
      } finally {
        ctx.close();
      }
    });

  pkgs
    .command("sync")
    .description("sync one distribution index into the local store (same options as rebuildctl pkgs sync)")
    .argument("<distro>")
    .argument("<source>", "mirror URL, URL template ($repo/$arch for Arch) or local path")
    .option("--component <c>", "component / repository (repeatable)", collect)
    .option("--architecture <a>", "architecture (repeatable)", collect)
    .option("--release <r>", "release / suite (repeatable)", collect)
    .option("--maintainer <m>", "include binaries whose maintainer starts with this (repeatable)", collect)
    .option("--pkg <glob>", "include binaries whose name matches (repeatable)", collect)
    .option("--exclude <glob>", "always drop binaries whose name matches (repeatable)", collect)
    .option("--sync-method <m>", "parser: archlinux, debian, fedora, tails (default: <distro>)")
    .option("--keyring <file>", "OpenPGP keyring the index signature is checked against")
    .option("--no-verify", "do not check the index signature (not recommended)")
    .option("--print-json", "print the package reports instead of importing them")
    .option("--json", "print the summary as JSON")
    .option("--force", "parse and import even indexes that did not change")
    .option("--no-background", "run at normal CPU priority, not as background work (faster on a busy machine)")
    .action(async (distro: string, source: string, o: PkgsSyncOptions, cmd: Command) => {
      const ctx = CliContext.of(cmd);
      try {
        await runSync(ctx, [profileFromFlags(distro, source, o)], o);
      } finally {
        ctx.close();
      }
    });

  pkgs
    .command("sync-profile")
    .description("sync the named profiles of a rebuilderd-sync.conf file into the local store")
    .argument("<profile...>")
    .option("--sync-config <file>", "profiles in rebuilderd-sync.conf form", "/etc/rebuilderd-sync.conf")
    .option("--print-json", "print the package reports instead of importing them")
    .option("--json", "print the summary as JSON")
    .option("--force", "parse and import even indexes that did not change")
    .option("--no-background", "run at normal CPU priority, not as background work (faster on a busy machine)")
    .action(async (names: string[], o: { syncConfig: string } & SyncOutputOptions, cmd: Command) => {
      const ctx = CliContext.of(cmd);
      try {
        await runSync(ctx, loadProfiles(o.syncConfig, names), o);
      } finally {
        ctx.close();
      }
    });
}
