/**
 * N worker slots in one process. Each slot is a registered worker that claims due jobs it can
 * build, runs them (job.ts) under a heartbeat lease, and records the outcome; the jobs come from
 * a JobSource: the local store, or a remote server for `rebuilder worker --connect`. Slots can be paused, woken when a job is queued, run until the queue has nothing
 * more for them, and stopped either after their current builds or at once, handing the jobs back.
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { hostname as machineHostname } from "node:os";
import { join, resolve } from "node:path";
import type { EngineConfig } from "../config.js";
import type { SigningKey } from "../evidence/index.js";
import type { BuildStatus, EventBus } from "../events.js";
import type { ClaimedJob, RebuildOutcome } from "../scheduler/index.js";
import type { Database } from "../store/index.js";
import { resolveCapabilities, type Capabilities, type CreateBackend } from "./capabilities.js";
import { DEFAULT_MAX_DOWNLOAD_BYTES, SetupFailure } from "./download.js";
import { LocalJobSource, type JobSource, type SourceWorker } from "./job-source.js";
import { runJob, type JobSettings } from "./job.js";
import { DEFAULT_HEARTBEAT_SECONDS, holdLease } from "./lease.js";
import { removeLeftoverJobDirs } from "./leftovers.js";

/** Locally, waiting rebuilderd-worker's idle_delay (180 s) would only leave new jobs waiting. */
const MAX_LOCAL_POLL_SECONDS = 2;
/** `idle_delay = 0` must not turn idle slots into a busy loop over the queue. */
const MIN_POLL_SECONDS = 0.5;

export interface WorkerSlotsOptions {
  /** Jobs come from and results go to this store, unless `source` is given. */
  db?: Database;
  source?: JobSource;
  dataDir: string;
  config: EngineConfig;
  events: EventBus;
  signingKey: SigningKey;
  /** Defaults to the backend registry. */
  createBackend?: CreateBackend;
  heartbeatSeconds?: number;
  /**
   * How often idle slots look for work; defaults to `idle_delay`, at most 2 s. For a source that
   * can watch for changes (the local store) this is how often the engine checks that cheaply,
   * waking one slot when something changed; otherwise each idle slot claims this often.
   */
  pollSeconds?: number;
  maxDownloadBytes?: number;
  /** Echo backend output to stderr; defaults to `!config.build.silent`. The TUI turns it off. */
  echoOutput?: boolean;
  /** Environment passed to backends; defaults to this process's. */
  env?: Record<string, string | undefined>;
  hostname?: string;
  /** Hears about a slot that could not claim or record (store locked, server unreachable); the slot retries after its poll interval. */
  onError?: (slot: string, err: unknown) => void;
}

export type SlotState = "idle" | "busy" | "paused" | "stopped";

export interface SlotInfo {
  name: string;
  /** The local store's worker id; null for a remote source. */
  workerId: number | null;
  workerName: string;
  state: SlotState;
  paused: boolean;
  queueId: number | null;
  /** Why the slot paused itself (a setup failure); cleared by resume(). */
  error: string | null;
}

export interface RunSummary {
  built: number;
  good: number;
  bad: number;
  fail: number;
  /** Setup failures that paused a slot meanwhile; their jobs went back to the queue. */
  setup_errors: { slot: string; message: string }[];
  took_s: number;
}

type Tally = Omit<RunSummary, "took_s">;

interface Slot {
  name: string;
  worker: SourceWorker;
  workerName: string;
  state: SlotState;
  paused: boolean;
  error: string | null;
  job: { queueId: number; abort: AbortController } | null;
  /** `epoch` at this slot's last claim that found nothing. */
  idleEpoch: number;
  wakeUp: (() => void) | null;
}

/** Abort reasons: the job goes back to the queue, or it was taken from us by the scheduler. */
class HandBack extends Error {}
class LeaseLost extends Error {}

export class WorkerSlots {
  private readonly slots: Slot[];
  private readonly settings: JobSettings;
  private readonly pollMs: number;
  private readonly heartbeatSeconds: number;
  private readonly echo: boolean;
  private readonly tmpRoot: string;
  private loops: Promise<void>[] | null = null;
  private stopping = false;
  /** Bumped whenever new work may have appeared; idleness must be re-checked after it. */
  private epoch = 0;
  private idleWaiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private tallies = new Set<Tally>();
  private poller: NodeJS.Timeout | null = null;
  /** The source's change version at the last poll. */
  private seenVersion = 0;
  /** When a waiting job becomes due (JobSource.watch.nextDue); re-read after a claim found nothing. */
  private dueAt: Date | null = null;
  private dueStale = true;

