/**
 * The one client of rebuilderd-compatible servers (ours, or a real rebuilderd): the v1 API that
 * rebuildctl speaks (reference §3, §5.2), with v0 fallbacks where an older server (≤ v0.25) has
 * only /api/v0 (package lookups, attestations, public keys). JSON bodies are sent
 * zstd-compressed as rebuildctl sends them; responses may come back zstd-encoded. Every request
 * has a timeout, idempotent ones are retried, and every body has a size limit.
 */
import { fetch } from "undici";
import { isZstd, zstdCompress, zstdDecompress } from "../../engine/compression.js";
import { publicKeyFromPem } from "../../engine/evidence/signing-key.js";
import type { PackageQuery } from "../../engine/verification/consensus.js";
import type { RebuilderApi, RemoteBinary } from "../../engine/verification/remote-verdict.js";
import type { BinaryPackageRecord } from "../../engine/store/queries/packages.js";
import type { RebuildArtifactRecord, RebuildRecord } from "../../engine/store/queries/builds.js";
import type { QueuedJobRecord } from "../../engine/store/queries/queue.js";
import type { SyncScheduleRecord } from "../../engine/store/queries/sync-schedule.js";
import type { WorkerRecord } from "../../engine/store/queries/workers.js";

export class ApiError extends Error {
  constructor(
    readonly url: string,
    message: string,
    readonly status?: number,
  ) {
    super(`${url}: ${message}`);
    this.name = "ApiError";
  }
}

export interface ClientOptions {
  /** Admin cookie, sent as X-Auth-Cookie. */
  cookie?: string;
  timeoutMs?: number;
  /** Extra attempts for idempotent requests that failed on the network or with a 5xx. */
  retries?: number;
  maxBodyBytes?: number;
}

export interface Listing<T> {
  total: number;
  records: T[];
}

type Query = Record<string, string | number | boolean | undefined>;

interface V0PkgRelease {
  name: string;
  version: string;
  status: "GOOD" | "BAD" | "UNKWN";
  architecture: string;
  artifact_url: string;
  build_id: number | null;
  has_attestation: boolean;
}

const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error", 501: "Not Implemented" };

export class RebuilderdClient implements RebuilderApi {
  readonly url: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly maxBodyBytes: number;
  private keys?: Promise<Uint8Array[]>;
  /** Set once a v1 lookup answered 404: the server speaks only v0. */
  private v0Only = false;

