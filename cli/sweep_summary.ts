/**
 * The comparison row of one sweep variant, computed from its stored run:
 * final losses and accuracies, the first epoch at which the training loss
 * falls below a threshold, and the last hidden layer's path in the
 * information plane (peak of I(X;T), last point, and the epoch it
 * converges there). Pure functions from epoch rows and records to rows.
 *
 * Definitions (every mean is over the run's seeds):
 * - train loss / accuracy are what the trainer reports for an epoch: the
 *   mean over training samples of each batch's loss as it was trained.
 * - final train loss / accuracy: each seed's last stored epoch row;
 *   test loss / accuracy: each seed's last row that has test values (test
 *   sets are scored at sampled epochs; the last epoch is always sampled
 *   under the log schedule).
 * - smallest test loss: the minimum over sampled epochs of the seed-mean
 *   test loss, with its epoch; a final test loss above it while the train
 *   loss still falls is overfitting.
 * - threshold epoch: per seed, the first stored epoch row whose train loss
 *   is below the threshold; the mean over the seeds that reach it, with the
 *   count that do. Rows are stored at every sampled epoch and every
 *   floor(epochs / 200)-th epoch, so the value is exact up to that spacing
 *   (every epoch up to 43 at 8000 epochs, then at most 40 epochs late).
 * - last hidden layer: the last layer of the MI plugin's records before
 *   `output` (in the order they first appear: dense_1, ..., dense_n, output).
 * - I(X;T) peak: the sampled epoch where the seed-mean I(X;T) of that layer
 *   is largest (earliest on ties); last: the seed-mean at the last sampled
 *   epoch.
 * - plane convergence epoch: the first sampled epoch e such that at every
 *   sampled epoch from e on, the seed-mean (I(X;T), I(T;Y)) of the last
 *   hidden layer stays within `tolerance` bits of its last value in both
 *   coordinates.
 *
 * @module
 */
import type { ResultRecord } from "../core/types.ts";

/** An epoch statistics row as the store returns it (`store.epochsSince`). */
export interface EpochRow {
  seed: number;
  epoch: number;
  loss: number;
  accuracy: number;
  testLoss: number | null;
  testAccuracy: number | null;
}

/** One variant's line of the comparison table. */
export interface SweepRow {
  variant: string;
  runId: string;
  status: string;
  seeds: number;
  /** Epochs trained (last stored epoch + 1, largest over seeds). */
  epochs: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  /** Smallest seed-mean test loss over the sampled epochs, and its epoch. */
  testLossMin: number;
  testLossMinEpoch: number | null;
  lossThreshold: number;
  /** Mean over the seeds that reach it; null when none does. */
  thresholdEpoch: number | null;
  /** Per seed (run's seed order), null where never reached. */
  thresholdEpochs: (number | null)[];
  thresholdReached: number;
  /** Last hidden layer's hook point, null without MI records. */
  layer: string | null;
  ixtPeakEpoch: number | null;
  ixtPeak: number;
  ixtLast: number;
  ityLast: number;
  planeTolerance: number;
  planeEpoch: number | null;
}

/** Mean of finite values; NaN when there are none. */
function mean(values: number[]): number {
  const ok = values.filter(Number.isFinite);
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
}

/** Rows grouped per seed, each sorted by epoch. */
function bySeed(rows: readonly EpochRow[]): Map<number, EpochRow[]> {
  const out = new Map<number, EpochRow[]>();
  for (const r of rows) {
    let s = out.get(r.seed);
    if (!s) out.set(r.seed, s = []);
    s.push(r);
  }
  for (const s of out.values()) s.sort((a, b) => a.epoch - b.epoch);
  return out;
}

/**
 * First epoch of `rows` (one seed, any order) whose loss is below
 * `threshold`; null when none is.
 *
 * @example
 * ```ts
 * firstBelow([{ epoch: 0, loss: 0.7 }, { epoch: 5, loss: 0.09 }], 0.1); // 5
 * ```
 */
export function firstBelow(
  rows: readonly { epoch: number; loss: number }[],
  threshold: number,
): number | null {
  let best: number | null = null;
  for (const r of rows) {
    if (r.loss < threshold && (best === null || r.epoch < best)) best = r.epoch;
  }
  return best;
}

/** A seed-mean series of one layer: epochs ascending with mean I(X;T), I(T;Y). */
export interface PlaneSeries {
  layer: string;
  epochs: number[];
  ixt: number[];
  ity: number[];
}

