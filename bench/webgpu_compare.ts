/**
 * webgpu against wasm on the same work, for bench/gpu_check.sh: times and
 * how far the results drift apart.
 *
 * - `protocol`: the 12-bit net (12-10-7-5-4-3-2 tanh, Adam 4e-4, batch 512,
 *   3277 rows, seed 0) trained `--epochs` epochs with the tfjs trainer;
 *   the per-epoch losses must agree within 1e-4 (exit 1 otherwise).
 * - `cnn`: one epoch of the MNIST CNN of examples/complexity_mnist_cnn.yaml
 *   (conv 8x5, conv 16x5, dense 64, relu, Adam 1e-3, batch 64) on
 *   `--mnist` class-balanced training images.
 * - `disentangler`: one epoch of the conv disentangler of order 3
 *   (16 channels, batch 128) on `--conv-samples` MNIST images with a
 *   64-value target, then its mean squared error on those images.
 *
 *   deno run -A bench/webgpu_compare.ts [--epochs 100] [--mnist 1000] [--conv-samples 512]
 *     [--only protocol,cnn,disentangler]
 *
 * Prints one JSON line per part (wasm and webgpu seconds, the differences).
 *
 * @module
 */
import { parseArgs } from "node:util";
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import { initBackend, tfVersions } from "../core/backend.ts";
import { loadMnist } from "../core/data/mnist.ts";
import { loadTishby12 } from "../core/data/tishby12.ts";
import { createRng } from "../core/rng.ts";
import { createTfjsTrainer } from "../core/train/tfjs_trainer.ts";
import type { BackendName, Dataset, ModelSpec, TrainingSpec } from "../core/types.ts";
import {
  convNetVariables,
  createConvNet,
  disposeConvNet,
  forwardConvNet,
} from "../plugins/complexity/conv_disentangler_net.ts";
import { fitBatches } from "../plugins/complexity/fit.ts";
import { ensureGradients } from "../core/gradients.ts";
import { projectionTarget } from "./projection_target.ts";

const { values } = parseArgs({
  options: {
    epochs: { type: "string", default: "100" },
    mnist: { type: "string", default: "1000" },
    "conv-samples": { type: "string", default: "512" },
    only: { type: "string", default: "protocol,cnn,disentangler" },
  },
});
const parts = new Set(values.only!.split(","));
const BACKENDS: BackendName[] = ["wasm", "webgpu"];
const PROTOCOL_TOL = 1e-4;
const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
const secs = (t0: number) => +((performance.now() - t0) / 1000).toFixed(3);

async function trainLosses(
  backend: BackendName,
  model: ModelSpec,
  training: TrainingSpec,
  data: Dataset,
): Promise<{ losses: number[]; s: number; firstEpochS: number }> {
  const t = await createTfjsTrainer({ model, training, datasets: [data], seeds: [0], backend });
  try {
    const losses: number[] = [];
    const t0 = performance.now();
    let firstEpochS = 0;
    for (let e = 0; e < training.epochs; e++) {
      losses.push((await t.trainEpoch(e)).loss[0]);
      if (e === 0) firstEpochS = secs(t0);
    }
    return { losses, s: secs(t0), firstEpochS };
  } finally {
    t.dispose();
  }
}

let failed = false;

if (parts.has("protocol")) {
  const epochs = Number(values.epochs);
  const data = loadTishby12({ name: "tishby12", split: "reference", trainFraction: 0.8 }, 0);
  const model: ModelSpec = {
    type: "mlp",
    hidden: [10, 7, 5, 4, 3],
    activation: "tanh",
    init: "reference",
  };
  const training: TrainingSpec = {
    epochs,
    batchSize: 512,
    lr: 4e-4,
    optimizer: "adam",
    shuffle: false,
  };
  const r = [];
  for (const b of BACKENDS) r.push(await trainLosses(b, model, training, data));
  const d = maxDiff(r[0].losses, r[1].losses);
  if (!(d <= PROTOCOL_TOL)) failed = true;
  console.log(JSON.stringify({
    bench: "webgpu_compare",
    part: "protocol_12bit",
    epochs,
    wasm_s: r[0].s,
    webgpu_s: r[1].s,
    max_loss_diff: +d.toExponential(2),
    tolerance: PROTOCOL_TOL,
    ok: d <= PROTOCOL_TOL,
    last_loss: +r[0].losses[epochs - 1].toFixed(6),
  }));
}

if (parts.has("cnn")) {
  const subset = Number(values.mnist);
  const data = loadMnist({ name: "mnist", subset, testSubset: 100, probeSize: 0 }, 0);
  const model: ModelSpec = {
    type: "cnn",
    conv: [{ filters: 8, kernel: 5 }, { filters: 16, kernel: 5 }],
    dense: [64],
    activation: "relu",
    init: "tfjs",
  };
  const training: TrainingSpec = {
    epochs: 1,
    batchSize: 64,
    lr: 1e-3,
    optimizer: "adam",
    shuffle: true,
  };
  const r = [];
  for (const b of BACKENDS) r.push(await trainLosses(b, model, training, data));
  console.log(JSON.stringify({
    bench: "webgpu_compare",
    part: "mnist_cnn_epoch",
    images: data.nTrain,
    wasm_s: r[0].s,
    webgpu_s: r[1].s,
    loss_wasm: +r[0].losses[0].toFixed(6),
    loss_diff: +Math.abs(r[0].losses[0] - r[1].losses[0]).toExponential(2),
  }));
}

if (parts.has("disentangler")) {
  const n = Number(values["conv-samples"]), dim = 64;
  const data = loadMnist({ name: "mnist", subset: n, testSubset: 100, probeSize: 0 }, 0);
  const f = projectionTarget(data.xTrain, n, dim, createRng(0, "bench-conv"));
  const out: Record<string, { s: number; mse: number }> = {};
  for (const b of BACKENDS) {
    await initBackend(b);
    await ensureGradients();
    const rng = createRng(1, "bench-conv-net");
    const net = createConvNet([28, 28, 1], 16, dim, 3, rng);
    const t0 = performance.now();
    fitBatches(
      convNetVariables(net),
      [{ data: data.xTrain.subarray(0, n * 784), cols: 784 }, { data: f, cols: dim }],
      n,
      ([xb, zb]) => tf.losses.meanSquaredError(zb, forwardConvNet(net, xb)) as tf.Scalar,
      { epochs: 1, batchSize: 128, rng },
    );
    const mseT = tf.tidy(() =>
      tf.losses.meanSquaredError(
        tf.tensor2d(f, [n, dim]),
        forwardConvNet(net, tf.tensor2d(data.xTrain.subarray(0, n * 784), [n, 784])),
      )
    );
    const mse = (await mseT.data())[0];
    out[b] = { s: secs(t0), mse };
    mseT.dispose();
    disposeConvNet(net);
  }
  console.log(JSON.stringify({
    bench: "webgpu_compare",
    part: "conv_disentangler_epoch",
    samples: n,
    wasm_s: out.wasm.s,
    webgpu_s: out.webgpu.s,
    mse_wasm: +out.wasm.mse.toFixed(6),
    mse_rel_diff: +(Math.abs(out.wasm.mse - out.webgpu.mse) / out.wasm.mse).toExponential(2),
  }));
}

await initBackend("webgpu");
console.log(JSON.stringify({ bench: "webgpu_compare", versions: tfVersions() }));
await initBackend("wasm");
if (failed) {
  console.error(`webgpu_compare: 12-bit losses differ by more than ${PROTOCOL_TOL}`);
  Deno.exit(1);
}
