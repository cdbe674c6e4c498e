/**
 * The TUI's one data seam: every view reads snapshots and acts through a TuiSource, and learns
 * about changes from its event subscription. The local source reads the in-process engine; a
 * remote one would read a running `rebuilder serve` through its API. Text in these records is
 * raw (untrusted): the components sanitize it when drawing.
 */
import type { EngineEvent } from "../../engine/events.js";
import type { PackageEntry } from "../../engine/store/queries/package-search.js";
import type { QueueEntry } from "../../engine/store/queries/queue-order.js";
import type { BadArtifact, RebuildRecord } from "../../engine/store/queries/rebuild-history.js";
import type { SyncScheduleRecord } from "../../engine/store/queries/sync-schedule.js";
import type { ReleaseCounts, VerdictCounts } from "../../engine/store/queries/verdict-counts.js";

export type { BadArtifact, PackageEntry, QueueEntry, RebuildRecord, ReleaseCounts, SyncScheduleRecord, VerdictCounts };

export interface Window<T> {
  total: number;
  records: T[];
}

export interface WindowQuery {
  /** Keeps rows whose package name contains it. */
  text?: string;
  offset: number;
  limit: number;
}

export interface Dashboard {
  releases: ReleaseCounts[];
  queue: { waiting: number; running: number; planned: number };
  profiles: SyncScheduleRecord[];
  /** Backends that can build here, and the reasons the others cannot (what to install). */
  backends: { available: string[]; unavailable: { name: string; reason: string }[] };
  /** Why nothing is synced, and when no backend can build: `rebuilder doctor`'s backend warnings (what to install) and failed checks. */
  problems: { level: "warn" | "FAIL"; message: string }[];
  /** This machine's installed packages against the store's verdicts; null where there is no dpkg/pacman or remotely. */
  installed: { manager: string; installed: number; known: number; verified: number } | null;
}

export interface SlotView {
  name: string;
  state: "idle" | "busy" | "paused" | "stopped";
  paused: boolean;
  /** Why the slot paused itself (a setup failure), until resumed. */
  error: string | null;
  job: QueueEntry | null;
}

export interface TuiSource {
  /** Shown in the header: where the data comes from. */
  readonly label: string;
  dashboard(): Promise<Dashboard>;
  queue(q: WindowQuery): Promise<Window<QueueEntry>>;
  slots(): Promise<SlotView[]>;
  badResults(q: WindowQuery): Promise<Window<BadArtifact>>;
  packages(q: WindowQuery): Promise<Window<PackageEntry>>;
  /** Its rebuilds, newest first. */
  history(pkg: PackageEntry): Promise<RebuildRecord[]>;
  /** Decompressed text, or null when there is none. */
  buildLog(buildId: number): Promise<string | null>;
  diffoscope(buildId: number, artifactId: number): Promise<string | null>;
  /** Queues the package's build input now (priority 0); returns the number of jobs touched. */
  requeue(pkg: PackageEntry): Promise<number>;
  /** Removes the package's queued jobs; returns how many. */
  drop(pkg: PackageEntry): Promise<number>;
  /** One slot by name, or all. */
  pause(slot?: string): Promise<void>;
  resume(slot?: string): Promise<void>;
  subscribe(listener: (event: EngineEvent) => void): () => void;
}
