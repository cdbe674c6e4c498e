/**
 * `rebuilder check PKG[=VERSION]…` and `check --installed`: is this verified, by the local
 * rebuild and by remote rebuilders, and do they agree? Exit 0 when every package is verified,
 * 1 when any is not, 2 on error (a package no source could answer for, or a failed command).
 */
import type { Command } from "commander";
import { installedPackages } from "../engine/installed.js";
import { checkPackages, type CheckOptions } from "../engine/verification/check.js";
import { counts, unanswered, type PackageQuery, type PackageVerdict, type SourceVerdict } from "../engine/verification/consensus.js";
import { decidingStatus, queueUnverified, summarizeInstalled, type InstalledShare } from "../engine/verification/installed-share.js";
import { loadRemotes, normalizeRemote } from "../engine/verification/remotes-config.js";
import { RebuilderdClient } from "./client/rebuilderd-client.js";
import { BOLD, GREY, painter, statusColor, type Paint } from "./colors.js";
import { CliContext, collect, warn } from "./context.js";
import { CommandExit } from "./exit.js";
import { safe, StatusLine } from "./terminal.js";

interface CheckFlags {
  installed?: boolean;
  remote?: string[];
  configRemotes: boolean;
  threshold: number;
  trustUnsigned?: boolean;
  offline?: boolean;
  json?: boolean;
  queue?: boolean;
  timeout: number;
  root: string;
}

/** `name`, `name=version`, `name:arch`, `name:arch=version`. */
export function parsePackageArg(arg: string): PackageQuery {
  const m = /^([^\s=:]+)(?::([^\s=:]+))?(?:=([^\s=]+))?$/.exec(arg);
  if (!m) throw new Error(`cannot read package ${JSON.stringify(arg)}: expected NAME, NAME=VERSION or NAME:ARCH=VERSION`);
  return { name: m[1]!, ...(m[2] ? { architecture: m[2] } : {}), ...(m[3] ? { version: m[3] } : {}) };
}

function positiveInt(what: string) {
  return (v: string) => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`${what} must be a whole number ≥ 1, got ${JSON.stringify(v)}`);
    return Number(v);
  };
}

