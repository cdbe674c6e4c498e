/**
 * Engine configuration: one TOML file that accepts everything rebuilderd.conf and
 * rebuilderd-worker.conf contain (reference §9.1–9.2), plus our own keys ([slots], the lease
 * deadline and separate BAD/FAIL retry policies). Either upstream file loads unchanged.
 */
import type { BackendSettings } from "../backends/backend.js";
import { readFileSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse, TomlError } from "smol-toml";
import { defaultConfigPath } from "./paths.js";

export interface RetryPolicy {
  /** Hours; the n-th consecutive failure waits (n + 1) × base (reference §8.4). */
  retry_delay_base: number;
  /** Give up once this many failed attempts are counted; unset = retry forever. */
  max_retries?: number;
}

export interface SchedulePolicy {
  /** Seconds before a newly imported build input becomes due. */
  initial_delay: number;
  /** Seconds without a heartbeat after which a running job is handed out again. */
  ping_deadline: number;
  /** Applies after a BAD (mismatching) result. */
  bad: RetryPolicy;
  /** Applies after FAIL (the build did not complete) and UNKWN. */
  fail: RetryPolicy;
}

export interface EngineConfig {
  http: {
    bind_addr: string;
    real_ip_header?: string;
    post_body_size_limit: number;
    transparently_sign_attestations: boolean;
    endpoint: string;
  };
  auth: { cookie?: string };
  endpoints: Record<string, { cookie?: string }>;
  worker: { authorized_workers: string[]; signup_secret?: string };
  schedule: SchedulePolicy;
  /** Ours: `max_download_bytes` caps each downloaded artifact and build input (default 4 GiB). */
  build: { timeout: number; max_bytes?: number; silent: boolean; max_download_bytes?: number };
  diffoscope: { enabled: boolean; args: string[]; timeout: number; max_bytes?: number };
  /** `[backend."<distro>"]`: `kind` and `path` are checked here, the rest by the backend of that kind. */
  backends: Record<string, BackendSettings>;
  slots: { count: number };
  /** Ours: `[sync]`, the periodic re-sync `serve` runs; absent when the section is. */
  sync?: SyncScheduleConfig;
  /** rebuilderd-worker.conf top level: the server a `rebuilder worker` connects to. */
  endpoint?: string;
  signup_secret?: string;
  supported_architectures?: string[];
  idle_delay: number;
}

const GIB = 1024 ** 3;

/** One slot per core, but no more than one per 4 GiB of memory: rebuilds are memory-hungry. */
export function defaultSlotCount(): number {
  return Math.max(1, Math.min(availableParallelism(), Math.floor(totalmem() / (4 * GIB))));
}

export const defaultEngineConfig = (): EngineConfig => ({
  http: {
    bind_addr: "127.0.0.1:8484",
    post_body_size_limit: 1_073_741_824,
    transparently_sign_attestations: true,
    endpoint: "http://127.0.0.1:8484",
  },
  auth: {},
  endpoints: {},
  worker: { authorized_workers: [] },
  schedule: { initial_delay: 0, ping_deadline: 540, bad: { retry_delay_base: 24 }, fail: { retry_delay_base: 24 } },
  build: { timeout: 86_400, silent: false },
  diffoscope: { enabled: true, args: [], timeout: 3600 },
  backends: {},
  slots: { count: defaultSlotCount() },
  idle_delay: 180,
});

interface KindTypes {
  string: string;
  boolean: boolean;
  /** Non-negative integer. */
  count: number;
  /** Integer ≥ 1. */
  positive: number;
  strings: string[];
  table: Record<string, unknown>;
  /** Seconds: an integer, or a string such as "90s", "30m", "6h", "1d". */
  duration: number;
}
type Kind = keyof KindTypes;
type Spec = Record<string, Kind>;
type Values<S extends Spec> = { -readonly [K in keyof S]?: KindTypes[S[K]] };

