/**
 * The tfjs {@link Trainer}: any {@link ModelSpec} (MLP or CNN) on the
 * chosen tfjs backend, one parameter set and one optimiser per seed, the
 * seeds trained one after another within each epoch.
 *
 * - Loss: softmax cross-entropy through logSoftmax, mean over the batch.
 * - Optimiser: Adam with PyTorch's constants (beta1 0.9, beta2 0.999,
 *   epsilon 1e-8) or plain SGD.
 * - Batches: contiguous rows in data order, the last one partial; with
 *   `training.shuffle` the rows of epoch e follow
 *   `permutation(createRng(seed, "batch:" + e), n)`.
 * - Epoch loss and accuracy are those of the batches as they were trained
 *   (before each step), summed over rows and divided by n, as the fused
 *   kernel reports them; they stay on the device until one read per epoch.
 * - With `onBatch`, gradients come from tf.variableGrads, the kernel
 *   gradients (and the batch loss) are read back in one read per batch,
 *   handed over keyed by hook-point name, then applied.
 *
 * The tfjs backend is process-wide: creating a trainer switches it.
 * `opts.initialParams` replaces the seeded initialisation (a stored
 * network rebuilt); `model(i).params()` reads the current weights back.
 *
 * @module
 */
import { ADAM_DEFAULTS } from "./adam.ts";
import { checkTrainerOptions, failOption } from "./check_options.ts";
import * as tf from "../../deps/tensorflow_tfjs_core.ts";
import { ensureGradients, initBackend } from "../backend.ts";
import { LensError } from "../errors.ts";
import { hookIndex, planModel } from "../model/architecture.ts";
import { stepMacs } from "../webgpu/choose.ts";
import { buildTfModel, createTfModel, type TfModel } from "../model/tf_model.ts";
import { createRng, permutation } from "../rng.ts";
import type {
  Activation,
  ActivationCache,
  BatchCallback,
  Dataset,
  EpochStats,
  ModelHandle,
  Trainer,
  TrainerOptions,
} from "../types.ts";

/** Values held at once when capturing or evaluating in chunks (floats). */
const CHUNK_FLOATS = 1 << 22;

interface Batch {
  x: tf.Tensor2D;
  yHot: tf.Tensor2D;
  yInt: tf.Tensor1D;
  count: number;
}

/** Per batch: its mean loss and hits (device scalars, in pairs) and its row count. */
interface PendingStats {
  scalars: tf.Tensor[];
  counts: number[];
}

/** A training set on the device: batches uploaded once (no shuffle), or per epoch. */
interface DeviceData {
  data: Dataset;
  fixed: Batch[] | null;
}

function validate(opts: TrainerOptions): void {
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

function upload(x: Float32Array, y: Int32Array, cols: number, classes: number): Batch {
  const count = y.length;
  return tf.tidy(() => {
    const yInt = tf.tensor1d(y, "int32");
    return { x: tf.tensor2d(x, [count, cols]), yHot: tf.oneHot(yInt, classes), yInt, count };
  }) as Batch;
}

function disposeBatch(b: Batch): void {
  tf.dispose([b.x, b.yHot, b.yInt]);
}

/** Summed cross-entropy (natural log) of `logits` against one-hot `yHot`. */
function lossSum(logits: tf.Tensor2D, yHot: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.sum(tf.mul(yHot, tf.logSoftmax(logits))));
}

/** Rows whose arg-max logit is the label. */
function hits(logits: tf.Tensor2D, yInt: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), yInt), "float32"));
}

/**
 * Builds the tfjs trainer for `opts` (switches the tfjs backend to
 * `opts.backend`).
 *
 * @example
 * ```ts
 * const trainer = await createTfjsTrainer({
 *   model: { type: "mlp", hidden: [10, 7, 5, 4, 3], activation: "tanh", init: "reference" },
 *   training: { epochs: 100, batchSize: 512, lr: 4e-4, optimizer: "adam", shuffle: false },
 *   datasets: [data], seeds: [0], backend: "wasm",
 * });
 * const stats = await trainer.trainEpoch(0);
 * const [cache] = await trainer.capture(data.probe.x, data.probe.n);
 * trainer.dispose();
 * ```
 */
