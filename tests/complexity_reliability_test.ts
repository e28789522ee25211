/**
 * Reliability of feature components (plugins/complexity: small_linalg.ts,
 * reliability_kernel.ts, reliability_plugin.ts): closed-form cases of the
 * g fixed point, identical networks against noise features, the plugin.
 */
import assert from "node:assert/strict";
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import { setWasmPaths } from "../deps/tensorflow_tfjs_backend_wasm.ts";
import { createRng } from "../core/rng.ts";
import type { PluginContext, ResultInput } from "../core/types.ts";
import { fitIteration, reliability } from "../plugins/complexity/reliability_kernel.ts";
import { reliabilityPlugin } from "../plugins/complexity/reliability_plugin.ts";
import { identity, matmul, truncatedSolve } from "../plugins/complexity/small_linalg.ts";
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

const close = (a: number, b: number, tol: number, what = "") =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

Deno.test("truncatedSolve: least squares on the directions above the cutoff only", () => {
  // Z^T Z = diag(4, 0.01), Z^T Y = [4, 0.01]: full solve [1, 1], cutoff 0.1 keeps only the first.
  const ztz = new Float64Array([4, 0, 0, 0.01]);
  const zty = new Float64Array([4, 0.01]);
  const full = truncatedSolve(ztz, zty, 2, 1, 0);
  close(full[0], 1, 1e-12);
  close(full[1], 1, 1e-9);
  const cut = truncatedSolve(ztz, zty, 2, 1, 0.1);
  close(cut[0], 1, 1e-12);
  close(cut[1], 0, 1e-12);
  // A rotated system: [[2, 1], [1, 2]] has eigenvalues 3 and 1; X solves it when both are kept.
  const x = truncatedSolve(new Float64Array([2, 1, 1, 2]), new Float64Array([3, 3]), 2, 1, 0.5);
  close(x[0], 1, 1e-12);
  close(x[1], 1, 1e-12);
  // Keeping only eigenvalue 3 (direction [1, 1]/sqrt 2): the same here, since the rhs lies on it.
  const y = truncatedSolve(new Float64Array([2, 1, 1, 2]), new Float64Array([3, 3]), 2, 1, 2);
  close(y[0], 1, 1e-12);
});

Deno.test("g fixed point: identical invertible heads give M = I; a head that keeps nothing scales it by (K-1)/K", () => {
  const d = 3, n = 1000;
  const c = identity(d).map((v) => v * n);
  const a = Float64Array.from(gaussian(9, 1));
  const m = fitIteration(c, [a, a, a], [d, d, d], d, n, 10, [1e-9, 1e-9, 1e-9]);
  const eye = identity(d);
  m.forEach((v, i) => close(v, eye[i], 1e-6, `M[${i}]`));
  const m0 = fitIteration(c, [a, a, new Float64Array(9)], [d, d, d], d, n, 10, [1e-9, 1e-9, 1e-9]);
  m0.forEach((v, i) => close(v, (2 / 3) * eye[i], 1e-6, `M0[${i}]`));
});

Deno.test("g fixed point: only the subspace every head keeps survives the loops", () => {
  // Head 1 keeps h_0, h_1; head 2 keeps h_1, h_2: M = diag(1/2, 1, 1/2).
  const d = 3, n = 500;
  const a1 = new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 0]);
  const a2 = new Float64Array([0, 0, 0, 0, 1, 0, 0, 0, 1]);
  const m = fitIteration(identity(d).map((v) => v * n), [a1, a2], [d, d], d, n, 10, [1e-9, 1e-9]);
  const want = [0.5, 0, 0, 0, 1, 0, 0, 0, 0.5];
  m.forEach((v, i) => close(v, want[i], 1e-6, `M[${i}]`));
  let m5 = identity(d);
  for (let t = 0; t < 5; t++) m5 = matmul(m5, m, d, d, d);
  close(m5[0], 1 / 32, 1e-6);
  close(m5[4], 1, 1e-6);
});

