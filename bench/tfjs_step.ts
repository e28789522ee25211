/**
 * Speed of plain tfjs on the 12-bit network: milliseconds per training
 * epoch of the 12-10-7-5-4-3-2 tanh net (Adam 4e-4, batch 512, 3277 rows,
 * contiguous: 7 batches) with the tfjs trainer, one seed, per backend;
 * with and without per-batch gradients read back (grad-snr's path), and
 * a capture of all 4096 inputs. For comparison with the fused kernel
 * (bench/train_12bit.ts).
 *
 *   deno run -A bench/tfjs_step.ts [--epochs 30] [--backends wasm,cpu[,webgpu]]
 *
 * Prints one JSON line.
 */
import { parseArgs } from "node:util";
import { tfVersions } from "../core/backend.ts";
import { loadTishby12 } from "../core/data/tishby12.ts";
import { createTfjsTrainer } from "../core/train/tfjs_trainer.ts";
import type { BackendName } from "../core/types.ts";

const { values } = parseArgs({
  options: {
    epochs: { type: "string", default: "30" },
    backends: { type: "string", default: "wasm,cpu" },
  },
});
const epochs = Number(values.epochs);
const data = loadTishby12({ name: "tishby12", split: "reference", trainFraction: 0.8 }, 0);

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function measure(backend: BackendName) {
  const t = await createTfjsTrainer({
    model: { type: "mlp", hidden: [10, 7, 5, 4, 3], activation: "tanh", init: "reference" },
    training: { epochs, batchSize: 512, lr: 4e-4, optimizer: "adam", shuffle: false },
    datasets: [data],
    seeds: [0],
    backend,
  });
  try {
    const versions = tfVersions();
    for (let e = 0; e < 3; e++) await t.trainEpoch(e); // warm-up (kernels, shaders, moments)
    const plain: number[] = [];
    for (let e = 0; e < epochs; e++) {
      const t0 = performance.now();
      await t.trainEpoch(3 + e);
      plain.push(performance.now() - t0);
    }
    const withGrads: number[] = [];
    for (let e = 0; e < Math.max(3, Math.floor(epochs / 3)); e++) {
      const t0 = performance.now();
      await t.trainEpoch(3 + epochs + e, () => {});
      withGrads.push(performance.now() - t0);
    }
    const t0 = performance.now();
    await t.capture(data.probe.x, data.probe.n);
    const capture = performance.now() - t0;
    return {
      backend: t.backend,
      ms_per_epoch: +median(plain).toFixed(2),
      ms_per_epoch_with_grads: +median(withGrads).toFixed(2),
      ms_capture_4096: +capture.toFixed(2),
      epochs_timed: plain.length,
      versions,
    };
  } finally {
    t.dispose();
  }
}

const results = [];
for (const b of values.backends.split(",")) results.push(await measure(b.trim() as BackendName));
console.log(JSON.stringify({ bench: "tfjs_step", task: "12-bit, batch 512, 3277 rows", results }));
