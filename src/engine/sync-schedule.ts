/**
 * The periodic sync `serve` runs (a `[sync]` section): each profile of the sync config is
 * re-synced `interval` seconds after its last run started, one sync at a time, so a home server
 * stays current without a systemd timer. Each sync runs in a child process (sync-process.ts), so
 * the server answers requests meanwhile. Each profile's last run, next run, last error and last
 * summary live in the store (sync_schedule), so a restart keeps the rhythm.
 */
import type { EngineConfig, SyncScheduleConfig } from "./config.js";
import type { EventBus } from "./events.js";
import { defaultSyncConfigPath } from "./paths.js";
import type { Database } from "./store/index.js";
import { markSyncFinished, markSyncStarted, planSync, syncScheduleRow } from "./store/queries/sync-schedule.js";
import { addSeconds, fromDbTime, toDbTime } from "./store/time.js";
import { SyncProcessAborted, syncInChildProcess } from "./sync-process.js";
import type { SyncSummary } from "../sync/run.js";
import { loadSyncConfig, selectProfiles } from "../sync/profiles.js";
import type { SyncProfile, SyncProgress } from "../sync/types.js";

export interface SyncScheduleOptions {
  db: Database;
  dataDir: string;
  config: EngineConfig;
  events: EventBus;
  warn?: (message: string) => void;
  /** Called after each sync with its summary (the engine announces what it queued). */
  onSynced?: (summary: SyncSummary) => void;
}