function tanhFeature(x: Float32Array, n: number, D: number, d: number): Float32Array {
  const w = gaussian(D * d, 5);
  const f = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < D; k++) s += x[i * D + k] * w[k * d + j];
      f[i * d + j] = Math.tanh(s);
    }
  }
  return f;
}

const kernelOptions = {
  orders: 2,
  width: 24,
  epochs: 20,
  batchSize: 64,
  seed: 0,
  trainLoops: 10,
  evalLoops: 5,
  threshold: 0,
};

Deno.test("three identical networks are reliable (about 1); against pure-noise features, not", async () => {
  const n = 1024, D = 6, d = 4;
  const x = gaussian(n * D, 2);
  const f = tanhFeature(x, n, D, d);
  const before = tf.memory().numTensors;
  const same = await reliability(
    { x, n, inDim: D, targets: [{ f, dim: d }, { f, dim: d }, { f, dim: d }] },
    kernelOptions,
  );
  assert.equal(tf.memory().numTensors, before, "every tensor disposed");
  for (const r of same.rhoReli) assert.ok(r > 0.95, `identical: rho_reli ${same.rhoReli}`);
  close(same.threshold[0], (2 * 16) / n, 1e-12);
  // Identical targets: every head fits equally well.
  for (const l of same.loss) close(l[0], l[2], 1e-4);
  const noise = await reliability(
    {
      x,
      n,
      inDim: D,
      targets: [{ f, dim: d }, { f: gaussian(n * d, 3), dim: d }, {
        f: gaussian(n * d, 4),
        dim: d,
      }],
    },
    { ...kernelOptions, orders: 1 },
  );
  assert.ok(noise.rhoReli[0] < 0.1, `noise: rho_reli ${noise.rhoReli}`);
  // The noise features cannot be fit (loss near their variance, 1).
  assert.ok(noise.loss[0][1] > 0.9);
  // Reliable and unreliable parts add up to the target's Phi.
  assert.ok(noise.varUnreliable[0] > 0.8 * noise.varPhi[0]);
});

Deno.test("a rank-deficient trunk output (width 2 < 4 dimensions) is handled", async () => {
  // h = W relu(.) + b spans at most 3 of its 4 dimensions: its second-moment matrix is singular.
  const n = 512, D = 6, d = 4;
  const x = gaussian(n * D, 6);
  const f = tanhFeature(x, n, D, d);
  const r = await reliability(
    { x, n, inDim: D, targets: [{ f, dim: d }, { f, dim: d }, { f, dim: d }] },
    { ...kernelOptions, orders: 1, width: 2 },
  );
  assert.ok(r.rhoReli[0] > 0.95 && r.rhoReli[0] <= 1 + 1e-9, `rho_reli ${r.rhoReli}`);
  assert.ok(r.varPhi[0] > 0 && r.varPhi[0] < 1);
});

function fakeContext(): PluginContext & { records: ResultInput[]; lines: string[] } {
  const records: ResultInput[] = [];
  const lines: string[] = [];
  return {
    runId: "test",
    records,
    lines,
    emit: (rs) => void records.push(...rs),
    results: () => [],
    log: (m) => void lines.push(m),
    artifacts: new Map(),
  };
}

Deno.test("reliability plugin: the run's first K seeds, results for the target at run_end", async () => {
  const task = syntheticTask({
    seed: 1,
    inDim: 5,
    hidden: [12, 6],
    classes: 3,
    nTrain: 600,
    nTest: 50,
  });
  const ctx = fakeContext();
  const options = {
    ...kernelOptions,
    layer: "",
    orders: 2,
    samples: 0,
    networks: 3,
    lrStart: 1e-3,
    lrEnd: 1e-5,
  };
  const inst = await reliabilityPlugin.setup(ctx, options);
  for (const seed of [4, 5]) {
    await inst.train_end!({ seed, epochs: 3, model: task.model, dataset: task.dataset });
  }
  await inst.run_end!({ runId: "test" });
  assert.ok(ctx.lines.some((l) => /only 2 seeds/.test(l)), "says it compares fewer networks");
  const get = (metric: string, index: number) =>
    ctx.records.find((r) => r.metric === metric && r.index === index)!;
  assert.equal(get("networks", 0).value, 2);
  assert.ok(ctx.records.every((r) => r.seed === 4 && r.layer === "dense_2" && r.epoch === 3));
  for (const l of [1, 2]) assert.ok(get("rho_reli", l).value > 0.95, "the same network twice");
  const lone = await reliabilityPlugin.setup(fakeContext(), options);
  await lone.train_end!({ seed: 0, epochs: 3, model: task.model, dataset: task.dataset });
  await assert.rejects(() => Promise.resolve(lone.run_end!({ runId: "t" })), /at least 2 seeds/);
});

