/**
 * The tfjs {@link Trainer}: any {@link ModelSpec} (MLP or CNN) on the
 * chosen tfjs backend, one parameter set and one optimiser per seed, the
 * seeds trained one after another within each epoch.
 *
 * - Optimiser: Adam with PyTorch's constants (beta1 0.9, beta2 0.999,
 *   epsilon 1e-8) or plain SGD.
 * - Data (tfjs_data.ts): contiguous rows in data order, the last batch
 *   partial; with `training.shuffle` the rows of epoch e follow
 *   `permutation(createRng(seed, "batch:" + e), n)`.
 * - Model (tfjs_handle.ts): capture and the handles the plugins get.
 * - Step (tfjs_step.ts): softmax cross-entropy, mean over the batch; the
 *   epoch's loss and accuracy are those of the batches as they were
 *   trained, as the fused kernel reports them, read once per epoch; with
 *   `onBatch`, each batch's kernel gradients are read back, handed over,
 *   then applied.
 *
 * The tfjs backend is process-wide: creating a trainer switches it.
 * `opts.initialParams` replaces the seeded initialisation (a stored
 * network rebuilt); `model(i).params()` reads the current weights back.
 *
 * @module
 */
import { ADAM_DEFAULTS } from "./adam.ts";
import * as tf from "../../deps/tensorflow_tfjs_core.ts";
import { ensureGradients, initBackend } from "../backend.ts";
import { LensError } from "../errors.ts";
import { planModel } from "../model/architecture.ts";
import { stepMacs } from "../webgpu/choose.ts";
import { buildTfModel, createTfModel, type TfModel } from "../model/tf_model.ts";
import type { ActivationCache, EpochStats, Trainer, TrainerOptions } from "../types.ts";
import { checkRows, trainingBatches, validateTrainerData } from "./tfjs_data.ts";
import { captureActivations, tfjsModelHandle } from "./tfjs_handle.ts";
import { epochStats, evaluateModels, newTally, trainSeedEpoch } from "./tfjs_step.ts";

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
  validateTrainerData(opts);
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
  const cols = models[0].plan.inputUnits;
  const layers = models[0].layers;
  const optimizers: tf.Optimizer[] = seeds.map(() =>
    training.optimizer === "adam"
      ? tf.train.adam(training.lr, ADAM_DEFAULTS.beta1, ADAM_DEFAULTS.beta2, ADAM_DEFAULTS.eps)
      : tf.train.sgd(training.lr)
  );
  const batches = trainingBatches(
    opts.datasets,
    seeds,
    training.batchSize,
    training.shuffle,
    cols,
    classes,
  );
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
  const handles = models.map((model, s) => tfjsModelHandle(model, seeds[s], classes, alive));

  return {
    kind: "tfjs",
    backend,
    seeds: [...seeds],
    layers,
    async capture(x, n) {
      alive();
      checkRows(x, n, cols, "capture");
      const out: ActivationCache[] = [];
      for (const m of models) out.push(await captureActivations(m, x, n));
      return out;
    },
    async trainEpoch(epoch, onBatch) {
      alive();
      const tallies = seeds.map(newTally);
      try {
        for (let s = 0; s < seeds.length; s++) {
          await trainSeedEpoch({
            model: models[s],
            optimizer: optimizers[s],
            batches: batches.batchesOf(s, epoch),
            seedIndex: s,
            weighted,
            onBatch,
            tally: tallies[s],
          });
        }
      } catch (e) {
        tf.dispose(tallies.flatMap((t) => t.scalars));
        throw e;
      }
      return await epochStats(tallies, opts.datasets.map((d) => d.nTrain));
    },
    async evaluate(x, y, n): Promise<EpochStats> {
      alive();
      checkRows(x, n, cols, "evaluate");
      if (y.length < n) {
        throw new LensError(`${y.length} labels for ${n} rows`, {
          code: "data",
          field: "evaluate",
          expected: `${n} labels`,
        });
      }
      if (n === 0) return { loss: seeds.map(() => NaN), accuracy: seeds.map(() => NaN) };
      return await evaluateModels(models, x, y, n, classes);
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
      batches.dispose();
    },
  };
}
