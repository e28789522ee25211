/**
 * The task-complexity check (plugins/complexity/task_complexity.ts): the
 * random targets are affine for k = 0 and not for k >= 1 (least-squares
 * fits computed here), and the disentanglers put nearly all of a linear
 * target in the first order and less of a deep ReLU target.
 */
import assert from "node:assert/strict";
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import { setWasmPaths } from "../deps/tensorflow_tfjs_backend_wasm.ts";
import { symmetricEigen } from "../plugins/complexity/small_linalg.ts";
import { reluTarget, taskComplexity } from "../plugins/complexity/task_complexity.ts";
import { meanVariance } from "../plugins/complexity/variance.ts";

setWasmPaths(
  new URL(
    "./",
    import.meta.resolve("npm:@tensorflow/tfjs-backend-wasm@4.22.0/dist/tfjs-backend-wasm.wasm"),
  )
    .href,
);
await tf.setBackend("wasm");

/** Var of the residual of the least-squares fit f ~ [x, 1] B, over Var f. */
function linearResidualShare(x: Float32Array, f: Float32Array, n: number, p: number, d: number) {
  const q = p + 1;
  const row = (i: number, j: number) => (j < p ? x[i * p + j] : 1);
  const xtx = new Float64Array(q * q);
  const xtf = new Float64Array(q * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < q; a++) {
      for (let b = 0; b < q; b++) xtx[a * q + b] += row(i, a) * row(i, b);
      for (let c = 0; c < d; c++) xtf[a * d + c] += row(i, a) * f[i * d + c];
    }
  }
  const { values, vectors } = symmetricEigen(xtx, q);
  // B = V diag(1 / lambda) V^T X^T f
  const coef = new Float64Array(q * d);
  for (let k = 0; k < q; k++) {
    for (let c = 0; c < d; c++) {
      let s = 0;
      for (let a = 0; a < q; a++) s += vectors[a * q + k] * xtf[a * d + c];
      for (let a = 0; a < q; a++) coef[a * d + c] += (vectors[a * q + k] * s) / values[k];
    }
  }
  const res = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) {
      let s = 0;
      for (let a = 0; a < q; a++) s += row(i, a) * coef[a * d + c];
      res[i * d + c] = f[i * d + c] - s;
    }
  }
  return meanVariance(res, n, d) / meanVariance(f, n, d);
}

Deno.test("reluTarget: affine for k = 0, not for k = 1 and 3; deterministic", () => {
  const spec = { inDim: 4, width: 16, dim: 3, n: 400, seed: 1 };
  const t0 = reluTarget({ ...spec, k: 0 });
  assert.equal(t0.f.length, 400 * 3);
  assert.ok(linearResidualShare(t0.x, t0.f, 400, 4, 3) < 1e-6);
  for (const k of [1, 3]) {
    const t = reluTarget({ ...spec, k });
    const share = linearResidualShare(t.x, t.f, 400, 4, 3);
    assert.ok(share > 0.02, `k = ${k}: linear fit leaves ${share}`);
  }
  assert.deepEqual(reluTarget({ ...spec, k: 2 }).f, reluTarget({ ...spec, k: 2 }).f);
});

Deno.test("taskComplexity: a linear target is first order, a deep ReLU target less so", async () => {
  const before = tf.memory().numTensors;
  const rows = await taskComplexity(
    [0, 3],
    { inDim: 4, width: 16, dim: 3, n: 400, seed: 0 },
    { orders: 2, width: 32, epochs: 40, batchSize: 32, seed: 0, lrStart: 1e-2, lrEnd: 1e-4 },
  );
  assert.equal(tf.memory().numTensors, before, "every tensor disposed");
  assert.deepEqual(rows.map((r) => r.k), [0, 3]);
  assert.ok(rows[0].firstShare > 0.95, `k = 0: rho^(1) = ${rows[0].firstShare}`);
  assert.ok(rows[1].firstShare < rows[0].firstShare - 0.05, `k = 3: ${rows[1].firstShare}`);
  for (const r of rows) {
    assert.equal(r.rho.length, 2);
    assert.equal(r.firstShare, r.rho[0]);
    // std share from the rho values: sqrt(rho_1) / sum sqrt(rho_l) (Var f cancels)
    const s = r.rho.map(Math.sqrt);
    assert.ok(Math.abs(r.firstStdShare - s[0] / s.reduce((a, b) => a + b)) < 1e-9);
    // The paper's statistic is a standard-deviation ratio: sqrt of the variance ratio rho^(1).
    assert.ok(Math.abs(r.firstStdRatio - Math.sqrt(r.rho[0])) < 1e-9);
  }
  // So a linear target's 0.95 of the variance is sqrt(0.95) = 0.975 of the std.
  assert.ok(rows[0].firstStdRatio > Math.sqrt(0.95));
});
