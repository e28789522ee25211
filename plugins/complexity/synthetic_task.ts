/**
 * A small self-contained task for tests, benchmarks and demos of the
 * complexity plugins: a dense network with seeded random weights
 * (core/model/init.ts) as the target, Gaussian inputs, and labels that
 * the network itself assigns (so its upper layers are meaningful for the
 * losses the Shapley games measure).
 *
 * @module
 */
import { type DenseParams, initDense } from "../../core/model/init.ts";
import { createRng } from "../../core/rng.ts";
import type { Dataset, ModelHandle } from "../../core/types.ts";
import { createDenseHandle, denseForward } from "./dense_handle.ts";

/** What {@link syntheticTask} builds. */
export interface SyntheticTaskSpec {
  seed: number;
  inDim: number;
  /** Hidden widths, e.g. [16, 8]. */
  hidden: number[];
  classes: number;
  nTrain: number;
  nTest: number;
  activation?: string;
  /** Fraction of labels replaced by a random class (makes train and test differ). */
  labelNoise?: number;
}

/** The target network and its data. */
export interface SyntheticTask {
  params: DenseParams;
  activation: string;
  model: ModelHandle;
  dataset: Dataset;
}

/**
 * Builds the task.
 *
 * @example
 * ```ts
 * const t = syntheticTask({ seed: 0, inDim: 6, hidden: [16, 8], classes: 3, nTrain: 400, nTest: 200 });
 * await t.model.capture(t.dataset.xTrain, t.dataset.nTrain);
 * ```
 */
export function syntheticTask(spec: SyntheticTaskSpec): SyntheticTask {
  const activation = spec.activation ?? "tanh";
  const params = initDense(spec.seed, [spec.inDim, ...spec.hidden, spec.classes], "reference");
  // Larger weights than the initialiser's so the target is clearly nonlinear.
  for (const w of params.w) for (let i = 0; i < w.length; i++) w[i] *= 2;
  const rng = createRng(spec.seed, "synthetic-task");
  const draw = (n: number) => Float32Array.from({ length: n * spec.inDim }, () => rng.normal());
  const label = (x: Float32Array, n: number) => {
    const outs = denseForward(params, activation, x, n);
    const p = outs[outs.length - 1];
    return Int32Array.from({ length: n }, (_, i) => {
      if (spec.labelNoise && rng.next() < spec.labelNoise) return rng.int(spec.classes);
      let best = 0;
      for (let j = 1; j < spec.classes; j++) {
        if (p[i * spec.classes + j] > p[i * spec.classes + best]) best = j;
      }
      return best;
    });
  };
  const xTrain = draw(spec.nTrain);
  const xTest = draw(spec.nTest);
  const yTrain = label(xTrain, spec.nTrain);
  const yTest = label(xTest, spec.nTest);
  const dataset: Dataset = {
    name: "synthetic",
    inputShape: [spec.inDim],
    numClasses: spec.classes,
    xTrain,
    yTrain,
    nTrain: spec.nTrain,
    xTest,
    yTest,
    nTest: spec.nTest,
    probe: { x: xTest, y: yTest, n: spec.nTest },
    info: { seed: spec.seed, hidden: spec.hidden },
  };
  return { params, activation, model: createDenseHandle(params, activation, spec.seed), dataset };
}
