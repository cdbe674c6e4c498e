/** `rebuilder pkgs ls`: the imported binaries as v1 BinaryPackage records, or rebuildctl's line format. */
import type { Command } from "commander";
import { zstdDecompress } from "../engine/compression.js";
import { attestationBlob, buildLogBlob, diffoscopeBlob } from "../engine/store/queries/evidence.js";
import { listBinaryPackages, type BinaryPackageFilter, type BinaryPackageRecord } from "../engine/store/queries/packages.js";
import type { Database } from "../engine/store/index.js";
import { clientFor, endpointOf, evidenceTarget, remoteBinaries, remoteEvidence, type EvidenceKind } from "./client/remote-commands.js";
import { BOLD, painter, statusColor, type Paint } from "./colors.js";
import { CliContext } from "./context.js";
import { showEvidence } from "./pager.js";
import { safe } from "./terminal.js";

const STATUSES = ["GOOD", "BAD", "UNKWN"] as const;

/** rebuildctl's line; fields from outside are made safe before they are coloured. */
export function packageLine(r: BinaryPackageRecord, paint: Paint = (_, t) => t): string {
  const status = r.status ?? "UNKWN";
  const nameVersion = safe(`${r.name} ${r.version}`);
  return `${paint(BOLD, "[")}${paint(statusColor(status), safe(status).padEnd(5))}${paint(BOLD, "]")} ` +
    `${paint(BOLD, nameVersion)}${" ".repeat(Math.max(0, 60 - nameVersion.length))} ` +
    safe(`(${r.distribution}, ${r.release ?? "<none>"}, ${r.component ?? "<none>"}, ${r.architecture}) ${JSON.stringify(r.url)}`);
}

/** The local store's binaries page by page, so memory stays flat on large stores. */
function* localBinaries(db: Database, filter: BinaryPackageFilter): Generator<BinaryPackageRecord[]> {
  for (let after: number | undefined; ; ) {
    // By name, as rebuildctl asks a server for them.
    const page = listBinaryPackages(db, filter, { limit: 5000, after, sort: "name" });
    if (page.records.length === 0) return;
    yield page.records;
    after = page.records.at(-1)!.id;
  }
}

function packageFilterOptions(cmd: Command): Command {
  return cmd
    .option("--name <name>", "binary package name")
    .option("--status <status>", "GOOD, BAD or UNKWN (UNKWN includes never built)")
    .option("--distro <distro>", "distribution")
    .option("--suite <suite>", "component a binary of the same source package is in (rebuildctl's --suite)")
    .option("--release <release>", "release")
    .option("--architecture <arch>", "binary architecture")
    .option("--source-name <name>", "source package name")
    .option("--seen-only", "hide packages that vanished from the index");
}

export function filterFrom(o: Record<string, string | boolean | undefined>): BinaryPackageFilter {
  if (o.status !== undefined && !STATUSES.includes(o.status as never)) {
    throw new Error(`--status must be one of ${STATUSES.join(", ")}`);
  }
  return {
    name: o.name as string | undefined,
    status: o.status as BinaryPackageFilter["status"],
    distribution: o.distro as string | undefined,
    component: o.suite as string | undefined,
    release: o.release as string | undefined,
    architecture: o.architecture as string | undefined,
    source_name: o.sourceName as string | undefined,
    seen_only: o.seenOnly ? true : undefined,
  };
}

/** `pkgs log|diffoscope|attestation`: the evidence of exactly one package's latest rebuild. */
function registerEvidenceCommand(pkgs: Command, name: EvidenceKind, description: string, blob: (db: Database, r: BinaryPackageRecord) => Uint8Array | null): void {
  packageFilterOptions(pkgs.command(name).description(description)).action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
    if (endpointOf(cmd)) return remoteEvidence(cmd, name as EvidenceKind, filterFrom(o));
    const ctx = CliContext.of(cmd);
    try {
      const db = ctx.store();
      const { total, records } = listBinaryPackages(db, filterFrom(o), { limit: 2 });
      const r = evidenceTarget(name, total, records);
      const data = blob(db, r);
      // Built, but no such evidence for its verdict (a GOOD has no diffoscope, a BAD no attestation).
      if (!data) throw new Error(`${r.name} ${r.version} has no ${name} for its latest rebuild (${r.status ?? "UNKWN"})`);
      await showEvidence(name, new TextDecoder().decode(zstdDecompress(data)));
    } finally {
      ctx.close();
    }
  });
}

export function registerPkgsList(pkgs: Command): void {
  registerEvidenceCommand(pkgs, "log", "print the build log of a package's latest rebuild", (db, r) => (r.build_id === null ? null : buildLogBlob(db, r.build_id)));
  registerEvidenceCommand(pkgs, "diffoscope", "print the diffoscope report of a package's latest BAD rebuild", (db, r) => (r.artifact_id === null ? null : diffoscopeBlob(db, r.artifact_id)));
  registerEvidenceCommand(pkgs, "attestation", "print the signed in-toto attestation of a package's latest GOOD rebuild", (db, r) =>
    r.artifact_id === null ? null : attestationBlob(db, r.artifact_id),
  );
  packageFilterOptions(pkgs.command("ls").description("list binary packages and their verdicts"))
    .option("--json", "print a JSON array of v1 BinaryPackage records")
    .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const filter = filterFrom(o);
      const paint = painter(cmd);
      const ctx = CliContext.of(cmd);
      try {
        const out = process.stdout;
        const records: BinaryPackageRecord[] = [];
        const pages = endpointOf(cmd) ? remoteBinaries(clientFor(cmd), filter) : localBinaries(ctx.store(), filter);
        for await (const page of pages) {
          if (o.json) records.push(...page);
          else for (const r of page) out.write(`${packageLine(r, paint)}\n`);
        }
        if (o.json) out.write(`${JSON.stringify(records, null, 2)}\n`);
      } finally {
        ctx.close();
      }
    });
}
