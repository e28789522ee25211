/**
 * Server-side chart aggregation (server/chart_data.ts): seed means and
 * sample sds per point checked against hand-computed values, scatter joins,
 * grouping, ordering, overlays and markers.
 */
import assert from "node:assert/strict";
import type { ChartSpec, ResultRecord } from "../core/types.ts";
import { chartData, compact, markersFrom, meanSd, overlayCurves } from "../server/chart_data.ts";

const rec = (
  layer: string,
  epoch: number,
  seed: number,
  metric: string,
  value: number,
  index = 0,
  plugin = "p",
): ResultRecord => ({ plugin, layer, epoch, seed, index, metric, value });

const plane: ChartSpec = {
  id: "plane",
  title: "Information plane",
  type: "scatter",
  x: { metric: "ixt", label: "I(X;T)" },
  y: { metrics: ["ity"], label: "I(T;Y)" },
  groupBy: "layer",
  colorBy: "epoch",
  overlay: { plugin: "ib", x: "ixt", y: "ity", label: "IB bound" },
};

Deno.test("meanSd: sample sd (n - 1), ignores non-finite values", () => {
  const { mean, sd, n } = meanSd([2, 4, 4, 4, 5, 5, 7, 9, NaN]);
  assert.equal(n, 8);
  assert.equal(mean, 5);
  // sum of squares 32, n - 1 = 7
  assert.ok(Math.abs(sd - Math.sqrt(32 / 7)) < 1e-12);
  assert.deepEqual(meanSd([3]), { mean: 3, sd: 0, n: 1 });
  assert.equal(meanSd([]).n, 0);
  assert.equal(compact(1 / 3), 0.333333);
  assert.equal(compact(Infinity), null);
});

Deno.test("scatter: x and y joined per (layer, epoch, seed, index), seed mean and sd", () => {
  const records: ResultRecord[] = [];
  // layer a: seeds 0, 1, 2 at epochs 0 and 5; layer b: one seed only reaches epoch 0.
  const ixt = { 0: [12, 11, 10], 5: [9, 8, 10] } as Record<number, number[]>;
  const ity = { 0: [0.9, 0.8, 0.7], 5: [1, 1, 1] } as Record<number, number[]>;
  for (const e of [5, 0]) { // written out of order on purpose
    for (let s = 0; s < 3; s++) {
      records.push(rec("dense_1", e, s, "ixt", ixt[e][s]));
      records.push(rec("dense_1", e, s, "ity", ity[e][s]));
    }
  }
  records.push(rec("dense_2", 0, 0, "ixt", 4), rec("dense_2", 0, 0, "ity", 0.2));
  records.push(rec("dense_2", 0, 1, "ixt", 6)); // no ity partner: dropped from the join
  records.push(rec("dense_1", 0, 0, "other", 99));

  const d = chartData(plane, records);
  assert.deepEqual(d.seeds, [0, 1, 2]);
  assert.deepEqual(d.epochs, [0, 5]);
  assert.equal(d.series.length, 2);
  const [a, b] = d.series;
  assert.equal(a.label, "dense_1");
  assert.deepEqual(a.epoch, [0, 5]);
  assert.deepEqual(a.x, [11, 9]);
  assert.deepEqual(a.y, [0.8, 1]);
  assert.deepEqual(a.n, [3, 3]);
  assert.deepEqual(a.xSd, [1, 1]);
  assert.deepEqual(a.ySd, [0.1, 0]);
  assert.equal(b.label, "dense_2");
  assert.deepEqual(b.x, [4]);
  assert.deepEqual(b.y, [0.2]);
  assert.deepEqual(b.n, [1]);
  // one seed at that point only: the series carries no spread
  assert.equal(b.xSd, undefined);
});