  constructor(
    endpoint: string,
    private readonly opts: ClientOptions = {},
  ) {
    let parsed: URL;
    try {
      parsed = new URL(endpoint);
    } catch {
      throw new ApiError(endpoint, "not a URL (expected e.g. http://127.0.0.1:8484)");
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new ApiError(endpoint, "only http:// and https:// endpoints are supported");
    // As the Rust client: one trailing slash is stripped, a path prefix is kept.
    this.url = endpoint.replace(/\/$/, "");
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.retries = opts.retries ?? 2;
    this.maxBodyBytes = opts.maxBodyBytes ?? 256 * 1024 * 1024;
  }

  // --- v1 reads -----------------------------------------------------------------------------

  listBinaries(query: Query): Promise<Listing<BinaryPackageRecord>> {
    return this.json("GET", "/api/v1/packages/binary", { query });
  }

  listQueue(query: Query): Promise<Listing<QueuedJobRecord>> {
    return this.json("GET", "/api/v1/queue", { query });
  }

  listWorkers(query: Query = {}): Promise<Listing<WorkerRecord>> {
    return this.json("GET", "/api/v1/workers", { query });
  }

  dashboard(query: Query = {}): Promise<unknown> {
    return this.json("GET", "/api/v1/dashboard", { query });
  }

  listRebuilds(query: Query): Promise<Listing<RebuildRecord>> {
    return this.json("GET", "/api/v1/builds", { query });
  }

  listRebuildArtifacts(buildId: number): Promise<RebuildArtifactRecord[]> {
    return this.json("GET", `/api/v1/builds/${buildId}/artifacts`);
  }

  distributions(): Promise<string[]> {
    return this.json("GET", "/api/v1/meta/distributions", { query: { seen_only: true } });
  }

  releases(distribution: string): Promise<(string | null)[]> {
    return this.json("GET", `/api/v1/meta/distributions/${encodeURIComponent(distribution)}/releases`, { query: { seen_only: true } });
  }

  /** Ours (`x-sync`): the periodic sync's state per profile. */
  syncState(): Promise<{ profiles: SyncScheduleRecord[] }> {
    return this.json("GET", "/api/v1/x-sync");
  }

  /** Every page of a listing, following rebuildctl's id cursor until a page comes back empty. */
  async *pages<T extends { id: number }>(list: (q: Query) => Promise<Listing<T>>, query: Query): AsyncGenerator<T[]> {
    for (let after: number | undefined; ; ) {
      const page = await list({ limit: 1000, ...query, after });
      if (page.records.length === 0) return;
      yield page.records;
      after = page.records.at(-1)!.id;
    }
  }

  buildLog(buildId: number): Promise<Uint8Array> {
    return this.bytes(`/api/v1/builds/${buildId}/log`);
  }

  diffoscope(buildId: number, artifactId: number): Promise<Uint8Array> {
    return this.bytes(`/api/v1/builds/${buildId}/artifacts/${artifactId}/diffoscope`);
  }

  attestationOf(buildId: number, artifactId: number): Promise<Uint8Array> {
    return this.bytes(`/api/v1/builds/${buildId}/artifacts/${artifactId}/attestation`);
  }

  // --- v1 admin writes (204 on success) -----------------------------------------------------

  submitPackages(report: unknown): Promise<void> {
    return this.send("POST", "/api/v1/packages", { body: report });
  }

  pushQueue(request: Record<string, string | number | null>): Promise<void> {
    return this.send("POST", "/api/v1/queue", { body: request });
  }

  dropQueue(query: Query): Promise<void> {
    return this.send("DELETE", "/api/v1/queue", { query });
  }

  // --- RebuilderApi: what `check` asks --------------------------------------------------------

  async findBinaries(q: PackageQuery): Promise<RemoteBinary[]> {
    const query = { name: q.name, version: q.version, architecture: q.architecture };
    if (!this.v0Only) {
      try {
        const { records } = await this.listBinaries(query);
        return records.map((r) => ({ ...r, has_attestation: r.attestation_log_id !== null }));
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
        this.v0Only = true;
      }
    }
    // v0 lists by name and architecture only; the version is matched by the caller.
    const list = await this.json<V0PkgRelease[]>("GET", "/api/v0/pkgs/list", { query: { name: q.name, architecture: q.architecture } });
    return list.map((r) => ({
      name: r.name,
      version: r.version,
      architecture: r.architecture,
      url: r.artifact_url,
      status: r.status,
      build_id: r.build_id,
      artifact_id: null,
      has_attestation: r.has_attestation,
    }));
  }

  attestation(b: RemoteBinary): Promise<Uint8Array> {
    if (b.build_id === null) throw new ApiError(this.url, `${b.name} ${b.version} has no build`);
    return b.artifact_id === null ? this.bytes(`/api/v0/builds/${b.build_id}/attestation`) : this.attestationOf(b.build_id, b.artifact_id);
  }

  /** The published signing keys (v1 meta, else v0), fetched once per client. */
  publicKeys(): Promise<Uint8Array[]> {
    this.keys ??= (async () => {
      let answer: { current?: unknown };
      try {
        answer = await this.json("GET", "/api/v1/meta/public-keys");
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
        answer = await this.json("GET", "/api/v0/public-keys");
      }
      if (!Array.isArray(answer.current) || !answer.current.every((k) => typeof k === "string")) {
        throw new ApiError(`${this.url}/api/v1/meta/public-keys`, 'answer is not {"current": [PEM, …]}');
      }
      return answer.current.map((pem: string) => publicKeyFromPem(pem, `public key of ${this.url}`));
    })();
    this.keys.catch(() => (this.keys = undefined));
    return this.keys;
  }

  // --- transport ------------------------------------------------------------------------------

  private async json<T>(method: string, path: string, o: { query?: Query; body?: unknown } = {}): Promise<T> {
    const url = this.target(path, o.query);
    const data = await this.request(method, path, o);
    try {
      return JSON.parse(new TextDecoder().decode(data)) as T;
    } catch (err) {
      throw new ApiError(url, `answer is not JSON: ${(err as Error).message}`);
    }
  }

  private async send(method: string, path: string, o: { query?: Query; body?: unknown }): Promise<void> {
    await this.request(method, path, { ...o, admin: true });
  }

  private bytes(path: string): Promise<Uint8Array> {
    return this.request("GET", path, {});
  }

  private target(path: string, query: Query = {}): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return `${this.url}${path}${qs ? `?${qs}` : ""}`;
  }

