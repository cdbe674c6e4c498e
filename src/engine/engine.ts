/**
 * The one object every face with a local store starts (`build`, `serve`, `tui`): the store, the engine
 * configuration, the signing key, the event bus and the local worker slots, opened together and
 * closed together. Faces subscribe to `events` and read the store through the query modules;
 * none of them wires these parts on its own.
 */
import { join } from "node:path";
import type { EngineConfig } from "./config.js";
import { loadOrCreateSigningKey, type SigningKey } from "./evidence/index.js";
import { EventBus } from "./events.js";
import { openStore, type Database } from "./store/index.js";
import { openReader } from "./store/sqlite.js";
import { announceImported } from "./queue-events.js";
import { SyncSchedule } from "./sync-schedule.js";
import type { SyncSummary } from "../sync/run.js";
import { WorkerSlots, type CreateBackend } from "./workers/index.js";

export interface EngineOptions {
  /** Absolute: every path is resolved once, at start (see src/cli/context.ts). */
  dataDir: string;
  config: EngineConfig;
  /** Echo backend output to stderr (the foreground `build`); the TUI and `serve` turn it off. */
  echoOutput?: boolean;
  warn?: (message: string) => void;
  /** Tests swap in fake backends; defaults to the backend registry. */
  createBackend?: CreateBackend;
  /** Passed to backends; defaults to this process's environment. */
  env?: Record<string, string | undefined>;
}

export function signingKeyPath(dataDir: string): string {
  return join(dataDir, "rebuilder.sign.key");
}

export class Engine {
  private closed = false;
  private reader: Database | undefined;

  private constructor(
    readonly dataDir: string,
    readonly config: EngineConfig,
    readonly db: Database,
    readonly signingKey: SigningKey,
    readonly events: EventBus,
    readonly slots: WorkerSlots,
    /** The periodic sync of `[sync]`; started by the faces that run for long (`serve`). */
    readonly sync: SyncSchedule,
  ) {}

  /**
   * A read-only connection to the store for the API's frequent reads (listings, single records):
   * its reads share one snapshot per event-loop turn (see openReader). Opened on first use.
   */
  get reads(): Database {
    if (this.closed) throw new Error("the engine is closed");
    return (this.reader ??= openReader(this.db.path));
  }

  /** Opens the store (migrating it), loads or creates the signing key and registers the slots. */
  static async open(opts: EngineOptions): Promise<Engine> {
    const db = openStore(opts.dataDir);
    try {
      const signingKey = loadOrCreateSigningKey(signingKeyPath(opts.dataDir), opts.warn);
      const events = new EventBus();
      const slots = await WorkerSlots.create({
        db,
        dataDir: opts.dataDir,
        config: opts.config,
        events,
        signingKey,
        ...(opts.createBackend ? { createBackend: opts.createBackend } : {}),
        ...(opts.echoOutput !== undefined ? { echoOutput: opts.echoOutput } : {}),
        ...(opts.env ? { env: opts.env } : {}),
      });
      const onSynced = (s: SyncSummary) => announceImported({ events, slots }, "sync", s.profile, s.queued);
      const sync = new SyncSchedule({ db, dataDir: opts.dataDir, config: opts.config, events, onSynced, ...(opts.warn ? { warn: opts.warn } : {}) });
      return new Engine(opts.dataDir, opts.config, db, signingKey, events, slots, sync);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /**
   * Stops the slots (letting running builds finish, or handing them back) and closes the store.
   * Safe to call twice: a second Ctrl-C may only want to turn finishing into handing back.
   */
  async close({ handBack = false }: { handBack?: boolean } = {}): Promise<void> {
    await Promise.all([this.sync.stop({ wait: !handBack }), this.slots.stop({ handBack })]);
    if (this.closed) return;
    this.closed = true;
    this.reader?.close();
    this.db.close();
  }
}
