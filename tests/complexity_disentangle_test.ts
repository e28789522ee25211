/**
 * Disentanglers of increasing order (plugins/complexity: disentangler_net.ts,
 * disentangle_kernel.ts, disentangle_plugin.ts) on small targets built here.
 */
import assert from "node:assert/strict";
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import { setWasmPaths } from "../deps/tensorflow_tfjs_backend_wasm.ts";
import { ensureGradients } from "../core/backend.ts";
import { createRng } from "../core/rng.ts";
import type { PluginContext, ResultInput } from "../core/types.ts";
import type { DisentangleArtifact } from "../plugins/complexity/artifact.ts";
import { complexityStats, residualOf } from "../plugins/complexity/components.ts";
import {
  createNet,
  disposeNet,
  forwardNet,
  growNet,
  netVariables,
} from "../plugins/complexity/disentangler_net.ts";
import { disentangle } from "../plugins/complexity/disentangle_kernel.ts";
import { netGradients } from "../plugins/complexity/disentangler_grads.ts";
import { disentanglePlugin } from "../plugins/complexity/disentangle_plugin.ts";
import { syntheticTask } from "../plugins/complexity/synthetic_task.ts";

setWasmPaths(
  new URL(
    "./",
    import.meta.resolve("npm:@tensorflow/tfjs-backend-wasm@4.22.0/dist/tfjs-backend-wasm.wasm"),
  )
    .href,
);
await tf.setBackend("wasm");

function gaussian(n: number, seed: number): Float32Array {
  const rng = createRng(seed, "test");
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** f = x W + b (linear) or tanh(2 (x W)) + x W (nonlinear), n by d. */
function target(x: Float32Array, n: number, D: number, d: number, linear: boolean): Float32Array {
  const w = gaussian(D * d, 99);
  const f = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0.3 * j;
      for (let k = 0; k < D; k++) s += x[i * D + k] * w[k * d + j];
      f[i * d + j] = linear ? s : Math.tanh(2 * s) + 0.5 * Math.sin(3 * s);
    }
  }
  return f;
}

Deno.test("growNet: the next order starts as exactly the same function", async () => {
  const net = createNet(5, 12, 3, 1, createRng(0, "t"));
  const x = tf.tensor2d(gaussian(40 * 5, 1), [40, 5]);
  const bigger = growNet(net);
  assert.equal(netVariables(bigger).length, netVariables(net).length + 2);
  const a = await forwardNet(net, x).data();
  const b = await forwardNet(bigger, x).data();
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5);
  disposeNet(net);
  disposeNet(bigger);
  x.dispose();
});

Deno.test("netGradients: tfjs's gradient tape's numbers on the MSE loss", async () => {
  await ensureGradients();
  // Weights moved off the warm start so the layers are not the identity and some ReLUs are off.
  let net = createNet(5, 7, 3, 1, createRng(3, "t"));
  net = growNet(growNet(net));
  const rows = 13; // a partial batch: N = 13 x 3 is not a power of two
  const x = tf.tensor2d(gaussian(rows * 5, 5), [rows, 5]);
  const z = tf.tensor2d(gaussian(rows * 3, 6), [rows, 3]);
  const vars = netVariables(net);
  for (const v of vars) {
    v.assign(tf.tidy(() => tf.add(v, tf.mul(tf.randomNormal(v.shape, 0, 0.3, "float32", 1), 1))));
  }
  const before = tf.memory().numTensors;
  const mine = netGradients(net, x, z);
  assert.equal(tf.memory().numTensors, before + vars.length, "only the gradients are left");
  const { grads } = tf.variableGrads(
    () => tf.losses.meanSquaredError(z, forwardNet(net, x)) as tf.Scalar,
    vars,
  );
  let nonzero = 0;
  for (let i = 0; i < vars.length; i++) {
    const a = await mine[i].data();
    const b = await grads[vars[i].name].data();
    assert.deepEqual(mine[i].shape, vars[i].shape);
    // Same kernels in the same order; the wasm matMul rounds the last bit differently between
    // the two paths, so equal to float32 rounding (the entries are of order 0.1).
    const scale = Math.max(...Array.from(b, Math.abs));
    for (let j = 0; j < a.length; j++) {
      assert.ok(Math.abs(a[j] - b[j]) <= 1e-5 * scale, `variable ${i}[${j}]: ${a[j]} vs ${b[j]}`);
    }
    nonzero += a.filter((v) => v !== 0).length;
  }
  assert.ok(nonzero > 20, "gradients are not trivially zero");
  tf.dispose([...mine, ...Object.values(grads), x, z]);
  disposeNet(net);
});

Deno.test("a linear target puts more than 0.95 of its variance in the first order", async () => {
  const n = 512, D = 5, d = 3;
  const x = gaussian(n * D, 2);
  const f = target(x, n, D, d, true);
  const before = tf.memory().numTensors;
  const r = await disentangle(
    { x, f, n, inDim: D, dim: d },
    { orders: 2, width: 32, epochs: 150, batchSize: 32, seed: 0 },
  );
  assert.equal(tf.memory().numTensors, before, "every tensor disposed");
  const s = complexityStats(f, r.phiTrain, n, d);
  assert.ok(s.rho[0] > 0.95, `rho^(1) = ${s.rho[0]}`);
  assert.ok(s.varResidual[0] < 0.05, `residual share ${s.varResidual[0]}`);
});

