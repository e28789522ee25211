/**
 * The conv disentanglers (plugins/complexity/conv_disentangler_net.ts and
 * the `net: conv` path of disentangle_kernel.ts / disentangle_plugin.ts) on
 * small image targets built here: the identity insertion, the loss per
 * order, memory, and the plugin on a tiny CNN trained by the tfjs trainer.
 */
import assert from "node:assert/strict";
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import { ensureGradients, initBackend } from "../core/backend.ts";
import { conv2dValid } from "../core/model/conv.ts";
import { createRng } from "../core/rng.ts";
import { createTfjsTrainer } from "../core/train/tfjs_trainer.ts";
import type { LayerInfo, ModelSpec, PluginContext, ResultInput } from "../core/types.ts";
import type { DisentangleArtifact } from "../plugins/complexity/artifact.ts";
import { residualOf } from "../plugins/complexity/components.ts";
import {
  convNetVariables,
  createConvNet,
  disposeConvNet,
  forwardConvNet,
  growConvNet,
  imageShapeOf,
} from "../plugins/complexity/conv_disentangler_net.ts";
import { convReluSame } from "../plugins/complexity/conv_op.ts";
import { disentangle } from "../plugins/complexity/disentangle_kernel.ts";
import { disentanglePlugin } from "../plugins/complexity/disentangle_plugin.ts";
import { chooseNet } from "../plugins/complexity/options.ts";
import { syntheticDataset } from "./tfjs_synthetic.ts";

await initBackend("wasm");

function gaussian(n: number, seed: number): Float32Array {
  const rng = createRng(seed, "conv-test");
  return Float32Array.from({ length: n }, () => rng.normal());
}

/**
 * f of a fixed random conv net on 8x8x1 images: a valid 3x3 conv to 4
 * channels, ReLU, a second valid 3x3 conv to 4 channels, ReLU, flattened
 * (4 x 4 x 4) and mapped linearly to `d` values. Computed in plain JS.
 */
function convTarget(x: Float32Array, n: number, d: number): Float32Array {
  const k1 = gaussian(9 * 4, 11), k2 = gaussian(9 * 4 * 4, 12), w = gaussian(64 * d, 13);
  const b1 = gaussian(4, 14).map((v) => 0.3 * v);
  const f = new Float32Array(n * d);
  for (let s = 0; s < n; s++) {
    const img = x.subarray(s * 64, (s + 1) * 64);
    const h1 = new Float32Array(6 * 6 * 4);
    for (let y = 0; y < 6; y++) {
      for (let xx = 0; xx < 6; xx++) {
        for (let o = 0; o < 4; o++) {
          let v = b1[o];
          for (let a = 0; a < 3; a++) {
            for (let b = 0; b < 3; b++) v += img[(y + a) * 8 + xx + b] * k1[(a * 3 + b) * 4 + o];
          }
          h1[(y * 6 + xx) * 4 + o] = Math.max(0, v);
        }
      }
    }
    const h2 = new Float32Array(4 * 4 * 4);
    for (let y = 0; y < 4; y++) {
      for (let xx = 0; xx < 4; xx++) {
        for (let o = 0; o < 4; o++) {
          let v = 0;
          for (let a = 0; a < 3; a++) {
            for (let b = 0; b < 3; b++) {
              for (let i = 0; i < 4; i++) {
                v += h1[((y + a) * 6 + xx + b) * 4 + i] * k2[((a * 3 + b) * 4 + i) * 4 + o] / 3;
              }
            }
          }
          h2[(y * 4 + xx) * 4 + o] = Math.max(0, v);
        }
      }
    }
    for (let j = 0; j < d; j++) {
      let v = 0;
      for (let i = 0; i < 64; i++) v += h2[i] * w[i * d + j] / 8;
      f[s * d + j] = v;
    }
  }
  return f;
}

