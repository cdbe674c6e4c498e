/**
 * Jobs from a remote rebuilderd-compatible server over its v1 worker protocol (reference §6.1,
 * §3.3–3.4): register once with `X-Worker-Key`, then pop, ping and report, each request with the
 * same credentials and every JSON body zstd-compressed as rebuilderd-worker sends it. All slots
 * of one process share one key, so the server sees one worker holding several jobs.
 */
import { fetch } from "undici";
import { zstdCompress } from "../compression.js";
import { isRemote } from "../http.js";
import type { SigningKey } from "../evidence/index.js";
import type { ClaimedJob, QueueFilter, RebuildOutcome } from "../scheduler/index.js";
import { toDbTime, toWireTime } from "../store/time.js";
import type { JobSource, SourceWorker } from "./job-source.js";

export interface RemoteSourceOptions {
  /** The server's base URL; an optional path prefix is kept (`https://host/rebuilder`). */
  endpoint: string;
  /** The worker's key; its public half is the `X-Worker-Key`. */
  key: SigningKey;
  /** Registration name (rebuilderd-worker's `-n`). */
  name: string;
  /** Sent as `X-Signup-Secret`; otherwise `cookie` is sent as `X-Auth-Cookie` (as rebuilderd-worker). */
  signupSecret?: string;
  cookie?: string | null;
  /** The machine's architecture in rebuilderd's naming, sent as `architecture` (the server ignores it). */
  nativeArchitecture: string;
  /** Seconds a request may take (the report upload gets ten times as long). */
  timeoutSeconds?: number;
  /**
   * Accept jobs whose URLs are local paths or file:// URLs (a server sharing this machine's
   * files). Off by default: a server must not make the worker read, and report on, its files.
   */
  allowLocalUrls?: boolean;
}

/** The server said or sent something this worker cannot work with; the message says what and how to fix it. */
export class RemoteServerError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "RemoteServerError";
  }
}

/** Network failures (refused, reset, timed out): worth retrying a report over. */
class Unreachable extends RemoteServerError {}

