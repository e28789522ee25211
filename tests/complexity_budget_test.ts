/**
 * The disentanglers' training budget (plugins/complexity/fit.ts batchPlan,
 * options.ts schedule / steps / orderBudget) and training on rows other
 * than the evaluated ones (disentangle_kernel.ts `fit`, pool: all).
 */
import assert from "node:assert/strict";
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import { setWasmPaths } from "../deps/tensorflow_tfjs_backend_wasm.ts";
import { createRng, permutation } from "../core/rng.ts";
import { complexityStats } from "../plugins/complexity/components.ts";
import { disentangle } from "../plugins/complexity/disentangle_kernel.ts";
import { batchPlan, plannedSteps } from "../plugins/complexity/fit.ts";
import { fullTrainingSpec } from "../plugins/complexity/full_training_set.ts";
import { readOptions } from "../core/plugin_def.ts";
import {
  DISENTANGLER_OPTIONS,
  disentanglerOptions,
  orderBudget,
  REN2021_SCHEDULE,
} from "../plugins/complexity/options.ts";

/** The disentangler options of `raw` (checked, defaults filled) for run seed 0. */
const optionsOf = (raw: Record<string, unknown>) =>
  disentanglerOptions(readOptions("disentangle", DISENTANGLER_OPTIONS, raw), 0);

setWasmPaths(
  new URL(
    "./",
    import.meta.resolve("npm:@tensorflow/tfjs-backend-wasm@4.22.0/dist/tfjs-backend-wasm.wasm"),
  )
    .href,
);
await tf.setBackend("wasm");

const close = (a: number, b: number, rel = 1e-9) => Math.abs(a - b) <= rel * Math.abs(b);

Deno.test("batchPlan by epochs: one fresh permutation an epoch, as the loop always did", () => {
  const plan = [...batchPlan(10, { epochs: 3, batchSize: 4, rng: createRng(5, "t") })];
  // A second implementation: permutation per epoch, slices of 4, 4, 2.
  const rng = createRng(5, "t");
  const want: number[][] = [];
  for (let e = 0; e < 3; e++) {
    const p = permutation(rng, 10);
    for (let s = 0; s < 10; s += 4) want.push([...p.subarray(s, Math.min(10, s + 4))]);
  }
  assert.deepEqual(plan.map((b) => [...b.rows]), want);
  // lr log-spaced over the epochs: 1e-3, 1e-4, 1e-5, constant within an epoch.
  assert.deepEqual(plan.map((b) => b.lr.toPrecision(6)), [
    ...Array(3).fill("0.00100000"),
    ...Array(3).fill("0.000100000"),
    ...Array(3).fill("0.0000100000"),
  ]);
  assert.equal(plannedSteps(10, { epochs: 3, batchSize: 4 }), 9);
});

