/**
 * Charts of finished multi-seed runs from their stored seed aggregates:
 * at the end of a run the engine stores, for every point measured on two
 * or more seeds, `<m>_mean` and `<m>_sd` records with seed -1
 * (core/aggregate.ts). Reading those is one record per point instead of
 * one per seed (20x fewer for 20 seeds), so a big run's charts open fast.
 *
 * Used only where the aggregates are the whole story: a completed run of
 * two or more seeds, no seed filter, a chart that does not draw seeds one
 * by one, and no error recorded for the plugin (a failed seed would leave
 * points with fewer seeds than the run has, whose count is not stored).
 *
 * @example
 * ```ts
 * const agg = readAggregates(store, run, "mi-binned", ["ixt", "ity"], undefined);
 * if (agg) chartData(spec, agg.records, agg.spread);
 * ```
 *
 * @module
 */
import type { ChartSpec, ResultRecord, RunRow, Store } from "../core/types.ts";
import type { StoredSpread } from "./chart_data.ts";

/** Whether a chart of `run` may be drawn from the stored aggregates. */
export function aggregatesApply(
  run: RunRow,
  plugin: string,
  spec: ChartSpec,
  seed: number | undefined,
): boolean {
  return run.status === "completed" && (run.seeds?.length ?? 0) >= 2 && seed === undefined &&
    spec.groupBy !== "seed" && !run.pluginErrors.some((e) => e.plugin === plugin);
}

/**
 * The seed means of `metrics` as records (metric names without `_mean`,
 * seed -1) with their sds, or undefined when the run stored none. With
 * `withSd` false only the means are read (tables of means: half the rows;
 * the spread then reads every sd as undefined).
 */
export function readAggregates(
  store: Store,
  run: RunRow,
  plugin: string,
  metrics: readonly string[],
  layer: string | undefined,
  withSd = true,
): { records: ResultRecord[]; spread: StoredSpread } | undefined {
  const names = metrics.flatMap((m) => withSd ? [`${m}_mean`, `${m}_sd`] : [`${m}_mean`]);
  const rows = store.queryResults(run.id, { plugin, metric: names, seed: -1, layer });
  const records: ResultRecord[] = [];
  const sds = new Map<string, number>();
  const key = (layer: string, metric: string, epoch: number, index: number) =>
    `${layer}\u0000${metric}\u0000${epoch}\u0000${index}`;
  for (const r of rows) {
    if (r.metric.endsWith("_mean")) {
      records.push({ ...r, metric: r.metric.slice(0, -5) });
    } else sds.set(key(r.layer, r.metric.slice(0, -3), r.epoch, r.index), r.value);
  }
  // every metric drawn needs its means (a run of older code may have none)
  const have = new Set(records.map((r) => r.metric));
  if (!metrics.every((m) => have.has(m))) return undefined;
  return {
    records,
    spread: {
      sd: (l, m, e, i) => sds.get(key(l, m, e, i)),
      n: run.seeds.length,
    },
  };
}
