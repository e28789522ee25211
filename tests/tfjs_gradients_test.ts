/**
 * Gradients and optimiser steps of the tfjs trainer against a float64
 * reference written here: a 3-4-2 MLP on five hand-made rows, its loss
 * (mean softmax cross-entropy) computed directly in float64 and its
 * gradients by central finite differences (h = 1e-5, truncation error
 * ~h^2 = 1e-10). tfjs computes in float32, so values agree to ~1e-7
 * relative; the tolerances below (2e-6 absolute on gradients of size
 * ~0.01-0.3; after optimiser steps, whose float32 weights carry ~1e-7
 * rounding each, 5e-6 on losses and 1e-5 on outputs) leave room for that
 * and nothing more.
 *
 * Also: the conv layer's hand-written gradient (core/model/conv.ts) against
 * tfjs's own conv2d gradient on the cpu backend, which has the kernels.
 */
import assert from "node:assert/strict";
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import { ensureGradients, initBackend } from "../core/backend.ts";
import { conv2dValid } from "../core/model/conv.ts";
import { initDense } from "../core/model/init.ts";
import { createTfjsTrainer } from "../core/train/tfjs_trainer.ts";
import type { Dataset, TrainingSpec } from "../core/types.ts";

const SIZES = [3, 4, 2];
const X = [
  [0.5, -1.0, 0.25],
  [1.5, 0.3, -0.7],
  [-0.2, 0.8, 1.1],
  [0.9, -0.4, -1.3],
  [-1.1, 1.2, 0.6],
];
const Y = [0, 1, 1, 0, 1];

const DATA: Dataset = {
  name: "hand",
  inputShape: [3],
  numClasses: 2,
  xTrain: Float32Array.from(X.flat()),
  yTrain: Int32Array.from(Y),
  nTrain: 5,
  xTest: Float32Array.from(X.flat()),
  yTest: Int32Array.from(Y),
  nTest: 5,
  probe: { x: Float32Array.from(X.flat()), y: Int32Array.from(Y), n: 5 },
  info: {},
};