Deno.test("growConvNet: the identity conv layer leaves the function unchanged", async () => {
  const net = createConvNet([8, 8, 1], 5, 3, 1, createRng(0, "t"));
  // Biases off zero so some ReLUs are off and the check is not trivial.
  for (const v of convNetVariables(net)) {
    if (v.rank === 1) v.assign(tf.tidy(() => tf.randomNormal(v.shape, 0, 0.5, "float32", 3)));
  }
  const x = tf.tensor2d(gaussian(20 * 64, 1), [20, 64]);
  const grown = growConvNet(net);
  const grown2 = growConvNet(grown);
  assert.equal(convNetVariables(grown).length, convNetVariables(net).length + 2);
  assert.deepEqual(grown2.convs[2].kernel.shape, [3, 3, 5, 5]);
  const a = await forwardConvNet(net, x).data();
  const b = await forwardConvNet(grown, x).data();
  const c = await forwardConvNet(grown2, x).data();
  const scale = Math.max(...Array.from(a, Math.abs));
  assert.ok(scale > 0.1, "outputs are not trivially zero");
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= 1e-6 * scale, `${i}: ${a[i]} vs ${b[i]}`);
    assert.ok(Math.abs(a[i] - c[i]) <= 1e-6 * scale, `${i}: ${a[i]} vs ${c[i]}`);
  }
  // The copy is independent of the original: changing it does not change `net`.
  grown.head.b.assign(tf.tidy(() => tf.add(grown.head.b, 1)));
  const again = await forwardConvNet(net, x).data();
  assert.deepEqual(Array.from(again), Array.from(a));
  disposeConvNet(net);
  disposeConvNet(grown);
  disposeConvNet(grown2);
  x.dispose();
});

Deno.test("conv disentangler: loss does not grow with the order, every tensor freed", async () => {
  const n = 256, d = 3;
  const x = gaussian(n * 64, 2);
  const f = convTarget(x, n, d);
  const before = tf.memory().numTensors;
  const r = await disentangle(
    { x, f, n, inDim: 64, dim: d, imageShape: [8, 8, 1], xTest: x.subarray(0, 32 * 64), nTest: 32 },
    { net: "conv", channels: 4, orders: 3, width: 0, epochs: 60, batchSize: 32, seed: 1 },
  );
  assert.equal(tf.memory().numTensors, before, "every tensor disposed");
  assert.equal(r.phiTrain.length, 3);
  assert.equal(r.phiTest.length, 3);
  // Loss recomputed from the outputs, independently of the kernel's own number.
  let varF = 0;
  for (let j = 0; j < d; j++) {
    let m = 0, s = 0;
    for (let i = 0; i < n; i++) m += f[i * d + j] / n;
    for (let i = 0; i < n; i++) s += (f[i * d + j] - m) ** 2 / n;
    varF += s / d;
  }
  for (let l = 0; l < 3; l++) {
    let mse = 0;
    for (let i = 0; i < n * d; i++) mse += (r.phiTrain[l][i] - f[i]) ** 2 / (n * d);
    assert.ok(Math.abs(mse - r.loss[l]) <= 1e-6 * varF, `order ${l + 1}: ${mse} vs ${r.loss[l]}`);
    // The test rows are the first 32 training rows: same outputs.
    for (let i = 0; i < 32 * d; i++) {
      assert.ok(Math.abs(r.phiTest[l][i] - r.phiTrain[l][i]) <= 1e-5 * Math.sqrt(varF));
    }
  }
  for (let l = 1; l < 3; l++) {
    assert.ok(r.loss[l] <= r.loss[l - 1] * 1.02, `order ${l + 1}: ${r.loss}`);
  }
  assert.ok(r.loss[0] < 0.8 * varF, `order 1 learns something: ${r.loss[0]} vs Var f ${varF}`);
  assert.ok(r.loss[2] < r.loss[0], `higher orders fit better: ${r.loss}`);
});