Deno.test("batchPlan by steps: exactly `steps` full batches, every row once per n draws", () => {
  const n = 10, steps = 7, bs = 4;
  const plan = [...batchPlan(n, { epochs: 99, batchSize: bs, steps, rng: createRng(1, "t") })];
  assert.equal(plan.length, steps);
  assert.ok(plan.every((b) => b.rows.length === bs));
  // The stream of 28 rows is two whole permutations of 0..9 and 8 more, distinct.
  const stream = plan.flatMap((b) => [...b.rows]);
  for (const [a, b] of [[0, 10], [10, 20]]) {
    assert.deepEqual(stream.slice(a, b).sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  }
  assert.equal(new Set(stream.slice(20)).size, 8);
  // lr: geometric from 1e-3 to 1e-5 over the 7 steps (ratio 10^(-2/6)).
  assert.ok(close(plan[0].lr, 1e-3) && close(plan[6].lr, 1e-5, 1e-6));
  for (let s = 1; s < steps; s++) assert.ok(close(plan[s].lr / plan[s - 1].lr, 10 ** (-2 / 6)));
  // The step count does not depend on n (the budget of `steps`).
  for (const rows of [200, 1000, 5000]) {
    assert.equal(plannedSteps(rows, { epochs: 30, batchSize: 128, steps: 480 }), 480);
  }
  // Fewer rows than a batch: batches of n.
  const small = [...batchPlan(3, { epochs: 1, batchSize: 8, steps: 2, rng: createRng(0) })];
  assert.deepEqual(small.map((b) => b.rows.length), [3, 3]);
});

Deno.test("batchPlan with draws: `draw` rows with replacement an epoch, uniform over the rows", () => {
  const n = 5, draw = 2000, bs = 64;
  const plan = [...batchPlan(n, { epochs: 2, batchSize: bs, draw, rng: createRng(2, "t") })];
  assert.equal(plan.length, 2 * Math.ceil(draw / bs)); // 2 x 32 batches, the last of 16 rows
  assert.equal(plan[31].rows.length, draw - 31 * bs);
  assert.equal(plannedSteps(n, { epochs: 2, batchSize: bs, draw }), plan.length);
  const counts = new Array(n).fill(0);
  for (const b of plan) for (const r of b.rows) counts[r]++;
  // 4000 draws of 5 rows: 800 each, binomial sd sqrt(4000 * 0.2 * 0.8) = 25.3; allow 5 sd.
  for (const c of counts) assert.ok(Math.abs(c - 800) < 5 * 25.3, `counts ${counts}`);
  // Batches of 64 draws from 5 rows (with replacement, so larger than n).
  assert.equal(plan[0].rows.length, bs);
});

Deno.test("schedule ren2021: the authors' batch sizes and 8000 / 16000 / 31500 steps per order", () => {
  const o = optionsOf({ schedule: "ren2021", epochs: 30, batchSize: 7, steps: 99 });
  const steps = [1, 2, 3, 4, 5, 6, 7].map((l) => {
    const b = orderBudget(o, l);
    assert.equal(b.epochs, 500);
    assert.equal(b.draw, 2000);
    assert.equal(b.steps, 0, "ren2021 overrides steps");
    assert.equal(b.lrStart, 1e-3);
    assert.equal(b.lrEnd, 1e-5);
    return [b.batchSize, plannedSteps(1000, b)];
  });
  // 500 epochs x ceil(2000 / batch), whatever the number of rows (1000 here).
  assert.deepEqual(steps, [
    [128, 8000],
    [128, 8000],
    [128, 8000],
    [64, 16000],
    [64, 16000],
    [32, 31500],
    [32, 31500],
  ]);
  assert.deepEqual([...REN2021_SCHEDULE.batchSizes], [128, 128, 128, 64, 64, 32]);
  // The default schedule keeps the options as set.
  const own = orderBudget(optionsOf({ epochs: 30, batchSize: 128, steps: 480 }), 6);
  assert.deepEqual([own.epochs, own.batchSize, own.steps, own.draw], [30, 128, 480, 0]);
  assert.throws(
    () => optionsOf({ schedule: "paper" }),
    /plugin disentangle: option schedule must be one of epochs, ren2021, got "paper"/,
  );
});

function gaussian(n: number, seed: number): Float32Array {
  const rng = createRng(seed, "test");
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** f = x W (n by d) for a seeded W. */
function linear(x: Float32Array, n: number, D: number, d: number, seed: number): Float32Array {
  const w = gaussian(D * d, seed);
  const f = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < D; k++) s += x[i * D + k] * w[k * d + j];
      f[i * d + j] = s;
    }
  }
  return f;
}

Deno.test("disentangle with `fit` rows: trains on them, evaluates on x", async () => {
  const D = 4, d = 3, n = 64, m = 512;
  const x = gaussian(n * D, 10);
  const f = linear(x, n, D, d, 20);
  const poolX = gaussian(m * D, 11);
  const opts = { orders: 1, width: 32, epochs: 1, batchSize: 32, steps: 1500, seed: 0 };
  // Pool labelled by the same map: Phi fits f on rows it never saw.
  const same = await disentangle(
    { x, f, n, inDim: D, dim: d, fit: { x: poolX, f: linear(poolX, m, D, d, 20), n: m } },
    opts,
  );
  const s = complexityStats(f, same.phiTrain, n, d);
  assert.ok(s.varResidual[0] < 0.05, `held-out residual ${s.varResidual[0]}`);
  assert.equal(same.phiTrain[0].length, n * d, "Phi evaluated on x's n rows");
  // Pool labelled by another map: Phi follows the pool, not x's f.
  const other = await disentangle(
    { x, f, n, inDim: D, dim: d, fit: { x: poolX, f: linear(poolX, m, D, d, 21), n: m } },
    opts,
  );
  const o = complexityStats(f, other.phiTrain, n, d);
  assert.ok(o.varResidual[0] > 0.5, `residual against f ${o.varResidual[0]}`);
  await assert.rejects(
    () => disentangle({ x, f, n, inDim: D, dim: d, fit: { x: poolX, f, n: m } }, opts),
    /fit\.f has 192 values/,
  );
});

Deno.test("fullTrainingSpec: the subset switched off, undefined when already full", () => {
  assert.deepEqual(
    fullTrainingSpec({ name: "mnist", subset: 1000, testSubset: 500, probeSize: 0 }),
    { name: "mnist", subset: 0, testSubset: 500, probeSize: 0 },
  );
  assert.equal(
    fullTrainingSpec({ name: "mnist", subset: 0, testSubset: 0, probeSize: 0 }),
    undefined,
  );
  assert.equal(
    fullTrainingSpec({ name: "tishby12", split: "reference", trainFraction: 0.8 }),
    undefined,
  );
});
