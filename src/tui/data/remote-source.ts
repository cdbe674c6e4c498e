/**
 * The TuiSource over a running `rebuilder serve` (or any rebuilderd-compatible server): its v1
 * API for snapshots and actions (admin actions with the cookie found as rebuildctl finds it),
 * and `/api/v1/x-events` for live updates. What the API cannot tell is left out rather than
 * guessed: a binary's source package is taken to share its name (true for Arch, not always for
 * Debian), search matches whole names, the queue comes in priority order without the
 * running-first split, and slots cannot be paused remotely.
 */
import type { EngineEvent } from "../../engine/events.js";
import type { BinaryPackageRecord } from "../../engine/store/queries/packages.js";
import type { QueuedJobRecord } from "../../engine/store/queries/queue.js";
import type { RebuilderdClient } from "../../cli/client/rebuilderd-client.js";
import { CursorPages } from "./cursor-pages.js";
import { streamEvents } from "./event-stream.js";
import type { BadArtifact, Dashboard, PackageEntry, QueueEntry, RebuildRecord, ReleaseCounts, SlotView, TuiSource, Window, WindowQuery } from "./source.js";

/** rebuilderd's cursor: rows after (or, descending, before) the last one seen. */
function cursor(last: { id: number } | undefined, descending = false) {
  return last === undefined ? {} : descending ? { before: last.id } : { after: last.id };
}

function packageEntry(r: BinaryPackageRecord): PackageEntry {
  return {
    id: r.id,
    name: r.name,
    version: r.version,
    source: r.name,
    distribution: r.distribution,
    release: r.release,
    component: r.component,
    architecture: r.architecture,
    build_architecture: r.architecture,
    status: r.status,
    queued: false,
  };
}

function queueEntry({ url: _url, ...r }: QueuedJobRecord): QueueEntry {
  return { ...r, worker: r.started_at === null ? null : "running" };
}

export class RemoteSource implements TuiSource {
  readonly label: string;
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private readonly stopEvents: () => void;
  private readonly windows = new Map<string, CursorPages<unknown>>();
  private problem: string | null = null;

  constructor(private readonly client: RebuilderdClient) {
    this.label = `remote ${client.url}`;
    this.stopEvents = streamEvents(
      client.url,
      (e) => {
        this.problem = null;
        // Cached windows are stale once a job or a sync changed the store.
        if (e.type !== "job.log" && e.type !== "sync.progress") for (const w of this.windows.values()) w.invalidate();
        for (const l of this.listeners) l(e);
      },
      (message) => (this.problem = message),
    );
  }

  close(): void {
    this.stopEvents();
  }

  private paged<T>(key: string, fetchPage: (last: T | undefined, limit: number) => Promise<Window<T>>, q: WindowQuery): Promise<Window<T>> {
    let pages = this.windows.get(key) as CursorPages<T> | undefined;
    if (!pages) this.windows.set(key, (pages = new CursorPages(fetchPage) as CursorPages<T>) as CursorPages<unknown>);
    return pages.window(q.offset, q.limit);
  }

  async dashboard(): Promise<Dashboard> {
    type Counts = { rebuilds: { good: number; bad: number; fail: number; unknown: number }; jobs: { running: number; available: number; pending: number } };
    const counts = async (query: Record<string, string>) => (await this.client.dashboard(query)) as Counts;
    const releases: ReleaseCounts[] = [];
    for (const distribution of await this.client.distributions()) {
      const named = (await this.client.releases(distribution)).filter((r): r is string => r !== null);
      for (const release of named.length ? named : [null]) {
        const { rebuilds: r } = await counts(release === null ? { distribution } : { distribution, release });
        releases.push({ distribution, release, GOOD: r.good, BAD: r.bad, FAIL: r.fail, UNKWN: r.unknown });
      }
    }
    const [{ jobs }, sync, workers] = await Promise.all([counts({}), this.client.syncState(), this.client.listWorkers()]);
    return {
      releases,
      queue: { running: jobs.running, waiting: jobs.available, planned: jobs.pending },
      profiles: sync.profiles,
      backends: {
        available: workers.records.filter((w) => w.is_online).map((w) => `worker ${w.name}`),
        unavailable: [
          ...workers.records.filter((w) => !w.is_online).map((w) => ({ name: w.name, reason: `offline since ${w.last_ping}` })),
          ...(this.problem ? [{ name: "events", reason: this.problem }] : []),
        ],
      },
      problems: [],
      installed: null,
    };
  }

