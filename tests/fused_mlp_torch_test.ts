/**
 * The fused trainer against PyTorch: tests/fixtures/torch_12bit_adam.json was
 * written by tests/fixtures/torch_12bit_gen.py (PyTorch, float32) training
 * the 12-10-7-5-4-3-2 tanh net for 20 epochs (Adam 4e-4, batch 512,
 * contiguous, 3277 rows) from the weights in torch_12bit_init.json, which
 * torch_12bit_init.ts exported from initDense(0).
 *
 * Tolerances are float32-level: both sides round every operation to float32
 * but sum in different orders, so per-batch values differ by a few ulps and
 * 140 Adam steps let weights drift apart by ~1e-6 (measured: <= 6e-7).
 */
import assert from "node:assert/strict";
import { createBank } from "../core/train/fused/fused_mlp_bank.ts";
import { createFusedMlpTrainer } from "../core/train/fused/fused_mlp.ts";
import type { KernelBackend } from "../core/train/fused/fused_mlp_kernel.ts";
import { netShape, packParams, unpackParams } from "../core/train/fused/fused_mlp_net.ts";
import { simdAvailable } from "../core/train/fused/fused_mlp_wasm.ts";
import { initFixture, TORCH_SIZES } from "./fixtures/torch_12bit_init.ts";
import { task12 } from "./fused_mlp_task12.ts";

interface TorchFixture {
  sizes: number[];
  epochs: number;
  epoch_loss: number[];
  batch_loss_epoch0: number[];
  grads_first_batch: number[][];
  w: number[][];
  b: number[][];
  probs_first8: number[];
}

const FIXTURE: TorchFixture = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/torch_12bit_adam.json", import.meta.url)),
);
const INIT = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/torch_12bit_init.json", import.meta.url)),
);
const DATA = task12();

/** Tolerances (absolute). */
const TOL = { loss: 1e-6, grad: 1e-6, weight: 5e-6, prob: 5e-6 };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("the fixture starts from initDense(0) as it is now", () => {
  assert.deepEqual(INIT, initFixture());
  assert.deepEqual(FIXTURE.sizes, TORCH_SIZES);
});

const kernels: KernelBackend[] = simdAvailable() ? ["wasm-simd", "js"] : ["js"];
for (const kernel of kernels) {
  Deno.test(`${kernel}: 20 epochs of Adam agree with PyTorch (losses, gradients, weights)`, () => {
    const net = netShape(TORCH_SIZES, "tanh");
    const bank = createBank({
      sizes: TORCH_SIZES,
      activation: "tanh",
      batchSize: 512,
      lr: 4e-4,
      optimizer: "adam",
      shuffle: false,
      seeds: [0],
      data: [{ x: DATA.xTrain, y: DATA.yTrain, n: DATA.nTrain }],
      dataOf: [0],
      params: [
        packParams(net, {
          w: INIT.w.map((w: number[]) => Float32Array.from(w)),
          b: INIT.b.map((b: number[]) => Float32Array.from(b)),
        }),
      ],
      kernel,
    });
    for (let e = 0; e < FIXTURE.epochs; e++) {
      const r = bank.trainEpoch(e, e === 0);
      assert.ok(
        Math.abs(r.loss[0] - FIXTURE.epoch_loss[e]) < TOL.loss,
        `epoch ${e}: loss ${r.loss[0]} vs torch ${FIXTURE.epoch_loss[e]}`,
      );
      if (e === 0) {
        const rep = r.batches!;
        assert.deepEqual(rep.counts, [7]);
        assert.ok(maxAbsDiff(rep.loss, FIXTURE.batch_loss_epoch0) < TOL.loss);
        const first = rep.grads.subarray(0, net.nWeights);
        assert.ok(maxAbsDiff(first, FIXTURE.grads_first_batch.flat()) < TOL.grad);
      }
    }
    const p = unpackParams(net, bank.params(0));
    for (let k = 0; k < net.L; k++) {
      const dw = maxAbsDiff(p.w[k], FIXTURE.w[k]);
      const db = maxAbsDiff(p.b[k], FIXTURE.b[k]);
      assert.ok(dw < TOL.weight && db < TOL.weight, `layer ${k}: |dW| ${dw} |db| ${db}`);
    }
    // the fixture's weights really moved: the comparison above is not against the start
    assert.ok(maxAbsDiff(p.w[0], INIT.w[0]) > 1e-3);
  });
}

Deno.test("trainer: softmax outputs after 20 epochs agree with PyTorch's", async () => {
  const t = await createFusedMlpTrainer({
    model: { type: "mlp", hidden: [10, 7, 5, 4, 3], activation: "tanh", init: "reference" },
    training: { epochs: 20, batchSize: 512, lr: 4e-4, optimizer: "adam", shuffle: false },
    datasets: [DATA],
    seeds: [0],
    backend: "wasm",
  });
  try {
    const losses: number[] = [];
    for (let e = 0; e < FIXTURE.epochs; e++) losses.push((await t.trainEpoch(e)).loss[0]);
    assert.ok(maxAbsDiff(losses, FIXTURE.epoch_loss) < TOL.loss);
    const cache = await t.model(0).capture(DATA.probe.x, 8);
    assert.ok(maxAbsDiff(cache.get("output")!.data, FIXTURE.probs_first8) < TOL.prob);
  } finally {
    t.dispose();
  }
});
