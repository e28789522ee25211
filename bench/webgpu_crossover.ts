/**
 * Where webgpu starts to beat wasm for training: milliseconds per step of
 * an MLP `784-w-w-10` (relu, Adam, batch `--batch`) on MNIST images for
 * each width `w` of `--widths`, on both backends, with the step's
 * multiply-adds (core/webgpu/choose.ts stepMacs) - the measure `backend:
 * auto` compares with WEBGPU_MIN_MACS. The first epoch (shader compiles,
 * warm-up) is not timed.
 *
 *   deno run -A bench/webgpu_crossover.ts [--widths 64,256,1024] [--batch 128] [--images 1024]
 *
 * Prints one JSON line per width and one with the smallest width at which
 * webgpu was faster (null: never, as on a CPU adapter).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { tfVersions } from "../core/backend.ts";
import { loadMnist } from "../core/data/mnist.ts";
import { createTfjsTrainer } from "../core/train/tfjs_trainer.ts";
import type { BackendName, ModelSpec } from "../core/types.ts";
import { stepMacs } from "../core/webgpu/choose.ts";

const { values } = parseArgs({
  options: {
    widths: { type: "string", default: "64,256,1024" },
    batch: { type: "string", default: "128" },
    images: { type: "string", default: "1024" },
  },
});
const batch = Number(values.batch);
const data = loadMnist(
  { name: "mnist", subset: Number(values.images), testSubset: 100, probeSize: 0 },
  0,
);
const steps = Math.ceil(data.nTrain / batch);

async function msPerStep(backend: BackendName, model: ModelSpec): Promise<number> {
  const t = await createTfjsTrainer({
    model,
    training: { epochs: 3, batchSize: batch, lr: 1e-3, optimizer: "adam", shuffle: false },
    datasets: [data],
    seeds: [0],
    backend,
  });
  try {
    await t.trainEpoch(0);
    const t0 = performance.now();
    await t.trainEpoch(1);
    await t.trainEpoch(2);
    return (performance.now() - t0) / (2 * steps);
  } finally {
    t.dispose();
  }
}

let crossover: number | null = null;
let adapter = "";
for (const w of values.widths!.split(",").map(Number)) {
  const model: ModelSpec = { type: "mlp", hidden: [w, w], activation: "relu", init: "tfjs" };
  const wasm = await msPerStep("wasm", model);
  const webgpu = await msPerStep("webgpu", model);
  adapter ||= tfVersions().webgpuAdapter ?? "";
  const macs = stepMacs(model, data.inputShape, data.numClasses, batch);
  if (crossover === null && webgpu < wasm) crossover = macs;
  console.log(JSON.stringify({
    bench: "webgpu_crossover",
    width: w,
    macs_per_step: macs,
    wasm_ms_per_step: +wasm.toFixed(2),
    webgpu_ms_per_step: +webgpu.toFixed(2),
  }));
}
console.log(JSON.stringify({ bench: "webgpu_crossover", adapter, crossover_macs: crossover }));
