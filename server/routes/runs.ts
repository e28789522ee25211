/**
 * Runs: list, one run, start a run (POST), export a run's records.
 *
 * - `GET /api/runs`: the runs table ({@link RunSummary} per run, newest first).
 * - `GET /api/runs/:id`: the stored row (config, status, timings, plugin
 *   errors, progress) and its summary; a run the server has just started
 *   and whose process has not written it yet answers status `starting`.
 * - `POST /api/runs`: body = a YAML or JSON config, validated like the CLI
 *   does; 202 `{id}` once the run process is started.
 * - `GET /api/runs/:id/export?format=csv|json` (+ the record filters).
 *
 * @module
 */
import { Hono } from "hono";
import { parseConfig } from "../../core/config.ts";
import { LensError } from "../../core/errors.ts";
import { newRunId } from "../../core/store.ts";
import type { RunRow } from "../../core/types.ts";
import { assertMayStartRun } from "../access.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import { runNotFound } from "../errors.ts";
import { nameParam, parseFilter } from "../query.ts";
import { summarizeRun } from "../run_summary.ts";

/** Largest config body accepted. */
const MAX_BODY = 1 << 20;

/** The stored run, or a 404. */
export function requireRun(deps: AppDeps, id: string): RunRow {
  const run = deps.store.getRun(id);
  if (run) {
    deps.pending.delete(id);
    return run;
  }
  throw runNotFound(id);
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The CSV header of an export. */
export const CSV_HEADER = "plugin,layer,epoch,seed,index,metric,value";

/** Routes under /api/runs. */
export function runRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/", (c) => {
    const runs = deps.store.listRuns().map(summarizeRun);
    const known = new Set(runs.map((r) => r.id));
    for (const [id, p] of deps.pending) {
      if (known.has(id)) deps.pending.delete(id);
      else {
        runs.unshift({
          id,
          name: p.name,
          status: "starting",
          createdAt: p.startedAt,
          finishedAt: null,
          data: "",
          model: "",
          seeds: 0,
          epochs: null,
          progress: null,
          durationS: null,
          engine: "",
          backend: "",
          plugins: [],
          error: null,
          pluginErrors: 0,
        });
      }
    }
    runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return c.json({ runs });
  });

  app.get("/:id", (c) => {
    const id = c.req.param("id");
    const pending = deps.pending.get(id);
    if (pending && !deps.store.getRun(id)) {
      return c.json({ run: { id, name: pending.name, status: "starting" }, summary: null });
    }
    const run = requireRun(deps, id);
    return c.json({ run, summary: summarizeRun(run) });
  });

  app.post("/", async (c) => {
    assertMayStartRun(c, deps.token);
    const declared = Number(c.req.header("content-length") ?? 0);
    if (declared > MAX_BODY) {
      throw new LensError(`config of ${declared} bytes is too large`, {
        code: "request",
        expected: `at most ${MAX_BODY} bytes`,
      });
    }
    const text = await c.req.text();
    if (text.length > MAX_BODY) {
      throw new LensError(`config of ${text.length} bytes is too large`, {
        code: "request",
        expected: `at most ${MAX_BODY} bytes`,
      });
    }
    if (text.trim() === "") {
      throw new LensError("empty request body", {
        code: "request",
        expected: "a run config as YAML or JSON",
      });
    }
    const config = parseConfig(text, "request body");
    deps.registry.resolve(config.plugins, { field: "plugins" });
    const id = newRunId();
    deps.pending.set(id, { startedAt: new Date().toISOString(), name: config.name });
    try {
      await deps.spawnRun(text, id);
    } catch (e) {
      deps.pending.delete(id);
      throw e;
    }
    return c.json({ id, url: `/runs/${encodeURIComponent(id)}` }, 202);
  });

  app.get("/:id/export", (c) => {
    const run = requireRun(deps, c.req.param("id"));
    const params = new URL(c.req.url).searchParams;
    const filter = parseFilter(params, ["format"]);
    const format = nameParam(params, "format") ?? "csv";
    if (format !== "csv" && format !== "json") {
      throw new LensError(`unknown format "${format}"`, {
        code: "filter",
        field: "format",
        expected: "csv or json",
      });
    }
    const rows = deps.store.queryResults(run.id, filter);
    const base = run.id.replace(/[^A-Za-z0-9_.-]/g, "_");
    c.header("Content-Disposition", `attachment; filename="${base}.${format}"`);
    if (format === "json") {
      const results = rows.map(({ id: _id, ...r }) => r);
      return c.json({ run, results });
    }
    const lines = [CSV_HEADER];
    for (const r of rows) {
      lines.push(
        [r.plugin, r.layer, r.epoch, r.seed, r.index, r.metric, r.value].map(csvCell).join(","),
      );
    }
    c.header("Content-Type", "text/csv; charset=utf-8");
    return c.body(lines.join("\n") + "\n");
  });

  return app;
}
