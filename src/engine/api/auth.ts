/**
 * Who may call what (reference §2): the admin cookie (`X-Auth-Cookie`), registered worker keys
 * (`X-Worker-Key`, optionally limited by `[worker] authorized_workers`) and the signup secret
 * (`X-Signup-Secret`). Secrets are compared in constant time over SHA-256 digests, so neither
 * their content nor their length leaks through timing. Every refusal is a 403 with an empty body.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import type { EngineConfig } from "../config.js";
import type { Database } from "../store/index.js";
import { findWorkerByKey, touchWorker } from "../store/queries/workers.js";
import { toDbTime } from "../store/time.js";
import type { ApiEnv } from "./env.js";
import { forbidden } from "./http-error.js";

const digest = (s: string) => createHash("sha256").update(s).digest();

function secretEquals(presented: string | undefined, expected: Buffer): boolean {
  return presented !== undefined && timingSafeEqual(digest(presented), expected);
}

/** rebuilderd-worker's key: standard base64 of a raw 32-byte ed25519 public key. Local slots use other keys, which no caller may claim. */
export const WORKER_KEY = /^[A-Za-z0-9+/]{43}=$/;

export type RegistrationMode = "signup-secret" | "allow-list" | "admin-only";

export class ApiAuth {
  private readonly cookie: Buffer;
  private readonly signupSecret: Buffer | null;
  private readonly allowList: Buffer[];

  constructor(cookie: string, worker: EngineConfig["worker"]) {
    this.cookie = digest(cookie);
    this.signupSecret = worker.signup_secret ? digest(worker.signup_secret) : null;
    this.allowList = worker.authorized_workers.map(digest);
  }

  /** How a worker may register; printed at startup. Without a secret or an allow-list only the admin cookie opens it. */
  get registrationMode(): RegistrationMode {
    if (this.signupSecret) return "signup-secret";
    if (this.allowList.length > 0) return "allow-list";
    return "admin-only";
  }

  describeRegistration(): string {
    switch (this.registrationMode) {
      case "signup-secret":
        return `worker registration: with the signup secret (X-Signup-Secret) or the admin cookie${this.allowList.length ? `, for the ${this.allowList.length} keys of [worker] authorized_workers` : ""}`;
      case "allow-list":
        return `worker registration: open to the ${this.allowList.length} keys of [worker] authorized_workers`;
      case "admin-only":
        return "worker registration: closed except with the admin cookie (set [worker] signup_secret or authorized_workers to let workers register)";
    }
  }

  isAdmin(c: Context): boolean {
    return secretEquals(c.req.header("x-auth-cookie"), this.cookie);
  }

  private allowed(key: string): boolean {
    if (this.allowList.length === 0) return true;
    const d = digest(key);
    // Every entry is compared, so the position of a match does not show in the timing.
    return this.allowList.reduce((hit, entry) => timingSafeEqual(d, entry) || hit, false);
  }

  /** The signup check of `POST /api/v1/workers`; returns the presented key when registration is allowed. */
  mayRegister(c: Context): string | null {
    const key = c.req.header("x-worker-key");
    if (key === undefined || !WORKER_KEY.test(key) || !this.allowed(key)) return null;
    if (this.isAdmin(c)) return key;
    if (this.signupSecret) return secretEquals(c.req.header("x-signup-secret"), this.signupSecret) ? key : null;
    return this.allowList.length > 0 ? key : null;
  }

  /** A registered (and allowed) worker: refreshes its last ping and returns its id and name, or null. */
  worker(c: Context, db: Database, now: Date): { id: number; name: string } | null {
    const key = c.req.header("x-worker-key");
    if (key === undefined || !WORKER_KEY.test(key) || !this.allowed(key)) return null;
    const worker = findWorkerByKey(db, key);
    if (!worker) return null;
    touchWorker(db, worker.id, toDbTime(now));
    return worker;
  }
}

/** Admin-only routes. */
export function requireAdmin(auth: ApiAuth): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (!auth.isAdmin(c)) throw forbidden();
    await next();
  };
}

/** Routes for registered workers; the worker's id and name are left in the context. */
export function requireWorker(auth: ApiAuth, db: Database): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const worker = auth.worker(c, db, new Date());
    if (!worker) throw forbidden();
    c.set("workerId", worker.id);
    c.set("workerName", worker.name);
    await next();
  };
}