  private constructor(
    private readonly opts: WorkerSlotsOptions,
    readonly capabilities: Capabilities,
    workers: { name: string; workerName: string; worker: SourceWorker }[],
    private readonly watch: JobSource["watch"],
  ) {
    const { config, dataDir } = opts;
    this.settings = {
      buildTimeoutSeconds: config.build.timeout,
      buildMaxBytes: config.build.max_bytes,
      maxDownloadBytes: opts.maxDownloadBytes ?? config.build.max_download_bytes ?? DEFAULT_MAX_DOWNLOAD_BYTES,
      diffoscope: { enabled: config.diffoscope.enabled, args: config.diffoscope.args, timeoutSeconds: config.diffoscope.timeout, maxBytes: config.diffoscope.max_bytes },
    };
    this.pollMs = (opts.pollSeconds ?? Math.max(MIN_POLL_SECONDS, Math.min(config.idle_delay, MAX_LOCAL_POLL_SECONDS))) * 1000;
    // Several beats inside the ping deadline, however short it is configured, or a live build's job is reclaimed and built twice.
    this.heartbeatSeconds = opts.heartbeatSeconds ?? Math.min(DEFAULT_HEARTBEAT_SECONDS, config.schedule.ping_deadline / 3);
    this.echo = opts.echoOutput ?? !config.build.silent;
    this.tmpRoot = join(dataDir, "tmp");
    this.slots = workers.map((w) => ({ ...w, state: "stopped", paused: false, error: null, job: null, idleEpoch: -1, wakeUp: null }));
  }

  /** Registers one worker per slot and finds out which backends can run here. */
  static async create(opts: WorkerSlotsOptions): Promise<WorkerSlots> {
    const host = opts.hostname ?? machineHostname();
    const source = opts.source ?? localSource(opts, host);
    mkdirSync(join(opts.dataDir, "tmp"), { recursive: true, mode: 0o700 });
    await removeLeftoverJobDirs(join(opts.dataDir, "tmp"), opts.db);
    const capabilities = await resolveCapabilities(opts.config, opts.createBackend);
    const workers = [];
    for (let i = 1; i <= opts.config.slots.count; i++) {
      const name = `slot-${i}`;
      const workerName = `${host}/${name}`;
      workers.push({ name, workerName, worker: await source.register({ name, workerName }) });
    }
    return new WorkerSlots(opts, capabilities, workers, source.watch);
  }

  get running(): boolean {
    return this.loops !== null;
  }

  info(): SlotInfo[] {
    return this.slots.map((s) => ({ name: s.name, workerId: s.worker.id, workerName: s.workerName, state: s.state, paused: s.paused, queueId: s.job?.queueId ?? null, error: s.error }));
  }

  /** Starts claiming and building until stop(). */
  start(): void {
    if (this.loops) return;
    this.stopping = false;
    this.loops = this.slots.map((slot) => this.loop(slot));
    if (this.watch) {
      this.seenVersion = this.watch.version();
      this.poller = setInterval(() => this.poll(), this.pollMs);
    }
  }

  /** One cheap look per interval for the whole engine: wakes one idle slot when another process changed the store or a waiting job fell due. */
  private poll(): void {
    const watch = this.watch!;
    const version = watch.version();
    const changed = version !== this.seenVersion;
    this.seenVersion = version;
    const idle = this.slots.find((s) => s.state === "idle" && s.wakeUp);
    if (!idle) return;
    if (this.dueStale) {
      this.dueAt = watch.nextDue();
      this.dueStale = false;
    }
    if (changed || (this.dueAt && this.dueAt.getTime() <= Date.now())) idle.wakeUp!();
  }

  /** After a claim: there may be more work, so one more idle slot looks (each claim that succeeds passes it on). */
  private wakeAnother(slot: Slot): void {
    this.slots.find((s) => s !== slot && s.state === "idle" && s.wakeUp)?.wakeUp!();
  }

  /** Tells idle slots to look at the queue now (a job was queued or became due). */
  wake(): void {
    this.epoch++;
    for (const slot of this.slots) slot.wakeUp?.();
  }

  /** Pauses one slot (by name) or all: a running build finishes, nothing new is claimed. */
  pause(slotName?: string): void {
    for (const slot of this.select(slotName)) slot.paused = true;
    this.wake();
  }

