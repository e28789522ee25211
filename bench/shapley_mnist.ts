/**
 * Speed of exact Shapley values with 6 orders on 10 000 MNIST test
 * features: 2^6 = 64 coalitions, each a forward pass of the upper layers
 * of the network over all 10 000 samples (640 000 rows in all), through
 * `ModelHandle.forwardFrom` in large batches (plugins/complexity
 * coalitions.ts, shapley_game.ts). Goal: under 30 s on 2 cores.
 *
 *   deno run -A bench/shapley_mnist.ts [--handle fused|dense] [--repeats 3] [--chunk 65536]
 *
 * `fused`: a 784-256-128-64-10 ReLU MLP trained one epoch on 2000 MNIST
 * images by the fused trainer (the engine's MLP path); `dense`: the same
 * architecture with seeded random weights through this family's
 * typed-array handle. Components: the dense_3 feature split into six
 * random parts that sum to it (the timing does not depend on their
 * values). Prints one JSON line; best of `repeats`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { loadMnist } from "../core/data/mnist.ts";
import { initDense } from "../core/model/init.ts";
import { createRng } from "../core/rng.ts";
import { createTrainer } from "../core/train/create_trainer.ts";
import type { ModelHandle } from "../core/types.ts";
import type { DisentangleArtifact } from "../plugins/complexity/artifact.ts";
import { createDenseHandle } from "../plugins/complexity/dense_handle.ts";
import { captureLayer } from "../plugins/complexity/feature_capture.ts";
import { playShapley } from "../plugins/complexity/shapley_game.ts";

const { values } = parseArgs({
  options: {
    handle: { type: "string", default: "fused" },
    repeats: { type: "string", default: "3" },
    orders: { type: "string", default: "6" },
  },
});
const L = Number(values.orders);
const hidden = [256, 128, 64];
const layer = "dense_3";
const data = loadMnist({ name: "mnist", subset: 2000, testSubset: 0, probeSize: 1000 }, 0);
const inDim = 784;

let model: ModelHandle;
let dispose = () => {};
const t0 = performance.now();
if (values.handle === "fused") {
  const trainer = await createTrainer("fused", {
    model: { type: "mlp", hidden, activation: "relu", init: "reference" },
    training: { epochs: 1, batchSize: 64, lr: 1e-3, optimizer: "adam", shuffle: true },
    datasets: [data],
    seeds: [0],
    backend: "wasm",
  });
  await trainer.trainEpoch(0);
  model = trainer.model(0);
  dispose = () => trainer.dispose();
} else {
  model = createDenseHandle(initDense(0, [inDim, ...hidden, 10], "reference"), "relu");
}
const setupS = (performance.now() - t0) / 1000;

const n = data.nTest;
const f = await captureLayer(model, layer, data.xTest, n, inDim);
const dim = f.cols;
// Six random parts summing to f.
const rng = createRng(0, "bench-split");
const components = Array.from({ length: L }, () => new Float32Array(n * dim));
for (let i = 0; i < n * dim; i++) {
  const w = Array.from({ length: L }, () => rng.next());
  const s = w.reduce((a, b) => a + b, 0);
  for (let l = 0; l < L; l++) components[l][i] = (f.data[i] * w[l]) / s;
}
const split = { n, f: f.data, components, labels: data.yTest };
const art: DisentangleArtifact = {
  seed: 0,
  layer,
  dim,
  orders: L,
  trainRows: new Int32Array(0),
  train: split,
  test: split,
  loss: [],
};

const times: number[] = [];
let phi: number[] = [];
for (let r = 0; r < Number(values.repeats); r++) {
  const t = performance.now();
  const res = await playShapley(
    model,
    art,
    { baseline: "zero", residual: false, method: "exact", permutations: 0, seed: 0 },
    false,
    new Map(),
  );
  times.push((performance.now() - t) / 1000);
  phi = [...res.train.phi];
}
dispose();
console.log(JSON.stringify({
  bench: "shapley_mnist",
  handle: values.handle,
  rows: n,
  players: L,
  coalitions: 1 << L,
  forward_rows: n << L,
  setup_s: +setupS.toFixed(2),
  shapley_s: times.map((t) => +t.toFixed(3)),
  best_s: +Math.min(...times).toFixed(3),
  goal_s: 30,
  phi: phi.map((v) => +v.toFixed(4)),
}));
