/**
 * The tfjs trainer against PyTorch on the 12-bit task: the fixture
 * tests/fixtures/torch_12bit_adam.json (written by torch_12bit_gen.py,
 * PyTorch float32 on CPU) trains the 12-10-7-5-4-3-2 tanh net for 20
 * epochs (Adam 4e-4, batch 512, contiguous, 3277 rows) from initDense(0),
 * the weights the tfjs model starts from for seed 0.
 *
 * Both sides compute in float32 and differ only in summation order, so
 * per-batch values agree to a few ulps and 140 Adam steps drift by ~1e-6;
 * the tolerances (1e-6 on losses and gradients, 5e-6 on probabilities) are
 * those of the fused kernel's PyTorch test.
 */
import assert from "node:assert/strict";
import { createTfjsTrainer } from "../core/train/tfjs_trainer.ts";
import { loadTishby12 } from "../core/data/tishby12.ts";

const FIXTURE = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/torch_12bit_adam.json", import.meta.url)),
) as {
  epochs: number;
  epoch_loss: number[];
  batch_loss_epoch0: number[];
  grads_first_batch: number[][];
  probs_first8: number[];
};
const TOL = { loss: 1e-6, grad: 1e-6, prob: 5e-6 };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("tfjs (wasm): 20 epochs of Adam agree with PyTorch", async () => {
  const data = loadTishby12({ name: "tishby12", split: "reference", trainFraction: 0.8 }, 0);
  const t = await createTfjsTrainer({
    model: { type: "mlp", hidden: [10, 7, 5, 4, 3], activation: "tanh", init: "reference" },
    training: { epochs: 20, batchSize: 512, lr: 4e-4, optimizer: "adam", shuffle: false },
    datasets: [data],
    seeds: [0],
    backend: "wasm",
  });
  try {
    const batchLoss: number[] = [];
    let first: Map<string, Float32Array> | undefined;
    const losses: number[] = [];
    for (let e = 0; e < FIXTURE.epochs; e++) {
      const stats = await t.trainEpoch(
        e,
        e === 0
          ? (_s, _b, loss, grads) => {
            batchLoss.push(loss);
            first ??= grads;
          }
          : undefined,
      );
      losses.push(stats.loss[0]);
    }
    assert.ok(maxAbsDiff(batchLoss, FIXTURE.batch_loss_epoch0) < TOL.loss, `${batchLoss}`);
    const names = ["dense_1", "dense_2", "dense_3", "dense_4", "dense_5", "output"];
    names.forEach((name, k) => {
      const d = maxAbsDiff(first!.get(name)!, FIXTURE.grads_first_batch[k]);
      assert.ok(d < TOL.grad, `${name}: first-batch gradient off by ${d}`);
    });
    const dl = maxAbsDiff(losses, FIXTURE.epoch_loss);
    assert.ok(dl < TOL.loss, `epoch losses off by ${dl}`);
    const cache = await t.model(0).capture(data.probe.x, 8);
    const dp = maxAbsDiff(cache.get("output")!.data, FIXTURE.probs_first8);
    assert.ok(dp < TOL.prob, `probabilities off by ${dp}`);
  } finally {
    t.dispose();
  }
});