function erf(x: number): number {
  // Maclaurin series, exact to float64 for |x| < 3 (all pre-activations here are smaller)
  let term = x, sum = x;
  for (let n = 1; n < 80; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const softplus = (v: number) => Math.log1p(Math.exp(v));
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const SELU_A = 1.6732632423543772, SELU_S = 1.0507009873554805;

/** Float64 activations, from their textbook definitions. */
const ACT: Record<string, (v: number) => number> = {
  tanh: Math.tanh,
  relu: (v) => Math.max(0, v),
  relu6: (v) => Math.min(6, Math.max(0, v)),
  sigmoid,
  elu: (v) => (v > 0 ? v : Math.expm1(v)),
  selu: (v) => SELU_S * (v > 0 ? v : SELU_A * Math.expm1(v)),
  softplus,
  softsign: (v) => v / (1 + Math.abs(v)),
  hardSigmoid: (v) => Math.min(1, Math.max(0, 0.2 * v + 0.5)),
  swish: (v) => v * sigmoid(v),
  mish: (v) => v * Math.tanh(softplus(v)),
  gelu: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
  leakyRelu: (v) => (v > 0 ? v : 0.2 * v),
  linear: (v) => v,
};

type Params = number[][]; // [W1 (3x4 row-major), b1, W2 (4x2), b2]

function lossOf(p: Params, act: (v: number) => number): number {
  let total = 0;
  for (let r = 0; r < X.length; r++) {
    const h = [0, 1, 2, 3].map((j) => {
      let s = p[1][j];
      for (let i = 0; i < 3; i++) s += X[r][i] * p[0][i * 4 + j];
      return act(s);
    });
    const z = [0, 1].map((c) => {
      let s = p[3][c];
      for (let j = 0; j < 4; j++) s += h[j] * p[2][j * 2 + c];
      return s;
    });
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
    total += lse - z[Y[r]];
  }
  return total / X.length;
}

function probsOf(p: Params, act: (v: number) => number): number[] {
  const out: number[] = [];
  for (let r = 0; r < X.length; r++) {
    const h = [0, 1, 2, 3].map((j) => {
      let s = p[1][j];
      for (let i = 0; i < 3; i++) s += X[r][i] * p[0][i * 4 + j];
      return act(s);
    });
    const z = [0, 1].map((c) => {
      let s = p[3][c];
      for (let j = 0; j < 4; j++) s += h[j] * p[2][j * 2 + c];
      return s;
    });
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    out.push(e[0] / (e[0] + e[1]), e[1] / (e[0] + e[1]));
  }
  return out;
}

function fdGrads(p: Params, act: (v: number) => number): Params {
  const h = 1e-5;
  return p.map((block, k) =>
    block.map((_, i) => {
      const plus = p.map((b) => [...b]), minus = p.map((b) => [...b]);
      plus[k][i] += h;
      minus[k][i] -= h;
      return (lossOf(plus, act) - lossOf(minus, act)) / (2 * h);
    })
  );
}

function initial(seed: number): Params {
  const d = initDense(seed, SIZES, "reference");
  return [[...d.w[0]], [...d.b[0]], [...d.w[1]], [...d.b[1]]];
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function trainer(activation: string, over: Partial<TrainingSpec> = {}) {
  return await createTfjsTrainer({
    model: { type: "mlp", hidden: [4], activation, init: "reference" },
    training: { epochs: 2, batchSize: 8, lr: 0.05, optimizer: "adam", shuffle: false, ...over },
    datasets: [DATA],
    seeds: [3],
    backend: "wasm",
  });
}

Deno.test("batch loss and weight gradients agree with float64 finite differences", async () => {
  for (const [name, act] of Object.entries(ACT)) {
    const t = await trainer(name);
    try {
      const p = initial(3);
      const fd = fdGrads(p, act);
      let seen = 0;
      await t.trainEpoch(0, (seed, batch, loss, grads) => {
        seen++;
        assert.equal(seed, 0);
        assert.equal(batch, 0);
        assert.deepEqual([...grads.keys()], ["dense_1", "output"]);
        assert.ok(Math.abs(loss - lossOf(p, act)) < 1e-6, `${name}: loss ${loss}`);
        const d1 = maxAbsDiff(grads.get("dense_1")!, fd[0]);
        const d2 = maxAbsDiff(grads.get("output")!, fd[2]);
        assert.ok(d1 < 2e-6 && d2 < 2e-6, `${name}: |dW1| ${d1}, |dW2| ${d2}`);
      });
      assert.equal(seen, 1);
      // the gradients are not trivially small, so the comparison above can fail
      assert.ok(Math.max(...fd[2].map(Math.abs)) > 1e-2, `${name}: output gradients tiny`);
    } finally {
      t.dispose();
    }
  }
});

Deno.test("two Adam steps and two SGD steps match the float64 reference", async () => {
  const act = Math.tanh;
  for (const optimizer of ["adam", "sgd"] as const) {
    const lr = optimizer === "adam" ? 0.05 : 0.5;
    const t = await trainer("tanh", { optimizer, lr });
    try {
      // reference: PyTorch's Adam (beta 0.9 / 0.999, eps 1e-8, bias-corrected) or plain SGD
      let p = initial(3);
      const m = p.map((b) => b.map(() => 0));
      const v = p.map((b) => b.map(() => 0));
      const losses: number[] = [];
      for (let step = 1; step <= 2; step++) {
        losses.push(lossOf(p, act));
        const g = fdGrads(p, act);
        p = p.map((block, k) =>
          block.map((w, i) => {
            if (optimizer === "sgd") return w - lr * g[k][i];
            m[k][i] = 0.9 * m[k][i] + 0.1 * g[k][i];
            v[k][i] = 0.999 * v[k][i] + 0.001 * g[k][i] ** 2;
            const mh = m[k][i] / (1 - 0.9 ** step), vh = v[k][i] / (1 - 0.999 ** step);
            return w - (lr * mh) / (Math.sqrt(vh) + 1e-8);
          })
        );
      }
      const got: number[] = [];
      for (let e = 0; e < 2; e++) got.push((await t.trainEpoch(e)).loss[0]);
      // weights after a step of 0.05 carry float32 rounding (~1e-7 each); through gradients
      // of ~0.3 on 26 parameters that moves the loss by up to ~1e-6
      assert.ok(Math.abs(got[0] - losses[0]) < 1e-6, `${optimizer}: ${got[0]} vs ${losses[0]}`);
      assert.ok(Math.abs(got[1] - losses[1]) < 5e-6, `${optimizer}: ${got[1]} vs ${losses[1]}`);
      const [cache] = await t.capture(DATA.probe.x, 5);
      const probs = cache.get("output")!.data;
      const want = probsOf(p, act);
      assert.ok(maxAbsDiff(probs, want) < 1e-5, `${optimizer}: outputs after 2 steps`);
      // and the steps moved the outputs well beyond that tolerance
      assert.ok(maxAbsDiff(probsOf(initial(3), act), want) > 1e-2);
    } finally {
      t.dispose();
    }
  }
});

Deno.test("conv gradient (core/model/conv.ts) equals tfjs's conv2d gradient on cpu", async () => {
  await initBackend("cpu");
  await ensureGradients();
  try {
    const r = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, "float32", seed);
    const [x, k, b, w] = [r([2, 7, 6, 3], 1), r([3, 3, 3, 4], 2), r([4], 3), r([2, 5, 4, 4], 4)];
    const mine = tf.grads((x, k, b) =>
      tf.sum(tf.mul(conv2dValid(x as tf.Tensor4D, k as tf.Tensor4D, b as tf.Tensor1D), w))
    );
    const theirs = tf.grads((x, k, b) =>
      tf.sum(tf.mul(tf.add(tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 1, "valid"), b), w))
    );
    const a = mine([x, k, b]);
    const c = theirs([x, k, b]);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(a[i].shape, c[i].shape);
      const d = maxAbsDiff(await a[i].data(), await c[i].data());
      assert.ok(d < 1e-4, `input ${i}: max |diff| ${d}`);
      assert.ok(Math.max(...(await c[i].abs().data())) > 0.5);
    }
    const y = conv2dValid(x as tf.Tensor4D, k as tf.Tensor4D, b as tf.Tensor1D);
    const z = tf.add(tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 1, "valid"), b);
    assert.ok(maxAbsDiff(await y.data(), await z.data()) < 1e-5);
    tf.dispose([x, k, b, w, ...a, ...c, y, z]);
  } finally {
    await initBackend("wasm");
  }
});