const REPORT_ATTEMPTS = 3;
/** A pop answer lists one job's artifacts; anything near this size is not a rebuilderd answer. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export class RemoteJobSource implements JobSource {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  private constructor(private readonly opts: RemoteSourceOptions) {
    this.base = opts.endpoint.replace(/\/$/, "");
    this.headers = { "user-agent": "rebuilder-worker", "x-worker-key": workerKey(opts.key) };
    if (opts.signupSecret !== undefined) this.headers["x-signup-secret"] = opts.signupSecret;
    else if (opts.cookie) this.headers["x-auth-cookie"] = opts.cookie;
    this.timeoutMs = (opts.timeoutSeconds ?? 60) * 1000;
  }

  /** Registers with the server (`POST /api/v1/workers`); refuses clearly when it cannot. */
  static async connect(opts: RemoteSourceOptions): Promise<RemoteJobSource> {
    if (!/^https?:\/\/[^/]/i.test(opts.endpoint)) throw new RemoteServerError(`${JSON.stringify(opts.endpoint)} is not an http:// or https:// URL; give the server's base URL, e.g. http://127.0.0.1:8484`);
    const source = new RemoteJobSource(opts);
    const res = await source.call("POST", "/api/v1/workers", { name: opts.name });
    if (res.status === 403) {
      const sent = opts.signupSecret !== undefined ? "the signup secret it sent was refused" : opts.cookie ? "the admin cookie it sent was refused" : "it sent no signup secret and no admin cookie";
      throw new RemoteServerError(
        `${source.base} refused to register this worker (HTTP 403): ${sent}. Fix one of: set signup_secret in the worker config to the server's [worker] signup_secret; ` +
          `add this worker's key ${source.headers["x-worker-key"]} to the server's [worker] authorized_workers; or give the worker the server's admin cookie (REBUILDERD_COOKIE_PATH)`,
        403,
      );
    }
    source.expectSuccess(res, "POST /api/v1/workers");
    return source;
  }

  async register(): Promise<SourceWorker> {
    return {
      id: null,
      claim: (filter) => this.pop(filter),
      heartbeat: (queueId) => this.ping(queueId),
      record: (queueId, outcome) => this.report(queueId, outcome),
      // The v1 protocol has no hand-back: the server hands the job out again after its ping deadline.
      release: async () => false,
    };
  }

  private async pop(filter: QueueFilter): Promise<ClaimedJob | null> {
    const what = "POST /api/v1/queue/pop";
    const res = await this.call("POST", "/api/v1/queue/pop", {
      supported_backends: filter.backends,
      architecture: this.opts.nativeArchitecture,
      supported_architectures: filter.architectures,
    });
    this.expectSuccess(res, what);
    const job = parseAssignment(this.json(res, what), `${this.base}: ${what}`);
    const local = job && !this.opts.allowLocalUrls ? [job.url, ...job.artifacts.map((a) => a.url)].find((url) => !isRemote(url)) : undefined;
    if (local !== undefined) {
      throw new RemoteServerError(
        `${this.base} handed out job ${job!.queueId} (${job!.name} ${job!.version}) naming ${JSON.stringify(local)}, which is not an http(s) URL; refused, the server hands it out again after its ping deadline ` +
          `(if the server shares this machine's files on purpose, start the worker with --allow-local-urls)`,
      );
    }
    return job;
  }

  private async ping(queueId: number): Promise<boolean> {
    const res = await this.call("POST", `/api/v1/queue/${queueId}/ping`);
    if (res.status === 404) return false;
    this.expectSuccess(res, `POST /api/v1/queue/${queueId}/ping`);
    return true;
  }

  private async report(queueId: number, outcome: RebuildOutcome): Promise<{ buildId: null }> {
    const body = {
      queue_id: queueId,
      built_at: toWireTime(toDbTime(outcome.builtAt)),
      // Byte fields travel as arrays of integers (reference §1.7).
      build_log: Array.from(outcome.buildLog),
      status: outcome.status,
      artifacts: outcome.artifacts.map((a) => ({
        name: a.name,
        status: a.status,
        diffoscope: a.diffoscope ? Array.from(a.diffoscope) : null,
        attestation: a.attestation ? Array.from(a.attestation) : null,
      })),
    };
    // A finished build is expensive: a server that restarts meanwhile should not cost its result.
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.call("POST", "/api/v1/builds", body, this.timeoutMs * 10);
        this.expectSuccess(res, "POST /api/v1/builds");
        return { buildId: null };
      } catch (err) {
        if (!(err instanceof Unreachable) || attempt === REPORT_ATTEMPTS) throw err;
        await new Promise((resolve) => setTimeout(resolve, 2000 * attempt));
      }
    }
  }

  private async call(method: string, path: string, json?: unknown, timeoutMs = this.timeoutMs): Promise<{ status: number; text: string }> {
    const url = `${this.base}${path}`;
    const headers: Record<string, string> = { ...this.headers };
    let body: Uint8Array | undefined;
    if (json !== undefined) {
      body = zstdCompress(JSON.stringify(json));
      headers["content-type"] = "application/json";
      headers["content-encoding"] = "zstd";
    } else {
      headers["content-length"] = "0";
    }
    try {
      const res = await fetch(url, { method, headers, body, redirect: "error", signal: AbortSignal.timeout(timeoutMs) });
      const chunks: Uint8Array[] = [];
      let size = 0;
      const reader = res.body?.getReader();
      for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader!.read()) {
        size += chunk.value.byteLength;
        if (size > MAX_ANSWER_BYTES) {
          await reader!.cancel();
          throw new RemoteServerError(`${this.base}: the answer to ${method} ${path} is larger than ${MAX_ANSWER_BYTES} bytes; is this a rebuilderd-compatible server?`);
        }
        chunks.push(chunk.value);
      }
      return { status: res.status, text: Buffer.concat(chunks).toString("utf8") };
    } catch (err) {
      if (err instanceof RemoteServerError) throw err;
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = e.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} seconds` : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new Unreachable(`cannot reach ${this.base} (${method} ${path}): ${why}; check the URL and that the server is running`);
    }
  }

  private expectSuccess(res: { status: number; text: string }, what: string): void {
    if (res.status >= 200 && res.status < 300) return;
    const text = res.text.replace(/\s+/g, " ").trim();
    const detail = text ? `: ${text.slice(0, 200)}` : "";
    if ([404, 405, 501].includes(res.status) && what.endsWith("/workers")) {
      throw new RemoteServerError(`${this.base} has no /api/v1 worker API (${what} gave HTTP ${res.status}); rebuilder worker speaks the worker protocol of rebuilderd ≥ 0.26 and rebuilder serve`, res.status);
    }
    if (res.status === 403) throw new RemoteServerError(`${this.base} refused ${what} (HTTP 403): it does not know this worker's key (removed, or the allow-list changed); restart the worker to register again`, 403);
    throw new RemoteServerError(`${this.base}: ${what} failed with HTTP ${res.status}${detail}`, res.status);
  }

  private json(res: { text: string }, what: string): unknown {
    try {
      return JSON.parse(res.text);
    } catch {
      throw new RemoteServerError(`${this.base}: ${what} answered something that is not JSON (${JSON.stringify(res.text.slice(0, 80))}); is this a rebuilderd-compatible server?`);
    }
  }
}

