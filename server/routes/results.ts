/**
 * A run's records: tidy rows, and the server-side aggregation of a
 * plugin's chart.
 *
 * - `GET /api/runs/:id/results?plugin=&layer=&metric=a,b&seed=&epoch_min=&epoch_max=&after_id=&limit=`
 *   answers one page `{runId, results, count, next}`: at most `limit`
 *   records (default {@link DEFAULT_PAGE}, at most {@link MAX_PAGE}) after
 *   `after_id`, in rowid order, streamed; `next` is the `after_id` of the
 *   next page, null after the last one.
 * - `GET /api/runs/:id/training` answers the loss and accuracy curves (seed
 *   mean and sd per epoch), the final values (training_curves.ts) and the
 *   run's row of `lens sweep`'s comparison table (`headline`).
 * - `GET /api/runs/:id/chart/:plugin/:chartId?seed=&layer=&per_seed=` answers the
 *   chart's series (seed mean and sd per point, epochs for colouring),
 *   the overlay plugin's curves (the chart's own overlay, or the IB bound on
 *   information planes, see chart_extras.ts) and epoch markers. `chartId` may also be
 *   `metric:<name>`: a default line chart of that metric against epoch per
 *   layer, for plugins without chart specs. `per_seed=1` draws a line chart
 *   one line per seed (and layer) instead of the seed mean. Answers for
 *   finished runs are cached in memory and kept in the run store
 *   (stored_answers.ts), so a server started later answers them from there.
 *
 * @module
 */
import { Hono } from "../../deps/hono.ts";
import { LensError } from "../../core/errors.ts";
import type { ChartSpec, Plugin, RunRow } from "../../core/types.ts";
import { chartData, markersFrom, overlayCurves } from "../chart_data.ts";
import { isIbBound, markersFor, overlayFor } from "../chart_extras.ts";
import { degenerateNote, ibOverlay } from "../ib_overlay.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import type { Lane } from "../heavy_lane.ts";
import { intParam, nameParam, onlyKnown, parseFilter } from "../query.ts";
import { recordStream } from "../record_stream.ts";
import { trainingCurves } from "../training_curves.ts";
import { columnHeads, DEFAULT_TABLE, headlineRow, runPlugins } from "./sweeps.ts";
import { nameSeries } from "../metric_names.ts";
import { aggregatesApply, readAggregates } from "../stored_aggregates.ts";
import { requireRun } from "./runs.ts";
import { storedAnswers } from "../stored_answers.ts";

/** Records per page of /results unless `limit` says otherwise. */
export const DEFAULT_PAGE = 10000;
/** Largest `limit` of /results. */
export const MAX_PAGE = 50000;

/** The registry's plugin of this id, or undefined (custom plugins of other processes). */
export function findPlugin(deps: AppDeps, id: string): Plugin | undefined {
  return deps.registry.list().find((p) => p.id === id);
}

/** `training.epochs - 1` of a run's config, when it has one. */
export function plannedLastEpoch(config: unknown): number | null {
  const epochs = (config as { training?: { epochs?: unknown } } | null)?.training?.epochs;
  return typeof epochs === "number" && Number.isInteger(epochs) && epochs > 0 ? epochs - 1 : null;
}

/** A line chart of one metric against epoch, one line per layer. */
export function defaultChart(metric: string): ChartSpec {
  return {
    id: `metric:${metric}`,
    title: metric,
    type: "line",
    x: { field: "epoch", label: "epoch" },
    y: { metrics: [metric], label: metric },
    groupBy: "layer",
  };
}

/** The spec of `chartId` for `pluginId`, or a 404. */
function findChart(deps: AppDeps, pluginId: string, chartId: string): ChartSpec {
  if (chartId.startsWith("metric:") && chartId.length > 7) return defaultChart(chartId.slice(7));
  const spec = findPlugin(deps, pluginId)?.charts?.find((ch) => ch.id === chartId);
  if (!spec) {
    throw new LensError(`plugin "${pluginId}" has no chart "${chartId}"`, {
      code: "not_found",
      field: "chart",
      expected: "a chart id listed by GET /api/plugins, or metric:<name>",
    });
  }
  return spec;
}

