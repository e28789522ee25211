/**
 * The CIFAR ResNet (core/model/resnet.ts) through the tfjs trainer: the
 * plan of ResNet-20 (hook points, shapes, 269 034 weights, a count worked
 * out by hand), blocks that start as the identity, every block against a
 * second implementation with tf.conv2d (stride 2 and zero-padded
 * shortcuts), forwardFrom, and a few epochs lowering the loss.
 */
import assert from "node:assert/strict";
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import { fileURLToPath } from "node:url";
import { loadConfig, parseConfig } from "../core/config.ts";
import { createRegistry } from "../core/registry.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import { planModel } from "../core/model/architecture.ts";
import { resnetBlocks, resnetInitialParams } from "../core/model/resnet.ts";
import { createRng } from "../core/rng.ts";
import { createTfjsTrainer } from "../core/train/tfjs_trainer.ts";
import type { LayerParams, ModelSpec } from "../core/types.ts";
import { syntheticDataset, training } from "./tfjs_synthetic.ts";

const spec = (depth: number, width: number): ModelSpec => ({
  type: "resnet",
  depth,
  width,
  activation: "relu",
  init: "tfjs",
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("ResNet-20 plan: 3 stages of 3 blocks, 16/32/64 channels, 269 034 weights", () => {
  const plan = planModel(spec(20, 16), [32, 32, 3], 10);
  assert.deepEqual(plan.hooks.map((h) => `${h.info.name} ${h.shape.join("x")}`), [
    "conv_1 32x32x16",
    ...[1, 2, 3].map((i) => `block_${i} 32x32x16`),
    ...[4, 5, 6].map((i) => `block_${i} 16x16x32`),
    ...[7, 8, 9].map((i) => `block_${i} 8x8x64`),
    "pool 64",
    "output 10",
  ]);
  // By hand: stem 3*3*3*16+16 = 448; stage 1: 6 convs 16->16 (9*256+16 = 2320 each) = 13 920;
  // stage 2: 16->32 (4640) + 5 x 32->32 (9248) = 50 880; stage 3: 32->64 (18 496) +
  // 5 x 64->64 (36 928) = 203 136; dense 64*10+10 = 650. Total 269 034.
  const params = resnetInitialParams(plan, 0, "tfjs");
  const count = params.reduce((s, p) => s + p.kernel.length + p.bias.length, 0);
  assert.equal(count, 269_034);
  assert.deepEqual(
    resnetBlocks(8, 16).map((b) => [b.cin, b.cout, b.stride]),
    [[16, 16, 1], [16, 32, 2], [32, 64, 2]],
  );
  assert.throws(() => resnetBlocks(21, 16), /not 6n \+ 2/);
  assert.throws(() => planModel(spec(8, 16), [30, 30, 3], 10), /divisible by 4/);
});

Deno.test("resnet config: data cifar10 and model resnet are read; depth must be 6n + 2", () => {
  const c = parseConfig(
    "data: { name: cifar10, path: /data/cifar, subset: 2000 }\n" +
      "model: { type: resnet, depth: 14 }\nengine: tfjs\n",
    "r.yaml",
  );
  assert.deepEqual(c.data, {
    name: "cifar10",
    path: "/data/cifar",
    subset: 2000,
    testSubset: 0,
    probeSize: 1000,
  });
  assert.deepEqual(c.model, spec(14, 16));
  assert.throws(() => parseConfig("model: { type: resnet, depth: 12 }", "r.yaml"), /6n \+ 2/);
  assert.throws(() => parseConfig("data: { name: cifar10 }", "r.yaml"), /data\.path/);
});

/** Random parameters for every hook point (second convs non-zero, biases too). */
function randomParams(plan: ReturnType<typeof planModel>, seed: number): LayerParams[] {
  const rng = createRng(seed, "test");
  return resnetInitialParams(plan, seed, "tfjs").map((p) => ({
    ...p,
    kernel: p.kernel.map(() => 0.25 * rng.normal()),
    bias: p.bias.map(() => 0.1 * rng.normal()),
  }));
}

/** A block by a second route: tf.conv2d on padded maps, stride 2 where the map halves. */
function referenceBlock(
  t: tf.Tensor4D,
  p: LayerParams,
  stride: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const cout = p.kernelShape[1];
    const cin = (p.kernelShape[0] - 1 - 9 * cout) / 9;
    const k1 = tf.tensor4d(p.kernel.subarray(0, 9 * cin * cout), [3, 3, cin, cout]);
    const k2 = tf.tensor4d(p.kernel.subarray(9 * cin * cout, 9 * (cin + cout) * cout), [
      3,
      3,
      cout,
      cout,
    ]);
    const b1 = tf.tensor1d(p.kernel.subarray(9 * (cin + cout) * cout));
    const pad = (x: tf.Tensor4D) => tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const x = tf.relu(t);
    const y = tf.relu(tf.add(tf.conv2d(pad(x), k1, stride, "valid"), b1)) as tf.Tensor4D;
    const r = tf.add(tf.conv2d(pad(y), k2, 1, "valid"), tf.tensor1d(p.bias));
    // Shortcut: every stride-th pixel, channels zero-padded on both sides.
    const xs = x.arraySync();
    const [n, h, w] = x.shape;
    const extra = cout - cin, lo = Math.floor(extra / 2);
    const s: number[][][][] = [];
    for (let a = 0; a < n; a++) {
      s.push([]);
      for (let i = 0; i < h / stride; i++) {
        s[a].push([]);
        for (let j = 0; j < w / stride; j++) {
          const v = new Array(cout).fill(0);
          for (let c = 0; c < cin; c++) v[lo + c] = xs[a][i * stride][j * stride][c];
          s[a][i].push(v);
        }
      }
    }
    return tf.add(r, tf.tensor4d(s)) as tf.Tensor4D;
  });
}

