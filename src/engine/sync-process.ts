/**
 * The periodic sync of `serve` runs in a child process of this same program (`rebuilder
 * serve-sync`), so fetching, parsing and importing an index never stall the server's event loop.
 * The child writes into the store (SQLite's WAL lets the server keep reading meanwhile) and
 * reports on stdout, one JSON message a line; a failure is its error on stderr and a non-zero exit.
 * Killing it leaves nothing half-imported: each import is one transaction. It dies with serve,
 * also when serve is killed with SIGKILL: util-linux's setpriv (in every Debian and Arch base
 * system) sets its parent-death signal before it starts, so an orphan never commits an import
 * that the restarted server would run again alongside it. The child runs as background work
 * (cpu-priority.ts): parsing and importing take a core for seconds to minutes, and on a small
 * machine the server's answers should not wait for them.
 */
import { runProcess, SpawnError } from "../backends/process-runner.js";
import { runAsBackground } from "./cpu-priority.js";
import type { SchedulePolicy } from "./config.js";
import { selfCommand } from "./self-command.js";
import type { Database } from "./store/index.js";
import { syncProfile, type SyncSummary } from "../sync/run.js";
import type { SyncProfile, SyncProgress } from "../sync/types.js";

type SyncMessage = { started: { pid: number } } | { progress: SyncProgress } | { warning: string } | { summary: SyncSummary };

/** A hung mirror must not hold the schedule for ever; the largest indexes sync in minutes. */
const SYNC_TIMEOUT_SECONDS = 6 * 3600;

export class SyncProcessAborted extends Error {
  constructor() {
    super("the sync process was stopped before it finished");
  }
}

export interface SyncProcessOptions {
  /** Absolute. */
  dataDir: string;
  profile: SyncProfile;
  policy: SchedulePolicy;
  /** Kills the child's process group; the run then rejects with SyncProcessAborted. */
  signal: AbortSignal;
  onStarted?: (pid: number) => void;
  onProgress?: (event: SyncProgress) => void;
  onWarning?: (message: string) => void;
}

/** Syncs one profile in a child process; resolves to its summary or rejects with the child's error. */
export async function syncInChildProcess(o: SyncProcessOptions): Promise<SyncSummary> {
  const self = selfCommand();
  let summary: SyncSummary | undefined;
  const errors: string[] = [];
  const result = await runProcess({
    command: "setpriv",
    args: ["--pdeathsig", "KILL", "--", self.command, ...self.args, "--data-dir", o.dataDir, "serve-sync", "--profile-json", JSON.stringify(o.profile), "--policy-json", JSON.stringify(o.policy)],
    cwd: o.dataDir,
    env: { ...process.env },
    timeoutSeconds: SYNC_TIMEOUT_SECONDS,
    // Lines are handled as they arrive; nothing needs keeping.
    maxBytes: 0,
    signal: o.signal,
    onLine: (line, stream) => {
      const message = stream === "stdout" ? parseMessage(line) : undefined;
      if (!message) {
        if (line.trim()) errors.push(line.replace(/^rebuilder: error: /, ""));
      } else if ("started" in message) o.onStarted?.(message.started.pid);
      else if ("progress" in message) o.onProgress?.(message.progress);
      else if ("warning" in message) o.onWarning?.(message.warning);
      else summary = message.summary;
    },
  }).catch((err: unknown) => {
    throw err instanceof SpawnError ? new Error(`${err.message}; install util-linux, which has setpriv`) : err;
  });
  // A child that finished its import just as it was told to stop did finish.
  if (summary && result.exitCode === 0) return summary;
  if (result.aborted) throw new SyncProcessAborted();
  if (result.timedOut) throw new Error(`the sync took longer than ${SYNC_TIMEOUT_SECONDS / 3600} hours and was stopped; check that the mirror answers`);
  const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
  throw new Error(errors.slice(-20).join("\n") || `the sync process (${self.command}) ${how} without saying why`);
}

function parseMessage(line: string): SyncMessage | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    return value !== null && typeof value === "object" ? (value as SyncMessage) : undefined;
  } catch {
    return undefined;
  }
}

/** The child's side: syncs `profile` into the store, writing each message to `write`. */
export async function serveSyncChild(db: Database, dataDir: string, profile: SyncProfile, policy: SchedulePolicy, write: (line: string) => void): Promise<void> {
  const send = (m: SyncMessage) => write(`${JSON.stringify(m)}\n`);
  const notIdle = runAsBackground();
  send({ started: { pid: process.pid } });
  if (notIdle) send({ warning: notIdle });
  const summary = await syncProfile(db, profile, {
    dataDir,
    policy,
    onProgress: (_, progress) => send({ progress }),
    onWarning: (warning) => send({ warning }),
  });
  send({ summary });
}