Deno.test("conv disentangler: a non-image input is a clear error", async () => {
  await assert.rejects(
    () =>
      disentangle(
        { x: new Float32Array(40), f: new Float32Array(10), n: 10, inDim: 4, dim: 1 },
        { net: "conv", orders: 1, width: 4, epochs: 1, batchSize: 4, seed: 0 },
      ),
    /conv disentangler needs image inputs/,
  );
});

Deno.test("chooseNet: auto is conv for a CNN on images, mlp otherwise", () => {
  const conv: LayerInfo = {
    name: "conv_1",
    kind: "conv",
    units: 1,
    activation: "relu",
    hasWeights: true,
  };
  const dense: LayerInfo = {
    name: "dense_1",
    kind: "dense",
    units: 1,
    activation: "relu",
    hasWeights: true,
  };
  assert.equal(chooseNet("auto", [28, 28, 1], [conv, dense]), "conv");
  assert.equal(chooseNet(undefined, [28, 28], [conv, dense]), "conv");
  assert.equal(chooseNet("auto", [28, 28, 1], [dense]), "mlp", "an MLP on images");
  assert.equal(chooseNet("auto", [12], [conv]), "mlp");
  assert.equal(chooseNet("mlp", [28, 28, 1], [conv]), "mlp");
  assert.equal(chooseNet("conv", [28, 28, 1], [dense]), "conv");
  assert.throws(() => chooseNet("conv", [12], [dense]), /needs image inputs/);
  assert.deepEqual(imageShapeOf([5, 6]), [5, 6, 1]);
  assert.equal(imageShapeOf([5, 6, 2, 1]), undefined);
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

const TINY_CNN: ModelSpec = {
  type: "cnn",
  conv: [{ filters: 3, kernel: 3 }],
  dense: [6],
  activation: "relu",
  init: "tfjs",
};

Deno.test("disentangle plugin, net: conv, on a tiny CNN: rho per order, telescoping", async () => {
  const data = syntheticDataset(120, [8, 8, 1], 3, 5, 40);
  const t = await createTfjsTrainer({
    model: TINY_CNN,
    training: { epochs: 1, batchSize: 16, lr: 1e-2, optimizer: "adam", shuffle: false },
    datasets: [data],
    seeds: [4],
    backend: "wasm",
  });
  try {
    await t.trainEpoch(0);
    const model = t.model(0);
    const ctx = fakeContext();
    const inst = await disentanglePlugin.setup(ctx, {
      net: "conv",
      channels: 4,
      orders: 3,
      epochs: 4,
      batchSize: 32,
      samples: 80,
    });
    const before = tf.memory().numTensors;
    await inst.train_end!({ seed: 4, epochs: 1, model, dataset: data });
    assert.equal(tf.memory().numTensors, before, "the decomposition frees its tensors");
    assert.ok(ctx.lines.some((l) => /\(conv\): order 3\/3/.test(l)), ctx.lines.join("\n"));
    const art = ctx.artifacts.get("disentangle:4") as DisentangleArtifact;
    assert.equal(art.layer, "dense_1");
    assert.equal(art.dim, 6);
    assert.equal(art.train.n, 80);
    assert.equal(art.test.n, 40);
    for (const split of [art.train, art.test]) {
      assert.equal(split.components.length, 3);
      const res = residualOf(split.f, split.components);
      for (let i = 0; i < split.f.length; i++) {
        const sum = split.components.reduce((s, c) => s + c[i], 0) + res[i];
        assert.ok(Math.abs(sum - split.f[i]) < 1e-5);
      }
    }
    const rho = ctx.records.filter((r) => r.metric === "rho").sort((a, b) => a.index! - b.index!);
    assert.deepEqual(rho.map((r) => r.index), [1, 2, 3]);
    assert.ok(rho.every((r) => Number.isFinite(r.value) && r.value >= 0), JSON.stringify(rho));
    // rho^(l) = Var[c^(l)] / Var[f], recomputed from the artifact.
    const varOf = (a: Float32Array, n: number, d: number) => {
      let v = 0;
      for (let j = 0; j < d; j++) {
        let m = 0, s = 0;
        for (let i = 0; i < n; i++) m += a[i * d + j] / n;
        for (let i = 0; i < n; i++) s += (a[i * d + j] - m) ** 2 / n;
        v += s / d;
      }
      return v;
    };
    const varF = varOf(art.train.f, 80, 6);
    assert.ok(varF > 0, "the feature varies");
    for (let l = 0; l < 3; l++) {
      const want = varOf(art.train.components[l], 80, 6) / varF;
      assert.ok(
        Math.abs(rho[l].value - want) < 1e-4 * Math.max(1, want),
        `${rho[l].value} ${want}`,
      );
    }
    // auto picks the conv disentanglers for this network too.
    const ctx2 = fakeContext();
    const inst2 = await disentanglePlugin.setup(ctx2, {
      channels: 2,
      orders: 1,
      epochs: 1,
      batchSize: 64,
      samples: 40,
    });
    await inst2.train_end!({ seed: 4, epochs: 1, model, dataset: data });
    assert.ok(ctx2.lines.some((l) => /\(conv\)/.test(l)), ctx2.lines.join("\n"));
  } finally {
    t.dispose();
  }
});

Deno.test("convReluSame: value and gradients of relu(pad + valid conv) through the tape", async () => {
  await ensureGradients();
  const x = tf.tensor4d(gaussian(3 * 6 * 5 * 2, 21), [3, 6, 5, 2]);
  const k = tf.tensor4d(gaussian(9 * 2 * 4, 22), [3, 3, 2, 4]);
  const b = tf.tensor1d(gaussian(4, 23));
  const up = tf.tensor4d(gaussian(3 * 6 * 5 * 4, 24), [3, 6, 5, 4]);
  // Reference: an explicit one-pixel pad, core/model/conv.ts's valid conv, then relu.
  const ref = (xx: tf.Tensor4D, kk: tf.Tensor4D, bb: tf.Tensor1D) =>
    tf.relu(conv2dValid(tf.pad(xx, [[0, 0], [1, 1], [1, 1], [0, 0]]), kk, bb));
  const loss = (f: typeof ref) => (xx: tf.Tensor, kk: tf.Tensor, bb: tf.Tensor) =>
    tf.sum(tf.mul(f(xx as tf.Tensor4D, kk as tf.Tensor4D, bb as tf.Tensor1D), up)) as tf.Scalar;
  const mine = tf.grads(loss((xx, kk, bb) => convReluSame(xx, kk, bb)))([x, k, b]);
  const theirs = tf.grads(loss(ref))([x, k, b]);
  const vm = await convReluSame(x, k, b).data(), vr = await ref(x, k, b).data();
  const close = (a: ArrayLike<number>, c: ArrayLike<number>, what: string) => {
    assert.equal(a.length, c.length);
    const scale = Math.max(...Array.from(c, Math.abs));
    assert.ok(scale > 0.1, `${what} is not trivially zero`);
    for (let i = 0; i < a.length; i++) {
      assert.ok(Math.abs(a[i] - c[i]) <= 1e-5 * scale, `${what}[${i}]: ${a[i]} vs ${c[i]}`);
    }
  };
  close(vm, vr, "value");
  for (let i = 0; i < 3; i++) close(await mine[i].data(), await theirs[i].data(), `grad ${i}`);
  const noInput = tf.grads(loss((xx, kk, bb) => convReluSame(xx, kk, bb, false)))([x, k, b]);
  assert.ok((await noInput[0].data()).every((v) => v === 0), "inputGrad false: zero dx");
  close(await noInput[1].data(), await theirs[1].data(), "kernel grad without dx");
  tf.dispose([x, k, b, up, ...mine, ...theirs, ...noInput]);
});