Deno.test("rho does not change when f is scaled (and the loss scales with its square)", async () => {
  const n = 256, D = 4, d = 3;
  const x = gaussian(n * D, 3);
  const f = target(x, n, D, d, false);
  const opts = { orders: 2, width: 16, epochs: 15, batchSize: 32, seed: 1 };
  const r1 = await disentangle({ x, f, n, inDim: D, dim: d }, opts);
  const g = f.map((v) => 37 * v + 5);
  const r2 = await disentangle({ x, f: g, n, inDim: D, dim: d }, opts);
  const s1 = complexityStats(f, r1.phiTrain, n, d);
  const s2 = complexityStats(g, r2.phiTrain, n, d);
  for (let l = 0; l < 2; l++) {
    assert.ok(
      Math.abs(s1.rho[l] - s2.rho[l]) < 1e-3,
      `order ${l + 1}: ${s1.rho[l]} vs ${s2.rho[l]}`,
    );
    assert.ok(Math.abs(r2.loss[l] / r1.loss[l] / (37 * 37) - 1) < 1e-2);
  }
  assert.ok(s1.rho[0] > 0.1 && s1.rho[0] < 0.99, "a nonlinear target is not all first order");
});

Deno.test("warm start: the distillation loss does not grow with the order", async () => {
  // Each order starts as exactly the previous function (growNet), so its loss
  // can only rise through the fresh optimiser's first steps; after the
  // learning rate has annealed to 1e-5 the mini-batch noise moves the loss by
  // far less than 2 %, the tolerance allowed here.
  const n = 384, D = 4, d = 3;
  const x = gaussian(n * D, 4);
  const f = target(x, n, D, d, false);
  const r = await disentangle(
    { x, f, n, inDim: D, dim: d },
    { orders: 4, width: 24, epochs: 25, batchSize: 32, seed: 2 },
  );
  for (let l = 1; l < 4; l++) {
    assert.ok(r.loss[l] <= r.loss[l - 1] * 1.02, `order ${l + 1}: ${r.loss[l]} > ${r.loss[l - 1]}`);
  }
  assert.ok(r.loss[3] < 0.9 * r.loss[0], `higher orders fit better: ${r.loss}`);
});

function fakeContext(): PluginContext & { records: ResultInput[] } {
  const records: ResultInput[] = [];
  return {
    runId: "test",
    records,
    emit: (rs) => void records.push(...rs),
    results: () => [],
    log: () => {},
    artifacts: new Map(),
  };
}

Deno.test("disentangle plugin: records per order and components that telescope to f", async () => {
  const task = syntheticTask({
    seed: 3,
    inDim: 6,
    hidden: [16, 8],
    classes: 3,
    nTrain: 300,
    nTest: 100,
  });
  const ctx = fakeContext();
  const options = {
    layer: "",
    orders: 3,
    width: 16,
    epochs: 4,
    batchSize: 64,
    samples: 200,
    lrStart: 1e-3,
    lrEnd: 1e-5,
    seed: 0,
  };
  const inst = await disentanglePlugin.setup(ctx, options);
  await inst.train_end!({ seed: 7, epochs: 10, model: task.model, dataset: task.dataset });
  const art = ctx.artifacts.get("disentangle:7") as DisentangleArtifact;
  assert.equal(art.layer, "dense_2", "default: the last hidden layer");
  assert.equal(art.train.n, 200);
  assert.equal(art.trainRows.length, 200);
  for (let i = 1; i < 200; i++) assert.ok(art.trainRows[i] > art.trainRows[i - 1]);
  assert.equal(art.test.n, 100);
  // f in the artifact is the network's own feature on those rows.
  const rows = art.trainRows;
  const xs = new Float32Array(200 * 6);
  rows.forEach((r, i) => xs.set(task.dataset.xTrain.subarray(r * 6, r * 6 + 6), i * 6));
  const direct = (await task.model.capture(xs, 200)).get("dense_2")!;
  for (let i = 0; i < direct.data.length; i++) {
    assert.ok(Math.abs(direct.data[i] - art.train.f[i]) < 1e-6);
  }
  // Telescoping on both splits.
  for (const split of [art.train, art.test]) {
    const res = residualOf(split.f, split.components);
    for (let i = 0; i < split.f.length; i++) {
      const sum = split.components.reduce((s, c) => s + c[i], 0) + res[i];
      assert.ok(Math.abs(sum - split.f[i]) < 1e-5);
    }
  }
  // Records: var_f at index 0 and four metrics per order, matching the artifact.
  const rec = (metric: string, index: number) =>
    ctx.records.find((r) => r.metric === metric && r.index === index)!;
  assert.equal(ctx.records.length, 1 + 3 * 4);
  assert.ok(ctx.records.every((r) => r.seed === 7 && r.epoch === 10 && r.layer === "dense_2"));
  const phis = [1, 2, 3].map((l) => {
    const p = new Float32Array(art.train.f.length);
    for (let k = 0; k < l; k++) art.train.components[k].forEach((v, i) => (p[i] += v));
    return p;
  });
  const s = complexityStats(art.train.f, phis, 200, art.dim);
  for (let l = 1; l <= 3; l++) {
    assert.ok(Math.abs(rec("rho", l).value - s.rho[l - 1]) < 1e-6);
    assert.ok(Math.abs(rec("var_residual", l).value - s.varResidual[l - 1]) < 1e-6);
    assert.equal(rec("loss", l).value, art.loss[l - 1]);
  }
  assert.ok(Math.abs(rec("var_f", 0).value - s.varF) < 1e-9);
});

Deno.test("disentangle plugin: an unknown hook point is a clear error", async () => {
  const task = syntheticTask({ seed: 3, inDim: 6, hidden: [8], classes: 2, nTrain: 20, nTest: 0 });
  const inst = await disentanglePlugin.setup(fakeContext(), { layer: "conv_9", orders: 1 });
  await assert.rejects(
    () =>
      Promise.resolve(
        inst.train_end!({ seed: 0, epochs: 1, model: task.model, dataset: task.dataset }),
      ),
    /unknown hidden hook point "conv_9".*dense_1/,
  );
});