  resume(slotName?: string): void {
    for (const slot of this.select(slotName)) {
      slot.paused = false;
      slot.error = null;
    }
    this.wake();
  }

  /**
   * Runs until no slot can claim a due job and none is building, and returns what was built
   * meanwhile. Paused slots count as idle. If the slots were not running, they are started for
   * this call and stopped again before it returns.
   */
  async runUntilIdle(): Promise<RunSummary> {
    return this.tallied(async () => {
      const idle = new Promise<void>((resolve, reject) => this.idleWaiters.push({ resolve, reject }));
      const ownRun = !this.loops;
      if (ownRun) this.start();
      else this.wake();
      try {
        await idle;
      } finally {
        if (ownRun) await this.stop({ handBack: false });
      }
    });
  }

  /**
   * Starts the slots and returns what was built once `stopped` settles: the promise of the
   * stop() a signal handler called. Handed-back jobs are not counted.
   */
  async runUntilStopped(stopped: Promise<unknown>): Promise<RunSummary> {
    return this.tallied(async () => {
      this.start();
      await stopped;
    });
  }

  /** Counts the jobs recorded while `run` runs. */
  private async tallied(run: () => Promise<void>): Promise<RunSummary> {
    const started = performance.now();
    const tally: Tally = { built: 0, good: 0, bad: 0, fail: 0, setup_errors: [] };
    this.tallies.add(tally);
    try {
      await run();
    } finally {
      this.tallies.delete(tally);
    }
    return { ...tally, took_s: (performance.now() - started) / 1000 };
  }

  /**
   * Stops every slot. handBack=false lets running builds finish and records them; handBack=true
   * aborts them (killing the backend's process group) and returns their jobs to the queue
   * untouched, recording nothing.
   */
  async stop({ handBack }: { handBack: boolean }): Promise<void> {
    if (!this.loops) return;
    this.stopping = true;
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    if (handBack) for (const slot of this.slots) slot.job?.abort.abort(new HandBack());
    this.wake();
    await Promise.all(this.loops);
    this.loops = null;
    this.settleIdle();
  }

  private select(slotName: string | undefined): Slot[] {
    if (slotName === undefined) return this.slots;
    const slot = this.slots.find((s) => s.name === slotName);
    if (!slot) throw new Error(`no worker slot named ${JSON.stringify(slotName)} (there are ${this.slots.map((s) => s.name).join(", ")})`);
    return [slot];
  }

  private async loop(slot: Slot): Promise<void> {
    while (!this.stopping) {
      if (slot.paused) {
        this.setState(slot, "paused");
        this.checkIdle();
        await this.sleep(slot, null);
        continue;
      }
      try {
        // Taken before the claim: a wake-up that arrives while a remote claim is in flight is not lost.
        const epoch = this.epoch;
        const job = await this.claim(slot);
        if (!job) {
          slot.idleEpoch = epoch;
          this.dueStale = true;
          if (epoch !== this.epoch) continue;
          this.setState(slot, "idle");
          this.checkIdle();
          // With a watch, poll() wakes the slot; otherwise it looks again after the interval.
          await this.sleep(slot, this.watch ? null : this.pollMs);
          continue;
        }
        this.wakeAnother(slot);
        // Stopped while a (remote) claim was in flight: the job has not started, so it goes back.
        if (this.stopping) {
          await slot.worker.release(job.queueId).catch(() => false);
          break;
        }
        await this.execute(slot, job);
        this.wake();
      } catch (err) {
        // The store is unusable (locked beyond the busy timeout, disk error) or the server cannot be reached: report it, retry later.
        this.opts.onError?.(slot.name, err);
        for (const w of this.idleWaiters.splice(0)) w.reject(err);
        this.setState(slot, "idle");
        await this.sleep(slot, this.pollMs);
      }
    }
    this.setState(slot, "stopped");
  }

  private async claim(slot: Slot): Promise<ClaimedJob | null> {
    const backends = [...this.capabilities.backends.keys()];
    if (backends.length === 0) return null;
    return slot.worker.claim({ backends, architectures: this.capabilities.architectures });
  }

