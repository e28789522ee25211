/**
 * Distillation and compression (plugins/complexity: compress.ts,
 * small_linalg.ts symmetricEigen, student_train.ts, kd_compression_plugin.ts)
 * on hand-checked matrices and a small task built here.
 */
import assert from "node:assert/strict";
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import { setWasmPaths } from "../deps/tensorflow_tfjs_backend_wasm.ts";
import { createRng } from "../core/rng.ts";
import type { PluginContext, ResultInput } from "../core/types.ts";
import { lowRankMatrix, magnitudePrune, weightSparsity } from "../plugins/complexity/compress.ts";
import { createDenseHandle } from "../plugins/complexity/dense_handle.ts";
import { kdCompressionPlugin, scoreNetwork } from "../plugins/complexity/kd_compression_plugin.ts";
import { symmetricEigen } from "../plugins/complexity/small_linalg.ts";
import { temperProbabilities, trainStudent } from "../plugins/complexity/student_train.ts";
import { syntheticTask } from "../plugins/complexity/synthetic_task.ts";

setWasmPaths(
  new URL(
    "./",
    import.meta.resolve("npm:@tensorflow/tfjs-backend-wasm@4.22.0/dist/tfjs-backend-wasm.wasm"),
  )
    .href,
);
await tf.setBackend("wasm");

const close = (a: number, b: number, tol: number, what = "") =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

Deno.test("symmetricEigen: hand-checked 2x2 and reconstruction of a random matrix", () => {
  const e = symmetricEigen(new Float64Array([2, 1, 1, 2]), 2);
  close(e.values[0], 3, 1e-12);
  close(e.values[1], 1, 1e-12);
  close(Math.abs(e.vectors[0]), Math.SQRT1_2, 1e-12);
  const m = 7, rng = createRng(1, "eig");
  const a = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) a[i * m + j] = a[j * m + i] = rng.normal();
  }
  const { values, vectors } = symmetricEigen(a, m);
  for (let i = 1; i < m; i++) assert.ok(values[i] <= values[i - 1]);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += vectors[i * m + k] * values[k] * vectors[j * m + k];
      close(s, a[i * m + j], 1e-10, `A[${i},${j}]`);
    }
  }
});

Deno.test("magnitude pruning zeroes exactly the smallest weights", () => {
  const p = {
    sizes: [2, 3, 2],
    w: [new Float32Array([0.1, -5, 0.3, 2, -0.2, 1]), new Float32Array([1, -2, 3, -4, 0.5, 6])],
    b: [new Float32Array([1, 1, 1]), new Float32Array([2, 2])],
  };
  const { params, masks } = magnitudePrune(p, 0.5);
  assert.deepEqual([...params.w[0]], [0, -5, 0, 2, 0, 1].map(Math.fround));
  assert.deepEqual([...masks[1]], [0, 0, 1, 1, 0, 1]);
  assert.deepEqual([...params.b[1]], [2, 2]);
  close(weightSparsity(params), 0.5, 1e-12);
  assert.equal(weightSparsity(p), 0);
});

Deno.test("low rank: the best rank-r approximation (Eckart-Young)", () => {
  // W = U diag(3, 1) V^T with orthonormal U (3x2 part), V (2x2 rotation).
  const c = Math.cos(0.4), s = Math.sin(0.4);
  const u = [[1, 0], [0, Math.SQRT1_2], [0, Math.SQRT1_2]];
  const v = [[c, -s], [s, c]];
  const w = new Float32Array(6);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 2; j++) w[i * 2 + j] = 3 * u[i][0] * v[j][0] + 1 * u[i][1] * v[j][1];
  }
  const r1 = lowRankMatrix(w, 3, 2, 1);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 2; j++) close(r1[i * 2 + j], 3 * u[i][0] * v[j][0], 1e-6);
  }
  // The error is the dropped singular value: |W - W_1|_F = 1.
  let err = 0;
  for (let i = 0; i < 6; i++) err += (w[i] - r1[i]) ** 2;
  close(Math.sqrt(err), 1, 1e-6);
  assert.deepEqual([...lowRankMatrix(w, 3, 2, 2)], [...w]);
});

Deno.test("tempered probabilities: T = 1 keeps them, T = 2 takes square roots", () => {
  const p = new Float32Array([0.8, 0.2, 0.5, 0.5]);
  const t1 = temperProbabilities(p, 2, 1);
  for (let i = 0; i < 4; i++) close(t1[i], p[i], 1e-6);
  const t2 = temperProbabilities(p, 2, 2);
  close(t2[0], Math.sqrt(0.8) / (Math.sqrt(0.8) + Math.sqrt(0.2)), 1e-6);
  close(t2[2], 0.5, 1e-6);
});

