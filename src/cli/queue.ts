/** `rebuilder queue ls|push|drop|requeue`: the local build queue, with rebuildctl's argument shapes. */
import type { Command } from "commander";
import { dropQueue, pushQueue, type QueueMatch } from "../engine/scheduler/index.js";
import { listQueue, type QueuedJobRecord } from "../engine/store/queries/queue.js";
import { fromDbTime, toDbTime } from "../engine/store/time.js";
import { CliContext } from "./context.js";
import { safe } from "./terminal.js";

function secsToHuman(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  const two = (n: number) => String(n).padStart(2);
  return h > 0 ? `${two(h)}h ${two(m)}m ${two(s)}s` : `${two(m)}m ${two(s)}s`;
}

export function queueLine(j: QueuedJobRecord, now: Date): string {
  const time = (t: string | null) => (t ? t.replace("T", " ").slice(0, 19) : "");
  const running = j.started_at ? secsToHuman((now.getTime() - fromDbTime(j.started_at.replace("T", " ")).getTime()) / 1000) : "";
  return `${time(j.queued_at)} ${`${j.name} ${j.version}`.padEnd(60)} ${running.padStart(11)} ${time(j.started_at).padEnd(19)} ${JSON.stringify(j.distribution)} ${j.release === null ? "None" : `Some(${JSON.stringify(j.release)})`} ${JSON.stringify(j.architecture)}`;
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
    .action((o: { head?: boolean; planned?: boolean; json?: boolean }, cmd: Command) => {
      const ctx = CliContext.of(cmd);
      try {
        const now = new Date();
        const { records } = listQueue(ctx.store(), o.planned ? {} : { due_at: toDbTime(now) }, { limit: o.head ? 25 : 1_000_000 });
        if (o.json) process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
        else for (const j of records) process.stdout.write(`${safe(queueLine(j, now))}\n`);
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
    .action((distro: string, component: string, name: string, version: string | undefined, o: { architecture?: string; release?: string; priority: number }, cmd: Command) => {
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
    .action((distro: string, component: string, name: string, version: string | undefined, o: { architecture?: string; release?: string }, cmd: Command) => {
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
    .action((status: string, o: { distro?: string; release?: string; architecture?: string; name?: string; priority: number }, cmd: Command) => {
      if (!["BAD", "FAIL", "UNKWN"].includes(status)) throw new Error(`status must be BAD, FAIL or UNKWN, got ${JSON.stringify(status)}`);
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
