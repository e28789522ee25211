/**
 * What every route module shares: the app's dependencies and the Hono
 * environment type (the connection info Deno.serve passes as `env`).
 *
 * @module
 */
import type { Registry } from "../core/registry.ts";
import type { Store } from "../core/types.ts";

/** Starts a run of `configYaml` under `runId`; resolves once it is under way. */
export type SpawnRun = (configYaml: string, runId: string) => Promise<void>;

/** Dependencies of the app, as given to `createApp`. */
export interface AppDeps {
  store: Store;
  registry: Registry;
  dbPath: string;
  /** When set, a request with `Authorization: Bearer <token>` may start runs from anywhere. */
  token?: string;
  spawnRun: SpawnRun;
  /** Runs the server started whose row the child process has not written yet. */
  pending: Map<string, { startedAt: string; name: string }>;
}

/** The Hono environment: Deno.serve's handler info arrives as `env`. */
export interface AppEnv {
  Bindings: { remoteAddr?: { hostname?: string; port?: number; transport?: string } };
}