const task = syntheticTask({
  seed: 5,
  inDim: 6,
  hidden: [16, 8],
  classes: 3,
  nTrain: 600,
  nTest: 200,
});
const d = task.dataset;

Deno.test("students: hard labels learn the task, soft targets follow the teacher, masks hold", async () => {
  const before = tf.memory().numTensors;
  const opts = {
    sizes: [6, 16, 8, 3],
    activation: "tanh",
    epochs: 30,
    batchSize: 32,
    lr: 3e-3,
    seed: 1,
  };
  const hard = await trainStudent(d.xTrain, d.nTrain, { labels: d.yTrain, classes: 3 }, opts);
  const hs = await scoreNetwork(createDenseHandle(hard, "tanh"), d.xTest, d.yTest, d.nTest, 6);
  assert.ok(hs.accuracy > 0.8, `hard-label student test accuracy ${hs.accuracy}`);
  const teacher = (await task.model.capture(d.xTrain, d.nTrain)).get("output")!.data;
  const soft = await trainStudent(
    d.xTrain,
    d.nTrain,
    { labels: d.yTrain, classes: 3, teacher, temperature: 2 },
    opts,
  );
  const ss = await scoreNetwork(createDenseHandle(soft, "tanh"), d.xTest, d.yTest, d.nTest, 6);
  assert.ok(ss.accuracy > 0.8, `distilled student test accuracy ${ss.accuracy}`);
  const { params, masks } = magnitudePrune(hard, 0.7);
  const tuned = await trainStudent(d.xTrain, d.nTrain, { labels: d.yTrain, classes: 3 }, {
    ...opts,
    epochs: 2,
    init: params,
    masks,
  });
  tuned.w.forEach((w, k) => w.forEach((v, i) => masks[k][i] === 0 && assert.equal(v, 0)));
  assert.ok(
    tuned.w[0].some((v, i) => masks[0][i] === 1 && v !== params.w[0][i]),
    "kept weights train",
  );
  assert.equal(tf.memory().numTensors, before, "every tensor disposed");
});

Deno.test("kd-compression plugin: three kinds side by side with every analysis", async () => {
  const records: ResultInput[] = [];
  const ctx: PluginContext = {
    runId: "t",
    emit: (rs) => void records.push(...rs),
    results: () => [],
    log: () => {},
    artifacts: new Map(),
  };
  const inst = await kdCompressionPlugin.setup(ctx, {
    layer: "",
    orders: 2,
    width: 12,
    epochs: 3,
    batchSize: 64,
    samples: 300,
    seed: 0,
    networks: 2,
    hidden: [],
    widthFactor: 1,
    temperature: 4,
    alpha: 0,
    studentEpochs: 3,
    studentBatchSize: 64,
    studentLr: 1e-3,
    sparsity: 0.6,
    rank: 0.5,
    finetuneEpochs: 1,
    baseline: "zero",
    residual: false,
    threshold: 0,
  });
  await inst.train_end!({ seed: 9, epochs: 4, model: task.model, dataset: d });
  await inst.train_end!({ seed: 10, epochs: 4, model: task.model, dataset: d }); // only the first seed
  const kinds = new Set(records.map((r) => r.layer));
  assert.deepEqual([...kinds].sort(), ["baseline", "compressed", "distilled"]);
  assert.ok(records.every((r) => r.seed === 9 && r.epoch === 4));
  const get = (kind: string, metric: string, index: number) =>
    records.filter((r) => r.layer === kind && r.metric === metric && r.index === index);
  for (const kind of kinds) {
    for (
      const m of ["test_accuracy", "test_loss", "weight_sparsity", "var_f", "networks", "v_total"]
    ) {
      assert.equal(get(kind, m, 0).length, 1, `${kind} ${m}`);
    }
    for (const l of [1, 2]) {
      for (
        const m of ["rho", "loss", "rho_reli", "reli_var_phi", "phi", "alpha_eff", "alpha_overfit"]
      ) {
        assert.equal(get(kind, m, l).length, 1, `${kind} ${m} ${l}`);
      }
    }
    assert.equal(get(kind, "networks", 0)[0].value, 2);
  }
  close(get("baseline", "weight_sparsity", 0)[0].value, 0, 0);
  // Pruned to floor(60 %) of each matrix (6x16, 16x8, 8x3) after the rank cut; fine-tuning
  // keeps the zeros.
  assert.ok(get("compressed", "weight_sparsity", 0)[0].value >= (57 + 76 + 14) / 248);
});
