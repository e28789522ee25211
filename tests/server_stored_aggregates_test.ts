/**
 * Charts from a finished run's stored seed aggregates equal the charts
 * aggregated from its per-seed records (means and sds to the 6 digits the
 * API sends, seed counts), for an information plane and a line chart; runs
 * the aggregates cannot stand for (one seed, still running, a seed filter,
 * a plugin error) are read per seed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { aggregateSeeds } from "../core/aggregate.ts";
import { openStore } from "../core/store.ts";
import type { ChartSpec } from "../core/types.ts";
import { chartData } from "../server/chart_data.ts";
import { aggregatesApply, readAggregates } from "../server/stored_aggregates.ts";
import { writeSyntheticRun } from "./server_synthetic_run.ts";

const PLANE: ChartSpec = {
  id: "infoplane",
  title: "plane",
  type: "scatter",
  x: { metric: "ixt", label: "I(X;T)" },
  y: { metrics: ["ity"], label: "I(T;Y)" },
  groupBy: "layer",
  colorBy: "epoch",
};
const SNR: ChartSpec = {
  id: "norms",
  title: "norms",
  type: "line",
  x: { field: "epoch", label: "epoch", log: true },
  y: { metrics: ["grad_mean", "grad_std"], label: "norm", log: true },
  groupBy: "layer",
};

Deno.test("stored aggregates: the same chart as the per-seed records", async () => {
  const dir = await Deno.makeTempDir({ prefix: "layerlens-agg-" });
  const store = openStore(join(dir, "runs.db"));
  try {
    const id = writeSyntheticRun(store, {
      layers: 4,
      epochs: 300,
      points: 30,
      seeds: 5,
      gradients: true,
    }, { id: "r" });
    store.appendResults(id, aggregateSeeds(store.queryResults(id)));
    const run = store.getRun(id)!;
    for (
      const [plugin, spec, metrics] of [
        ["mi-binned", PLANE, ["ixt", "ity"]],
        ["grad-snr", SNR, ["grad_mean", "grad_std"]],
      ] as const
    ) {
      assert.ok(aggregatesApply(run, plugin, spec, undefined));
      const agg = readAggregates(store, run, plugin, metrics, undefined)!;
      const perSeed = chartData(
        spec,
        store.queryResults(id, { plugin, metric: [...metrics], seed: undefined }),
      );
      const fromAgg = chartData(spec, agg.records, agg.spread);
      assert.ok(agg.records.length * 4 < store.queryResults(id, { plugin }).length);
      // the means alone (tables): the same records, no sd read
      const means = readAggregates(store, run, plugin, metrics, undefined, false)!;
      assert.deepEqual(means.records, agg.records);
      const r0 = agg.records[0];
      assert.ok(agg.spread.sd(r0.layer, r0.metric, r0.epoch, r0.index)! > 0);
      assert.equal(means.spread.sd(r0.layer, r0.metric, r0.epoch, r0.index), undefined);
      assert.deepEqual(fromAgg.series.map((s) => s.label), perSeed.series.map((s) => s.label));
      assert.deepEqual(fromAgg.epochs, perSeed.epochs);
      fromAgg.series.forEach((s, k) => {
        const t = perSeed.series[k];
        assert.deepEqual(s.n, t.n);
        assert.deepEqual(s.epoch, t.epoch);
        for (const key of ["x", "y", "ySd", "xSd"] as const) {
          const a = s[key] ?? [], b = t[key] ?? [];
          assert.equal(a.length, b.length, `${plugin} ${s.label} ${key}`);
          a.forEach((v, i) => {
            const w = b[i]!;
            assert.ok(
              Math.abs(v! - w) <= 2e-6 * Math.max(1, Math.abs(w)),
              `${key}[${i}] ${v} ${w}`,
            );
          });
        }
      });
    }
    // not for a seed filter, a chart per seed, a run with a plugin error, or one seed
    assert.equal(aggregatesApply(run, "mi-binned", PLANE, 0), false);
    assert.equal(
      aggregatesApply(run, "mi-binned", { ...PLANE, groupBy: "seed" }, undefined),
      false,
    );
    store.recordPluginError(id, "mi-binned", "boom");
    assert.equal(aggregatesApply(store.getRun(id)!, "mi-binned", PLANE, undefined), false);
    const one = writeSyntheticRun(store, { layers: 2, epochs: 50, points: 5, seeds: 1 });
    assert.equal(aggregatesApply(store.getRun(one)!, "mi-binned", PLANE, undefined), false);
    // a run that stored none is read per seed
    const bare = writeSyntheticRun(store, { layers: 2, epochs: 50, points: 5, seeds: 2 });
    assert.equal(
      readAggregates(store, store.getRun(bare)!, "mi-binned", ["ixt"], undefined),
      undefined,
    );
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
