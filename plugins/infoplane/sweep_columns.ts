/**
 * The information plane's columns in the comparison table of `lens
 * sweep`: the last hidden layer's path (peak of I(X;T), last point, and
 * the epoch it converges there) from an estimator's `ixt` / `ity` records.
 *
 * Definitions (every mean is over the run's seeds):
 * - last hidden layer: the last layer of the estimator's records before
 *   `output` (in the order they first appear: dense_1, ..., dense_n, output).
 * - I(X;T) peak: the sampled epoch where the seed-mean I(X;T) of that layer
 *   is largest (earliest on ties); last: the seed-mean at the last sampled
 *   epoch.
 * - plane convergence epoch: the first sampled epoch e such that at every
 *   sampled epoch from e on, the seed-mean (I(X;T), I(T;Y)) of the last
 *   hidden layer stays within `plane_tolerance` bits (a sweep setting,
 *   default 0.1) of its last value in both coordinates.
 *
 * @module
 */
import { fixed } from "../../core/text_table.ts";
import { meanSd } from "../../core/aggregate.ts";
import type { ResultRecord, SweepColumnSpec } from "../../core/types.ts";
import { OUTPUT_HOOK } from "../../core/model/hook_names.ts";

/** `plane_tolerance` when a sweep file does not set it (bits). */
export const DEFAULT_PLANE_TOLERANCE = 0.1;

/** A seed-mean series of one layer: epochs ascending with mean I(X;T), I(T;Y). */
export interface PlaneSeries {
  /** Hook point. */
  layer: string;
  /** Sampled epochs, ascending. */
  epochs: number[];
  /** Seed-mean I(X;T) per epoch (bits). */
  ixt: number[];
  /** Seed-mean I(T;Y) per epoch (bits). */
  ity: number[];
}

/** Mean of finite values; NaN when there are none. */
function mean(values: number[]): number {
  return meanSd(values).mean;
}

/**
 * The last hidden layer's seed-mean (I(X;T), I(T;Y)) series from an MI
 * plugin's records (`ixt`, `ity`, seeds >= 0; aggregate rows ignored);
 * null when the plugin has no records of a hidden layer.
 *
 * @example
 * ```ts
 * lastHiddenSeries(store.queryResults(runId), "mi-binned")?.layer; // "dense_5"
 * ```
 */
export function lastHiddenSeries(
  records: readonly ResultRecord[],
  plugin: string,
): PlaneSeries | null {
  const layers: string[] = [];
  for (const r of records) {
    if (r.plugin === plugin && r.seed >= 0 && !layers.includes(r.layer)) layers.push(r.layer);
  }
  const hidden = layers.filter((l) => l !== OUTPUT_HOOK);
  const layer = hidden[hidden.length - 1];
  if (layer === undefined) return null;
  const sums = new Map<number, { ixt: number[]; ity: number[] }>();
  for (const r of records) {
    if (r.plugin !== plugin || r.layer !== layer || r.seed < 0) continue;
    if (r.metric !== "ixt" && r.metric !== "ity") continue;
    let s = sums.get(r.epoch);
    if (!s) sums.set(r.epoch, s = { ixt: [], ity: [] });
    s[r.metric].push(r.value);
  }
  const epochs = [...sums.keys()].sort((a, b) => a - b);
  return {
    layer,
    epochs,
    ixt: epochs.map((e) => mean(sums.get(e)!.ixt)),
    ity: epochs.map((e) => mean(sums.get(e)!.ity)),
  };
}

/**
 * First epoch of `series` from which every point stays within `tolerance`
 * bits of the last point in both I(X;T) and I(T;Y); null for an empty
 * series.
 *
 * @example
 * ```ts
 * planeConvergenceEpoch({ layer: "d", epochs: [0, 1, 2, 3], ixt: [1, 3, 2.05, 2], ity: [0, 1, 1, 1] }, 0.1);
 * // 2
 * ```
 */
export function planeConvergenceEpoch(series: PlaneSeries, tolerance: number): number | null {
  const n = series.epochs.length;
  if (n === 0) return null;
  const fx = series.ixt[n - 1];
  const fy = series.ity[n - 1];
  let k = n - 1;
  while (
    k > 0 &&
    Math.abs(series.ixt[k - 1] - fx) <= tolerance &&
    Math.abs(series.ity[k - 1] - fy) <= tolerance
  ) k--;
  return series.epochs[k];
}

/** The path summary of the last hidden layer (definitions in the module doc). */
export interface PlanePath {
  layer: string;
  ixtPeakEpoch: number;
  ixtPeak: number;
  ixtLast: number;
  ityLast: number;
  planeEpoch: number | null;
}

/** The last hidden layer's path from `plugin`'s records; null without any. */
export function planePath(
  records: readonly ResultRecord[],
  plugin: string,
  tolerance: number,
): PlanePath | null {
  const series = lastHiddenSeries(records, plugin);
  if (!series || !series.epochs.length) return null;
  let k = 0;
  for (let i = 1; i < series.ixt.length; i++) if (series.ixt[i] > series.ixt[k]) k = i;
  const n = series.epochs.length;
  return {
    layer: series.layer,
    ixtPeakEpoch: series.epochs[k],
    ixtPeak: series.ixt[k],
    ixtLast: series.ixt[n - 1],
    ityLast: series.ity[n - 1],
    planeEpoch: planeConvergenceEpoch(series, tolerance),
  };
}

/**
 * The sweep columns of MI estimator `plugin`.
 *
 * @example
 * ```ts
 * const [cols] = infoPlaneSweepColumns("mi-binned");
 * cols.cells(records, { plane_tolerance: 0.1 })?.values.layer; // "dense_5"
 * ```
 */
export function infoPlaneSweepColumns(plugin: string): SweepColumnSpec[] {
  const tol = (s: Readonly<Record<string, number>>) => s.plane_tolerance ?? DEFAULT_PLANE_TOLERANCE;
  return [{
    id: `information-plane:${plugin}`,
    headers: ["layer", "IXT peak ep", "IXT peak", "IXT last", "ITY last", "plane ep"],
    title: `${plugin}: MI in bits, last hidden layer`,
    cells(records, settings) {
      const p = planePath(records, plugin, tol(settings));
      if (!p) return null;
      return {
        text: [
          p.layer,
          String(p.ixtPeakEpoch),
          fixed(p.ixtPeak),
          fixed(p.ixtLast),
          fixed(p.ityLast),
          p.planeEpoch === null ? "-" : String(p.planeEpoch),
        ],
        values: { ...p },
      };
    },
    notes: (settings) => [
      `plane ep: first sampled epoch after which the layer's (I(X;T), I(T;Y)) stays within ` +
      `${tol(settings)} bits of its last value`,
    ],
  }];
}
