/**
 * A run's training curves from its epoch rows: loss and accuracy (train
 * and, when recorded, test) against epoch, seed mean with sample sd, in
 * the chart endpoint's shape ({@link ChartData} plus the spec), and the
 * final values (the seed mean at each seed's last recorded epoch) for
 * summary tables. Pure: rows in, compact arrays out.
 *
 * @example
 * ```ts
 * const t = trainingCurves(store.epochsSince(runId, 0));
 * t.final.loss; // mean over seeds of the last train loss
 * ```
 *
 * @module
 */
import type { ChartSpec, EpochRow } from "../core/types.ts";
import { type ChartData, type ChartSeries, compact, meanSd } from "./chart_data.ts";

/** An epoch statistics row (the store's). */
export type { EpochRow } from "../core/types.ts";

/** Final values: seed means at each seed's last epoch (null when none recorded). */
export interface FinalMetrics {
  loss: number | null;
  accuracy: number | null;
  testLoss: number | null;
  testAccuracy: number | null;
  /** Largest epoch recorded (0-based), null without rows. */
  epoch: number | null;
}

/** The curves and final values of one run. */
export interface TrainingCurves {
  loss: ChartData & { chart: ChartSpec };
  accuracy: ChartData & { chart: ChartSpec };
  final: FinalMetrics;
}

type Col = "loss" | "accuracy" | "testLoss" | "testAccuracy";

function series(rows: readonly EpochRow[], col: Col, label: string, metric: string): ChartSeries {
  const byEpoch = new Map<number, number[]>();
  for (const r of rows) {
    const v = r[col];
    if (v === null || !Number.isFinite(v)) continue;
    let vs = byEpoch.get(r.epoch);
    if (!vs) byEpoch.set(r.epoch, vs = []);
    vs.push(v);
  }
  const s: ChartSeries = { label, group: label, layer: "", metric, x: [], y: [], ySd: [], n: [] };
  for (const e of [...byEpoch.keys()].sort((a, b) => a - b)) {
    const m = meanSd(byEpoch.get(e)!);
    s.x.push(e);
    s.y.push(compact(m.mean));
    s.ySd!.push(compact(m.sd));
    s.n.push(m.n);
  }
  return s;
}

function spec(id: string, title: string, metric: string, label: string, log: boolean): ChartSpec {
  return {
    id,
    title,
    type: "line",
    x: { field: "epoch", label: "epoch" },
    y: { metrics: [metric], label, log },
    groupBy: "metric",
  };
}

/** Curves and final values of a run's epoch rows (any order). */
export function trainingCurves(rows: readonly EpochRow[]): TrainingCurves {
  const seeds = [...new Set(rows.map((r) => r.seed))].sort((a, b) => a - b);
  const chart = (
    id: string,
    title: string,
    metric: string,
    label: string,
    log: boolean,
    cols: [Col, string][],
  ) => ({
    chart: spec(id, title, metric, label, log),
    series: cols.map(([c, l]) => series(rows, c, l, metric)).filter((s) => s.x.length),
    seeds,
    epochs: [],
  });
  const last = new Map<number, EpochRow>();
  for (const r of rows) {
    const o = last.get(r.seed);
    if (!o || r.epoch > o.epoch) last.set(r.seed, r);
  }
  const finalOf = (col: Col): number | null => {
    const vs = [...last.values()].map((r) => r[col]).filter((v): v is number => v !== null);
    return vs.length ? compact(meanSd(vs).mean) : null;
  };
  const epochs = [...last.values()].map((r) => r.epoch);
  return {
    loss: chart("loss", "Loss", "loss", "cross-entropy (nats)", true, [
      ["loss", "train"],
      ["testLoss", "test"],
    ]),
    accuracy: chart("accuracy", "Accuracy", "accuracy", "accuracy", false, [
      ["accuracy", "train"],
      ["testAccuracy", "test"],
    ]),
    final: {
      loss: finalOf("loss"),
      accuracy: finalOf("accuracy"),
      testLoss: finalOf("testLoss"),
      testAccuracy: finalOf("testAccuracy"),
      epoch: epochs.length ? Math.max(...epochs) : null,
    },
  };
}
