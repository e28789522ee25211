/**
 * `GET /api/plugins`: every registered plugin with its options, metrics,
 * chart specs and dashboard tab (what the dashboard draws from).
 *
 * @module
 */
import { Hono } from "../../deps/hono.ts";
import type { AppDeps, AppEnv } from "../context.ts";

/** Routes under /api/plugins. */
export function pluginRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/", (c) => {
    const plugins = deps.registry.list().map((p) => ({
      id: p.id,
      description: p.description,
      options: p.options,
      consumes: p.consumes,
      requires: p.requires ?? [],
      emits: p.emits,
      charts: p.charts ?? [],
      // the dashboard tab the plugin's presentation names (families share one)
      tab: p.presentation?.tab ?? null,
    }));
    return c.json({ plugins });
  });
  return app;
}
