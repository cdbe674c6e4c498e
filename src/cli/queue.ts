/** `rebuilder queue ls|push|drop|requeue`: the local build queue, with rebuildctl's argument shapes. */
import type { Command } from "commander";
import { dropQueue, pushQueue, type QueueMatch } from "../engine/scheduler/index.js";
import { listQueue, type QueuedJobRecord } from "../engine/store/queries/queue.js";
import { fromDbTime, toDbTime } from "../engine/store/time.js";
import { clientFor, endpointOf } from "./client/remote-commands.js";
import { BOLD, GREEN, GREY, painter, type Paint } from "./colors.js";
import { CliContext } from "./context.js";
import { safe } from "./terminal.js";

function secsToHuman(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  const two = (n: number) => String(n).padStart(2);
  return h > 0 ? `${two(h)}h ${two(m)}m ${two(s)}s` : `${two(m)}m ${two(s)}s`;
}

/** rebuildctl's line; fields from outside are made safe before they are coloured. */
export function queueLine(j: QueuedJobRecord, now: Date, paint: Paint = (_, t) => t): string {
  const time = (t: string | null) => (t ? safe(t.replace("T", " ").slice(0, 19)) : "");
  const running = j.started_at ? secsToHuman((now.getTime() - fromDbTime(j.started_at.replace("T", " ")).getTime()) / 1000) : "";
  const name = safe(j.name);
  const nameVersion = `${paint(BOLD, name)} ${safe(j.version)}${" ".repeat(Math.max(0, 60 - name.length - 1 - safe(j.version).length))}`;
  return `${paint(GREY, time(j.queued_at))} ${nameVersion} ${paint(GREEN, running.padStart(11))} ${time(j.started_at).padEnd(19)} ${safe(`${JSON.stringify(j.distribution)} ${j.release === null ? "None" : `Some(${JSON.stringify(j.release)})`} ${JSON.stringify(j.architecture)}`)}`;
}

/** Jobs due now (all with `planned`), page by page: from the local store or the `-H` server. */
async function* queuePages(cmd: Command, ctx: CliContext, planned: boolean, now: Date): AsyncGenerator<QueuedJobRecord[]> {
  if (!endpointOf(cmd)) {
    yield listQueue(ctx.store(), planned ? {} : { due_at: toDbTime(now) }, { limit: 1_000_000 }).records;
    return;
  }
  const client = clientFor(cmd);
  const due = (j: QueuedJobRecord) => planned || j.next_retry === null || fromDbTime(j.next_retry.replace("T", " ")) <= now;
  for await (const page of client.pages((q) => client.listQueue(q), {})) yield page.filter(due);
}

function parsePriority(v: string): number {
  if (!/^-?\d+$/.test(v)) throw new Error(`--priority must be an integer, got ${JSON.stringify(v)}`);
  return Number(v);
}

export function registerQueueCommands(program: Command): void {
  const queue = program.command("queue").description("the local build queue");

  queue
    .command("ls")
    .description("list queued jobs (jobs waiting for a retry are hidden unless --planned)")
    .option("--head", "only the first 25 jobs")
    .option("-p, --planned", "include jobs whose retry is not due yet")
    .option("--json", "print a JSON array of v1 QueuedJob records")
    .action(async (o: { head?: boolean; planned?: boolean; json?: boolean }, cmd: Command) => {
      const ctx = CliContext.of(cmd);
      try {
        const now = new Date();
        const paint = painter(cmd);
        const records: QueuedJobRecord[] = [];
        for await (const page of queuePages(cmd, ctx, o.planned === true, now)) {
          records.push(...page);
          if (o.head && records.length >= 25) break;
        }
        const shown = o.head ? records.slice(0, 25) : records;
        if (o.json) process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
        else for (const j of shown) process.stdout.write(`${queueLine(j, now, paint)}\n`);
      } finally {
        ctx.close();
      }
    });

  queue
    .command("push")
    .description("queue rebuilds of a package now (friend-aware; earlier results are kept)")
    .argument("<distro>")
    .argument("<component>", "component a binary of the package is in")
    .argument("<name>", "source package name")
    .argument("[version]")
    .option("--architecture <arch>", "build architecture")
    .option("--release <release>", "release")
    .option("--priority <n>", "lower runs sooner (0 manual, 1 new, 2 retry)", parsePriority, 0)
    .action(async (distro: string, component: string, name: string, version: string | undefined, o: { architecture?: string; release?: string; priority: number }, cmd: Command) => {
      if (endpointOf(cmd)) {
        const request = { distribution: distro, release: o.release ?? null, component, name, version: version ?? null, architecture: o.architecture ?? null, status: null, priority: o.priority };
        return clientFor(cmd, true).pushQueue(request);
      }
      const ctx = CliContext.of(cmd);
      try {
        const n = pushQueue(ctx.store(), { distribution: distro, component, name, version, architecture: o.architecture, release: o.release }, o.priority, new Date());
        if (n === 0) throw new Error(`no package matched ${distro} ${component} ${name}${version ? ` ${version}` : ""}`);
      } finally {
        ctx.close();
      }
    });

  queue
    .command("drop")
    .description("remove queued jobs of a package")
    .argument("<distro>")
    .argument("<component>")
    .argument("<name>")
    .argument("[version]")
    .option("--architecture <arch>", "build architecture")
    .option("--release <release>", "release")
    .action(async (distro: string, component: string, name: string, version: string | undefined, o: { architecture?: string; release?: string }, cmd: Command) => {
      if (endpointOf(cmd)) return clientFor(cmd, true).dropQueue({ distribution: distro, component, architecture: o.architecture, name, version, release: o.release });
      const ctx = CliContext.of(cmd);
      try {
        dropQueue(ctx.store(), { distribution: distro, component, name, version, architecture: o.architecture, release: o.release });
      } finally {
        ctx.close();
      }
    });

  queue
    .command("requeue")
    .description("queue again every package whose latest rebuild is BAD or FAIL (or never built: UNKWN)")
    .argument("<status>", "BAD, FAIL or UNKWN")
    .option("--distro <distro>")
    .option("--release <release>")
    .option("--architecture <arch>")
    .option("--name <name>")
    .option("--priority <n>", "lower runs sooner", parsePriority, 0)
    .action(async (status: string, o: { distro?: string; release?: string; architecture?: string; name?: string; priority: number }, cmd: Command) => {
      if (!["BAD", "FAIL", "UNKWN"].includes(status)) throw new Error(`status must be BAD, FAIL or UNKWN, got ${JSON.stringify(status)}`);
      if (endpointOf(cmd)) {
        const request = { distribution: o.distro ?? null, release: o.release ?? null, component: null, name: o.name ?? null, version: null, architecture: o.architecture ?? null, status, priority: o.priority };
        return clientFor(cmd, true).pushQueue(request);
      }
      const ctx = CliContext.of(cmd);
      try {
        const match: QueueMatch = { status: status as QueueMatch["status"], distribution: o.distro, release: o.release, architecture: o.architecture, name: o.name };
        const n = pushQueue(ctx.store(), match, o.priority, new Date());
        process.stdout.write(`${n} jobs queued\n`);
      } finally {
        ctx.close();
      }
    });
}