export async function createTfjsTrainer(opts: TrainerOptions): Promise<Trainer> {
  validate(opts);
  const hint = opts.backend === "auto"
    ? {
      macsPerStep: stepMacs(
        opts.model,
        opts.datasets[0].inputShape,
        opts.datasets[0].numClasses,
        opts.training.batchSize,
      ),
    }
    : undefined;
  const backend = await initBackend(opts.backend, hint);
  await ensureGradients();
  const { training, seeds } = opts;
  const first = opts.datasets[0];
  const classes = first.numClasses;
  const models: TfModel[] = [];
  try {
    seeds.forEach((seed, s) => {
      const given = opts.initialParams?.[s];
      models.push(
        given
          ? createTfModel(planModel(opts.model, first.inputShape, classes), given)
          : buildTfModel(opts.model, first.inputShape, classes, seed),
      );
    });
  } catch (e) {
    for (const m of models) m.dispose();
    throw e;
  }
  const plan = models[0].plan;
  const cols = plan.inputUnits;
  const layers = models[0].layers;
  const optimizers: tf.Optimizer[] = seeds.map(() =>
    training.optimizer === "adam"
      ? tf.train.adam(training.lr, ADAM_DEFAULTS.beta1, ADAM_DEFAULTS.beta2, ADAM_DEFAULTS.eps)
      : tf.train.sgd(training.lr)
  );
  const B = training.batchSize;
  const device = new Map<Dataset, DeviceData>();
  for (const d of opts.datasets) {
    if (device.has(d)) continue;
    let fixed: Batch[] | null = null;
    if (!training.shuffle) {
      fixed = [];
      for (let start = 0; start < d.nTrain; start += B) {
        const end = Math.min(d.nTrain, start + B);
        fixed.push(
          upload(
            d.xTrain.subarray(start * cols, end * cols),
            d.yTrain.subarray(start, end),
            cols,
            classes,
          ),
        );
      }
    }
    device.set(d, { data: d, fixed });
  }
  const weighted = layers.filter((l) => l.hasWeights).map((l) => l.name);
  let disposed = false;
  const alive = () => {
    if (disposed) {
      throw new LensError("the trainer was disposed", {
        code: "state",
        expected: "calls before dispose()",
      });
    }
  };

  /** Batches of seed `s` in epoch `epoch`, in order (uploaded on demand when shuffled). */
  function* batchesOf(s: number, epoch: number): Generator<[Batch, boolean]> {
    const dev = device.get(opts.datasets[s])!;
    if (dev.fixed) {
      for (const b of dev.fixed) yield [b, false];
      return;
    }
    const d = dev.data;
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
  }

  /** Rows per chunk so that `unitsPerRow` values per row stay under CHUNK_FLOATS. */
  const chunkRows = (unitsPerRow: number) => Math.max(1, Math.floor(CHUNK_FLOATS / unitsPerRow));
  const captureUnits = layers.reduce((a, l) => a + l.units, 0);
  const evalUnits = Math.max(...layers.map((l) => l.units));

  async function captureOne(model: TfModel, x: Float32Array, n: number): Promise<ActivationCache> {
    const out = new Map<string, Activation>(
      layers.map((l) => [l.name, { data: new Float32Array(n * l.units), rows: n, cols: l.units }]),
    );
    const step = chunkRows(captureUnits);
    for (let start = 0; start < n; start += step) {
      const rows = Math.min(step, n - start);
      const flat = tf.tidy(() => {
        const hooks = model.forward(
          tf.tensor2d(x.subarray(start * cols, (start + rows) * cols), [rows, cols]),
        );
        return tf.concat(layers.map((l) => tf.reshape(hooks.get(l.name)!, [-1])));
      });
      const data = (await flat.data()) as Float32Array;
      flat.dispose();
      let off = 0;
      for (const l of layers) {
        const len = rows * l.units;
        out.get(l.name)!.data.set(data.subarray(off, off + len), start * l.units);
        off += len;
      }
    }
    return out;
  }

  function checkRows(x: Float32Array, n: number, field: string): void {
    if (!Number.isInteger(n) || n < 0 || x.length < n * cols) {
      throw new LensError(`${x.length} values cannot hold ${n} rows`, {
        code: "data",
        field,
        expected: `${n} rows of ${cols} values (${n * cols})`,
      });
    }
  }

  const handles: ModelHandle[] = models.map((model, s) => ({
    seed: seeds[s],
    layers,
    capture(x: Float32Array, n: number) {
      alive();
      checkRows(x, n, "capture");
      return captureOne(model, x, n);
    },
    async forwardFrom(layer: string, features: Activation): Promise<Activation> {
      alive();
      const h = plan.hooks[hookIndex(plan, layer)];
      if (features.cols !== h.info.units || features.data.length < features.rows * features.cols) {
        throw new LensError(`features are ${features.rows} x ${features.cols}`, {
          code: "data",
          field: `forwardFrom(${layer})`,
          expected: `rows x ${h.info.units} (the units of ${layer}), row-major`,
        });
      }
      const rows = features.rows;
      if (h.info.kind === "output") {
        return { data: features.data.slice(0, rows * classes), rows, cols: classes };
      }
      const data = new Float32Array(rows * classes);
      const step = chunkRows(Math.max(evalUnits, h.info.units));
      for (let start = 0; start < rows; start += step) {
        const r = Math.min(step, rows - start);
        const p = tf.tidy(() =>
          model.forwardFrom(
            layer,
            tf.tensor2d(features.data.subarray(start * h.info.units, (start + r) * h.info.units), [
              r,
              h.info.units,
            ]),
          )
        );
        data.set((await p.data()) as Float32Array, start * classes);
        p.dispose();
      }
      return { data, rows, cols: classes };
    },
    params() {
      alive();
      return model.readParams();
    },
  }));

  /**
   * One seed's epoch. Per batch, the mean loss and the hits stay on the
   * device in `pending` (read once per epoch), or, when gradients are read
   * anyway, are added to `host`.
   */
  async function trainSeed(
    s: number,
    epoch: number,
    onBatch: BatchCallback | undefined,
    pending: PendingStats,
    host: { loss: number; hits: number },
  ): Promise<void> {
    const model = models[s];
    const opt = optimizers[s];
    let b = 0;
    for (const [batch, owned] of batchesOf(s, epoch)) {
      try {
        let hit: tf.Scalar | undefined;
        const f = () => {
          const logits = model.logits(batch.x);
          hit = tf.keep(hits(logits, batch.yInt));
          return tf.div(lossSum(logits, batch.yHot), batch.count) as tf.Scalar;
        };
        if (!onBatch) {
          const cost = opt.minimize(f, true, model.variables)!;
          pending.scalars.push(cost, hit!);
          pending.counts.push(batch.count);
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
          host.loss += data[0] * batch.count;
          host.hits += data[1];
          try {
            await onBatch(s, b, data[0], map);
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

  return {
    kind: "tfjs",
    backend,
    seeds: [...seeds],
    layers,
    async capture(x, n) {
      alive();
      checkRows(x, n, "capture");
      const out: ActivationCache[] = [];
      for (const m of models) out.push(await captureOne(m, x, n));
      return out;
    },
    async trainEpoch(epoch, onBatch) {
      alive();
      const loss: number[] = [];
      const accuracy: number[] = [];
      const pending: PendingStats[] = seeds.map(() => ({ scalars: [], counts: [] }));
      const host = seeds.map(() => ({ loss: 0, hits: 0 }));
      const all = () => pending.flatMap((p) => p.scalars);
      try {
        for (let s = 0; s < seeds.length; s++) {
          await trainSeed(s, epoch, onBatch, pending[s], host[s]);
        }
        const stacked = all().length > 0 ? tf.stack(all()) : null;
        const data = stacked ? ((await stacked.data()) as Float32Array) : new Float32Array(0);
        stacked?.dispose();
        let off = 0;
        for (let s = 0; s < seeds.length; s++) {
          let l = host[s].loss, h = host[s].hits;
          for (const count of pending[s].counts) {
            l += data[off++] * count;
            h += data[off++];
          }
          const n = opts.datasets[s].nTrain;
          loss.push(l / n);
          accuracy.push(h / n);
        }
      } finally {
        tf.dispose(all());
      }
      return { loss, accuracy };
    },
    async evaluate(x, y, n): Promise<EpochStats> {
      alive();
      checkRows(x, n, "evaluate");
      if (y.length < n) {
        throw new LensError(`${y.length} labels for ${n} rows`, {
          code: "data",
          field: "evaluate",
          expected: `${n} labels`,
        });
      }
      if (n === 0) return { loss: seeds.map(() => NaN), accuracy: seeds.map(() => NaN) };
      const parts: tf.Tensor[] = [];
      const step = chunkRows(Math.max(evalUnits, cols));
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
        const S = seeds.length;
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
    },
    model(seedIndex) {
      alive();
      const h = handles[seedIndex];
      if (!h) {
        throw new LensError(`no seed index ${seedIndex}`, {
          code: "not_found",
          field: "seedIndex",
          expected: `0 .. ${seeds.length - 1}`,
        });
      }
      return h;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const m of models) m.dispose();
      for (const o of optimizers) o.dispose();
      for (const dev of device.values()) dev.fixed?.forEach(disposeBatch);
    },
  };
}
