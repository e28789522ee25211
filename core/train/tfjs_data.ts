/**
 * The data side of the tfjs trainer (tfjs_trainer.ts): training sets
 * checked and put on the device as mini-batches, once when the rows keep
 * their order, per epoch when they are shuffled, and the chunking that
 * bounds what capture and evaluation hold at once.
 *
 * @module
 */
import * as tf from "../../deps/tensorflow_tfjs_core.ts";
import { LensError } from "../errors.ts";
import { createRng, permutation } from "../rng.ts";
import type { Dataset, TrainerOptions } from "../types.ts";
import { checkTrainerOptions, failOption } from "./check_options.ts";

/** Values held at once when capturing or evaluating in chunks (floats). */
const CHUNK_FLOATS = 1 << 22;

/** Rows per chunk so that `unitsPerRow` values per row stay under the chunk size. */
export function chunkRows(unitsPerRow: number): number {
  return Math.max(1, Math.floor(CHUNK_FLOATS / unitsPerRow));
}

/** Rows on the device: inputs, one-hot and integer labels. */
export interface Batch {
  x: tf.Tensor2D;
  yHot: tf.Tensor2D;
  yInt: tf.Tensor1D;
  count: number;
}

/** Puts `y.length` rows of `cols` inputs and their labels on the device. */
export function upload(x: Float32Array, y: Int32Array, cols: number, classes: number): Batch {
  const count = y.length;
  return tf.tidy(() => {
    const yInt = tf.tensor1d(y, "int32");
    return { x: tf.tensor2d(x, [count, cols]), yHot: tf.oneHot(yInt, classes), yInt, count };
  }) as Batch;
}

/** Frees a batch's tensors. */
export function disposeBatch(b: Batch): void {
  tf.dispose([b.x, b.yHot, b.yInt]);
}

/**
 * Checks a trainer's options and its seeds' data sets: one input shape and
 * class count, rows enough for `nTrain`, labels in range.
 */
export function validateTrainerData(opts: TrainerOptions): void {
  const { datasets } = opts;
  checkTrainerOptions(opts);
  const units = (d: Dataset) => d.inputShape.reduce((a, b) => a * b, 1);
  const first = datasets[0];
  for (const d of datasets) {
    if (
      d.inputShape.join("x") !== first.inputShape.join("x") || d.numClasses !== first.numClasses
    ) {
      failOption(
        `seeds' data sets differ in shape ([${d.inputShape}] / ${d.numClasses} classes)`,
        "datasets",
        "one input shape and class count for all seeds",
      );
    }
    if (d.nTrain < 1) failOption(`data set ${d.name} has no training rows`, "data", "nTrain >= 1");
    if (d.xTrain.length < d.nTrain * units(d) || d.yTrain.length < d.nTrain) {
      throw new LensError(`data set ${d.name} holds fewer values than nTrain rows need`, {
        code: "data",
        field: "xTrain",
        expected: `${d.nTrain} rows of ${units(d)} inputs and ${d.nTrain} labels`,
      });
    }
    for (let i = 0; i < d.nTrain; i++) {
      const y = d.yTrain[i];
      if (!(y >= 0 && y < d.numClasses)) {
        throw new LensError(`data set ${d.name}: label ${y} of training row ${i}`, {
          code: "data",
          field: "yTrain",
          expected: `labels 0 .. ${d.numClasses - 1}`,
        });
      }
    }
  }
}

/** A LensError naming `field` unless `x` holds `n` rows of `cols` values. */
export function checkRows(x: Float32Array, n: number, cols: number, field: string): void {
  if (!Number.isInteger(n) || n < 0 || x.length < n * cols) {
    throw new LensError(`${x.length} values cannot hold ${n} rows`, {
      code: "data",
      field,
      expected: `${n} rows of ${cols} values (${n * cols})`,
    });
  }
}

/** The mini-batches of every seed's training set. */
export interface TrainingBatches {
  /**
   * Batches of seed index `s` in epoch `epoch`, in order; `true` beside a
   * batch uploaded for this epoch alone (the caller disposes it).
   */
  batchesOf(s: number, epoch: number): Generator<[Batch, boolean]>;
  /** Frees the batches kept on the device. */
  dispose(): void;
}

/**
 * The training batches of `datasets` (one per seed, shared ones uploaded
 * once): contiguous rows in data order, the last one partial, uploaded
 * once; with `shuffle`, the rows of epoch e follow
 * `permutation(createRng(seed, "batch:" + e), n)`, uploaded per batch.
 */
export function trainingBatches(
  datasets: Dataset[],
  seeds: readonly number[],
  batchSize: number,
  shuffle: boolean,
  cols: number,
  classes: number,
): TrainingBatches {
  const B = batchSize;
  const fixed = new Map<Dataset, Batch[]>();
  if (!shuffle) {
    for (const d of datasets) {
      if (fixed.has(d)) continue;
      const batches: Batch[] = [];
      for (let start = 0; start < d.nTrain; start += B) {
        const end = Math.min(d.nTrain, start + B);
        batches.push(
          upload(
            d.xTrain.subarray(start * cols, end * cols),
            d.yTrain.subarray(start, end),
            cols,
            classes,
          ),
        );
      }
      fixed.set(d, batches);
    }
  }
  return {
    *batchesOf(s: number, epoch: number): Generator<[Batch, boolean]> {
      const d = datasets[s];
      const kept = fixed.get(d);
      if (kept) {
        for (const b of kept) yield [b, false];
        return;
      }
      const order = permutation(createRng(seeds[s], "batch:" + epoch), d.nTrain);
      for (let start = 0; start < d.nTrain; start += B) {
        const end = Math.min(d.nTrain, start + B);
        const x = new Float32Array((end - start) * cols);
        const y = new Int32Array(end - start);
        for (let r = start; r < end; r++) {
          const i = order[r];
          x.set(d.xTrain.subarray(i * cols, (i + 1) * cols), (r - start) * cols);
          y[r - start] = d.yTrain[i];
        }
        yield [upload(x, y, cols, classes), true];
      }
    },
    dispose() {
      for (const batches of fixed.values()) batches.forEach(disposeBatch);
    },
  };
}
