/**
 * The tfjs trainer frees what it allocates: tf.memory().numTensors returns
 * to its baseline after a trainer's whole life (3 epochs with and without
 * onBatch, capture, evaluate, forwardFrom, dispose), and stays flat from
 * one epoch to the next.
 */
import assert from "node:assert/strict";
import { ensureGradients, initBackend, tensorCount } from "../core/backend.ts";
import { createTfjsTrainer } from "../core/train/tfjs_trainer.ts";
import type { Dataset, ModelSpec, TrainingSpec } from "../core/types.ts";
import { SMALL_CNN, syntheticDataset, training } from "./tfjs_synthetic.ts";

const CASES: { name: string; model: ModelSpec; data: Dataset; training: TrainingSpec }[] = [
  {
    name: "MLP, adam, contiguous batches",
    model: { type: "mlp", hidden: [6, 5], activation: "tanh", init: "reference" },
    data: syntheticDataset(37, [4], 3),
    training: training({ batchSize: 10 }),
  },
  {
    name: "CNN, sgd, shuffled batches",
    model: SMALL_CNN,
    data: syntheticDataset(20, [28, 28, 1], 10, 2),
    training: training({ batchSize: 8, optimizer: "sgd", shuffle: true }),
  },
];

for (const c of CASES) {
  Deno.test(`tfjs trainer leaks no tensors: ${c.name}`, async () => {
    await initBackend("wasm");
    await ensureGradients();
    const base = tensorCount();
    const t = await createTfjsTrainer({
      model: c.model,
      training: c.training,
      datasets: [c.data, c.data],
      seeds: [0, 1],
      backend: "wasm",
    });
    const counts: number[] = [];
    let batches = 0;
    for (let e = 0; e < 3; e++) {
      await t.trainEpoch(e, e === 1 ? () => void batches++ : undefined);
      counts.push(tensorCount());
    }
    assert.ok(batches > 2, "onBatch was called");
    // epoch 0 creates the optimiser state; nothing grows after it
    assert.equal(counts[1], counts[0]);
    assert.equal(counts[2], counts[0]);
    const caches = await t.capture(c.data.probe.x, 5);
    await t.evaluate(c.data.xTest, c.data.yTest, c.data.nTest);
    const layer = t.layers[t.layers.length - 2].name;
    await t.model(1).forwardFrom(layer, caches[1].get(layer)!);
    await t.model(0).forwardFrom("output", caches[0].get("output")!);
    await t.model(0).capture(c.data.probe.x, 3);
    assert.equal(tensorCount(), counts[0], "capture / evaluate / forwardFrom keep nothing");
    t.dispose();
    assert.equal(tensorCount(), base);
  });
}
