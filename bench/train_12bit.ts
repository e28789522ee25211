/**
 * Speed of the fused MLP trainer on the 12-bit protocol: 8000 epochs of the
 * 12-10-7-5-4-3-2 tanh net (Adam 4e-4, batch 512, 3277 rows, contiguous),
 * with activations captured on all 4096 inputs (and the test set evaluated)
 * at the 274 log-spaced epochs, as the engine does. No MI: that is the
 * mi-binned plugin's cost, measured by bench/protocol_12bit.ts.
 *
 *   deno run -A bench/train_12bit.ts [--seeds 20] [--epochs 8000] [--grads]
 *     [--kernel wasm-simd|js] [--workers N] [--one-seed-modes]
 *
 * Runs 1 seed, then `--seeds` seeds, and prints one JSON line. `--grads`
 * also asks for per-batch gradients at sampled epochs (grad-snr).
 * `--one-seed-modes` times 1 seed both in-process and in one worker.
 */
import { parseArgs } from "node:util";
import { logSpacedEpochs } from "../core/schedule.ts";
import { createFusedMlpTrainer, type FusedMlpTuning } from "../core/train/fused/fused_mlp.ts";
import type { KernelBackend } from "../core/train/fused/fused_mlp_kernel.ts";
import type { TrainerOptions } from "../core/types.ts";
import { task12 } from "../tests/fused_mlp_task12.ts";

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "20" },
    epochs: { type: "string", default: "8000" },
    grads: { type: "boolean", default: false },
    kernel: { type: "string" },
    workers: { type: "string" },
    "one-seed-modes": { type: "boolean", default: false },
  },
});
const epochs = Number(values.epochs);
const data = task12();
const sampled = new Set(logSpacedEpochs(epochs, 400));

interface Timing {
  seeds: number;
  workers: number | "auto";
  total_s: number;
  train_s: number;
  capture_s: number;
  ms_per_epoch: number;
  final_loss_mean: number;
}

async function time(nSeeds: number, tuning: FusedMlpTuning): Promise<Timing> {
  const seeds = Array.from({ length: nSeeds }, (_, i) => i);
  const opts: TrainerOptions = {
    model: { type: "mlp", hidden: [10, 7, 5, 4, 3], activation: "tanh", init: "reference" },
    training: { epochs, batchSize: 512, lr: 0.0004, optimizer: "adam", shuffle: false },
    datasets: seeds.map(() => data),
    seeds,
    backend: "wasm",
  };
  const t0 = performance.now();
  const trainer = await createFusedMlpTrainer(opts, tuning);
  let trainMs = 0, captureMs = 0, last: number[] = [];
  try {
    for (let e = 0; e < epochs; e++) {
      const grads = values.grads && sampled.has(e);
      if (sampled.has(e)) {
        const tc = performance.now();
        await trainer.capture(data.probe.x, data.probe.n);
        await trainer.evaluate(data.xTest, data.yTest, data.nTest);
        captureMs += performance.now() - tc;
      }
      const tt = performance.now();
      const stats = await trainer.trainEpoch(e, grads ? () => {} : undefined);
      trainMs += performance.now() - tt;
      last = stats.loss;
    }
  } finally {
    trainer.dispose();
  }
  const total = (performance.now() - t0) / 1000;
  return {
    seeds: nSeeds,
    workers: tuning.workers ?? "auto",
    total_s: Number(total.toFixed(2)),
    train_s: Number((trainMs / 1000).toFixed(2)),
    capture_s: Number((captureMs / 1000).toFixed(2)),
    ms_per_epoch: Number((trainMs / epochs).toFixed(3)),
    final_loss_mean: Number((last.reduce((a, b) => a + b, 0) / last.length).toFixed(5)),
  };
}

const base: FusedMlpTuning = {
  kernel: values.kernel as KernelBackend | undefined,
  workers: values.workers === undefined ? undefined : Number(values.workers),
};
const runs: Timing[] = [];
if (values["one-seed-modes"]) {
  runs.push(await time(1, { ...base, workers: 0 }));
  runs.push(await time(1, { ...base, workers: 1 }));
} else {
  runs.push(await time(1, base));
}
const n = Number(values.seeds);
if (n > 1) runs.push(await time(n, base));

const load = await Deno.readTextFile("/proc/loadavg").catch(() => "");
console.log(JSON.stringify({
  bench: "train_12bit",
  epochs,
  sampled_epochs: sampled.size,
  grads: values.grads,
  kernel: base.kernel ?? "default",
  cores: navigator.hardwareConcurrency,
  loadavg_after: load.split(" ").slice(0, 3).join(" "),
  runs,
}));