/** The `X-Worker-Key`: standard base64 of the raw 32-byte public key (reference §2.1). */
export function workerKey(key: SigningKey): string {
  return Buffer.from(key.publicKey).toString("base64");
}

/** `"Nothing"` or `{"Rebuild": {"job": QueuedJob, "artifacts": [...]}}` (reference §3.3), checked field by field. */
export function parseAssignment(value: unknown, what: string): ClaimedJob | null {
  if (value === "Nothing") return null;
  const bad = (why: string) => new RemoteServerError(`${what}: unexpected answer (${why}); is this a rebuilderd-compatible server?`);
  const rebuild = isObject(value) ? value.Rebuild : undefined;
  if (!isObject(rebuild) || !isObject(rebuild.job) || !Array.isArray(rebuild.artifacts)) throw bad(`expected "Nothing" or {"Rebuild": {"job": …, "artifacts": […]}}`);
  const job = rebuild.job;
  const str = (o: Record<string, unknown>, k: string, where: string) => {
    if (typeof o[k] !== "string") throw bad(`${where}.${k} is not a string`);
    return o[k] as string;
  };
  if (!Number.isSafeInteger(job.id)) throw bad("job.id is not an integer");
  if (job.release !== undefined && job.release !== null && typeof job.release !== "string") throw bad("job.release is not a string or null");
  const artifacts = rebuild.artifacts.map((a, i) => {
    if (!isObject(a)) throw bad(`artifacts[${i}] is not an object`);
    const where = `artifacts[${i}]`;
    return { name: str(a, "name", where), version: str(a, "version", where), architecture: str(a, "architecture", where), url: str(a, "url", where), sha256: null, size: null };
  });
  const queuedAt = str(job, "queued_at", "job");
  return {
    queueId: job.id as number,
    buildInputId: null,
    name: str(job, "name", "job"),
    version: str(job, "version", "job"),
    distribution: str(job, "distribution", "job"),
    release: (job.release as string | null | undefined) ?? null,
    architecture: str(job, "architecture", "job"),
    backend: str(job, "backend", "job"),
    url: str(job, "url", "job"),
    priority: Number.isSafeInteger(job.priority) ? (job.priority as number) : 0,
    queuedAt: queuedAt.replace("T", " "),
    startedAt: toDbTime(new Date()),
    artifacts,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
