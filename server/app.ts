/**
 * The layerlens HTTP API and dashboard as a Hono app, one route module per
 * resource:
 *
 * - `GET /api/runs`, `GET /api/runs/:id`, `POST /api/runs`,
 *   `GET /api/runs/:id/export?format=csv|json` (server/routes/runs.ts)
 * - `GET /api/runs/:id/results`, `GET /api/runs/:id/chart/:plugin/:chartId`
 *   (server/routes/results.ts)
 * - `GET /api/runs/:id/events` server-sent events (server/routes/live.ts)
 * - `GET /api/plugins` (server/routes/plugins.ts)
 * - `/`, `/runs/:id`, `/compare`, `/static/*`, `/vendor/chart.js`
 *   (server/routes/static.ts)
 *
 * Errors answer JSON `{error}` with a status from the LensError code
 * (404 unknown run, 400 bad filter or config, 401 / 403 refused starts).
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
import { Hono } from "hono";
import type { Registry } from "../core/registry.ts";
import type { Store } from "../core/types.ts";
import type { AppDeps, AppEnv, SpawnRun } from "./context.ts";
import { onError } from "./errors.ts";
import { liveRoutes } from "./routes/live.ts";
import { pluginRoutes } from "./routes/plugins.ts";
import { resultRoutes } from "./routes/results.ts";
import { runRoutes } from "./routes/runs.ts";
import { staticRoutes } from "./routes/static.ts";
import { createRunSpawner } from "./spawn_run.ts";

/** Options of {@link createApp}. */
export interface AppOptions {
  store: Store;
  registry: Registry;
  /** The database file runs started through the API write to. */
  dbPath: string;
  /** Lets requests with `Authorization: Bearer <token>` start runs from other machines. */
  token?: string;
  /** Starts a run (default: a `deno run -A cli/main.ts run` child process). */
  spawnRun?: SpawnRun;
  /** How often live event streams poll the store, ms (default 500). */
  pollMs?: number;
  /** Aborting ends every live event stream (lets a server shut down). */
  signal?: AbortSignal;
}

/** Builds the app; `app.fetch` serves it, `app.request` tests it. */
export function createApp(opts: AppOptions): Hono<AppEnv> {
  const deps: AppDeps & { pollMs?: number; signal?: AbortSignal } = {
    store: opts.store,
    registry: opts.registry,
    dbPath: opts.dbPath,
    token: opts.token,
    spawnRun: opts.spawnRun ??
      createRunSpawner({ store: opts.store, dbPath: opts.dbPath }).spawn,
    pending: new Map(),
    pollMs: opts.pollMs,
    signal: opts.signal,
  };
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.route("/api/runs", runRoutes(deps));
  app.route("/api/runs", resultRoutes(deps));
  app.route("/api/runs", liveRoutes(deps));
  app.route("/api/plugins", pluginRoutes(deps));
  app.route("/", staticRoutes());
  return app;
}
