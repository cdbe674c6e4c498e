/** What the HTTP app knows besides the request: the engine, the auth state, and the peer address from the runtime adapter. */
import type { Engine } from "../engine.js";
import type { ApiAuth } from "./auth.js";

export interface ApiBindings {
  /** The TCP peer's IP address, filled in by the runtime adapter. */
  peer: string;
}

export type ApiEnv = { Bindings: ApiBindings; Variables: { workerId: number; workerName: string } };

export interface ApiDeps {
  engine: Engine;
  auth: ApiAuth;
}
