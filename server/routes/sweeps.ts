/**
 * Sweeps (runs named `<sweep>/<variant>` by `lens sweep`):
 *
 * - `GET /api/sweeps`: `{sweeps: [{name, runs}]}`.
 * - `GET /api/sweeps/:name?loss_threshold=&plane_tolerance=`:
 *   `{name, groups, rows}`: the runs grouped by everything but the seed
 *   (sweep_groups.ts) and, per run, the row of the sweep's comparison
 *   table as `lens sweep` computes it (cli/sweep_summary.ts: final values,
 *   the loss-threshold epoch, and the column groups of the plugins the
 *   runs ran, `columns: [{id, text, values}]`; defaults 0.1 and 0.1 as
 *   there).
 *
 * @module
 */
import { Hono } from "../../deps/hono.ts";
import { LensError } from "../../core/errors.ts";
import { sweepColumnsOf, type SweepRow, sweepRow } from "../../cli/sweep_summary.ts";
import type { ChartSpec, ResultRecord, RunRow } from "../../core/types.ts";
import { aggregatesApply, readAggregates } from "../stored_aggregates.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import type { Lane } from "../heavy_lane.ts";
import { onlyKnown } from "../query.ts";
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

/** Settings of the comparison table (lens sweep's loss_threshold and plane_tolerance). */
export interface TableSettings {
  lossThreshold: number;
  planeTolerance: number;
}

/** The default settings, as `lens sweep` has them. */
export const DEFAULT_TABLE: TableSettings = { lossThreshold: 0.1, planeTolerance: 0.1 };

/** Plugin ids a run's config lists. */
function configPlugins(r: RunRow): string[] {
  const ps = (r.config as { plugins?: unknown } | null)?.plugins;
  return Array.isArray(ps)
    ? ps.map((p) => (typeof p === "string" ? p : (p as { id?: unknown })?.id))
      .filter((x): x is string => typeof x === "string")
    : [];
}

/**
 * A run's row of the comparison table (`lens sweep`'s definitions), with
 * the sweep columns of the plugins `columnsOf` names (default: the run's
 * own plugins that declare some).
 */
export function headlineRow(
  deps: AppDeps,
  r: RunRow,
  variant: string,
  settings: TableSettings,
  columnsOf: readonly string[] = configPlugins(r),
  epochRows: ReturnType<AppDeps["store"]["epochsSince"]> = deps.store.epochsSince(r.id, 0),
): SweepRow {
  const plugins = deps.registry.list().filter((p) => columnsOf.includes(p.id));
  const columns = sweepColumnsOf(plugins);
  const withColumns = plugins.filter((p) => p.presentation?.sweepColumns?.length);
  return sweepRow({
    variant,
    runId: r.id,
    status: r.status,
    seeds: r.seeds,
    epochRows,
    records: withColumns.flatMap((p) => tableRecords(deps, r, p.id, p.emits.map((m) => m.name))),
  }, {
    lossThreshold: settings.lossThreshold,
    settings: { plane_tolerance: settings.planeTolerance },
    columns,
  });
}

/** Headings of the column groups of the plugins `pluginIds` (ids, headers, titles). */
export function columnHeads(
  deps: AppDeps,
  pluginIds: readonly string[],
): { id: string; headers: string[]; title?: string }[] {
  return sweepColumnsOf(deps.registry.list().filter((p) => pluginIds.includes(p.id)))
    .map((c) => ({ id: c.id, headers: c.headers, title: c.title }));
}

/** Plugin ids of a run's config (exported for the training route). */
export function runPlugins(r: RunRow): string[] {
  return configPlugins(r);
}

/**
 * The records of `plugin` the columns read (they average them over seeds):
 * a finished multi-seed run's stored seed means, as one seed (10-20x fewer
 * rows, the same means), when every metric has them; else every seed's own
 * records.
 */
function tableRecords(
  deps: AppDeps,
  r: RunRow,
  plugin: string,
  metrics: string[],
): ResultRecord[] {
  const spec = { groupBy: "layer" } as ChartSpec;
  const agg = metrics.length && aggregatesApply(r, plugin, spec, undefined)
    ? readAggregates(deps.store, r, plugin, metrics, undefined, false)
    : undefined;
  if (agg) return agg.records.map((x) => ({ ...x, seed: 0 }));
  return deps.store.queryResults(r.id, { plugin }).filter((x) => x.seed >= 0);
}

/** Routes under /api/sweeps. */
export function sweepRoutes(deps: AppDeps, lane: Lane): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/", (c) => c.json({ sweeps: sweepNames(deps.store.listRuns()) }));

  app.get("/:name", async (c) => {
    const name = c.req.param("name");
    const params = new URL(c.req.url).searchParams;
    onlyKnown(params, ["loss_threshold", "plane_tolerance"]);
    const settings: TableSettings = {
      lossThreshold: numberParam(params, "loss_threshold", DEFAULT_TABLE.lossThreshold),
      planeTolerance: numberParam(params, "plane_tolerance", DEFAULT_TABLE.planeTolerance),
    };
    const runs = runsOfSweep(deps.store.listRuns(), name).map((r) => viewRun(deps.store, r));
    if (!runs.length) {
      throw new LensError(`no sweep "${name}"`, {
        code: "not_found",
        field: "name",
        expected: "the name of a sweep whose runs are named <sweep>/<variant>",
      });
    }
    const body = await lane.run(() => {
      // the columns of every plugin some run of the sweep ran, on every row (as lens sweep)
      const used = [...new Set(runs.flatMap(configPlugins))];
      const rows = runs.map((r) =>
        headlineRow(deps, r, r.name.slice(name.length + 1), settings, used)
      );
      return JSON.stringify({
        name,
        groups: groupRuns(runs),
        columns: columnHeads(deps, used),
        rows,
      });
    });
    return c.body(body, 200, { "Content-Type": "application/json" });
  });

  return app;
}