  private async execute(slot: Slot, job: ClaimedJob): Promise<void> {
    const { events } = this.opts;
    const abort = new AbortController();
    slot.job = { queueId: job.queueId, abort };
    this.setState(slot, "busy", job.queueId);
    events.publish({ type: "job.started", queueId: job.queueId, slot: slot.name, name: job.name, version: job.version, architecture: job.architecture, backend: job.backend });
    const finished = (status: BuildStatus, buildId: number | null, reason?: string) =>
      events.publish({ type: "job.finished", queueId: job.queueId, slot: slot.name, name: job.name, version: job.version, status, buildId, ...(reason ? { reason } : {}) });

    const lease = holdLease(this.heartbeatSeconds, () => slot.worker.heartbeat(job.queueId), () => abort.abort(new LeaseLost()));
    let outcome: RebuildOutcome;
    try {
      outcome = await runJob(job, {
        backend: this.capabilities.backends.get(job.backend)!,
        settings: this.settings,
        signingKey: this.opts.signingKey,
        tmpRoot: this.tmpRoot,
        cacheDir: join(this.opts.dataDir, "backends", job.backend),
        workerName: slot.workerName,
        env: this.opts.env ?? process.env,
        signal: abort.signal,
        onLine: (line) => {
          events.publish({ type: "job.log", queueId: job.queueId, slot: slot.name, line });
          if (this.echo) process.stderr.write(`${line}\n`);
        },
      });
    } catch (err) {
      if (err instanceof HandBack) {
        const released = await slot.worker.release(job.queueId).catch(() => false);
        finished("UNKWN", null, released ? "handed back to the queue" : "stopped; the job is handed out again after the ping deadline");
      } else if (err instanceof SetupFailure) {
        // Our machine's fault, not the package's: give the job back and claim nothing until fixed.
        const released = await slot.worker.release(job.queueId).catch(() => false);
        slot.paused = true;
        slot.error = err.message;
        for (const tally of this.tallies) tally.setup_errors.push({ slot: slot.name, message: err.message });
        events.publish({ type: "slot.error", slot: slot.name, queueId: job.queueId, message: err.message });
        finished("UNKWN", null, `${released ? "handed back to the queue" : "nothing recorded"}, slot paused until this is fixed: ${err.message}`);
      } else if (err instanceof LeaseLost) {
        finished("UNKWN", null, "the job was taken back by the scheduler (heartbeat refused); nothing recorded");
      } else {
        // runJob turns every other problem into FAIL or a SetupFailure, so this is a bug. The lease
        // runs out after the ping deadline; handing the job back at once could rebuild it in a tight loop.
        finished("UNKWN", null, `internal error, nothing recorded: ${err instanceof Error ? err.message : String(err)}`);
      }
      return;
    } finally {
      lease.release();
      slot.job = null;
    }

    try {
      const { buildId } = await slot.worker.record(job.queueId, outcome);
      for (const tally of this.tallies) {
        tally.built++;
        if (outcome.status === "GOOD") tally.good++;
        else if (outcome.status === "BAD") tally.bad++;
        else tally.fail++;
      }
      finished(outcome.status, buildId, outcome.failReason ?? undefined);
    } catch (err) {
      // Usually the job vanished meanwhile (dropped by a sync or an admin). If it is still there,
      // its lease expires after the ping deadline: releasing it now could rebuild it in a loop.
      finished(outcome.status, null, `result not recorded: ${(err as Error).message}`);
    }
  }

  private setState(slot: Slot, state: SlotState, queueId?: number): void {
    if (slot.state === state) return;
    slot.state = state;
    this.opts.events.publish({ type: "slot.state", slot: slot.name, state, ...(queueId !== undefined ? { queueId } : {}) });
  }

  /** Resolves waiting runUntilIdle calls once every slot is paused or has found nothing since the last change. */
  private checkIdle(): void {
    if (this.idleWaiters.length === 0) return;
    if (this.slots.every((s) => s.state === "paused" || (s.state === "idle" && s.idleEpoch === this.epoch))) this.settleIdle();
  }

  private settleIdle(): void {
    for (const w of this.idleWaiters.splice(0)) w.resolve();
  }

  /** Waits `ms` (null: until woken). A wake-up is never lost: nothing awaits between a claim and this. */
  private sleep(slot: Slot, ms: number | null): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = ms === null ? undefined : setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        slot.wakeUp = null;
        resolve();
      }
      slot.wakeUp = done;
    });
  }
}

/** The slots of the local store: one worker per slot, keyed by machine, data dir and slot name. */
function localSource(opts: WorkerSlotsOptions, host: string): JobSource {
  if (!opts.db) throw new Error("WorkerSlots needs a store (db) or a job source");
  const dataDirHash = createHash("sha256").update(resolve(opts.dataDir)).digest("hex").slice(0, 12);
  return new LocalJobSource(opts.db, opts.config.schedule, `local:${host}:${dataDirHash}:`);
}