  queue(q: WindowQuery): Promise<Window<QueueEntry>> {
    return this.paged(
      `queue ${q.text ?? ""}`,
      async (last: QueueEntry | undefined, limit) => {
        const page = await this.client.listQueue({ limit, sort: "priority", ...(q.text ? { name: q.text } : {}), ...cursor(last) });
        return { total: page.total, records: page.records.map(queueEntry) };
      },
      q,
    );
  }

  async slots(): Promise<SlotView[]> {
    const { records } = await this.client.listWorkers();
    // The server's own slots are workers named `<host>/slot-N`; events name them `slot-N`.
    return records.map((w) => ({
      name: w.name.split("/").at(-1)!,
      state: !w.is_online ? "stopped" : w.status ? "busy" : "idle",
      paused: false,
      error: null,
      job: null,
    }));
  }

  badResults(q: WindowQuery): Promise<Window<BadArtifact>> {
    // Newest first by build id; the cursor is the binary package's id.
    return this.paged(
      "bad",
      async (last: (BadArtifact & { id: number }) | undefined, limit) => {
        const page = await this.client.listBinaries({ status: "BAD", limit, sort: "build_id", direction: "Descending", ...cursor(last, true) });
        return {
          total: page.total,
          records: page.records.map((r) => ({ ...packageEntry(r), artifact_id: r.artifact_id!, build_id: r.build_id!, built_at: null, has_diffoscope: r.diffoscope_log_id !== null })),
        };
      },
      q,
    );
  }

  packages(q: WindowQuery): Promise<Window<PackageEntry>> {
    return this.paged(
      `packages ${q.text ?? ""}`,
      async (last: PackageEntry | undefined, limit) => {
        const page = await this.client.listBinaries({ limit, sort: "name", ...(q.text ? { name: q.text } : {}), ...cursor(last) });
        return { total: page.total, records: page.records.map(packageEntry) };
      },
      q,
    );
  }

  async history(pkg: PackageEntry): Promise<RebuildRecord[]> {
    const { records } = await this.client.listRebuilds({ name: pkg.source, distribution: pkg.distribution, ...(pkg.release ? { release: pkg.release } : {}), architecture: pkg.build_architecture, sort: "id", direction: "Descending", limit: 20 });
    return Promise.all(
      records.map(async (b) => {
        const artifact = (await this.client.listRebuildArtifacts(b.id)).find((a) => a.name === pkg.name);
        return {
          build_id: b.id,
          started_at: b.started_at,
          built_at: b.built_at,
          status: b.status,
          artifact_id: artifact?.id ?? null,
          artifact_status: artifact?.status ?? null,
          has_diffoscope: artifact?.has_diffoscope ?? false,
          fail_reason: null,
          worker_name: null,
        };
      }),
    );
  }

  async buildLog(buildId: number): Promise<string> {
    return new TextDecoder().decode(await this.client.buildLog(buildId));
  }

  async diffoscope(buildId: number, artifactId: number): Promise<string> {
    return new TextDecoder().decode(await this.client.diffoscope(buildId, artifactId));
  }

  private match(pkg: PackageEntry) {
    return { distribution: pkg.distribution, release: pkg.release, name: pkg.source, version: pkg.version, architecture: pkg.build_architecture };
  }

  async requeue(pkg: PackageEntry): Promise<number> {
    await this.client.pushQueue({ ...this.match(pkg), priority: 0 });
    return 1;
  }

  async drop(pkg: PackageEntry): Promise<number> {
    const { release, ...rest } = this.match(pkg);
    await this.client.dropQueue({ ...rest, ...(release ? { release } : {}) });
    return 1;
  }

  async pause(): Promise<void> {
    throw new Error("slots cannot be paused remotely: the rebuilderd API has no endpoint for it");
  }

  async resume(): Promise<void> {
    throw new Error("slots cannot be resumed remotely: the rebuilderd API has no endpoint for it");
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
