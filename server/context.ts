/**
 * What every route module shares: the app's dependencies and the Hono
 * environment type (the connection info Deno.serve passes as `env`).
 *
 * @module
 */
import type { Registry } from "../core/registry.ts";
import type { Store } from "../core/types.ts";
import type { AccessPolicy } from "./access.ts";
import type { RunLimits } from "./budget.ts";
import type { RunQueue } from "./run_queue.ts";

/** A run the server started: resolves `done` when its process has ended; `stop` asks it to end. */
export interface RunHandle {
  done: Promise<void>;
  stop(): void;
}

/**
 * Starts a run of `configYaml` under `runId`; resolves once it is under way,
 * with a handle (or nothing, for a starter whose runs need no slot).
 */
export type SpawnRun = (configYaml: string, runId: string) => Promise<RunHandle | void>;

/** A run the server accepted whose row the child process has not written yet. */
export interface PendingRun {
  startedAt: string;
  name: string;
  status: "queued" | "starting";
}

/** Dependencies of the app, as given to `createApp`. */
export interface AppDeps {
  store: Store;
  registry: Registry;
  dbPath: string;
  /** Host names, tokens. */
  access: AccessPolicy;
  /** Budget and concurrency of server-started runs. */
  limits: RunLimits;
  /** Real path of the directory POSTed configs may name files under; none: no files. */
  dataDir?: string;
  /** Server-started runs: training and waiting. */
  queue: RunQueue;
  /** Runs the server accepted whose row the child process has not written yet. */
  pending: Map<string, PendingRun>;
}

/** The Hono environment: Deno.serve's handler info arrives as `env`. */
export interface AppEnv {
  Bindings: { remoteAddr?: { hostname?: string; port?: number; transport?: string } };
}
