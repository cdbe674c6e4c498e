/**
 * The rebuildctl commands against a server (`-H URL`): one client, rebuildctl's API calls
 * (reference §5.2), its lookup errors (§5.4) and the same output as the local commands.
 */
import type { Command } from "commander";
import type { BinaryPackageFilter, BinaryPackageRecord } from "../../engine/store/queries/packages.js";
import type { WorkerRecord } from "../../engine/store/queries/workers.js";
import type { PackageReport } from "../../sync/report.js";
import { CommandExit } from "../exit.js";
import { showEvidence } from "../pager.js";
import { endpointCookie } from "./endpoint-cookie.js";
import { RebuilderdClient } from "./rebuilderd-client.js";

/** The `-H` endpoint when one was given. */
export function endpointOf(cmd: Command): string | undefined {
  return cmd.optsWithGlobals<{ endpoint?: string }>().endpoint;
}

/** The client for `-H`; with the admin cookie for commands that change the server. */
export function clientFor(cmd: Command, admin = false): RebuilderdClient {
  const { endpoint, config } = cmd.optsWithGlobals<{ endpoint: string; config?: string }>();
  return new RebuilderdClient(endpoint, { cookie: admin ? endpointCookie(endpoint, config) : undefined });
}

/** rebuildctl's filter query: `--suite` is sent as component; status is filtered here. */
export function binaryQuery(f: BinaryPackageFilter): Record<string, string | boolean | undefined> {
  return { name: f.name, distribution: f.distribution, component: f.component, release: f.release, architecture: f.architecture, source_name: f.source_name, seen_only: f.seen_only };
}

export function statusMatches(r: BinaryPackageRecord, status: BinaryPackageFilter["status"]): boolean {
  return status === undefined || (r.status ?? "UNKWN") === status;
}

/** Every binary matching the filter, page by page, as rebuildctl pages (sorted by name). */
export async function* remoteBinaries(client: RebuilderdClient, f: BinaryPackageFilter): AsyncGenerator<BinaryPackageRecord[]> {
  for await (const records of client.pages((q) => client.listBinaries(q), { ...binaryQuery(f), sort: "name" })) {
    yield records.filter((r) => statusMatches(r, f.status));
  }
}

/** `pkgs log|diffoscope|attestation -H`: exactly one package, then its evidence. */
export type EvidenceKind = "log" | "diffoscope" | "attestation";

/** rebuildctl's lookup errors (reference §5.2), word for word, for the local store and `-H` alike. */
export const NOT_ONE_PACKAGE = "Package lookup did not return exactly one result. Please be more specific";
export const NOT_BUILT = "Package has not been built yet";

/** The lookup rebuildctl makes before fetching evidence: exactly one package, built (with an artifact, past the log). */
export function evidenceTarget(kind: EvidenceKind, total: number, records: BinaryPackageRecord[]): BinaryPackageRecord {
  if (total !== 1) throw new Error(NOT_ONE_PACKAGE);
  const r = records[0]!;
  if (r.build_id === null || (kind !== "log" && r.artifact_id === null)) throw new Error(NOT_BUILT);
  return r;
}

export async function remoteEvidence(cmd: Command, kind: EvidenceKind, f: BinaryPackageFilter): Promise<void> {
  const client = clientFor(cmd);
  const { total, records } = await client.listBinaries(binaryQuery(f));
  const r = evidenceTarget(kind, total, records);
  const data =
    kind === "log" ? await client.buildLog(r.build_id!) : kind === "diffoscope" ? await client.diffoscope(r.build_id!, r.artifact_id!) : await client.attestationOf(r.build_id!, r.artifact_id!);
  await showEvidence(kind, new TextDecoder().decode(data));
}

/** `pkgs sync-stdin -H`: one PackageReport from stdin, posted as is (the server validates it). */
export async function remoteSubmit(cmd: Command, report: unknown): Promise<void> {
  await clientFor(cmd, true).submitPackages(report);
}

interface Dashboard {
  rebuilds: { good: number; bad: number; fail: number; unknown: number };
  jobs: { running: number; available: number; pending: number };
}

/** `status -H`: the server's workers as rebuildctl prints them, then its dashboard counts in the local status's words. */
export async function remoteStatus(cmd: Command, json: boolean, workerLine: (w: WorkerRecord) => string): Promise<void> {
  const client = clientFor(cmd);
  const [workers, dashboard] = await Promise.all([client.listWorkers(), client.dashboard()]);
  if (json) {
    process.stdout.write(`${JSON.stringify({ workers: workers.records, dashboard })}\n`);
    return;
  }
  const { rebuilds: r, jobs: j } = dashboard as Dashboard;
  const lines = workers.records.map(workerLine);
  lines.push(`packages: ${r.good} GOOD, ${r.bad} BAD, ${r.fail} FAIL, ${r.unknown} UNKWN`);
  lines.push(`queue: ${j.available} waiting, ${j.running} running, ${j.pending} planned for a retry`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** `pkgs sync -H`, `sync-profile -H`: the reports built here, posted one by one as rebuildctl does. */
export async function submitReports(endpoint: string, configFile: string | undefined, reports: PackageReport[]): Promise<void> {
  const client = new RebuilderdClient(endpoint, { cookie: endpointCookie(endpoint, configFile) });
  for (const r of reports) {
    process.stderr.write(`Sending ${r.distribution}${r.release ? `/${r.release}` : ""} (${r.architecture}) to rebuilderd (${r.packages.length} packages)...\n`);
    await client.submitPackages(r);
  }
}

/** The commands that work on a `-H` server; the others refuse `-H` rather than ignore it. */
const ENDPOINT_COMMANDS = new Set([
  "sync",
  "status",
  "pkgs ls",
  "pkgs log",
  "pkgs diffoscope",
  "pkgs attestation",
  "pkgs sync",
  "pkgs sync-profile",
  "pkgs sync-stdin",
  "queue ls",
  "queue push",
  "queue drop",
  "queue requeue",
  "workers ls",
]);

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** A preAction hook: `-H` with a command that only works here is an error, not silently the local store. */
export function refuseEndpoint(_program: Command, action: Command): void {
  const path = commandPath(action);
  if (!endpointOf(action) || ENDPOINT_COMMANDS.has(path)) return;
  const hint = path === "check" ? " (to ask a rebuilder, pass --remote URL)" : path === "worker" ? " (use --connect URL)" : path === "tui" ? " (use --remote URL)" : "";
  // A usage error: exit code 2, as commander's own.
  process.stderr.write(`rebuilder: error: \`${path}\` works on this machine; -H is not for it${hint}\n`);
  throw new CommandExit(2);
}