Deno.test("line: one series per (layer, metric), averaged over seeds, in epoch order", () => {
  const spec: ChartSpec = {
    id: "snr",
    title: "SNR",
    type: "line",
    x: { field: "epoch", label: "epoch", log: true },
    y: { metrics: ["grad_mean", "grad_std"], label: "norm", log: true },
    groupBy: "layer",
  };
  const records = [
    rec("dense_10", 1, 0, "grad_mean", 3),
    rec("dense_2", 1, 0, "grad_mean", 1),
    rec("dense_2", 1, 1, "grad_mean", 3),
    rec("dense_2", 0, 0, "grad_mean", 10),
    rec("dense_2", 0, 0, "grad_std", 0.5),
  ];
  const d = chartData(spec, records);
  // groups in the order written (dense_10 first here); metrics in spec order
  assert.deepEqual(d.series.map((s) => s.label), [
    "dense_10 grad_mean",
    "dense_2 grad_mean",
    "dense_2 grad_std",
  ]);
  const m = d.series[1];
  assert.deepEqual(m.x, [0, 1]);
  assert.deepEqual(m.y, [10, 2]);
  assert.deepEqual(m.n, [1, 2]);
  assert.deepEqual(m.ySd, [0, compact(Math.SQRT2)]);
  assert.equal(m.xSd, undefined);
});

Deno.test("groupBy seed keeps seeds apart; index axis draws the latest epoch only", () => {
  const spec: ChartSpec = {
    id: "rho",
    title: "rho",
    type: "bar",
    x: { field: "index", label: "order" },
    y: { metrics: ["rho"], label: "rho" },
    groupBy: "seed",
  };
  const records = [
    rec("f", 10, 1, "rho", 0.5, 2),
    rec("f", 10, 1, "rho", 0.25, 1),
    rec("f", 10, 0, "rho", 0.75, 1),
    rec("f", 3, 0, "rho", 123, 1), // an earlier epoch: not drawn
  ];
  const d = chartData(spec, records);
  assert.deepEqual(d.series.map((s) => [s.label, s.seed]), [["seed 0", 0], ["seed 1", 1]]);
  assert.deepEqual(d.series[0].x, [1]);
  assert.deepEqual(d.series[0].y, [0.75]);
  assert.deepEqual(d.series[1].x, [1, 2]);
  assert.deepEqual(d.series[1].y, [0.25, 0.5]);
});

Deno.test("epoch axis: records of several indices become separate series", () => {
  const spec: ChartSpec = {
    id: "v",
    title: "v",
    type: "line",
    x: { field: "epoch", label: "epoch" },
    y: { metrics: ["v"], label: "v" },
    groupBy: "metric",
  };
  const d = chartData(spec, [rec("", 0, 0, "v", 1, 0), rec("", 0, 0, "v", 2, 1)]);
  assert.deepEqual(d.series.map((s) => [s.label, s.index, s.y[0]]), [["v #0", 0, 1], [
    "v #1",
    1,
    2,
  ]]);
});

Deno.test("overlay: curve points in index order, seeds averaged; markers: mean per layer", () => {
  const ib = [
    rec("ib", 0, 0, "ixt", 2, 1, "ib"),
    rec("ib", 0, 0, "ity", 0.5, 1, "ib"),
    rec("ib", 0, 0, "ixt", 0, 0, "ib"),
    rec("ib", 0, 0, "ity", 0, 0, "ib"),
  ];
  const curves = overlayCurves(plane.overlay!, ib);
  assert.equal(curves.length, 1);
  assert.equal(curves[0].label, "IB bound");
  assert.deepEqual(curves[0].x, [0, 2]);
  assert.deepEqual(curves[0].y, [0, 0.5]);

  const marks = markersFrom("SNR transition", [
    rec("dense_1", 0, 0, "snr_transition_epoch", 300, 0, "phases"),
    rec("dense_1", 0, 1, "snr_transition_epoch", 400, 0, "phases"),
    rec("dense_1", 0, 1, "other", 1, 0, "phases"),
  ], "snr_transition_epoch");
  assert.deepEqual(marks, [{
    label: "SNR transition",
    layer: "dense_1",
    value: 350,
    sd: compact(Math.sqrt(5000)),
  }]);
});
