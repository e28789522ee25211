/**
 * The small CNN on MNIST-shaped inputs (28x28x1, random): hook points,
 * their shapes and layer infos; conv_1 and pool_1 values against a direct
 * computation from the initial weights (which also pins the NHWC
 * flattening order); flatten equal to the last pool; forwardFrom any hook
 * point reproducing the output; and a few epochs lowering the loss.
 */
import assert from "node:assert/strict";
import { planModel } from "../core/model/architecture.ts";
import { initialParams } from "../core/model/params.ts";
import { createTfjsTrainer } from "../core/train/tfjs_trainer.ts";
import { SMALL_CNN, syntheticDataset, training } from "./tfjs_synthetic.ts";

const DATA = syntheticDataset(48, [28, 28, 1], 10, 3);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("CNN hook points: names, shapes, values, forwardFrom, training", async () => {
  const t = await createTfjsTrainer({
    model: SMALL_CNN,
    training: training({ batchSize: 16, lr: 1e-2 }),
    datasets: [DATA],
    seeds: [2],
    backend: "wasm",
  });
  try {
    // 28 -conv5-> 24x24x4 -pool-> 12x12x4 -conv3-> 10x10x6 -pool-> 5x5x6 = 150 -> 16 -> 10
    assert.deepEqual(
      t.layers.map((l) => [l.name, l.kind, l.units, l.activation, l.hasWeights]),
      [
        ["conv_1", "conv", 24 * 24 * 4, "relu", true],
        ["pool_1", "pool", 12 * 12 * 4, "linear", false],
        ["conv_2", "conv", 10 * 10 * 6, "relu", true],
        ["pool_2", "pool", 5 * 5 * 6, "linear", false],
        ["flatten", "flatten", 150, "linear", false],
        ["dense_1", "dense", 16, "relu", true],
        ["output", "output", 10, "softmax", true],
      ],
    );
    const n = 4;
    const [cache] = await t.capture(DATA.probe.x, n);
    assert.deepEqual([...cache.keys()], t.layers.map((l) => l.name));
    for (const l of t.layers) {
      const a = cache.get(l.name)!;
      assert.equal(a.rows, n);
      assert.equal(a.cols, l.units);
      assert.equal(a.data.length, n * l.units);
    }
    // conv_1 and pool_1 by hand from the initial weights (NHWC, row-major)
    const [conv1] = initialParams(planModel(SMALL_CNN, [28, 28, 1], 10), 2, "tfjs");
    const x = DATA.probe.x, c1 = cache.get("conv_1")!.data, p1 = cache.get("pool_1")!.data;
    const conv = (s: number, y: number, xx: number, o: number) => {
      let v = conv1.bias[o];
      for (let a = 0; a < 5; a++) {
        for (let b = 0; b < 5; b++) {
          v += x[s * 784 + (y + a) * 28 + xx + b] * conv1.kernel[(a * 5 + b) * 4 + o];
        }
      }
      return Math.max(0, v);
    };
    let worst = 0;
    for (let s = 0; s < n; s++) {
      for (const [y, xx, o] of [[0, 0, 0], [3, 17, 1], [23, 23, 3], [11, 2, 2], [20, 9, 0]]) {
        worst = Math.max(worst, Math.abs(c1[s * 2304 + (y * 24 + xx) * 4 + o] - conv(s, y, xx, o)));
        const py = y >> 1, px = xx >> 1;
        const m = Math.max(
          conv(s, 2 * py, 2 * px, o),
          conv(s, 2 * py + 1, 2 * px, o),
          conv(s, 2 * py, 2 * px + 1, o),
          conv(s, 2 * py + 1, 2 * px + 1, o),
        );
        worst = Math.max(worst, Math.abs(p1[s * 576 + (py * 12 + px) * 4 + o] - m));
      }
    }
    assert.ok(worst < 1e-5, `conv_1 / pool_1 off by ${worst}`);
    assert.deepEqual(cache.get("flatten")!.data, cache.get("pool_2")!.data);
    const out = cache.get("output")!;
    for (let r = 0; r < n; r++) {
      const s = out.data.slice(r * 10, r * 10 + 10).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(s - 1) < 1e-5);
    }
    for (const l of t.layers) {
      const p = await t.model(0).forwardFrom(l.name, cache.get(l.name)!);
      assert.equal(p.rows, n);
      assert.equal(p.cols, 10);
      assert.ok(maxAbsDiff(p.data, out.data) < 1e-6, `forwardFrom(${l.name})`);
    }
    await assert.rejects(
      t.model(0).forwardFrom("pool_1", { data: new Float32Array(10), rows: 1, cols: 10 }),
      /576/,
    );
    await assert.rejects(t.model(0).forwardFrom("conv_9", cache.get("conv_1")!), /conv_9/);
    const losses: number[] = [];
    let grads: Map<string, Float32Array> | undefined;
    for (let e = 0; e < 6; e++) {
      const cb = e === 0
        ? (_s: number, _b: number, _l: number, g: Map<string, Float32Array>) => {
          grads ??= g;
        }
        : undefined;
      losses.push((await t.trainEpoch(e, cb)).loss[0]);
    }
    assert.deepEqual([...grads!.keys()], ["conv_1", "conv_2", "dense_1", "output"]);
    assert.equal(grads!.get("conv_1")!.length, 5 * 5 * 1 * 4);
    assert.equal(grads!.get("conv_2")!.length, 3 * 3 * 4 * 6);
    assert.ok(losses[5] < losses[0] - 0.1, `losses ${losses}`);
  } finally {
    t.dispose();
  }
});

Deno.test("a CNN on flat inputs is refused with a message naming the field", async () => {
  await assert.rejects(
    createTfjsTrainer({
      model: SMALL_CNN,
      training: training(),
      datasets: [syntheticDataset(8, [12], 2)],
      seeds: [0],
      backend: "wasm",
    }),
    /model\.type.*image inputs/,
  );
});