/** Routes under /api/runs/:id that read records. */
export function resultRoutes(deps: AppDeps, lane: Lane): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // answers for finished runs (charts, training curves), the oldest dropped past 200
  const cache = new Map<string, string>();
  const remember = (key: string, body: string) => {
    if (cache.size >= 200) cache.delete(cache.keys().next().value!);
    cache.set(key, body);
  };
  const kept = storedAnswers(deps.store, deps.registry.list());
  /** A finished run's answer: from memory, else the store, else computed (in the heavy lane) and kept. */
  const answer = async (run: RunRow, key: string, compute: () => string): Promise<string> => {
    if (run.status === "running") return await lane.run(compute);
    const hit = cache.get(key) ?? kept.get(run.id, key);
    if (hit) {
      remember(key, hit);
      return hit;
    }
    const body = await lane.run(compute);
    remember(key, body);
    kept.put(run.id, key, body);
    return body;
  };

  app.get("/:id/results", (c) => {
    const run = requireRun(deps, c.req.param("id"));
    const params = new URL(c.req.url).searchParams;
    const filter = parseFilter(params, ["limit"]);
    const limit = intParam(params, "limit", 1) ?? DEFAULT_PAGE;
    if (limit > MAX_PAGE) {
      throw new LensError(`limit ${limit} is too large`, {
        code: "filter",
        field: "limit",
        expected: `at most ${MAX_PAGE}; page on with after_id = next`,
      });
    }
    c.header("Content-Type", "application/json");
    return c.body(recordStream(deps.store, lane, run.id, filter, limit, {
      head: `{"runId":${JSON.stringify(run.id)},"results":[`,
      row: (r) => JSON.stringify(r),
      sep: ",",
      tail: (count, next) => `],"count":${count},"next":${next}}`,
    }));
  });

  app.get("/:id/training", async (c) => {
    const run = requireRun(deps, c.req.param("id"));
    onlyKnown(new URL(c.req.url).searchParams, []);
    // a run renamed since is answered anew (the headline row carries the name)
    const key = `${run.id}\u0000${run.finishedAt}\u0000training\u0000${run.name}`;
    const body = await answer(run, key, () => {
      const rows = deps.store.epochsSince(run.id, 0);
      return JSON.stringify({
        runId: run.id,
        ...trainingCurves(rows),
        // lens sweep's table row: loss threshold epoch, the last hidden layer in the plane
        headline: headlineRow(deps, run, run.name, DEFAULT_TABLE, undefined, rows),
        headlineColumns: columnHeads(deps, runPlugins(run)),
      });
    });
    return c.body(body, 200, { "Content-Type": "application/json" });
  });

  app.get("/:id/chart/:plugin/:chartId", async (c) => {
    const run = requireRun(deps, c.req.param("id"));
    const plugin = c.req.param("plugin");
    const params = new URL(c.req.url).searchParams;
    onlyKnown(params, ["seed", "layer", "per_seed"]);
    const seed = intParam(params, "seed", -1);
    const layer = nameParam(params, "layer");
    const perSeed = nameParam(params, "per_seed");
    if (perSeed !== undefined && perSeed !== "1" && perSeed !== "0") {
      throw new LensError(`per_seed must be 1 or 0, got ${JSON.stringify(perSeed.slice(0, 20))}`, {
        code: "filter",
        field: "per_seed",
        expected: "1 (one line per seed and layer) or 0",
      });
    }
    const base = findChart(deps, plugin, c.req.param("chartId"));
    // per_seed=1: a line chart against epoch drawn one line per seed (and layer), not the mean
    const spec: ChartSpec = perSeed === "1" && base.type === "line" && !base.x.metric
      ? { ...base, groupBy: "seed" }
      : base;
    // (a retried run ends again later: answered anew)
    const key =
      `${run.id}\u0000${run.finishedAt}\u0000${plugin}\u0000${spec.id}\u0000${seed}\u0000${layer}\u0000${spec.groupBy}`;
    const body = await answer(run, key, () => chartBody(deps, run, plugin, spec, seed, layer));
    return c.body(body, 200, { "Content-Type": "application/json" });
  });

  return app;
}