Deno.test("ResNet-8 blocks equal a tf.conv2d implementation; forwardFrom; untrained blocks are the identity", async () => {
  const data = syntheticDataset(6, [8, 8, 3], 3, 2, 4);
  const plan = planModel(spec(8, 4), [8, 8, 3], 3);
  const params = randomParams(plan, 1);
  const t = await createTfjsTrainer({
    model: spec(8, 4),
    training: training({ batchSize: 6, lr: 1e-2 }),
    datasets: [data],
    seeds: [0],
    backend: "wasm",
    initialParams: [params],
  });
  const fresh = await createTfjsTrainer({
    model: spec(8, 4),
    training: training({ batchSize: 6, lr: 1e-2 }),
    datasets: [data],
    seeds: [0],
    backend: "wasm",
  });
  try {
    const [cache] = await t.capture(data.xTrain, 6);
    const names = ["conv_1", "block_1", "block_2", "block_3"];
    const shapes: [number, number, number][] = [[8, 8, 4], [8, 8, 4], [4, 4, 8], [2, 2, 16]];
    for (let b = 1; b <= 3; b++) {
      const input = tf.tensor4d(cache.get(names[b - 1])!.data, [6, ...shapes[b - 1]]);
      const want = referenceBlock(input, params[b], b === 1 ? 1 : 2);
      assert.ok(
        maxAbsDiff(cache.get(names[b])!.data, want.dataSync()) < 1e-4,
        `block_${b} differs`,
      );
      input.dispose();
      want.dispose();
    }
    // pool = mean over the map of relu(block_3); forwardFrom(block_3) = the output.
    const b3 = cache.get("block_3")!.data;
    const pool = new Float32Array(6 * 16);
    for (let i = 0; i < b3.length; i++) {
      pool[Math.floor(i / 64) * 16 + (i % 16)] += Math.max(0, b3[i]) / 4;
    }
    assert.ok(maxAbsDiff(cache.get("pool")!.data, pool) < 1e-5);
    const out = await t.model(0).forwardFrom("block_3", cache.get("block_3")!);
    assert.ok(maxAbsDiff(out.data, cache.get("output")!.data) < 1e-5);
    // Untrained: each block starts as the identity map on relu of its input (conv 2 is zero).
    const [c0] = await fresh.capture(data.xTrain, 6);
    assert.ok(maxAbsDiff(c0.get("block_1")!.data, c0.get("conv_1")!.data) === 0);
  } finally {
    t.dispose();
    fresh.dispose();
  }
});

Deno.test("ResNet-8 trains through the tfjs trainer: the loss falls", async () => {
  const data = syntheticDataset(64, [8, 8, 3], 3, 5, 8);
  const t = await createTfjsTrainer({
    model: spec(8, 8),
    training: training({ batchSize: 16, lr: 3e-3 }),
    datasets: [data],
    seeds: [1],
    backend: "wasm",
  });
  try {
    const first = await t.trainEpoch(0);
    let last = first;
    for (let e = 1; e < 15; e++) last = await t.trainEpoch(e);
    assert.ok(last.loss[0] < 0.7 * first.loss[0], `loss ${first.loss[0]} -> ${last.loss[0]}`);
    assert.ok(t.layers.some((l) => l.name === "block_3" && l.kind === "conv"));
  } finally {
    t.dispose();
  }
});

Deno.test("the CIFAR-10 and budget example configs load and their plugin options resolve", async () => {
  const registry = createRegistry(builtinPlugins());
  for (const name of ["complexity_cifar10_resnet", "complexity_budget_mnist"]) {
    const path = fileURLToPath(new URL(`../examples/${name}.yaml`, import.meta.url));
    const c = await loadConfig(path);
    registry.resolve(c.plugins, { file: path });
    if (name === "complexity_cifar10_resnet") {
      assert.deepEqual(c.model, spec(20, 16));
      assert.equal(c.data.name, "cifar10");
      const d = c.plugins.find((p) => p.id === "disentangle")!.options;
      assert.deepEqual([d.layer, d.net, d.schedule, d.pool], [
        "block_9",
        "resnet",
        "ren2021",
        "all",
      ]);
    }
  }
});