const TOP = {
  endpoint: "string",
  signup_secret: "string",
  supported_architectures: "strings",
  idle_delay: "count",
  http: "table",
  auth: "table",
  endpoints: "table",
  worker: "table",
  schedule: "table",
  build: "table",
  diffoscope: "table",
  backend: "table",
  slots: "table",
  sync: "table",
} as const satisfies Spec;
const HTTP = {
  bind_addr: "string",
  real_ip_header: "string",
  post_body_size_limit: "positive",
  transparently_sign_attestations: "boolean",
  endpoint: "string",
} as const satisfies Spec;
const COOKIE = { cookie: "string" } as const satisfies Spec;
const WORKER = { authorized_workers: "strings", signup_secret: "string" } as const satisfies Spec;
const RETRY = { retry_delay_base: "count", max_retries: "count" } as const satisfies Spec;
const SCHEDULE = { ...RETRY, initial_delay: "count", ping_deadline: "positive", bad: "table", fail: "table" } as const satisfies Spec;
const BUILD = { timeout: "positive", max_bytes: "count", silent: "boolean", max_download_bytes: "positive" } as const satisfies Spec;
const DIFFOSCOPE = { enabled: "boolean", args: "strings", timeout: "positive", max_bytes: "count" } as const satisfies Spec;
/** Keys of `[backend."<distro>"]` across all backend kinds; each backend checks the values it uses. */
const BACKEND = {
  kind: "string",
  path: "string",
  mirror: "string",
  security_mirror: "string",
  suites: "strings",
  components: "strings",
  keyring: "string",
  host_build: "boolean",
  repository: "string",
  signing_key: "string",
} as const satisfies Spec;
const SLOTS = { count: "positive" } as const satisfies Spec;
const SYNC = { profiles: "strings", interval: "duration", config: "string" } as const satisfies Spec;

/** `[sync]`: which profiles of which sync config to re-sync, and how often. */
export interface SyncScheduleConfig {
  /** Empty: every profile of the sync config. */
  profiles: string[];
  /** Seconds between the start of one sync of a profile and the next. */
  interval: number;
  /** Sync config file (rebuilderd-sync.conf form); default: the CLI's default sync config. */
  config?: string;
}

export const DEFAULT_SYNC_INTERVAL = 6 * 3600;
const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

const EXPECTED: Record<Kind, string> = {
  string: "a string",
  boolean: "a boolean (true or false)",
  count: "a non-negative integer",
  positive: "an integer of at least 1",
  strings: "an array of strings",
  table: "a table",
  duration: 'a number of seconds or a duration such as "30m", "6h" or "1d"',
};

/** Keys are shown the way TOML would need them written; quoting also neutralises control characters. */
const showKey = (key: string) => (/^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key));