/**
 * The last hidden layer's seed-mean (I(X;T), I(T;Y)) series from an MI
 * plugin's records (`ixt`, `ity`, seeds >= 0; aggregate rows ignored);
 * null when the plugin has no records of a hidden layer.
 *
 * @example
 * ```ts
 * lastHiddenSeries(store.queryResults(runId, { plugin: "mi-binned" }))?.layer; // "dense_5"
 * ```
 */
export function lastHiddenSeries(
  records: readonly ResultRecord[],
  plugin = "mi-binned",
): PlaneSeries | null {
  const layers: string[] = [];
  for (const r of records) {
    if (r.plugin === plugin && r.seed >= 0 && !layers.includes(r.layer)) layers.push(r.layer);
  }
  const hidden = layers.filter((l) => l !== "output");
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

/** What {@link sweepRow} reads of one variant's run. */
export interface SweepRunData {
  variant: string;
  runId: string;
  status: string;
  /** The run's seeds, in order. */
  seeds: number[];
  epochRows: readonly EpochRow[];
  records: readonly ResultRecord[];
}

/**
 * The comparison row of one variant (definitions in the module doc).
 *
 * @example
 * ```ts
 * const row = sweepRow({ variant: "depth-3", runId, status: "completed", seeds: [0, 1],
 *   epochRows: store.epochsSince(runId, 0), records: store.queryResults(runId) },
 *   { lossThreshold: 0.1, planeTolerance: 0.1 });
 * row.thresholdEpoch; // e.g. 812
 * ```
 */
export function sweepRow(
  run: SweepRunData,
  opts: { lossThreshold: number; planeTolerance: number; plugin?: string },
): SweepRow {
  const seeds = bySeed(run.epochRows);
  const order = run.seeds.length ? run.seeds : [...seeds.keys()].sort((a, b) => a - b);
  const lasts: EpochRow[] = [];
  const tests: EpochRow[] = [];
  const thresholdEpochs: (number | null)[] = [];
  let epochs = 0;
  for (const seed of order) {
    const rows = seeds.get(seed) ?? [];
    if (rows.length) {
      const last = rows[rows.length - 1];
      lasts.push(last);
      epochs = Math.max(epochs, last.epoch + 1);
      const tested = rows.filter((r) => r.testLoss !== null && r.testAccuracy !== null);
      if (tested.length) tests.push(tested[tested.length - 1]);
    }
    thresholdEpochs.push(firstBelow(rows, opts.lossThreshold));
  }
  const testByEpoch = new Map<number, number[]>();
  for (const r of run.epochRows) {
    if (r.testLoss === null || !Number.isFinite(r.testLoss)) continue;
    let s = testByEpoch.get(r.epoch);
    if (!s) testByEpoch.set(r.epoch, s = []);
    s.push(r.testLoss);
  }
  let testLossMin = NaN;
  let testLossMinEpoch: number | null = null;
  for (const e of [...testByEpoch.keys()].sort((a, b) => a - b)) {
    const m = mean(testByEpoch.get(e)!);
    if (testLossMinEpoch === null || m < testLossMin) {
      testLossMin = m;
      testLossMinEpoch = e;
    }
  }
  const reached = thresholdEpochs.filter((e): e is number => e !== null);
  const series = lastHiddenSeries(run.records, opts.plugin ?? "mi-binned");
  let ixtPeakEpoch: number | null = null;
  let ixtPeak = NaN, ixtLast = NaN, ityLast = NaN;
  let planeEpoch: number | null = null;
  if (series && series.epochs.length) {
    let k = 0;
    for (let i = 1; i < series.ixt.length; i++) if (series.ixt[i] > series.ixt[k]) k = i;
    ixtPeakEpoch = series.epochs[k];
    ixtPeak = series.ixt[k];
    ixtLast = series.ixt[series.ixt.length - 1];
    ityLast = series.ity[series.ity.length - 1];
    planeEpoch = planeConvergenceEpoch(series, opts.planeTolerance);
  }
  return {
    variant: run.variant,
    runId: run.runId,
    status: run.status,
    seeds: order.length,
    epochs,
    trainLoss: mean(lasts.map((r) => r.loss)),
    trainAccuracy: mean(lasts.map((r) => r.accuracy)),
    testLoss: mean(tests.map((r) => r.testLoss!)),
    testAccuracy: mean(tests.map((r) => r.testAccuracy!)),
    testLossMin,
    testLossMinEpoch,
    lossThreshold: opts.lossThreshold,
    thresholdEpoch: reached.length ? mean(reached) : null,
    thresholdEpochs,
    thresholdReached: reached.length,
    layer: series?.layer ?? null,
    ixtPeakEpoch,
    ixtPeak,
    ixtLast,
    ityLast,
    planeTolerance: opts.planeTolerance,
    planeEpoch,
  };
}
