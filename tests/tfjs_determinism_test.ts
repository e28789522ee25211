/**
 * The tfjs trainer is a function of its seed: the same seed gives the same
 * numbers bit for bit, another seed different ones; seeds held together in
 * one trainer train as they would alone; and shuffled batches follow
 * `permutation(createRng(seed, "batch:" + epoch), n)`.
 */
import assert from "node:assert/strict";
import { createRng, permutation } from "../core/rng.ts";
import { createTfjsTrainer } from "../core/train/tfjs_trainer.ts";
import type { Dataset, ModelSpec, Trainer, TrainingSpec } from "../core/types.ts";
import { syntheticDataset, training } from "./tfjs_synthetic.ts";

const MLP: ModelSpec = { type: "mlp", hidden: [8, 6], activation: "tanh", init: "reference" };
const DATA = syntheticDataset(50, [5], 3, 7);

async function run(
  seeds: number[],
  spec: Partial<TrainingSpec>,
  data: Dataset = DATA,
  epochs = 3,
): Promise<{ losses: number[][]; probe: Float32Array[] }> {
  const t: Trainer = await createTfjsTrainer({
    model: MLP,
    training: training(spec),
    datasets: seeds.map(() => data),
    seeds,
    backend: "wasm",
  });
  try {
    const losses: number[][] = [];
    for (let e = 0; e < epochs; e++) losses.push((await t.trainEpoch(e)).loss);
    const caches = await t.capture(DATA.probe.x, DATA.probe.n);
    return { losses, probe: caches.map((c) => c.get("dense_2")!.data) };
  } finally {
    t.dispose();
  }
}

for (const shuffle of [false, true]) {
  Deno.test(`same seed, same numbers; other seed, other numbers (shuffle ${shuffle})`, async () => {
    const a = await run([4], { shuffle });
    const b = await run([4], { shuffle });
    const c = await run([5], { shuffle });
    assert.deepEqual(a.losses, b.losses);
    assert.deepEqual(a.probe, b.probe);
    assert.notDeepEqual(a.losses, c.losses);
    assert.notDeepEqual(a.probe[0].slice(0, 8), c.probe[0].slice(0, 8));
  });
}

Deno.test("seeds in one trainer train exactly as they do alone", async () => {
  const both = await run([4, 5], { shuffle: true });
  const a = await run([4], { shuffle: true });
  const c = await run([5], { shuffle: true });
  assert.deepEqual(both.losses.map((l) => l[0]), a.losses.map((l) => l[0]));
  assert.deepEqual(both.losses.map((l) => l[1]), c.losses.map((l) => l[0]));
  assert.deepEqual(both.probe, [a.probe[0], c.probe[0]]);
});

Deno.test("shuffled epoch e uses permutation(createRng(seed, 'batch:' + e))", async () => {
  // epoch 0 shuffled == epoch 0 on the rows permuted by hand, in order
  const order = permutation(createRng(4, "batch:0"), DATA.nTrain);
  const d = 5;
  const xs = new Float32Array(DATA.xTrain.length);
  const ys = new Int32Array(DATA.nTrain);
  order.forEach((i, r) => {
    xs.set(DATA.xTrain.subarray(i * d, (i + 1) * d), r * d);
    ys[r] = DATA.yTrain[i];
  });
  const permuted: Dataset = { ...DATA, xTrain: xs, yTrain: ys };
  const shuffled = await run([4], { shuffle: true }, DATA, 1);
  const byHand = await run([4], { shuffle: false }, permuted, 1);
  const plain = await run([4], { shuffle: false }, DATA, 1);
  assert.deepEqual(shuffled.losses, byHand.losses);
  assert.deepEqual(shuffled.probe, byHand.probe);
  assert.notDeepEqual(shuffled.probe[0].slice(0, 8), plain.probe[0].slice(0, 8));
});