Deno.test("reliability plugin, peers: full: reference networks trained here on the whole training set", async () => {
  const task = syntheticTask({
    seed: 2,
    inDim: 5,
    hidden: [12, 6],
    classes: 3,
    nTrain: 400,
    nTest: 50,
  });
  const config = {
    name: "t",
    // tishby12 has no subset: the full training set is the target's own data set.
    data: { name: "tishby12" as const, split: "reference" as const, trainFraction: 0.8 },
    model: {
      type: "mlp" as const,
      hidden: [12, 6],
      activation: "tanh",
      init: "reference" as const,
    },
    training: { epochs: 40, batchSize: 32, lr: 0.01, optimizer: "adam" as const, shuffle: true },
    schedule: { type: "every" as const, every: 40 },
    seeds: [0],
    backend: "wasm" as const,
    engine: "fused" as const,
    plugins: [],
  };
  const ctx = fakeContext();
  const options = {
    ...kernelOptions,
    layer: "",
    samples: 0,
    networks: 3,
    peers: "full",
    peerEpochs: 0,
  };
  const inst = await reliabilityPlugin.setup(ctx, options);
  await inst.run_start!({
    runId: "t",
    config,
    layers: task.model.layers,
    sampledEpochs: [39],
    dataset: { name: "synthetic", numClasses: 3, nTrain: 400, nTest: 50, nProbe: 50 },
  });
  await inst.train_end!({ seed: 4, epochs: 40, model: task.model, dataset: task.dataset });
  // A second seed is not a peer with peers: full.
  await inst.train_end!({ seed: 9, epochs: 40, model: task.model, dataset: task.dataset });
  await inst.run_end!({ runId: "t" });
  // Two reference networks, seeds 5 and 6, trained 40 epochs on the 400 rows, and they learnt.
  const trained = ctx.lines.filter((l) => /^reference network seed/.test(l));
  assert.equal(trained.length, 2, ctx.lines.join("\n"));
  assert.match(trained[0], /seed 5: 40 epochs on 400 rows/);
  assert.match(trained[1], /seed 6: 40 epochs on 400 rows/);
  for (const line of trained) {
    const acc = Number(/accuracy ([0-9.]+)/.exec(line)![1]);
    assert.ok(acc > 0.8, line);
  }
  const get = (metric: string, index: number) =>
    ctx.records.find((r) => r.metric === metric && r.index === index)!;
  assert.equal(get("networks", 0).value, 3);
  assert.ok(ctx.records.every((r) => r.seed === 4));
  // Without the run's config (an analysis of stored data) it says what it needs.
  const stub = await reliabilityPlugin.setup(fakeContext(), options);
  await stub.run_start!({
    runId: "t",
    config: { name: "stub" } as typeof config,
    layers: task.model.layers,
    sampledEpochs: [],
    dataset: { name: "synthetic", numClasses: 3, nTrain: 400, nTest: 50, nProbe: 50 },
  });
  await stub.train_end!({ seed: 4, epochs: 40, model: task.model, dataset: task.dataset });
  await assert.rejects(
    () => Promise.resolve(stub.run_end!({ runId: "t" })),
    /peers: full needs the run's model/,
  );
  // Independent networks share part of the target's feature, not all of it.
  for (const l of [1, 2]) {
    const r = get("rho_reli", l).value;
    assert.ok(r > 0.05 && r < 0.99, `rho_reli^(${l}) = ${r}`);
  }
});
