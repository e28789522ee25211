/**
 * Variance kernels, feature standardisation and the telescoping of
 * components (plugins/complexity: variance.ts, feature_scale.ts,
 * components.ts), against direct computations.
 */
import assert from "node:assert/strict";
import { createRng } from "../core/rng.ts";
import {
  complexityStats,
  componentsFromPhis,
  residualOf,
} from "../plugins/complexity/components.ts";
import { fitScale, standardize, unstandardize } from "../plugins/complexity/feature_scale.ts";
import {
  columnMeans,
  meanVariance,
  meanVarianceOfDifference,
} from "../plugins/complexity/variance.ts";

function randomMatrix(rows: number, cols: number, seed: number, shift = 0): Float32Array {
  const rng = createRng(seed, "test");
  return Float32Array.from(
    { length: rows * cols },
    (_, i) => shift + (1 + (i % cols)) * rng.normal(),
  );
}

/** Independent definition: average over dimensions of E[x^2] - E[x]^2, column by column. */
function directVariance(a: Float32Array, rows: number, cols: number): number {
  let total = 0;
  for (let j = 0; j < cols; j++) {
    const col: number[] = [];
    for (let i = 0; i < rows; i++) col.push(a[i * cols + j]);
    const m = col.reduce((s, v) => s + v, 0) / rows;
    const m2 = col.reduce((s, v) => s + v * v, 0) / rows;
    total += m2 - m * m;
  }
  return total / cols;
}

Deno.test("meanVariance matches a direct per-dimension computation on random data", () => {
  const rows = 301, cols = 7;
  const a = randomMatrix(rows, cols, 1, 0.5);
  const v = meanVariance(a, rows, cols);
  assert.ok(Math.abs(v - directVariance(a, rows, cols)) < 1e-9 * v);
  // Columns have sd 1..7, so the population value is mean(k^2) = 20; sampling error is a few %.
  assert.ok(Math.abs(v - 20) / 20 < 0.15, `mean variance ${v}`);
  // Hand-checked: dims [0, 2] and [1, 3] each have variance 1.
  assert.equal(meanVariance(new Float32Array([0, 1, 2, 3]), 2, 2), 1);
  assert.equal(meanVariance(new Float32Array(0), 0, 3), 0);
});

Deno.test("meanVarianceOfDifference equals meanVariance of the difference", () => {
  const rows = 200, cols = 5;
  const a = randomMatrix(rows, cols, 2);
  const b = randomMatrix(rows, cols, 3, 4);
  const diff = a.map((v, i) => v - b[i]);
  const x = meanVarianceOfDifference(a, b, rows, cols);
  assert.ok(Math.abs(x - meanVariance(diff, rows, cols)) < 1e-6 * x);
});

Deno.test("columnMeans: hand-checked", () => {
  assert.deepEqual([...columnMeans(new Float32Array([1, 2, 3, 6]), 2, 2)], [2, 4]);
});

Deno.test("standardize has zero means and unit mean variance; unstandardize inverts it", () => {
  const rows = 150, cols = 4;
  const f = randomMatrix(rows, cols, 4, 3);
  const s = fitScale(f, rows, cols);
  const z = standardize(f, s);
  for (const m of columnMeans(z, rows, cols)) assert.ok(Math.abs(m) < 1e-5);
  assert.ok(Math.abs(meanVariance(z, rows, cols) - 1) < 1e-5);
  const back = unstandardize(Float32Array.from(z), s, true);
  for (let i = 0; i < f.length; i++) {
    assert.ok(Math.abs(back[i] - f[i]) < 1e-4 * (1 + Math.abs(f[i])));
  }
  // Scaling f scales only `scale`: the standardised numbers are the same.
  const z2 = standardize(f.map((v) => v * 1000), fitScale(f.map((v) => v * 1000), rows, cols));
  for (let i = 0; i < z.length; i++) assert.ok(Math.abs(z2[i] - z[i]) < 1e-4);
  // A constant feature gets scale 1 (no division by zero).
  assert.equal(fitScale(new Float32Array(6).fill(2), 3, 2).scale, 1);
});

Deno.test("components telescope: sum of c^(l) plus the residual is f", () => {
  const rows = 64, cols = 3;
  const f = randomMatrix(rows, cols, 5);
  const phis = [6, 7, 8].map((s) => randomMatrix(rows, cols, s));
  const comps = componentsFromPhis(phis);
  assert.deepEqual([...comps[0]], [...phis[0]]);
  const res = residualOf(f, comps);
  for (let i = 0; i < f.length; i++) {
    const sum = comps.reduce((s, c) => s + c[i], 0) + res[i];
    assert.ok(Math.abs(sum - f[i]) < 1e-5, `entry ${i}`);
    // and the partial sums are the phis
    assert.ok(Math.abs(comps[0][i] + comps[1][i] - phis[1][i]) < 1e-5);
  }
});

Deno.test("complexityStats: shares against direct variances", () => {
  const rows = 80, cols = 2;
  const f = randomMatrix(rows, cols, 9);
  const phi1 = f.map((v) => 0.5 * v);
  const phi2 = f.map((v) => 0.9 * v);
  const s = complexityStats(f, [phi1, phi2], rows, cols);
  // c1 = 0.5 f, c2 = 0.4 f, so rho = 0.25, 0.16; Var Phi = 0.25, 0.81; Var(f - Phi) = 0.25, 0.01.
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-5, `${a} vs ${b}`);
  close(s.rho[0], 0.25);
  close(s.rho[1], 0.16);
  close(s.varPhi[1], 0.81);
  close(s.varResidual[0], 0.25);
  close(s.varResidual[1], 0.01);
  close(s.varF, directVariance(f, rows, cols));
});
