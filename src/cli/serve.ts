/**
 * `rebuilder serve`: the engine headless — rebuilderd's HTTP API (`/api/v1`, `/api/v0`), the
 * live event stream and `/metrics`, the local worker slots and the periodic sync — until
 * SIGINT/SIGTERM: the first lets running builds finish, the second hands them back to the queue.
 */
import type { Command } from "commander";
import { parseBindAddress, type Listener } from "../engine/api/adapter/index.js";
import { ApiAuth } from "../engine/api/auth.js";
import { loadOrCreateServerCookie } from "../engine/api/cookie.js";
import type { RunSummary } from "../engine/workers/index.js";
import { CliContext, warn } from "./context.js";
import { keepFreedMemory } from "./keep-freed-memory.js";
import { safe } from "./terminal.js";

const log = (message: string) => process.stderr.write(`rebuilder: ${safe(message)}\n`);

function formatInterval(seconds: number): string {
  for (const [unit, size] of [["d", 86_400], ["h", 3600], ["m", 60]] as const) if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("run the rebuilderd-compatible HTTP API with the local worker slots and the periodic sync ([sync]); Ctrl-C once lets running builds finish, twice hands them back")
    .option("--bind <addr:port>", "listen address (default: $HTTP_ADDR, else [http] bind_addr, else 127.0.0.1:8484)")
    .option("--slots <n>", "local worker slots (default: [slots] count; 0: only coordinate remote workers)", (v) => {
      if (!/^\d+$/.test(v)) throw new Error(`--slots must be a non-negative integer, got ${JSON.stringify(v)}`);
      return Number(v);
    })
    .action(async (o: { bind?: string; slots?: number }, cmd: Command) => {
      keepFreedMemory();
      const ctx = CliContext.of(cmd);
      const config = ctx.config();
      if (o.slots !== undefined) config.slots.count = o.slots;
      const bind = parseBindAddress(o.bind ?? process.env.HTTP_ADDR ?? config.http.bind_addr);
      const engine = await ctx.engine({ warn, echoOutput: false });
      let listener: Listener | undefined;
      try {
        const cookie = loadOrCreateServerCookie();
        const auth = new ApiAuth(cookie.cookie, config.worker);
        engine.sync.start();
        // Hono, prom-client and the routes load only here: every other command starts without them.
        const { listenApi } = await import("../engine/api/app.js");
        try {
          listener = await listenApi({ engine, auth }, bind, log);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          const hint = code === "EADDRINUSE" ? "another program listens there; pick another with --bind ADDR:PORT" : "check the address given with --bind or [http] bind_addr";
          throw new Error(`cannot listen on ${bind.hostname}:${bind.port}: ${(err as Error).message}; ${hint}`);
        }
        const host = listener.hostname.includes(":") ? `[${listener.hostname}]` : listener.hostname;
        log(`listening on http://${host}:${listener.port} (/api/v1, /api/v0, /api/v1/x-events, /metrics)`);
        log(`admin cookie (X-Auth-Cookie) in ${cookie.path}${cookie.created ? ", newly created" : ""}`);
        log(auth.describeRegistration());
        const { slots } = engine;
        log(
          config.slots.count === 0
            ? "no local worker slots: coordinating remote workers only"
            : `${config.slots.count} local worker slot${config.slots.count === 1 ? "" : "s"} (backends: ${[...slots.capabilities.backends.keys()].join(", ") || "none available"})`,
        );
        const sync = engine.sync.settings;
        log(
          sync
            ? `periodic sync every ${formatInterval(sync.interval)} of ${engine.sync.profiles().map((p) => p.name).join(", ")} (${engine.sync.syncConfigPath})`
            : "no periodic sync (add a [sync] section to sync on a schedule)",
        );
        engine.events.subscribe((e) => {
          if (e.type === "job.started") log(`[${e.slot}] building ${e.name} ${e.version} (${e.architecture}, ${e.backend})`);
          if (e.type === "job.finished") log(`[${e.slot}] ${e.status} ${e.name} ${e.version}${e.reason ? `: ${e.reason}` : ""}`);
          if (e.type === "sync.started") log(`sync ${e.profile}: started (process ${e.pid})`);
          if (e.type === "sync.finished") log(`sync ${e.profile}: ${Object.entries(e.summary).map(([k, v]) => `${k} ${v}`).join(", ")}`);
        });

        let signals = 0;
        let stopRequested!: (stopping: Promise<unknown>) => void;
        const stopped = new Promise<unknown>((resolve) => (stopRequested = resolve));
        const onSignal = () => {
          signals++;
          log(signals === 1 ? "stopping: finishing running builds (signal again to hand them back)" : "handing running builds back to the queue");
          const closing = signals === 1 ? listener!.close() : Promise.resolve();
          stopRequested(Promise.all([closing, engine.sync.stop({ wait: signals === 1 }), slots.stop({ handBack: signals > 1 })]));
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
        let summary: RunSummary;
        try {
          summary = await slots.runUntilStopped(stopped);
        } finally {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
        }
        // The event bus delivers on the next turn: let the last results be logged before the final line.
        await new Promise((resolve) => setImmediate(resolve));
        log(`stopped after building ${summary.built} (${summary.good} GOOD, ${summary.bad} BAD, ${summary.fail} FAIL)`);
      } finally {
        await listener?.close();
        await engine.close();
        ctx.close();
      }
    });
}