/** setTimeout's limit; a later run is reached by re-arming. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function progressDetail(e: SyncProgress): { detail: string; bytes?: number; packages?: number } {
  if (e.kind === "fetch") return { detail: e.url, bytes: e.bytes };
  if (e.kind === "parse") return { detail: e.file, packages: e.packages };
  return { detail: e.scope, packages: e.packages };
}

class SyncAbandoned extends Error {
  constructor() {
    super("stopped before it finished (the server was shut down); runs again at the next start");
  }
}

export class SyncSchedule {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private started = false;
  /** Each profile's requested or running sync; syncs run one after another (they share the store and the CPU). */
  private readonly runs = new Map<string, Promise<SyncSummary>>();
  private pending: Promise<unknown> = Promise.resolve();
  /** Aborted by stop({ wait: false }): kills a running sync's process. */
  private readonly abandon = new AbortController();

  constructor(private readonly opts: SyncScheduleOptions) {}

  get settings(): SyncScheduleConfig | undefined {
    return this.opts.config.sync;
  }

  get syncConfigPath(): string {
    return this.settings?.config ?? defaultSyncConfigPath();
  }

  /** The scheduled profiles, read from the sync config now (so edits apply at the next run). Throws a clear error when it cannot. */
  profiles(): SyncProfile[] {
    const settings = this.settings;
    if (!settings) return [];
    const file = this.syncConfigPath;
    const { profiles, warnings } = loadSyncConfig(file);
    for (const w of warnings) this.opts.warn?.(w);
    const selected = selectProfiles(profiles, settings.profiles, file);
    if (selected.length === 0) throw new Error(`${file}: no sync profiles; add a [profile."<name>"] table or remove [sync]`);
    return selected;
  }

  /**
   * Starts the schedule: profiles never synced are due now, the others keep their stored next
   * run. Throws when [sync] names a sync config or profile that does not exist, so `serve`
   * refuses to start instead of failing silently hours later.
   */
  start(now = new Date()): void {
    if (!this.settings || this.started) return;
    const profiles = this.profiles();
    for (const p of profiles) if (!syncScheduleRow(this.opts.db, p.name)?.next_run) planSync(this.opts.db, p.name, toDbTime(now));
    this.started = true;
    this.arm();
  }

  /**
   * Stops scheduling. A sync in progress is let finish, or with `wait: false` abandoned: its
   * process is killed (safe: the import is one transaction, and the profile is due again at the
   * next start). Either way, it has ended when this resolves.
   */
  async stop({ wait = true }: { wait?: boolean } = {}): Promise<void> {
    this.started = false;
    if (!wait) this.abandon.abort();
    clearTimeout(this.timer);
    await this.pending;
  }

  /** Syncs one profile now, or joins its sync if one is requested or running. Others wait their turn. */
  runNow(profileName: string): Promise<SyncSummary> {
    const existing = this.runs.get(profileName);
    if (existing) return existing;
    const run = this.pending.then(() => this.runOne(profileName)).finally(() => this.runs.delete(profileName));
    this.runs.set(profileName, run);
    this.pending = run.catch(() => {});
    return run;
  }

  private async runOne(profileName: string): Promise<SyncSummary> {
    const { db, events, config } = this.opts;
    const interval = this.settings?.interval ?? 0;
    const startedAt = new Date();
    markSyncStarted(db, profileName, toDbTime(startedAt));
    const nextRun = () => toDbTime(addSeconds(startedAt, interval));
    try {
      const profile = this.profiles().find((p) => p.name === profileName);
      if (!profile) throw new Error(`${this.syncConfigPath}: no profile "${profileName}" any more`);
      if (this.abandon.signal.aborted) throw new SyncAbandoned();
      const summary = await syncInChildProcess({
        dataDir: this.opts.dataDir,
        profile,
        policy: config.schedule,
        signal: this.abandon.signal,
        onStarted: (pid) => events.publish({ type: "sync.started", profile: profileName, pid }),
        onProgress: (e) => events.publish({ type: "sync.progress", profile: profileName, kind: e.kind, ...progressDetail(e) }),
        ...(this.opts.warn ? { onWarning: this.opts.warn } : {}),
      }).catch((err: unknown) => {
        throw err instanceof SyncProcessAborted ? new SyncAbandoned() : err;
      });
      markSyncFinished(db, profileName, toDbTime(new Date()), nextRun(), { summary });
      const { profile: _, ...counts } = summary;
      events.publish({ type: "sync.finished", profile: profileName, summary: counts });
      this.opts.onSynced?.(summary);
      return summary;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // An abandoned sync is due again at once: the next start picks it up.
      const finishedAt = toDbTime(new Date());
      markSyncFinished(db, profileName, finishedAt, err instanceof SyncAbandoned ? finishedAt : nextRun(), { error: message });
      if (err instanceof SyncAbandoned) throw err;
      this.opts.warn?.(`periodic sync of ${profileName} failed: ${message} (next try at ${nextRun()} UTC)`);
      throw err;
    }
  }

  /** Arms the timer for the earliest next run among the scheduled profiles. */
  private arm(): void {
    clearTimeout(this.timer);
    if (!this.started) return;
    let names: string[];
    try {
      names = this.profiles().map((p) => p.name);
    } catch (err) {
      // The sync config broke while running: say so, and look again after one interval.
      this.opts.warn?.(`periodic sync: ${(err as Error).message}`);
      this.timer = setTimeout(() => this.arm(), Math.min(MAX_TIMER_MS, (this.settings?.interval ?? 3600) * 1000));
      this.timer.unref?.();
      return;
    }
    const next = names.map((name) => ({ name, at: syncScheduleRow(this.opts.db, name)?.next_run ?? toDbTime(new Date()) }));
    const earliest = next.reduce((a, b) => (b.at < a.at ? b : a));
    const delay = Math.max(0, fromDbTime(earliest.at).getTime() - Date.now());
    this.timer = setTimeout(() => void this.fire(next.filter((n) => fromDbTime(n.at).getTime() <= Date.now()).map((n) => n.name)), Math.min(delay, MAX_TIMER_MS));
    this.timer.unref?.();
  }

  private async fire(due: string[]): Promise<void> {
    for (const name of due) {
      if (!this.started) return;
      // Failures are recorded in the store and logged by runOne.
      await this.runNow(name).catch(() => {});
    }
    this.arm();
  }
}