  private async request(method: string, path: string, o: { query?: Query; body?: unknown; admin?: boolean }): Promise<Uint8Array> {
    const url = this.target(path, o.query);
    const headers: Record<string, string> = { "accept-encoding": "zstd", "user-agent": "rebuilder" };
    if (this.opts.cookie) headers["x-auth-cookie"] = this.opts.cookie;
    let body: Uint8Array | undefined;
    if (o.body !== undefined) {
      body = zstdCompress(JSON.stringify(o.body));
      headers["content-type"] = "application/json";
      headers["content-encoding"] = "zstd";
    }
    const idempotent = method === "GET";
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(method, url, headers, body, o.admin === true);
      } catch (err) {
        const retriable = err instanceof ApiError && (err.status === undefined || err.status >= 500) && err.status !== 501;
        if (!idempotent || !retriable || attempt >= this.retries) throw err;
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }

  /** The body within the size limit: read at once when its length is announced (the common, fast case), else chunk by chunk. */
  private async readBody(url: string, res: Awaited<ReturnType<typeof fetch>>): Promise<Uint8Array> {
    const tooLarge = () => new ApiError(url, `answer larger than the limit of ${this.maxBodyBytes} bytes`);
    const announced = res.headers.get("content-length");
    if (announced !== null && Number(announced) > this.maxBodyBytes) {
      await res.body?.cancel();
      throw tooLarge();
    }
    if (announced !== null || !res.body) return new Uint8Array(await res.arrayBuffer());
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += chunk.byteLength;
      if (size > this.maxBodyBytes) {
        await res.body.cancel();
        throw tooLarge();
      }
      chunks.push(chunk);
    }
    return new Uint8Array(Buffer.concat(chunks));
  }

  private async attempt(method: string, url: string, headers: Record<string, string>, body: Uint8Array | undefined, admin: boolean): Promise<Uint8Array> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    let res;
    try {
      res = await fetch(url, { method, headers, body, signal, redirect: "follow" });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = signal.aborted ? `no answer within ${this.timeoutMs / 1000} s` : cause ? `${(err as Error).message}: ${cause.code ?? cause.message}` : (err as Error).message;
      throw new ApiError(url, why);
    }
    if (res.status < 200 || res.status >= 300) {
      await res.body?.cancel();
      const hint =
        res.status === 403 && admin
          ? this.opts.cookie
            ? " (the admin cookie was refused)"
            : ` (no admin cookie: set [endpoints."${this.url}"] cookie in ~/.config/rebuilderd.conf, or REBUILDERD_COOKIE_PATH)`
          : "";
      throw new ApiError(url, `HTTP ${res.status} ${STATUS_TEXT[res.status] ?? res.statusText}${hint}`, res.status);
    }
    const bytes = await this.readBody(url, res);
    // Some fetch implementations decode zstd themselves and some do not: decode what is still encoded.
    return res.headers.get("content-encoding") === "zstd" && isZstd(bytes) ? zstdDecompress(bytes) : bytes;
  }
}
