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
import { type SweepRow, sweepRow } from "../../cli/sweep_summary.ts";
import type { ChartSpec, ResultRecord, RunRow } from "../../core/types.ts";
import { aggregatesApply, readAggregates } from "../stored_aggregates.ts";
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

/** A run's row of the comparison table (`lens sweep`'s definitions). */
export function headlineRow(
  deps: AppDeps,
  r: RunRow,
  variant: string,
  opts: { lossThreshold: number; planeTolerance: number; plugin: string },
): SweepRow {
  return sweepRow({
    variant,
    runId: r.id,
    status: r.status,
    seeds: r.seeds,
    epochRows: deps.store.epochsSince(r.id, 0),
    records: planeRecords(deps, r, opts.plugin),
  }, opts);
}

/**
 * The plane's records sweepRow reads (it averages them over seeds): a
 * finished multi-seed run's stored seed means, as one seed (10-20x fewer
 * rows, the same means), else every seed's own records.
 */
function planeRecords(deps: AppDeps, r: RunRow, plugin: string): ResultRecord[] {
  const spec = { groupBy: "layer" } as ChartSpec;
  const agg = aggregatesApply(r, plugin, spec, undefined)
    ? readAggregates(deps.store, r, plugin, ["ixt", "ity"], undefined)
    : undefined;
  if (agg) return agg.records.map((x) => ({ ...x, seed: 0 }));
  return deps.store.queryResults(r.id, { plugin, metric: ["ixt", "ity"] })
    .filter((x) => x.seed >= 0);
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
        headlineRow(deps, r, r.name.slice(name.length + 1), {
          lossThreshold,
          planeTolerance,
          plugin,
        })
      );
      return JSON.stringify({ name, groups: groupRuns(runs), rows });
    });
    return c.body(body, 200, { "Content-Type": "application/json" });
  });

  return app;
}
