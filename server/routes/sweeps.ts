/**
 * Sweeps (runs named `<sweep>/<variant>` by `lens sweep`):
 *
 * - `GET /api/sweeps`: `{sweeps: [{name, runs}]}`.
 * - `GET /api/sweeps/:name?loss_threshold=&plane_tolerance=&mi_plugin=`:
 *   `{name, groups, rows}`: the runs grouped by everything but the seed
 *   (sweep_groups.ts) and, per run, the row of the sweep's comparison
 *   table as `lens sweep` prints it (cli/sweep_summary.ts; defaults 0.1,
 *   0.1 and mi-binned as there).
 *
 * @module
 */
import { Hono } from "hono";
import { LensError } from "../../core/errors.ts";
import { sweepRow } from "../../cli/sweep_summary.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import type { Lane } from "../heavy_lane.ts";
import { nameParam, onlyKnown } from "../query.ts";
import { groupRuns, runsOfSweep, sweepNames } from "../sweep_groups.ts";
import { viewRun } from "../run_view.ts";

function numberParam(params: URLSearchParams, key: string, def: number): number {
  const raw = params.get(key);
  if (raw === null) return def;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0 || v > 1e6) {
    throw new LensError(`${key} ${JSON.stringify(raw.slice(0, 40))} is not a number >= 0`, {
      code: "filter",
      field: key,
      expected: "a number >= 0",
    });
  }
  return v;
}

/** Routes under /api/sweeps. */
export function sweepRoutes(deps: AppDeps, lane: Lane): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/", (c) => c.json({ sweeps: sweepNames(deps.store.listRuns()) }));

  app.get("/:name", async (c) => {
    const name = c.req.param("name");
    const params = new URL(c.req.url).searchParams;
    onlyKnown(params, ["loss_threshold", "plane_tolerance", "mi_plugin"]);
    const lossThreshold = numberParam(params, "loss_threshold", 0.1);
    const planeTolerance = numberParam(params, "plane_tolerance", 0.1);
    const plugin = nameParam(params, "mi_plugin") ?? "mi-binned";
    const runs = runsOfSweep(deps.store.listRuns(), name).map((r) => viewRun(deps.store, r));
    if (!runs.length) {
      throw new LensError(`no sweep "${name}"`, {
        code: "not_found",
        field: "name",
        expected: "the name of a sweep whose runs are named <sweep>/<variant>",
      });
    }
    const body = await lane.run(() => {
      const rows = runs.map((r) =>
        sweepRow({
          variant: r.name.slice(name.length + 1),
          runId: r.id,
          status: r.status,
          seeds: r.seeds,
          epochRows: deps.store.epochsSince(r.id, 0),
          records: deps.store.queryResults(r.id, { plugin, metric: ["ixt", "ity"] }),
        }, { lossThreshold, planeTolerance, plugin })
      );
      return JSON.stringify({ name, groups: groupRuns(runs), rows });
    });
    return c.body(body, 200, { "Content-Type": "application/json" });
  });

  return app;
}
