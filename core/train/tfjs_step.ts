/**
 * The step side of the tfjs trainer (tfjs_trainer.ts): one seed's epoch of
 * optimiser steps, the epoch's loss and accuracy read back once, and the
 * evaluation of every seed's network on held-out rows.
 *
 * - Loss: softmax cross-entropy through logSoftmax, mean over the batch.
 * - Epoch loss and accuracy are those of the batches as they were trained
 *   (before each step), summed over rows and divided by n; they stay on
 *   the device until one read per epoch.
 * - With `onBatch`, gradients come from tf.variableGrads, the kernel
 *   gradients (and the batch loss) are read back in one read per batch,
 *   handed over keyed by hook-point name, then applied.
 *
 * @module
 */
import * as tf from "../../deps/tensorflow_tfjs_core.ts";
import type { TfModel } from "../model/tf_model.ts";
import type { BatchCallback, EpochStats } from "../types.ts";
import { type Batch, chunkRows, disposeBatch, upload } from "./tfjs_data.ts";
import { widestHook } from "./tfjs_handle.ts";

/** Summed cross-entropy (natural log) of `logits` against one-hot `yHot`. */
function lossSum(logits: tf.Tensor2D, yHot: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.sum(tf.mul(yHot, tf.logSoftmax(logits))));
}

/** Rows whose arg-max logit is the label. */
function hits(logits: tf.Tensor2D, yInt: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), yInt), "float32"));
}

/**
 * One seed's running epoch statistics: per batch its mean loss and hits
 * (device scalars, in pairs) and its row count; what was read back already
 * (gradients read anyway) is summed on the host.
 */
export interface SeedTally {
  scalars: tf.Tensor[];
  counts: number[];
  host: { loss: number; hits: number };
}

/** An empty {@link SeedTally}. */
export function newTally(): SeedTally {
  return { scalars: [], counts: [], host: { loss: 0, hits: 0 } };
}

/** What one seed's epoch of steps needs. */
export interface SeedEpoch {
  model: TfModel;
  optimizer: tf.Optimizer;
  /** The epoch's batches, `true` beside those to dispose after their step. */
  batches: Iterable<[Batch, boolean]>;
  /** Seed index, as `onBatch` reports it. */
  seedIndex: number;
  /** Hook points with weights, whose gradients `onBatch` gets. */
  weighted: string[];
  onBatch?: BatchCallback;
  tally: SeedTally;
}

/** Trains one seed for one epoch (see the module doc). */
export async function trainSeedEpoch(e: SeedEpoch): Promise<void> {
  const { model, optimizer: opt, onBatch, tally, weighted } = e;
  let b = 0;
  for (const [batch, owned] of e.batches) {
    try {
      let hit: tf.Scalar | undefined;
      const f = () => {
        const logits = model.logits(batch.x);
        hit = tf.keep(hits(logits, batch.yInt));
        return tf.div(lossSum(logits, batch.yHot), batch.count) as tf.Scalar;
      };
      if (!onBatch) {
        const cost = opt.minimize(f, true, model.variables)!;
        tally.scalars.push(cost, hit!);
        tally.counts.push(batch.count);
      } else {
        const { value, grads } = tf.variableGrads(f, model.variables);
        const flat = tf.tidy(() =>
          tf.concat([
            tf.reshape(value, [1]),
            tf.reshape(hit!, [1]),
            ...weighted.map((name) => tf.reshape(grads[model.kernels.get(name)!.name], [-1])),
          ])
        );
        tf.dispose([value, hit!]);
        let data: Float32Array;
        try {
          data = (await flat.data()) as Float32Array;
        } finally {
          flat.dispose();
        }
        const map = new Map<string, Float32Array>();
        let off = 2;
        for (const name of weighted) {
          const size = model.kernels.get(name)!.size;
          map.set(name, data.slice(off, off + size));
          off += size;
        }
        tally.host.loss += data[0] * batch.count;
        tally.host.hits += data[1];
        try {
          await onBatch(e.seedIndex, b, data[0], map);
          opt.applyGradients(grads);
        } finally {
          tf.dispose(Object.values(grads));
        }
      }
    } finally {
      if (owned) disposeBatch(batch);
    }
    b++;
  }
}

/**
 * Every seed's epoch loss and accuracy from its tally (one read for all);
 * `nTrain[s]`: seed s's training rows. Frees the tallies' tensors.
 */
export async function epochStats(tallies: SeedTally[], nTrain: number[]): Promise<EpochStats> {
  const loss: number[] = [];
  const accuracy: number[] = [];
  const all = tallies.flatMap((t) => t.scalars);
  try {
    const stacked = all.length > 0 ? tf.stack(all) : null;
    const data = stacked ? ((await stacked.data()) as Float32Array) : new Float32Array(0);
    stacked?.dispose();
    let off = 0;
    tallies.forEach((t, s) => {
      let l = t.host.loss, h = t.host.hits;
      for (const count of t.counts) {
        l += data[off++] * count;
        h += data[off++];
      }
      loss.push(l / nTrain[s]);
      accuracy.push(h / nTrain[s]);
    });
  } finally {
    tf.dispose(all);
  }
  return { loss, accuracy };
}

/** Mean loss and accuracy of every network of `models` on `n` rows of `x`, `y` (n > 0). */
export async function evaluateModels(
  models: TfModel[],
  x: Float32Array,
  y: Int32Array,
  n: number,
  classes: number,
): Promise<EpochStats> {
  const cols = models[0].plan.inputUnits;
  const parts: tf.Tensor[] = [];
  const step = chunkRows(Math.max(widestHook(models[0]), cols));
  try {
    for (let start = 0; start < n; start += step) {
      const rows = Math.min(step, n - start);
      const batch = upload(
        x.subarray(start * cols, (start + rows) * cols),
        y.subarray(start, start + rows),
        cols,
        classes,
      );
      try {
        for (const m of models) {
          parts.push(tf.tidy(() => {
            const logits = m.logits(batch.x);
            return tf.stack([lossSum(logits, batch.yHot), hits(logits, batch.yInt)]);
          }));
        }
      } finally {
        disposeBatch(batch);
      }
    }
    const all = tf.tidy(() => tf.concat(parts));
    const data = (await all.data()) as Float32Array;
    all.dispose();
    const S = models.length;
    const loss = new Array<number>(S).fill(0);
    const accuracy = new Array<number>(S).fill(0);
    for (let i = 0; i < parts.length; i++) {
      loss[i % S] += data[2 * i];
      accuracy[i % S] += data[2 * i + 1];
    }
    return { loss: loss.map((v) => v / n), accuracy: accuracy.map((v) => v / n) };
  } finally {
    tf.dispose(parts);
  }
}
