/**
 * Linear-axis tick labels written without Intl (server/static/tick_labels.js)
 * equal Chart.js's default labels, which format with Intl.NumberFormat
 * ("en-US", as many decimals as the tick spacing needs).
 */
import assert from "node:assert/strict";
// @ts-types="../server/static/tick_labels.d.ts"
import { linearTick } from "../server/static/tick_labels.js";

/** Chart.js 4's numeric formatter (Ticks.formatters.numeric), locale en-US, non-scientific. */
function chartJs(value: number, ticks: { value: number }[]): string {
  if (value === 0) return "0";
  let delta = value;
  if (ticks.length > 1) {
    delta = ticks.length > 3 ? ticks[2].value - ticks[1].value : ticks[1].value - ticks[0].value;
    if (Math.abs(delta) >= 1 && value !== Math.floor(value)) delta = value - Math.floor(value);
  }
  const log = Math.log10(Math.abs(delta));
  const d = Number.isNaN(log) ? 1 : Math.max(Math.min(-Math.floor(log), 20), 0);
  return new Intl.NumberFormat("en-US", { minimumFractionDigits: d, maximumFractionDigits: d })
    .format(value);
}

Deno.test("linear tick labels: the same text as Chart.js's Intl formatter", () => {
  const axes = [
    [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000], // an epoch axis
    [0, 0.2, 0.4, 0.6, 0.8, 1], // I(T;Y) bits
    [2, 4, 6, 8, 10, 12, 14], // I(X;T) bits
    [-0.05, -0.025, 0, 0.025, 0.05, 0.075], // small steps either side of 0
    [0.9, 0.92, 0.94, 0.96, 0.98, 1],
    [1200000, 1400000, 1600000], // grouped millions
    [-3000, -1500, 0, 1500, 3000],
    [0.5, 1], // two ticks
    [7], // one tick
  ];
  let n = 0;
  for (const values of axes) {
    const ticks = values.map((value) => ({ value }));
    for (const [i, v] of values.entries()) {
      assert.equal(linearTick(v, i, ticks), chartJs(v, ticks), `${v} in ${values}`);
      n++;
    }
  }
  assert.equal(n, 45);
});

Deno.test("linear tick labels: scientific beyond 1e15 and below 1e-4", () => {
  const tiny = [0.00002, 0.00004, 0.00006].map((value) => ({ value }));
  assert.equal(linearTick(0.00004, 1, tiny), "4E-5");
  const huge = [0, 5e15, 1e16].map((value) => ({ value }));
  assert.equal(linearTick(5e15, 1, huge), "5E15");
});
