/**
 * Time of one Adam step of a conv disentangler (plugins/complexity
 * conv_disentangler_net.ts) on MNIST 28x28x1 images, per order: the net of
 * order l is built directly and trained one epoch on `samples` images with
 * a 64-value target (a random linear map of the image: the step's cost
 * does not depend on what is mimicked).
 *
 *   deno run -A bench/disentangle_conv_step.ts [--samples 512] [--orders 1,3]
 *     [--channels 16] [--batch 128] [--backend wasm|cpu]
 *
 * Prints one JSON line: ms per step for each order (after one warm-up
 * epoch).
 *
 * @module
 */
import { parseArgs } from "node:util";
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import { setWasmPaths } from "../deps/tensorflow_tfjs_backend_wasm.ts";
import "../deps/tensorflow_tfjs_backend_cpu.ts";
import { loadMnist } from "../core/data/mnist.ts";
import { createRng } from "../core/rng.ts";
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
    samples: { type: "string", default: "512" },
    orders: { type: "string", default: "1,3" },
    channels: { type: "string", default: "16" },
    batch: { type: "string", default: "128" },
    backend: { type: "string", default: "wasm" },
  },
});
const n = Number(values.samples), channels = Number(values.channels);
const batch = Number(values.batch);
const orders = values.orders!.split(",").map(Number);

setWasmPaths(
  new URL(
    "./",
    import.meta.resolve("npm:@tensorflow/tfjs-backend-wasm@4.22.0/dist/tfjs-backend-wasm.wasm"),
  )
    .href,
);
await tf.setBackend(values.backend!);
await ensureGradients();

const data = loadMnist({ name: "mnist", subset: n, testSubset: 100, probeSize: 0 }, 0);
const dim = 64;
const rng = createRng(0, "bench-conv");
const f = projectionTarget(data.xTrain, n, dim, rng);

const msPerStep: Record<string, number> = {};
for (const order of orders) {
  const net = createConvNet([28, 28, 1], channels, dim, order, rng);
  const run = () =>
    fitBatches(
      convNetVariables(net),
      [{ data: data.xTrain.subarray(0, n * 784), cols: 784 }, { data: f, cols: dim }],
      n,
      ([xb, zb]) => tf.losses.meanSquaredError(zb, forwardConvNet(net, xb)) as tf.Scalar,
      { epochs: 1, batchSize: batch, rng },
    );
  run(); // warm-up
  const t = performance.now();
  run();
  await convNetVariables(net)[0].data(); // wait for the last step
  msPerStep[order] = +((performance.now() - t) / Math.ceil(n / batch)).toFixed(1);
  disposeConvNet(net);
}
console.log(JSON.stringify({
  bench: "disentangle_conv_step",
  backend: tf.getBackend(),
  image: [28, 28, 1],
  channels,
  batch,
  dim,
  ms_per_step: msPerStep,
}));