/** The JSON of a chart's data (the heavy part of the chart route). */
function chartBody(
  deps: AppDeps,
  run: RunRow,
  plugin: string,
  spec: ChartSpec,
  seed: number | undefined,
  layer: string | undefined,
): string {
  const metrics = [...new Set([...spec.y.metrics, ...(spec.x.metric ? [spec.x.metric] : [])])];
  const agg = aggregatesApply(run, plugin, spec, seed)
    ? readAggregates(deps.store, run, plugin, metrics, layer)
    : undefined;
  const records = agg?.records ??
    deps.store.queryResults(run.id, { plugin, metric: metrics, seed, layer });
  const data = agg ? chartData(spec, agg.records, agg.spread) : chartData(spec, records);
  data.series = nameSeries(data.series, findPlugin(deps, plugin)?.emits);
  const found = overlayFor(
    deps.registry.list(),
    plugin,
    spec,
    (o) => deps.store.queryResults(run.id, { plugin: o.plugin, metric: [o.x, o.y] }),
  );
  const extra = found?.overlay;
  let overlay = found ? overlayCurves(found.overlay, found.records) : [];
  let note: string | undefined;
  let repeats: string | undefined;
  if (extra && isIbBound(extra)) {
    const opts = pluginOptions(run.config, extra.plugin);
    let xEnd = 0;
    for (const s of data.series) for (const x of s.x) if (x !== null && x > xEnd) xEnd = x;
    const sameJoint = spec.x.metric === "layer_ixt";
    const r = ibOverlay(overlay, {
      sameJoint,
      xEnd,
      soften: typeof opts.soften === "number" ? opts.soften : undefined,
      table: typeof opts.table === "string" && opts.table ? opts.table : undefined,
    });
    overlay = r.overlay;
    note = r.note;
    // with hard labels, ib-consistency's layers are mi-binned's points: the plane repeats
    if (sameJoint && r.hard) {
      if (pluginOptions(run.config, "mi-binned").present) repeats = "mi-binned";
    }
  }
  if (plugin === "ib-bound" && spec.x.metric === "ib_ixt") {
    note = degenerateNote(overlayCurves(
      { plugin, x: "ib_ixt", y: "ib_ity", label: "IB curve" },
      records,
    ));
  }
  const markers = spec.x.field === "epoch" || (!spec.x.field && !spec.x.metric)
    ? markersFor(deps.registry.list(), plugin).flatMap((m) =>
      markersFrom(
        m.label,
        deps.store.queryResults(run.id, { plugin: m.plugin, metric: m.metric }),
        m.metric,
      )
    )
    : [];
  return JSON.stringify({
    runId: run.id,
    status: run.status,
    // the run's last planned epoch: a stable colour scale while it trains
    lastEpoch: plannedLastEpoch(run.config),
    plugin,
    chart: spec,
    ...data,
    overlay,
    markers,
    ...(note ? { note } : {}),
    ...(repeats ? { repeats } : {}),
  });
}

/** The options a run's config gives plugin `id` (`present` when the config lists it). */
export function pluginOptions(
  config: unknown,
  id: string,
): Record<string, unknown> & { present?: boolean } {
  const ps = (config as { plugins?: unknown } | null)?.plugins;
  if (!Array.isArray(ps)) return {};
  for (const p of ps) {
    if (p === id) return { present: true };
    if (p && typeof p === "object" && (p as { id?: unknown }).id === id) {
      const o = (p as { options?: unknown }).options;
      return { ...(o && typeof o === "object" ? o as Record<string, unknown> : {}), present: true };
    }
  }
  return {};
}