function describe(value: unknown): string {
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 60 ? value.slice(0, 60) + "…" : value)}`;
  if (typeof value === "bigint") return `the integer ${value}`;
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "boolean") return `${value}`;
  if (Array.isArray(value)) return "an array";
  if (isTable(value)) return "a table";
  return "a date";
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function convert(value: unknown, kind: Kind): unknown {
  switch (kind) {
    case "string":
      return typeof value === "string" ? value : undefined;
    case "boolean":
      return typeof value === "boolean" ? value : undefined;
    case "count":
    case "positive": {
      // Integers arrive as bigint (integersAsBigInt), so a TOML float such as 1.5 or 2.0 is refused.
      if (typeof value !== "bigint" || value < (kind === "count" ? 0n : 1n) || value > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
      return Number(value);
    }
    case "strings":
      return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
    case "table":
      return isTable(value) ? value : undefined;
    case "duration": {
      if (typeof value === "bigint") return convert(value, "positive");
      const m = typeof value === "string" ? /^\s*(\d+)\s*([smhd])\s*$/.exec(value) : null;
      const seconds = m ? Number(m[1]) * DURATION_UNITS[m[2]!]! : 0;
      return seconds >= 1 && Number.isSafeInteger(seconds) ? seconds : undefined;
    }
  }
}

class Reader {
  readonly warnings: string[] = [];
  constructor(private readonly file: string) {}

  /** Validates one table against its spec: unknown keys warn, wrong types throw. */
  read<S extends Spec>(raw: Record<string, unknown>, where: string, spec: S): Values<S> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
      const at = where ? `${where} ${showKey(key)}` : showKey(key);
      const kind = Object.hasOwn(spec, key) ? spec[key] : undefined;
      if (!kind) {
        this.warnings.push(`${this.file}: unknown key ${at}, ignored`);
        continue;
      }
      const converted = convert(value, kind);
      if (converted === undefined) throw new Error(`${this.file}: ${at} must be ${EXPECTED[kind]}, got ${describe(value)}`);
      out[key] = converted;
    }
    return out as Values<S>;
  }

  /** `[name."<key>"]` tables such as [endpoints."https://…"] and [backend."debian"]. */
  readNamed<S extends Spec>(raw: Record<string, unknown> | undefined, section: string, spec: S): Record<string, Values<S>> {
    return Object.fromEntries(
      Object.entries(raw ?? {}).map(([name, value]) => {
        const where = `[${section}.${JSON.stringify(name)}]`;
        if (!isTable(value)) throw new Error(`${this.file}: ${where} must be a table, got ${describe(value)}`);
        return [name, this.read(value, where, spec)];
      }),
    );
  }
}

export function parseEngineConfig(text: string, file: string): { config: EngineConfig; warnings: string[] } {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text, { integersAsBigInt: true });
  } catch (err) {
    if (err instanceof TomlError) throw new Error(`${file}: invalid TOML at line ${err.line}, column ${err.column}: ${err.message.split("\n")[0]}`);
    throw err;
  }
  const r = new Reader(file);
  const top = r.read(doc, "", TOP);
  const http = r.read(top.http ?? {}, "[http]", HTTP);
  const auth = r.read(top.auth ?? {}, "[auth]", COOKIE);
  const worker = r.read(top.worker ?? {}, "[worker]", WORKER);
  const schedule = r.read(top.schedule ?? {}, "[schedule]", SCHEDULE);
  const bad = r.read(schedule.bad ?? {}, "[schedule.bad]", RETRY);
  const fail = r.read(schedule.fail ?? {}, "[schedule.fail]", RETRY);
  const build = r.read(top.build ?? {}, "[build]", BUILD);
  const diffoscope = r.read(top.diffoscope ?? {}, "[diffoscope]", DIFFOSCOPE);
  const slots = r.read(top.slots ?? {}, "[slots]", SLOTS);
  const sync = top.sync && r.read(top.sync, "[sync]", SYNC);

  const d = defaultEngineConfig();
  // [schedule] retry_delay_base / max_retries (rebuilderd's keys) apply to both; [schedule.bad|fail] override.
  const general: RetryPolicy = { ...d.schedule.bad, ...defined({ retry_delay_base: schedule.retry_delay_base, max_retries: schedule.max_retries }) };
  const timing = defined({ initial_delay: schedule.initial_delay, ping_deadline: schedule.ping_deadline });
  const config: EngineConfig = {
    ...d,
    ...defined({ endpoint: top.endpoint, signup_secret: top.signup_secret, supported_architectures: top.supported_architectures, idle_delay: top.idle_delay }),
    http: { ...d.http, ...http },
    auth: { ...d.auth, ...auth },
    endpoints: r.readNamed(top.endpoints, "endpoints", COOKIE),
    worker: { ...d.worker, ...worker },
    schedule: { ...d.schedule, ...timing, bad: { ...general, ...bad }, fail: { ...general, ...fail } },
    build: { ...d.build, ...build },
    diffoscope: { ...d.diffoscope, ...diffoscope },
    backends: r.readNamed(top.backend, "backend", BACKEND),
    slots: { ...d.slots, ...slots },
    ...(sync ? { sync: { profiles: sync.profiles ?? [], interval: sync.interval ?? DEFAULT_SYNC_INTERVAL, ...defined({ config: sync.config }) } } : {}),
  };
  return { config, warnings: r.warnings };
}

/** Drops undefined members so spreading them never overwrites a default. */
function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Backend keys that name files; `path` only when it is a path, not a program name looked up in PATH. */
const BACKEND_FILE_KEYS = ["path", "keyring", "signing_key"] as const;

/**
 * Makes the file paths of `[backend."<distro>"]` tables absolute, relative to the config file's
 * folder (as `Include` paths are for ssh or systemd): backends run in their own working directory.
 */
function resolveBackendPaths(backends: Record<string, BackendSettings>, dir: string): void {
  for (const settings of Object.values(backends)) {
    for (const key of BACKEND_FILE_KEYS) {
      const value = settings[key];
      if (typeof value !== "string" || value === "" || isAbsolute(value)) continue;
      if (key === "path" && !value.includes("/")) continue;
      settings[key] = resolve(dir, value);
    }
  }
}

/**
 * Loads the engine configuration. Without an explicit path the default location is used and a
 * missing file there means "all defaults" (`path` is then null); an explicit path must exist.
 * The returned path and every file path inside the config are absolute.
 */
export function loadEngineConfig(path: string | undefined): { config: EngineConfig; warnings: string[]; path: string | null } {
  const file = resolve(path ?? defaultConfigPath());
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && path === undefined) return { config: defaultEngineConfig(), warnings: [], path: null };
    if (code === "ENOENT") throw new Error(`config file ${file} does not exist; check the -c/--config path`);
    throw new Error(`cannot read config file ${file}: ${(err as Error).message}; check that it is a readable file`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${file}: not valid UTF-8`);
  }
  const parsed = parseEngineConfig(text, file);
  resolveBackendPaths(parsed.config.backends, dirname(file));
  if (parsed.config.sync?.config) parsed.config.sync.config = resolve(dirname(file), parsed.config.sync.config);
  return { ...parsed, path: file };
}