function age(wireTime: string, now: Date): string {
  const s = Math.max(0, (now.getTime() - new Date(`${wireTime}Z`).getTime()) / 1000);
  if (s < 90) return `${Math.round(s)}s`;
  if (s < 5400) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

function sourceNote(r: SourceVerdict, now: Date): string | null {
  const cached = r.cached_at ? ` [cached answer from ${age(r.cached_at, now)} ago: ${r.cached_because}]` : "";
  if (r.status === "ERROR") return `no answer: ${r.reason}`;
  if (r.status === "GOOD" && !counts(r)) return `GOOD not counted: ${r.reason}${cached}`;
  if (r.trusted_unsigned) return `GOOD, attestation not checked (--trust-unsigned)${cached}`;
  return cached ? `${r.status}${r.version ? ` ${r.version}` : ""}${cached}` : null;
}

/** Names, versions and reasons come from indexes and remotes: made safe before they are coloured, never after. */
export function verdictLines(v: PackageVerdict, paint: Paint, now: Date): string[] {
  const local = v.local.status === "NOT_FOUND" ? "not in store" : v.local.status;
  const [name, version] = [safe(v.name), safe(v.version ?? "?")];
  const head = [
    `${paint(BOLD, name)} ${version}${" ".repeat(Math.max(0, 39 - name.length - version.length))}`,
    `local ${paint(statusColor(v.local.status), local)}`,
    ...(v.remotes.length ? [`remotes ${v.remote_good}/${v.remote_answered} GOOD`] : []),
    v.verified ? paint(statusColor("VERIFIED"), "verified") : paint(statusColor("BAD"), "not verified"),
    ...(v.disagree ? [paint(statusColor("DISAGREE"), "DISAGREE")] : []),
  ].join("  ");
  const notes = v.remotes.map((r) => [r, sourceNote(r, now)] as const).filter(([, n]) => n !== null);
  return [
    head,
    ...(v.disagreement ? [`  ${paint(GREY, safe(`disagreement: ${v.disagreement}`))}`] : []),
    ...notes.map(([r, n]) => `  ${paint(GREY, safe(`${r.source}: ${n}`))}`),
  ];
}

function shareLines(s: InstalledShare, manager: string, verbose: boolean, paint: Paint, now: Date): string[] {
  const pct = (n: number) => `${(s.known ? (100 * n) / s.known : 0).toFixed(2)} %`;
  const lines = [
    `${s.installed} installed packages (${manager}): ${s.known} known to a rebuilder, ${s.unknown.length} unknown`,
    paint(BOLD, `${pct(s.verified)} verified (${s.verified} of ${s.known})`),
    ...Object.entries(s.by_status).map(([k, n]) => `  ${paint(statusColor(k), k.padEnd(9))} ${String(n).padStart(6)}  ${pct(n)}`),
  ];
  if (s.worst.length) {
    lines.push("worst offenders:");
    for (const v of s.worst) lines.push(...verdictLines(v, paint, now).map((l) => `  ${paint(statusColor(decidingStatus(v)), decidingStatus(v).padEnd(8))} ${l}`));
  }
  if (s.unknown.length) {
    const shown = verbose ? s.unknown : s.unknown.slice(0, 20);
    lines.push(`unknown to every source (third-party, or a version the index does not have)${shown.length < s.unknown.length ? `, first ${shown.length} (-v for all)` : ""}:`);
    for (const p of shown) lines.push(safe(`  ${p.name} ${p.version} ${p.architecture}${p.store_version ? `  (store has ${p.store_version})` : ""}`));
  }
  return lines;
}

export function registerCheckCommand(program: Command): void {
  program
    .command("check")
    .description("is a package verified? The local verdict and the configured remote rebuilders', with agreement")
    .argument("[package...]", "NAME, NAME=VERSION or NAME:ARCH=VERSION")
    .option("--installed", "check every package installed on this machine (dpkg or pacman)")
    .option("--remote <url>", "also ask this rebuilder (repeatable)", collect)
    .option("--no-config-remotes", "do not ask the remotes of `rebuilder remote ls`")
    .option("--threshold <k>", "independent GOODs needed to count as verified (the local rebuild counts as one)", positiveInt("--threshold"), 1)
    .option("--trust-unsigned", "count a remote GOOD without checking its attestation (not recommended)")
    .option("--offline", "answer remotes from the cache only")
    .option("--queue", "queue local rebuilds of the unverified packages, ahead of everything else")
    .option("--timeout <seconds>", "per request to a remote", positiveInt("--timeout"), 10)
    .option("--root <dir>", "the machine whose installed packages are read", "/")
    .option("--json", "print {packages, summary} as JSON")
    .action(async (args: string[], o: CheckFlags, cmd: Command) => {
      try {
        await runCheck(args, o, cmd);
      } catch (err) {
        if (err instanceof CommandExit) throw err;
        process.stderr.write(`rebuilder: error: ${safe((err as Error).message)}\n`);
        throw new CommandExit(2);
      }
    });
}

async function runCheck(args: string[], o: CheckFlags, cmd: Command): Promise<void> {
  if (o.installed && args.length) throw new Error("give packages or --installed, not both");
  if (!o.installed && !args.length) throw new Error("name packages to check (NAME[=VERSION]) or pass --installed");
  const queries = args.map(parsePackageArg);
  const urls = [...new Set([...(o.configRemotes ? loadRemotes() : []), ...(o.remote ?? []).map(normalizeRemote)])];
  const remotes = urls.map((url) => new RebuilderdClient(url, { timeoutMs: o.timeout * 1000 }));
  if (o.trustUnsigned) warn("--trust-unsigned: remote GOODs are counted without checking their signed attestations");
  const ctx = CliContext.of(cmd);
  const status = new StatusLine();
  const started = Date.now();
  try {
    const installed = o.installed ? await installedPackages(o.root) : null;
    const opts: CheckOptions = {
      threshold: o.threshold,
      trustUnsigned: o.trustUnsigned === true,
      offline: o.offline === true,
      onProgress: (done, total) => {
        if (Date.now() - started > 1000) status.update(`asked ${urls.length} remote${urls.length === 1 ? "" : "s"}: ${done} of ${total} answers`);
      },
    };
    const db = ctx.store();
    const verdicts = await checkPackages(db, installed?.packages ?? queries, remotes, opts);
    status.clear();
    const share = installed ? summarizeInstalled(db, installed.packages, verdicts) : null;
    const queued = o.queue ? queueUnverified(db, verdicts, new Date()) : null;
    // With --installed, packages no source knows are listed, not failures: it fails only when nothing answered at all.
    const failed = share ? (share.known === 0 && verdicts.length > 0 && verdicts.every(unanswered) ? verdicts : []) : verdicts.filter(unanswered);
    const summary = {
      packages: verdicts.length,
      verified: verdicts.filter((v) => v.verified).length,
      not_verified: verdicts.filter((v) => !v.verified).length,
      disagree: verdicts.filter((v) => v.disagree).length,
      unanswered: failed.length,
      threshold: o.threshold,
      remotes: urls,
      trust_unsigned: o.trustUnsigned === true,
      offline: o.offline === true,
      ...(queued !== null ? { queued } : {}),
      ...(share ? { installed: { ...share, worst: share.worst.map((v) => v.name) }, manager: installed!.manager } : {}),
    };
    const now = new Date();
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ packages: verdicts, summary })}\n`);
    } else {
      const paint = painter(cmd);
      const lines = share ? shareLines(share, installed!.manager, (ctx.options.verbose ?? 0) > 0, paint, now) : verdicts.flatMap((v) => verdictLines(v, paint, now));
      if (queued !== null) lines.push(`${queued} local rebuilds queued`);
      process.stdout.write(`${lines.join("\n")}\n`);
    }
    if (share && failed.length) warn("no source answered: the store knows none of the installed packages and every remote failed");
    else for (const v of failed) warn(`${v.name}: no source answered (the store does not know it and every remote failed)`);
    if (failed.length) throw new CommandExit(2);
    // A machine none of whose packages any source knows is not verified either.
    const allVerified = share ? share.known > 0 && share.verified === share.known : summary.not_verified === 0;
    if (!allVerified) throw new CommandExit(1);
  } finally {
    status.clear();
    ctx.close();
  }
}
