/**
 * Time to train the CIFAR ResNets (core/model/resnet.ts) here, on
 * synthetic data of CIFAR-10's real size and format: a temporary folder
 * of data_batch_1..5.bin / test_batch.bin with `--per-file` random records
 * each (32 x 32 x 3, random labels) read by the cifar10 loader, then one
 * epoch (batch `--batch`) of each `--depths` network on the training
 * images through the tfjs trainer, and the capture of every hook point on up
 * to 512 of them. Prints one JSON line per depth: seconds, ms per image and the
 * extrapolations to an epoch of 2000 and of 50 000 images.
 *
 *   deno run -A bench/cifar10_resnet.ts [--per-file 400] [--depths 8,14,20]
 *     [--batch 128] [--backend wasm|cpu|webgpu]
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  CIFAR10_RECORD,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
  loadCifar10,
} from "../core/data/cifar10.ts";
import { createRng } from "../core/rng.ts";
import { createTfjsTrainer } from "../core/train/tfjs_trainer.ts";
import type { BackendName } from "../core/types.ts";

const { values } = parseArgs({
  options: {
    "per-file": { type: "string", default: "400" },
    depths: { type: "string", default: "8,14,20" },
    batch: { type: "string", default: "128" },
    backend: { type: "string", default: "wasm" },
  },
});
const perFile = Number(values["per-file"]);
const dir = Deno.makeTempDirSync({ prefix: "cifar10-synthetic-" });
try {
  const rng = createRng(0, "bench-cifar");
  for (const name of [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE]) {
    const bytes = new Uint8Array(perFile * CIFAR10_RECORD);
    for (let r = 0; r < perFile; r++) {
      bytes[r * CIFAR10_RECORD] = rng.int(10);
      for (let i = 1; i < CIFAR10_RECORD; i++) bytes[r * CIFAR10_RECORD + i] = rng.int(256);
    }
    Deno.writeFileSync(`${dir}/${name}`, bytes);
  }
  const t0 = performance.now();
  const data = loadCifar10(
    { name: "cifar10", path: dir, subset: 0, testSubset: 0, probeSize: 0 },
    0,
  );
  const loadS = (performance.now() - t0) / 1000;
  for (const depth of values.depths!.split(",").map(Number)) {
    const trainer = await createTfjsTrainer({
      model: { type: "resnet", depth, width: 16, activation: "relu", init: "tfjs" },
      training: {
        epochs: 1,
        batchSize: Number(values.batch),
        lr: 1e-3,
        optimizer: "adam",
        shuffle: true,
      },
      datasets: [data],
      seeds: [0],
      backend: values.backend as BackendName,
    });
    try {
      const t1 = performance.now();
      await trainer.trainEpoch(0);
      const epochS = (performance.now() - t1) / 1000;
      const t2 = performance.now();
      const rows = Math.min(512, data.nTrain);
      await trainer.capture(data.xTrain.subarray(0, rows * 3072), rows);
      const captureS = (performance.now() - t2) / 1000;
      const msPerImage = (1000 * epochS) / data.nTrain;
      console.log(JSON.stringify({
        depth,
        backend: trainer.backend,
        images: data.nTrain,
        load_s: +loadS.toFixed(2),
        epoch_s: +epochS.toFixed(1),
        ms_per_image: +msPerImage.toFixed(2),
        epoch_2000_s: +((msPerImage * 2000) / 1000).toFixed(0),
        epoch_50000_min: +((msPerImage * 50000) / 60000).toFixed(1),
        capture_rows: rows,
        capture_s: +captureS.toFixed(2),
      }));
    } finally {
      trainer.dispose();
    }
  }
} finally {
  Deno.removeSync(dir, { recursive: true });
}
