/**
 * The layerlens HTTP API and dashboard as a Hono app, one route module per
 * resource:
 *
 * - `GET /api/runs`, `GET /api/runs/:id`, `POST /api/runs`,
 *   `POST /api/runs/:id/stop`, `GET /api/runs/:id/export?format=csv|json`
 *   (server/routes/runs.ts)
 * - `POST /api/runs/:id/rename`, `POST /api/runs/:id/tags`,
 *   `DELETE /api/runs/:id` (server/routes/run_edit.ts)
 * - `GET /api/runs/:id/results` (paged), `GET /api/runs/:id/chart/:plugin/:chartId`
 *   (server/routes/results.ts)
 * - `GET /api/runs/:id/events` server-sent events (server/routes/live.ts)
 * - `GET /api/plugins` (server/routes/plugins.ts)
 * - `GET /api/sweeps`, `GET /api/sweeps/:name` (server/routes/sweeps.ts)
 * - `/`, `/runs/:id`, `/compare`, `/sweeps/:name`, `/static/*`, `/vendor/*`
 *   (server/routes/static.ts)
 *
 * Every request must name this server in `Host` (access.ts) and every
 * response carries the security headers (security_headers.ts). Errors
 * answer JSON `{error}` with a status from the LensError code (404 unknown
 * run, 400 bad filter, config or budget, 401 / 403 refused changes, 413
 * body too large, 415 body type, 429 queue full).
 *
 * @example
 * ```ts
 * const store = openStore("runs.db");
 * const app = createApp({ store, registry: createRegistry(builtinPlugins()), dbPath: "runs.db" });
 * const res = await app.request("/api/runs");
 * ```
 *
 * @module
 */
import { Hono } from "../deps/hono.ts";
import type { Registry } from "../core/registry.ts";
import type { Store } from "../core/types.ts";
import { type AccessPolicy, hostGuard, randomToken } from "./access.ts";
import { DEFAULT_LIMITS, type RunLimits } from "./budget.ts";
import type { AppDeps, AppEnv, SpawnRun } from "./context.ts";
import { onError } from "./errors.ts";
import { createLane } from "./heavy_lane.ts";
import { createRunQueue } from "./run_queue.ts";
import { liveRoutes } from "./routes/live.ts";
import { pluginRoutes } from "./routes/plugins.ts";
import { resultRoutes } from "./routes/results.ts";
import { runEditRoutes } from "./routes/run_edit.ts";
import { runRoutes } from "./routes/runs.ts";
import { staticRoutes } from "./routes/static.ts";
import { sweepRoutes } from "./routes/sweeps.ts";
import { securityHeaders } from "./security_headers.ts";
import { createRunSpawner } from "./spawn_run.ts";
import { recordRunEnd } from "../core/run_session.ts";

/** Options of {@link createApp}. */
export interface AppOptions {
  store: Store;
  registry: Registry;
  /** The database file runs started through the API write to. */
  dbPath: string;
  /** Lets requests with `Authorization: Bearer <token>` start and stop runs from other machines. */
  token?: string;
  /** The dashboard page's token (default: a new random one). */
  sessionToken?: string;
  /** Host names accepted besides 127.0.0.1, localhost and [::1]. */
  allowHosts?: readonly string[];
  /** The port the server listens on (loopback Host headers must carry it); unset: any. */
  port?: () => number | undefined;
  /** Real path of the directory POSTed configs may name files under (default: no files). */
  dataDir?: string;
  /** Budget and concurrency of server-started runs (default {@link DEFAULT_LIMITS}). */
  limits?: Partial<RunLimits>;
  /** Heavy reads (result pages, exports, charts) served at once (default 2). */
  heavyReads?: number;
  /** Starts a run (default: a `deno run -A cli/main.ts run` child process). */
  spawnRun?: SpawnRun;
  /** How often live event streams poll the store, ms (default 500). */
  pollMs?: number;
  /** Aborting ends every live event stream (lets a server shut down). */
  signal?: AbortSignal;
}

/** Builds the app; `app.fetch` serves it, `app.request` tests it. */
export function createApp(opts: AppOptions): Hono<AppEnv> {
  const access: AccessPolicy = {
    sessionToken: opts.sessionToken ?? randomToken(),
    remoteToken: opts.token,
    allowHosts: opts.allowHosts ?? [],
    port: opts.port ?? (() => undefined),
  };
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const spawn = opts.spawnRun ?? createRunSpawner({ store: opts.store, dbPath: opts.dbPath }).spawn;
  const pending: AppDeps["pending"] = new Map();
  const ended = (id: string, name: string, status: "failed" | "interrupted", why: string) => {
    pending.delete(id);
    try {
      recordRunEnd(opts.store, id, name, status, why);
    } catch (e) {
      console.error(`layerlens server: could not record the end of run ${id}: ${e}`);
    }
  };
  const queue = createRunQueue(spawn, limits, {
    onDequeued: (r, why) => ended(r.id, r.name, "interrupted", why),
    onStartFailed: (r, why) => ended(r.id, r.name, "failed", `could not start: ${why}`),
    onStarted: (r) => {
      const p = pending.get(r.id);
      if (p) p.status = "starting";
    },
  });
  opts.signal?.addEventListener("abort", () => queue.drain(), { once: true });
  const deps: AppDeps & { pollMs?: number; signal?: AbortSignal } = {
    store: opts.store,
    registry: opts.registry,
    dbPath: opts.dbPath,
    access,
    limits,
    dataDir: opts.dataDir,
    queue,
    pending,
    pollMs: opts.pollMs,
    signal: opts.signal,
  };
  const lane = createLane(opts.heavyReads ?? 2);
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.use("*", securityHeaders());
  app.use("*", hostGuard(access));
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.route("/api/runs", runRoutes(deps, lane));
  app.route("/api/runs", runEditRoutes(deps));
  app.route("/api/runs", resultRoutes(deps, lane));
  app.route("/api/runs", liveRoutes(deps));
  app.route("/api/plugins", pluginRoutes(deps));
  app.route("/api/sweeps", sweepRoutes(deps, lane));
  app.route("/", staticRoutes(access.sessionToken, deps));
  return app;
}
