/**
 * Queued jobs that no local slot can build: their backend cannot run here (a missing tool, no
 * KVM, no config) or their architecture is not among the slots'. `build`, `status`, `doctor`
 * and the faces report them, so thousands of waiting jobs are never silently ignored.
 */
import { expandArchitectures } from "../scheduler/architectures.js";
import type { Database } from "../store/index.js";
import type { Capabilities } from "../workers/index.js";

export interface UnbuildableJobs {
  backend: string;
  /** The architectures of these jobs. */
  architectures: string[];
  jobs: number;
  /** Why no slot takes them, with how to fix it. */
  reason: string;
}

/** Jobs not running (due or planned for a retry), grouped by backend and by why they cannot be built. */
export function unbuildableJobs(db: Database, capabilities: Pick<Capabilities, "backends" | "unavailable" | "architectures">): UnbuildableJobs[] {
  const rows = db
    .prepare<{ backend: string; architecture: string; n: number }>(
      `SELECT bi.backend AS backend, bi.architecture AS architecture, count(*) AS n
       FROM queue q JOIN build_inputs bi ON bi.id = q.build_input_id
       WHERE q.worker IS NULL GROUP BY 1, 2 ORDER BY 1, 2`,
    )
    .all();
  const accepted = expandArchitectures(capabilities.architectures);
  const groups = new Map<string, UnbuildableJobs>();
  for (const r of rows) {
    const reason = whyNot(r.backend, r.architecture, capabilities, accepted);
    if (reason === null) continue;
    const key = `${r.backend}\n${reason}`;
    const group = groups.get(key) ?? { backend: r.backend, architectures: [], jobs: 0, reason };
    group.architectures.push(r.architecture);
    group.jobs += r.n;
    groups.set(key, group);
  }
  return [...groups.values()];
}

function whyNot(backend: string, architecture: string, capabilities: Pick<Capabilities, "backends" | "unavailable" | "architectures">, accepted: string[] | "*"): string | null {
  if (!capabilities.backends.has(backend)) {
    return capabilities.unavailable.get(backend) ?? `no backend for ${JSON.stringify(backend)}: add a [backend.${JSON.stringify(backend)}] table to the config`;
  }
  if (accepted !== "*" && !accepted.includes(architecture)) {
    return `architecture ${architecture} is not built here (supported_architectures: ${capabilities.architectures.join(", ")})`;
  }
  return null;
}

/** One line per group for a terminal, e.g. "3400 jobs of debian (amd64, all): missing tool: …", and a headline. */
export function describeUnbuildable(groups: UnbuildableJobs[]): { headline: string; lines: string[] } | null {
  if (groups.length === 0) return null;
  const total = groups.reduce((n, g) => n + g.jobs, 0);
  return {
    headline: `${total} queued ${total === 1 ? "job" : "jobs"} cannot be built by any slot here`,
    lines: groups.map((g) => `${g.jobs} ${g.jobs === 1 ? "job" : "jobs"} of ${g.backend} (${g.architectures.join(", ")}): ${g.reason}`),
  };
}
