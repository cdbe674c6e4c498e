/** `rebuilder pkgs ls`: the imported binaries as v1 BinaryPackage records, or rebuildctl's line format. */
import type { Command } from "commander";
import { listBinaryPackages, type BinaryPackageFilter, type BinaryPackageRecord } from "../engine/store/queries/packages.js";
import { CliContext } from "./context.js";
import { safe } from "./terminal.js";

const STATUSES = ["GOOD", "BAD", "UNKWN"] as const;

export function packageLine(r: BinaryPackageRecord): string {
  const status = (r.status ?? "UNKWN").padEnd(5);
  return `[${status}] ${`${r.name} ${r.version}`.padEnd(60)} (${r.distribution}, ${r.release ?? "<none>"}, ${r.component ?? "<none>"}, ${r.architecture}) ${JSON.stringify(r.url)}`;
}

export function registerPkgsList(pkgs: Command): void {
  pkgs
    .command("ls")
    .description("list binary packages and their verdicts")
    .option("--name <name>", "binary package name")
    .option("--status <status>", "GOOD, BAD or UNKWN (UNKWN includes never built)")
    .option("--distro <distro>", "distribution")
    .option("--suite <suite>", "component a binary of the same source package is in (rebuildctl's --suite)")
    .option("--release <release>", "release")
    .option("--architecture <arch>", "binary architecture")
    .option("--source-name <name>", "source package name")
    .option("--seen-only", "hide packages that vanished from the index")
    .option("--json", "print a JSON array of v1 BinaryPackage records")
    .action((o: Record<string, string | boolean | undefined>, cmd: Command) => {
      if (o.status !== undefined && !STATUSES.includes(o.status as never)) {
        throw new Error(`--status must be one of ${STATUSES.join(", ")}`);
      }
      const filter: BinaryPackageFilter = {
        name: o.name as string | undefined,
        status: o.status as BinaryPackageFilter["status"],
        distribution: o.distro as string | undefined,
        component: o.suite as string | undefined,
        release: o.release as string | undefined,
        architecture: o.architecture as string | undefined,
        source_name: o.sourceName as string | undefined,
        seen_only: o.seenOnly ? true : undefined,
      };
      const ctx = CliContext.of(cmd);
      try {
        const db = ctx.store();
        const out = process.stdout;
        const records: BinaryPackageRecord[] = [];
        // Page through like rebuildctl does, so memory stays flat on large stores.
        for (let after: number | undefined; ; ) {
          const page = listBinaryPackages(db, filter, { limit: 5000, after });
          if (page.records.length === 0) break;
          if (o.json) records.push(...page.records);
          else for (const r of page.records) out.write(`${safe(packageLine(r))}\n`);
          after = page.records.at(-1)!.id;
        }
        if (o.json) out.write(`${JSON.stringify(records, null, 2)}\n`);
      } finally {
        ctx.close();
      }
    });
}
