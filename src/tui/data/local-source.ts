/** The TuiSource over the engine running in this process: store queries, its slots and its event bus. */
import { zstdDecompress } from "../../engine/compression.js";
import type { Engine } from "../../engine/engine.js";
import { dropQueue, pushQueue, type QueueMatch } from "../../engine/scheduler/index.js";
import { buildLogBlob, diffoscopeBlob } from "../../engine/store/queries/evidence.js";
import { packageWindow, type PackageEntry } from "../../engine/store/queries/package-search.js";
import { jobsHeldBy, queueWindow } from "../../engine/store/queries/queue-order.js";
import { badArtifacts, rebuildHistory } from "../../engine/store/queries/rebuild-history.js";
import { queueCounts } from "../../engine/store/queries/status.js";
import { listSyncSchedule } from "../../engine/store/queries/sync-schedule.js";
import { verdictCountsByRelease } from "../../engine/store/queries/verdict-counts.js";
import { nowDb } from "../../engine/store/time.js";
import type { Check } from "../../engine/diagnostics/doctor.js";
import type { Installed } from "../../engine/installed.js";
import { checkInstalled } from "../../engine/verification/installed-share.js";
import type { Dashboard, SlotView, TuiSource } from "./source.js";

function text(blob: Uint8Array | null): string | null {
  return blob === null ? null : new TextDecoder().decode(zstdDecompress(blob));
}

/** The package's own build input: its source package on the architecture it is built on. */
function buildInputOf(p: PackageEntry): QueueMatch {
  return { distribution: p.distribution, release: p.release, name: p.source, version: p.version, architecture: p.build_architecture };
}

/** Facts the dashboard shows beside the store's, each costly enough to be worked out rarely. */
export interface MachineFacts {
  /** `rebuilder doctor`'s checks; run once, when no backend can build, to say what to install. */
  diagnose?: () => Promise<Check[]>;
  /** The packages installed on this machine; throws where there is no dpkg or pacman. */
  installed?: () => Promise<Installed>;
  /** Why nothing is synced (no sync config and no default profile detected). */
  syncProblem?: string;
}

/** The installed share is worked out again after each sync, else at most this often (it checks every installed package). */
const INSTALLED_EVERY_MS = 30_000;

export class LocalSource implements TuiSource {
  readonly label: string;
  private problems?: Promise<Dashboard["problems"]>;
  private installedShare?: { at: number; synced: string; share: Promise<Dashboard["installed"]> };

  constructor(
    private readonly engine: Engine,
    private readonly facts: MachineFacts = {},
  ) {
    this.label = `local ${engine.dataDir}`;
  }

  private doctorProblems(noBackend: boolean): Promise<Dashboard["problems"]> {
    if (!noBackend || !this.facts.diagnose) return Promise.resolve([]);
    this.problems ??= this.facts.diagnose().then(
      // What keeps backends from building (with what to install), and anything else that failed.
      (checks) => checks.flatMap((c) => (c.level === "FAIL" || (c.level === "warn" && c.group === "backends") ? [{ level: c.level, message: c.message }] : [])),
      (err: unknown) => [{ level: "FAIL" as const, message: `rebuilder doctor could not run: ${(err as Error).message}` }],
    );
    return this.problems;
  }

  /** `synced`: when the last sync finished; a share worked out before it is stale at once. */
  private installed(synced: string): Promise<Dashboard["installed"]> {
    const read = this.facts.installed;
    if (!read) return Promise.resolve(null);
    let cached = this.installedShare;
    if (!cached || cached.synced !== synced || Date.now() - cached.at > INSTALLED_EVERY_MS) {
      const share = (async () => {
        const machine = await read();
        const { share: s } = await checkInstalled(this.engine.db, machine.packages, [], { threshold: 1, trustUnsigned: false, offline: true });
        return { manager: machine.manager, installed: s.installed, known: s.known, verified: s.verified };
      })().catch(() => null);
      cached = this.installedShare = { at: Date.now(), synced, share };
    }
    return cached.share;
  }

  async dashboard(): Promise<Dashboard> {
    const { db, slots } = this.engine;
    const profiles = listSyncSchedule(db);
    const synced = profiles.reduce((last, p) => (p.last_finished && p.last_finished > last ? p.last_finished : last), "");
    const [problems, installed] = await Promise.all([this.doctorProblems(slots.capabilities.backends.size === 0), this.installed(synced)]);
    return {
      problems: this.facts.syncProblem ? [{ level: "FAIL", message: this.facts.syncProblem }, ...problems] : problems,
      installed,
      releases: verdictCountsByRelease(db),
      queue: queueCounts(db, nowDb()),
      profiles,
      backends: {
        available: [...slots.capabilities.backends.keys()],
        unavailable: [...slots.capabilities.unavailable].map(([name, reason]) => ({ name, reason })),
      },
    };
  }

  async queue(q: { text?: string; offset: number; limit: number }) {
    return queueWindow(this.engine.db, q);
  }

  async slots(): Promise<SlotView[]> {
    const info = this.engine.slots.info();
    const jobs = jobsHeldBy(this.engine.db, info.flatMap((s) => (s.workerId === null ? [] : [s.workerId])));
    return info.map((s) => ({ name: s.name, state: s.state, paused: s.paused, error: s.error, job: (s.workerId !== null && jobs.get(s.workerId)) || null }));
  }

  async badResults(q: { offset: number; limit: number }) {
    return badArtifacts(this.engine.db, q);
  }

  async packages(q: { text?: string; offset: number; limit: number }) {
    return packageWindow(this.engine.db, q);
  }

  async history(pkg: PackageEntry) {
    return rebuildHistory(this.engine.db, pkg.id);
  }

  async buildLog(buildId: number) {
    return text(buildLogBlob(this.engine.db, buildId));
  }

  async diffoscope(_buildId: number, artifactId: number) {
    return text(diffoscopeBlob(this.engine.db, artifactId));
  }

  async requeue(pkg: PackageEntry) {
    const n = pushQueue(this.engine.db, buildInputOf(pkg), 0, new Date());
    this.engine.slots.wake();
    return n;
  }

  async drop(pkg: PackageEntry) {
    return dropQueue(this.engine.db, buildInputOf(pkg));
  }

  async pause(slot?: string) {
    this.engine.slots.pause(slot);
  }

  async resume(slot?: string) {
    this.engine.slots.resume(slot);
  }

  subscribe(listener: Parameters<TuiSource["subscribe"]>[0]) {
    const sub = this.engine.events.subscribe(listener);
    return () => sub.unsubscribe();
  }
}
