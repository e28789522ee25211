/** Legend names from metric descriptions (server/metric_names.ts). */
import assert from "node:assert/strict";
import type { ChartSeries } from "../server/chart_data.ts";
import { metricName, nameSeries } from "../server/metric_names.ts";

Deno.test("metric names: the short head of the description, else the id", () => {
  assert.equal(
    metricName({ name: "ixt", description: "I(X;T) = H(T) of the binned layer" }),
    "I(X;T)",
  );
  assert.equal(
    metricName({ name: "var_phi", description: "Var[Phi^(l)] / Var[f] (joint model)" }),
    "Var[Phi^(l)] / Var[f]",
  );
  assert.equal(
    metricName({ name: "rho", description: "Var[c^(l)] / Var[f]: significance of the order" }),
    "Var[c^(l)] / Var[f]",
  );
  const long = "||std of the weight gradient over batches||_2 (ddof 0)";
  assert.equal(metricName({ name: "grad_std", description: long }), "grad_std");
  assert.equal(metricName({ name: "x" }), "x");
});

Deno.test("series labels: the metric word replaced, layer words kept", () => {
  const s = (label: string, metric: string): ChartSeries => ({
    label,
    group: "g",
    metric,
    x: [],
    y: [],
    n: [],
  });
  const out = nameSeries([s("dense_1 var_phi", "var_phi"), s("dense_1", "var_phi"), s("a", "b")], [
    { name: "var_phi", description: "Var[Phi^(l)] / Var[f]" },
  ]);
  assert.deepEqual(out.map((x) => x.label), ["dense_1 Var[Phi^(l)] / Var[f]", "dense_1", "a"]);
});
