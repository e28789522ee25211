import assert from "node:assert/strict";
import { aggregateSeeds, quantileSorted } from "../core/aggregate.ts";
import type { ResultRecord } from "../core/types.ts";

const rec = (seed: number, value: number, over: Partial<ResultRecord> = {}): ResultRecord => ({
  plugin: "mi-binned",
  layer: "dense_1",
  epoch: 3,
  seed,
  index: 0,
  metric: "ixt",
  value,
  ...over,
});

const close = (a: number | undefined, b: number) =>
  assert.ok(Math.abs(a! - b) < 1e-12, `${a} vs ${b}`);

function byMetric(out: ResultRecord[]) {
  return Object.fromEntries(out.map((r) => [r.metric, r.value]));
}

Deno.test("quantiles interpolate linearly between order statistics (numpy default)", () => {
  // Hand: n = 4, p = 0.25 -> h = 0.75 -> 0 + 0.75 * (5 - 0); p = 0.75 -> h = 2.25 -> 7 + 0.25 * 3.
  close(quantileSorted([0, 5, 7, 10], 0.25), 3.75);
  close(quantileSorted([0, 5, 7, 10], 0.75), 7.75);
  close(quantileSorted([0, 5, 7, 10], 0), 0);
  close(quantileSorted([0, 5, 7, 10], 1), 10);
  close(quantileSorted([-1, 2, 2, 8, 9], 0.25), 2);
  close(quantileSorted([4], 0.5), 4);
});

Deno.test("mean, sample sd and quartiles against hand-computed values", () => {
  // Values 1, 2, 4: mean 7/3; squared deviations 16/9 + 1/9 + 25/9 = 42/9, / (n-1) = 7/3.
  const out = aggregateSeeds([rec(0, 1), rec(1, 2), rec(2, 4)]);
  assert.equal(out.length, 4);
  const m = byMetric(out);
  close(m.ixt_mean, 7 / 3);
  close(m.ixt_sd, Math.sqrt(7 / 3));
  close(m.ixt_q25, 1.5);
  close(m.ixt_q75, 3);
  for (const r of out) {
    assert.deepEqual(
      [r.plugin, r.layer, r.epoch, r.seed, r.index],
      ["mi-binned", "dense_1", 3, -1, 0],
    );
  }
  // Unsorted input 10, 0, 5, 7: mean 5.5, sum of squares 53, sd sqrt(53/3).
  const m2 = byMetric(aggregateSeeds([rec(4, 10), rec(1, 0), rec(9, 5), rec(2, 7)]));
  close(m2.ixt_mean, 5.5);
  close(m2.ixt_sd, Math.sqrt(53 / 3));
  close(m2.ixt_q25, 3.75);
  close(m2.ixt_q75, 7.75);
});

Deno.test("series are kept apart by plugin, layer, metric, epoch and index", () => {
  const recs = [
    rec(0, 1),
    rec(1, 3),
    rec(0, 10, { index: 1 }),
    rec(1, 20, { index: 1 }),
    rec(0, 5, { epoch: 4 }),
    rec(1, 7, { epoch: 4 }),
    rec(0, 0.5, { metric: "ity" }),
    rec(1, 0.7, { metric: "ity" }),
    rec(0, 2, { layer: "dense_2" }),
    rec(1, 4, { layer: "dense_2" }),
    rec(0, 2, { plugin: "mi-kde" }),
    rec(1, 8, { plugin: "mi-kde" }),
  ];
  const out = aggregateSeeds(recs);
  assert.equal(out.length, 6 * 4);
  const mean = (f: (r: ResultRecord) => boolean) =>
    out.find((r) => f(r) && r.metric.endsWith("_mean"))!.value;
  close(
    mean((r) =>
      r.plugin === "mi-binned" && r.layer === "dense_1" && r.epoch === 3 && r.index === 0 &&
      r.metric.startsWith("ixt")
    ),
    2,
  );
  close(mean((r) => r.index === 1), 15);
  close(mean((r) => r.epoch === 4), 6);
  close(mean((r) => r.metric === "ity_mean"), 0.6);
  close(mean((r) => r.layer === "dense_2"), 3);
  close(mean((r) => r.plugin === "mi-kde"), 5);
  // Output order follows first appearance.
  assert.deepEqual(out.filter((_, i) => i % 4 === 0).map((r) => r.metric), [
    "ixt_mean",
    "ixt_mean",
    "ixt_mean",
    "ity_mean",
    "ixt_mean",
    "ixt_mean",
  ]);
});

Deno.test("one seed, aggregates, non-finite values and repeats", () => {
  // A single seed gives nothing; seed -1 records are ignored.
  assert.deepEqual(aggregateSeeds([rec(0, 1), rec(-1, 5), rec(-1, 6)]), []);
  // NaN is left out: two finite seeds remain.
  const m = byMetric(aggregateSeeds([rec(0, 1), rec(1, NaN), rec(2, 3)]));
  close(m.ixt_mean, 2);
  close(m.ixt_sd, Math.SQRT2);
  // Only one finite value left: nothing.
  assert.deepEqual(aggregateSeeds([rec(0, 1), rec(1, Infinity)]), []);
  // A repeated seed counts once, with its last value.
  const r = byMetric(aggregateSeeds([rec(0, 100), rec(1, 2), rec(0, 4)]));
  close(r.ixt_mean, 3);
  // Equal values: sd 0.
  close(byMetric(aggregateSeeds([rec(0, 3.5), rec(1, 3.5)])).ixt_sd, 0);
});

Deno.test("pure: input untouched, store ids not copied", () => {
  const input = [{ ...rec(0, 1), id: 7 }, { ...rec(1, 2), id: 8 }];
  const copy = JSON.parse(JSON.stringify(input));
  const out = aggregateSeeds(input);
  assert.deepEqual(input, copy);
  for (const o of out) assert.ok(!("id" in o));
  assert.deepEqual(Object.keys(out[0]).sort(), [
    "epoch",
    "index",
    "layer",
    "metric",
    "plugin",
    "seed",
    "value",
  ]);
});
