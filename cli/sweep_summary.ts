/**
 * The comparison row of one sweep variant, computed from its stored run:
 * final losses and accuracies and the first epoch at which the training
 * loss falls below a threshold, then the columns the run's plugins declare
 * (their `presentation.sweepColumns`, e.g. the information plane's path of
 * the last hidden layer). Pure functions from epoch rows and records to rows.
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
 *
 * @module
 */
import { meanSd } from "../core/aggregate.ts";
import type { EpochRow, Plugin, ResultRecord, SweepColumnSpec } from "../core/types.ts";

/** An epoch statistics row (the store's). */
export type { EpochRow } from "../core/types.ts";

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
  /** The plugins' column groups, in the order of the `columns` given to {@link sweepRow}. */
  columns: SweepCells[];
}

/** One column group's cells of a row (null `text`: the run has nothing for it). */
export interface SweepCells {
  /** Column group id ({@link SweepColumnSpec.id}). */
  id: string;
  /** Cells, one per header; null when the run has no records for these columns. */
  text: string[] | null;
  /** The numbers behind the cells, by name. */
  values: Record<string, number | string | null>;
}

/** Mean of finite values; NaN when there are none. */
function mean(values: number[]): number {
  return meanSd(values).mean;
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

/**
 * The sweep column groups of `plugins`, deduplicated by id, in plugin
 * order: what the comparison table shows beyond training statistics.
 */
export function sweepColumnsOf(plugins: readonly Plugin[]): SweepColumnSpec[] {
  const out = new Map<string, SweepColumnSpec>();
  for (const p of plugins) {
    for (const c of p.presentation?.sweepColumns ?? []) if (!out.has(c.id)) out.set(c.id, c);
  }
  return [...out.values()];
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
 *   { lossThreshold: 0.1, settings: { plane_tolerance: 0.1 }, columns: sweepColumnsOf(plugins) });
 * row.thresholdEpoch; // e.g. 812
 * ```
 */
export function sweepRow(
  run: SweepRunData,
  opts: {
    lossThreshold: number;
    settings: Readonly<Record<string, number>>;
    columns: readonly SweepColumnSpec[];
  },
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
  const columns = opts.columns.map((c): SweepCells => {
    const cells = c.cells(run.records, opts.settings);
    return { id: c.id, text: cells?.text ?? null, values: cells?.values ?? {} };
  });
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
    columns,
  };
}
