/**
 * `rebuilder worker --connect URL`: worker slots that take their jobs from a remote
 * rebuilderd-compatible server (a real rebuilderd ≥ 0.26 or `rebuilder serve`) and report there,
 * as rebuilderd-worker does. The key lives in the data dir as rebuilderd-worker keeps it.
 */
import type { Command } from "commander";
import { join } from "node:path";
import { hostname } from "node:os";
import { loadOrCreateSigningKey } from "../engine/evidence/index.js";
import { EventBus } from "../engine/events.js";
import { nativeArchitecture, WorkerSlots } from "../engine/workers/index.js";
import { RemoteJobSource, workerKey } from "../engine/workers/remote-source.js";
import { endpointCookie } from "./client/endpoint-cookie.js";
import { collect, CliContext, warn } from "./context.js";
import { printJobEvents, summaryLine, withStopSignals } from "./slot-run.js";
import { safe } from "./terminal.js";

/** rebuilderd-worker's file name for its raw PKCS#8 key. */
const WORKER_KEY_FILE = "rebuilder.v2.key";

const positive = (flag: string) => (v: string) => {
  if (!/^[1-9]\d*$/.test(v)) throw new Error(`${flag} must be a positive integer, got ${JSON.stringify(v)}`);
  return Number(v);
};

interface WorkerOptions {
  connect?: string;
  name?: string;
  slots?: number;
  pingInterval: number;
  backend?: string[];
  allowLocalUrls?: boolean;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description("rebuild jobs of a remote rebuilderd-compatible server (Ctrl-C once lets running builds finish, twice stops them at once)")
    .option("--connect <url>", "the server's base URL (default: endpoint = in the config)")
    .option("-n, --name <name>", "the name this worker registers with (default: the host name)")
    .option("--slots <n>", "number of builds at once (default: [slots] count)", positive("--slots"))
    .option("--ping-interval <seconds>", "how often a running job is pinged; must stay below the server's ping deadline", positive("--ping-interval"), 60)
    .option("--backend <distro=path>", "rebuilder script for a distribution, as rebuilderd-worker's --backend (repeatable)", collect)
    .option("--allow-local-urls", "accept jobs naming local files instead of http(s) URLs (only for a server that shares this machine's files)")
    .action(async (o: WorkerOptions, cmd: Command) => {
      const ctx = CliContext.of(cmd);
      const config = ctx.config();
      if (o.slots) config.slots.count = o.slots;
      for (const spec of o.backend ?? []) {
        const at = spec.indexOf("=");
        if (at <= 0 || at === spec.length - 1) throw new Error(`--backend must look like distro=/path/to/script, got ${JSON.stringify(spec)}`);
        config.backends[spec.slice(0, at)] = { ...config.backends[spec.slice(0, at)], path: spec.slice(at + 1) };
      }
      const endpoint = o.connect ?? config.endpoint;
      if (!endpoint) throw new Error("no server to connect to: give --connect URL, or endpoint = \"URL\" in the worker config (-c)");

      const key = loadOrCreateSigningKey(join(ctx.dataDir, WORKER_KEY_FILE), warn, "der");
      const name = o.name ?? hostname();
      const source = await RemoteJobSource.connect({
        endpoint,
        key,
        name,
        signupSecret: config.signup_secret,
        // As rebuildctl -H finds it: this machine's own admin cookie goes only to a server on this machine.
        cookie: config.signup_secret === undefined ? endpointCookie(endpoint, ctx.options.config) : null,
        nativeArchitecture: nativeArchitecture(),
        allowLocalUrls: o.allowLocalUrls === true,
      });
      const events = new EventBus();
      const slots = await WorkerSlots.create({
        source,
        dataDir: ctx.dataDir,
        config,
        events,
        // Attestations are signed with the worker's key, as rebuilderd-worker signs them.
        signingKey: key,
        heartbeatSeconds: o.pingInterval,
        // Against a server, rebuilderd-worker's idle_delay applies as it is.
        pollSeconds: Math.max(0.5, config.idle_delay),
        onError: (slot, err) => process.stderr.write(safe(`[${slot}] ${(err as Error).message}\n`)),
      });
      const { backends, unavailable, architectures } = slots.capabilities;
      for (const [distro, reason] of unavailable) if (Object.hasOwn(config.backends, distro)) warn(`backend ${distro} cannot run here: ${reason}`);
      if (backends.size === 0) throw new Error("no backend can run on this machine; configure one with [backend.\"<distro>\"] path = … or --backend distro=/path");
      process.stderr.write(
        safe(`rebuilder: worker ${name} (key ${workerKey(key)}) registered with ${endpoint}; ${config.slots.count} slot(s), backends ${[...backends.keys()].join(", ")}, architectures ${architectures.join(", ")}\n`),
      );
      printJobEvents(events);
      const say = { finishing: "finishing running builds (Ctrl-C again to stop them at once)", stopping: "stopping running builds; the server hands their jobs out again after its ping deadline" };
      const summary = await withStopSignals(slots, say, (stopped) => slots.runUntilStopped(stopped));
      process.stdout.write(`${summaryLine(summary)}\n`);
    });
}
